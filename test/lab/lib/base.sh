# The base rootfs every lab host boots from (read-only lowerdir of the per-host overlays).
#
# Two cached stages, each rebuilt only when its inputs change:
#   1. $STATE/debootstrap/  plain `debootstrap --variant=minbase` with the package list below
#                           (about a minute; inputs: suite, mirror, package list).
#                           libnss-myhostname resolves the host's own name without an
#                           /etc/hosts entry, as on CentOS 7 (sudo needs that).
#   2. $STATE/base/         a copy of stage 1 configured by base_configure below and
#                           test/lab/base/files (inputs: those files, the base RPMs, the lab
#                           SSH key and tester2's password).

BASE_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,python3,iproute2,dnf,rpm,openvswitch-switch,sudo,procps,libnss-myhostname
DEBOOTSTRAP_ROOT=$STATE/debootstrap
DEBOOTSTRAP_STAMP=$STATE/debootstrap.stamp

# Stage 1b: Debian packages only the numbered hosts need, installed with apt into a copy of
# stage 1. They are not in BASE_PACKAGES because the cloud rootfs starts from stage 1 too and
# its 20-minute build must not repeat when the hosts need one more tool.
#   iptables        the compute-node playbook's firewall (live rules in the host's namespace)
#   mariadb-client  mysql_db/mysql_user and the stub nova-manage talk to a real MariaDB
#   mariadb-server  the database of the snapshot-backup and compute-node playbooks (installed
#   xfsprogs        disabled; the hosts that play a database server start it) and its XFS disk
#   cron            crond and `crontab`, as CentOS 7 has them (the cron module manages user crontabs)
#   zip unzip       archive/unarchive with format zip, as on CentOS 7 (Ansible's unarchive needs unzip too)
BASE_DEBIAN_PACKAGES="iptables mariadb-client mariadb-server xfsprogs cron zip unzip"
BASE_PKG_ROOT=$STATE/base-packages
BASE_PKG_STAMP=$STATE/base-packages.stamp

# The Debian mirror this machine already uses (deb822 .sources or one-line .list files).
debian_mirror() {
  local url
  url=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$DEBIAN_SUITE" '
      /^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == s) {print u; exit}}')
  if [ -z "$url" ]; then
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v s="$DEBIAN_SUITE" '
        $1 == "deb" && $0 !~ /\[/ && $3 == s {print $2; exit}
        $1 == "deb" && $0 ~ /\[/ {for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file):/ && $(i+1) == s) {print $i; exit}}')
  fi
  echo "${url:-http://deb.debian.org/debian}"
}

debootstrap_ensure() {
  local mirror stamp start
  mirror=$(debian_mirror)
  stamp=$(printf '%s\n' "$DEBIAN_SUITE" "$mirror" "$BASE_PACKAGES" | sha256sum | cut -d' ' -f1)
  if [ -f "$DEBOOTSTRAP_STAMP" ] && [ "$(cat "$DEBOOTSTRAP_STAMP")" = "$stamp" ] && [ -x "$DEBOOTSTRAP_ROOT/usr/bin/dnf" ]; then
    return 0
  fi
  log "debootstrap $DEBIAN_SUITE (minbase + $BASE_PACKAGES) from $mirror"
  start=$(now_ms)
  rm -rf "$DEBOOTSTRAP_ROOT.new" "$DEBOOTSTRAP_STAMP"
  mkdir -p "$STATE"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$DEBIAN_SUITE" "$DEBOOTSTRAP_ROOT.new" "$mirror" \
      > "$STATE/debootstrap.log" 2>&1 \
    || die "debootstrap failed, see $STATE/debootstrap.log (last lines: $(tail -n 3 "$STATE/debootstrap.log" | tr '\n' ' '))"
  rm -rf "$DEBOOTSTRAP_ROOT"
  mv "$DEBOOTSTRAP_ROOT.new" "$DEBOOTSTRAP_ROOT"
  echo "$stamp" > "$DEBOOTSTRAP_STAMP"
  log "debootstrap done in $(elapsed "$start")"
}

