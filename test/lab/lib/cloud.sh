# The lab's OpenStack controller (issue 9): host `cloud` at $SUBNET_PREFIX.$CLOUD_OCTET, booted
# like every lab host (overlay, netns, supervisor, SSH with the lab key) but from its own
# rootfs ($CLOUD_ROOT, built by lib/cloud-build.sh) running Debian 12's Keystone, Glance and
# Cinder with MariaDB and RabbitMQ. `up --openstack` builds (cached) and starts it and waits
# until the APIs answer; `down` removes it with the rest; `down --openstack` removes only it.
# The numbered hosts never depend on it: `up --hosts N`, `reset` and base rebuilds leave it be.

# Beside the committed clouds.yaml (no secrets): its passwords, written by `up --openstack`.
CLOUD_SECURE_YAML=$INVENTORY_DIR/secure.yaml    # git-ignored

cloud_ip() { host_ip "$CLOUD_NAME"; }

# Makes $CLOUD_ROOT current. Runs with the lab lock held on fd 9; a build takes minutes, so the
# lock is released meanwhile (other lab commands, e.g. someone's `reset`, go on) and the build
# is serialised by its own lock. Only replacing the tree and removing an old cloud host on it
# happen under the lab lock again.
cloud_rootfs_ensure() {
  cloud_secrets_ensure
  cloud_packages_current && cloud_is_current && return 0
  exec 9>&-
  exec 8> "$STATE/cloud-build.lock"
  flock -w 1800 8 || die "another cloud build is still running (lock $STATE/cloud-build.lock)"
  cloud_packages_ensure
  local rebuilt=0
  if ! cloud_is_current; then cloud_build_new; rebuilt=1; fi
  take_lock
  if [ "$rebuilt" = 1 ]; then
    if cloud_exists; then
      log "the cloud rootfs changed: removing the running cloud host first"
      remove_host "$CLOUD_NAME"
    fi
    cloud_build_install
  fi
  exec 8>&-
}

# Prepares (mounts) the cloud host; start_and_wait boots it with the others.
cloud_prepare() {
  host_prepare "$CLOUD_NAME" nspawn
}

# Waits until Keystone issues tokens (admin and demo), Glance lists images and Cinder's
# scheduler lists both backends' pools; prints what it saw.
cloud_wait_ready() {
  local limit=${1:-300} out start
  start=$(now_ms)
  if ! out=$(lab_ssh "$(cloud_ip)" timeout $((limit + 10)) tsplay-cloud wait-ready "$limit" 2>&1); then
    printf '%s\n' "$out" | tail -n 5 >&2
    die "the cloud's APIs did not become ready within $limit s (logs: npm run lab -- ssh $CLOUD_NAME journalctl; /var/log/{keystone,glance,cinder} there)"
  fi
  log "${out##*$'\n'} (after $(elapsed "$start"))"
}

# secure.yaml next to the committed clouds.yaml: openstacksdk and the OpenStack CLI merge it
# into clouds.yaml (OS_CLIENT_SECURE_FILE, or ./secure.yaml beside ./clouds.yaml).
cloud_secure_yaml_write() {
  local tmp
  tmp=$(mktemp "$CLOUD_SECURE_YAML.XXXXXX")
  cat > "$tmp" <<EOF
# Passwords of the lab cloud for clouds.yaml beside this file, written by
# \`npm run lab -- up --openstack\` from $CLOUD_SECRETS. Not committed (.gitignore).
clouds:
  lab:
    auth:
      password: "$(cloud_secret ADMIN_PASSWORD)"
  lab-demo:
    auth:
      password: "$(cloud_secret DEMO_PASSWORD)"
EOF
  chmod 0600 "$tmp"
  mv "$tmp" "$CLOUD_SECURE_YAML"
}

# The given numbered hosts, plus the cloud host when it exists (for down and status).
with_cloud_if_exists() {
  [ $# -eq 0 ] || printf '%s\n' "$@"   # no hosts: no empty name (status and down would choke on it)
  if cloud_exists; then echo "$CLOUD_NAME"; fi
}

cloud_status() {
  printf 'cloud:      %s\n' "$(
    if cloud_packages_current && cloud_is_current; then echo "built, current"
    elif [ -f "$CLOUD_STAMP" ]; then echo "built, OUT OF DATE (next 'up --openstack' rebuilds it)"
    else echo "not built"; fi)"
}

# "ready" when the APIs answer (a few seconds' check), else what is missing.
cloud_api_state() {
  local out
  if out=$(lab_ssh "$(cloud_ip)" timeout 20 tsplay-cloud wait-ready 5 2>&1); then echo ready
  else echo "not ready: ${out##*$'\n'}"; fi
}
