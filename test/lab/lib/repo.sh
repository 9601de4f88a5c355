# The local RPM repositories: every spec in test/lab/rpms/build-list is built with rpmbuild
# and indexed with createrepo_c into $RPM_REPO. Rebuilt only when the specs, sources,
# macros or build list change (hash in $RPM_STAMP).

RPMS_SRC=$LAB_DIR/rpms

repo_inputs_hash() { hash_inputs "$RPMS_SRC" "$LAB_DIR/lib/repo.sh"; }

repo_is_current() {
  [ -f "$RPM_STAMP" ] && [ "$(cat "$RPM_STAMP")" = "$(repo_inputs_hash)" ] \
    && [ -f "$RPM_REPO/centos7-os/repodata/repomd.xml" ]
}

# rpmbuild one spec; prints the paths of the rpms it produced.
repo_build_spec() {
  local spec=$1 version=$2 out=$3 log
  local -a defs=(--define "_topdir $RPM_BUILD" --define "_sourcedir $RPMS_SRC/sources"
                 --define "_rpmdir $out" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm"
                 --define "_binary_payload w9.gzdio")
  [ -n "$version" ] && defs+=(--define "pkg_version $version")
  log=$RPM_BUILD/log/${spec%.spec}${version:+-$version}.log
  if ! rpmbuild -bb --quiet --load "$RPMS_SRC/macros.lab" "${defs[@]}" "$RPMS_SRC/specs/$spec" > "$log" 2>&1; then
    die "rpmbuild of $spec${version:+ (version $version)} failed, see $log: $(tail -n 5 "$log" | tr '\n' ' ')"
  fi
}

repo_ensure() {
  repo_is_current && return 0
  local start spec repo version line dest pid failed=0
  local -a pids=()
  start=$(now_ms)
  log "building RPM repositories from test/lab/rpms"
  rm -rf "$RPM_BUILD" "$RPM_REPO.new"
  mkdir -p "$RPM_BUILD"/{BUILD,BUILDROOT,SPECS,SRPMS,log} "$RPM_REPO.new"
  while read -r line; do
    line=${line%%#*}
    read -r spec repo version <<< "$line"
    [ -n "${spec:-}" ] || continue
    [ -f "$RPMS_SRC/specs/$spec" ] || die "build-list names $spec, which is not in $RPMS_SRC/specs"
    case $repo in
      centos7-os|centos7-updates|openstack-juno|xen-c6) dest=$RPM_REPO.new/$repo/Packages ;;
      standalone) dest=$RPM_BUILD/standalone ;;
      *) die "build-list: unknown repository '$repo' for $spec" ;;
    esac
    mkdir -p "$dest"
    # rpmbuild of these small noarch packages is mostly process start-up: run them in parallel.
    repo_build_spec "$spec" "${version:-}" "$dest" &
    pids+=($!)
  done < "$RPMS_SRC/build-list"
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || die "building the lab RPMs failed (see the rpmbuild error above)"
  for repo in centos7-os centos7-updates openstack-juno xen-c6; do
    [ -d "$RPM_REPO.new/$repo/Packages" ] || die "repository $repo has no packages"
    createrepo_c --quiet --no-database "$RPM_REPO.new/$repo" >/dev/null \
      || die "createrepo_c $RPM_REPO.new/$repo failed"
  done
  cp "$RPM_BUILD"/standalone/rdo-release-juno-1.noarch.rpm "$RPM_REPO.new/rdo-release-juno.rpm" \
    || die "rdo-release was not built"
  # Replace the contents, not the directory: running hosts bind-mount $RPM_REPO itself.
  mkdir -p "$RPM_REPO"
  find "$RPM_REPO" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  mv "$RPM_REPO.new"/* "$RPM_REPO"/
  rmdir "$RPM_REPO.new"
  repo_inputs_hash > "$RPM_STAMP"
  log "RPM repositories built in $(elapsed "$start") ($(find "$RPM_REPO" -name '*.rpm' | wc -l) packages)"
}