# The security mirror this machine uses (glance's SSRF fixes are only in bookworm-security):
# base.sh's lookup for that suite; without such a source, Debian's own.
debian_security_mirror() {
  local url
  url=$(DEBIAN_SUITE=$DEBIAN_SUITE-security debian_mirror)
  [ "$url" != http://deb.debian.org/debian ] || url=http://deb.debian.org/debian-security
  echo "$url"
}

# Runs a script from this machine inside ROOT (chroot) with /proc and /dev mounted.
chroot_run_script() {
  local root=$1 script=$2 log=$3 rc=0 m
  shift 3
  local -a mounts=()
  mount --bind /proc "$root/proc" && mounts+=("$root/proc")
  mount --bind /dev "$root/dev" && mounts+=("$root/dev")
  mount -t devpts -o newinstance devpts "$root/dev/pts" && mounts+=("$root/dev/pts")
  # A file, not stdin: apt and dpkg inside must not read the rest of the script as input.
  install -m 0755 "$script" "$root/tmp/tsplay-chroot-script"
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" chroot "$root" /bin/bash /tmp/tsplay-chroot-script </dev/null >> "$log" 2>&1 || rc=$?
  rm -f "$root/tmp/tsplay-chroot-script"
  for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount "${mounts[$m]}" || umount -l "${mounts[$m]}"; done
  return $rc
}

base_packages_hash() {
  { cat "$DEBOOTSTRAP_STAMP"; printf '%s\n' "$BASE_DEBIAN_PACKAGES" "$(debian_mirror)" "$(debian_security_mirror)"
    sha256sum < "$LAB_DIR/base/install-debian-packages.sh"; } | sha256sum | cut -d' ' -f1
}

base_packages_ensure() {
  if [ -f "$BASE_PKG_STAMP" ] && [ "$(cat "$BASE_PKG_STAMP")" = "$(base_packages_hash)" ] && [ -x "$BASE_PKG_ROOT/usr/bin/dnf" ]; then
    return 0
  fi
  local start log=$STATE/base-packages.log
  start=$(now_ms)
  log "base stage 1b: installing $BASE_DEBIAN_PACKAGES"
  rm -rf "$BASE_PKG_ROOT.new" "$BASE_PKG_STAMP"
  cp -a "$DEBOOTSTRAP_ROOT" "$BASE_PKG_ROOT.new"
  # apt needs a name service during the build only; the hosts themselves get none.
  cp /etc/resolv.conf "$BASE_PKG_ROOT.new/etc/resolv.conf"
  : > "$log"
  chroot_run_script "$BASE_PKG_ROOT.new" "$LAB_DIR/base/install-debian-packages.sh" "$log" \
      MIRROR="$(debian_mirror)" SECURITY_MIRROR="$(debian_security_mirror)" PACKAGES="$BASE_DEBIAN_PACKAGES" \
    || die "installing the base packages failed, see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
  rm -rf "$BASE_PKG_ROOT"
  mv "$BASE_PKG_ROOT.new" "$BASE_PKG_ROOT"
  base_packages_hash > "$BASE_PKG_STAMP"
  log "base stage 1b done in $(elapsed "$start")"
}

# The lab's SSH client key and tester2's sudo password: created once, kept across rebuilds.
credentials_ensure() {
  mkdir -p "$SSH_DIR" "$HOSTKEYS_DIR"
  chmod 0700 "$SSH_DIR"
  if [ ! -f "$LAB_KEY" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "tsplay-lab" -f "$LAB_KEY" </dev/null || die "ssh-keygen failed"
    log "generated the lab SSH key $LAB_KEY"
  fi
  if [ ! -s "$TESTER2_PASSWORD_FILE" ]; then
    local pw=""
    while [ ${#pw} -lt 20 ]; do pw+=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9'); done
    (umask 077; printf '%s' "${pw:0:20}" > "$TESTER2_PASSWORD_FILE")
  fi
  chmod 0600 "$TESTER2_PASSWORD_FILE"
}

base_inputs_hash() {
  { cat "$BASE_PKG_STAMP" "$RPM_STAMP" "$LAB_KEY.pub" "$TESTER2_PASSWORD_FILE"
    hash_inputs "$LAB_DIR/base" "$LAB_DIR/lib/base.sh"; } | sha256sum | cut -d' ' -f1
}

base_is_current() {
  [ -f "$BASE_STAMP" ] && [ "$(cat "$BASE_STAMP")" = "$(base_inputs_hash)" ] && [ -x "$BASE_ROOT/usr/bin/yum" ]
}

# Runs configure-rootfs.sh in a chroot of DIR with the lab repository bind-mounted.
base_configure() {
  local root=$1 m
  cp -a "$LAB_DIR/base/files/." "$root/"
  mkdir -p "$root$RPM_REPO"
  local -a mounts=()
  mount --bind /proc "$root/proc" && mounts+=("$root/proc")
  mount --bind /dev "$root/dev" && mounts+=("$root/dev")
  mount --bind -o ro "$RPM_REPO" "$root$RPM_REPO" && mounts+=("$root$RPM_REPO")
  local rc=0
  LAB_PUBKEY=$(cat "$LAB_KEY.pub") TESTER2_PASSWORD=$(cat "$TESTER2_PASSWORD_FILE") \
    chroot "$root" /bin/bash -s < "$LAB_DIR/base/configure-rootfs.sh" > "$STATE/base-configure.log" 2>&1 || rc=$?
  for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount "${mounts[$m]}"; done
  rmdir "$root$RPM_REPO" 2>/dev/null || true
  [ $rc = 0 ] || die "configuring the base rootfs failed, see $STATE/base-configure.log: $(tail -n 3 "$STATE/base-configure.log" | tr '\n' ' ')"
}

# Builds $BASE_ROOT when its inputs changed. The caller must have stopped every host first
# (their overlays sit on the old base).
base_ensure() {
  base_is_current && return 0
  local start
  start=$(now_ms)
  log "building the base rootfs"
  rm -rf "$BASE_ROOT.new"
  cp -a "$BASE_PKG_ROOT" "$BASE_ROOT.new"
  base_configure "$BASE_ROOT.new"
  rm -rf "$BASE_ROOT"
  mv "$BASE_ROOT.new" "$BASE_ROOT"
  base_inputs_hash > "$BASE_STAMP"
  log "base rootfs built in $(elapsed "$start") ($(du -sh "$BASE_ROOT" | cut -f1))"
}
