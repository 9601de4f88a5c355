# Building the cloud host's rootfs (`up --openstack`, issue 9). Sourced by lab.sh.
#
# Two cached stages, each rebuilt only when its inputs change (sha256 in the .stamp files):
#   1. $CLOUD_PKG_ROOT  a copy of the lab's debootstrap stage with Debian 12's own OpenStack Zed
#                       packages installed by cloud/install-packages.sh (policy-rc.d exits 101:
#                       nothing starts, nothing is configured). Inputs: the debootstrap stamp,
#                       the package list, that script, the mirrors. 11-14 minutes on a busy
#                       2-core machine (about 3 on an idle one).
#   2. $CLOUD_ROOT      a copy of stage 1 with cloud/files copied over it, cloud/configure.sh run
#                       in a chroot, then booted ONCE in a private network namespace so the first
#                       boot creates the databases (tsplay-cloud-db.service) and
#                       `tsplay-cloud bootstrap` registers users, catalog and volume types through
#                       the real APIs. Every `up` after that boots a fresh overlay of this tree:
#                       the services start on databases that are already there. Inputs: stage 1,
#                       test/lab/cloud, this file, the lab key, the OpenStack passwords.
# This file is part of stage 2's inputs; lib/cloud.sh (starting, waiting, inventory) is not.

CLOUD_PACKAGES="keystone glance cinder-api cinder-scheduler cinder-volume python3-cinder mariadb-server rabbitmq-server python3-pymysql qemu-utils nfs-common"
CLOUD_SRC=$LAB_DIR/cloud
# Per build process: a second state dir (TSPLAY_LAB_STATE) may build at the same time.
CLOUD_BUILD_NETNS=${NETNS_PREFIX}cloud-build-$$
CLOUD_BUILD_CGROUP=cloud-build-$$
CLOUD_PASSWORD_NAMES="ADMIN_PASSWORD DEMO_PASSWORD GLANCE_PASSWORD CINDER_PASSWORD KEYSTONE_DB_PASSWORD GLANCE_DB_PASSWORD CINDER_DB_PASSWORD RABBIT_PASSWORD"

# The OpenStack passwords: made once, kept across rebuilds (only `purge` forgets them).
cloud_secrets_ensure() {
  local name pw missing=()
  mkdir -p "$(dirname "$CLOUD_SECRETS")"
  chmod 0700 "$(dirname "$CLOUD_SECRETS")"
  for name in $CLOUD_PASSWORD_NAMES; do
    grep -q "^$name=" "$CLOUD_SECRETS" 2>/dev/null || missing+=("$name")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  (umask 077
   for name in "${missing[@]}"; do
     pw=""
     while [ ${#pw} -lt 24 ]; do pw+=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9'); done
     printf '%s=%s\n' "$name" "${pw:0:24}" >> "$CLOUD_SECRETS"
   done)
  chmod 0600 "$CLOUD_SECRETS"
}

cloud_secret() { sed -n "s/^$1=//p" "$CLOUD_SECRETS"; }

cloud_packages_hash() {
  { cat "$DEBOOTSTRAP_STAMP"; printf '%s\n' "$CLOUD_PACKAGES" "$(debian_mirror)" "$(debian_security_mirror)"
    sha256sum < "$CLOUD_SRC/install-packages.sh"; } | sha256sum | cut -d' ' -f1
}

cloud_packages_current() {
  [ -f "$CLOUD_PKG_STAMP" ] && [ "$(cat "$CLOUD_PKG_STAMP")" = "$(cloud_packages_hash)" ] \
    && [ -x "$CLOUD_PKG_ROOT/usr/bin/keystone-manage" ]
}

cloud_packages_ensure() {
  cloud_packages_current && return 0
  local start log=$STATE/cloud-packages.log
  start=$(now_ms)
  log "cloud stage 1: installing Debian's OpenStack packages ($CLOUD_PACKAGES)"
  rm -rf "$CLOUD_PKG_ROOT.new" "$CLOUD_PKG_STAMP"
  cp -a "$DEBOOTSTRAP_ROOT" "$CLOUD_PKG_ROOT.new"
  # apt needs a name service during the build only; the host itself gets none.
  cp /etc/resolv.conf "$CLOUD_PKG_ROOT.new/etc/resolv.conf"
  : > "$log"
  chroot_run_script "$CLOUD_PKG_ROOT.new" "$CLOUD_SRC/install-packages.sh" "$log" \
      MIRROR="$(debian_mirror)" SECURITY_MIRROR="$(debian_security_mirror)" PACKAGES="$CLOUD_PACKAGES" \
    || die "installing the cloud packages failed, see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
  printf '# tsplay lab: no DNS (the lab network is isolated)\n' > "$CLOUD_PKG_ROOT.new/etc/resolv.conf"
  rm -rf "$CLOUD_PKG_ROOT"
  mv "$CLOUD_PKG_ROOT.new" "$CLOUD_PKG_ROOT"
  cloud_packages_hash > "$CLOUD_PKG_STAMP"
  log "cloud stage 1 done in $(elapsed "$start") ($(du -sh "$CLOUD_PKG_ROOT" | cut -f1))"
}

cloud_inputs_hash() {
  { cat "$CLOUD_PKG_STAMP" "$LAB_KEY.pub" "$CLOUD_SECRETS"
    hash_inputs "$CLOUD_SRC" "$LAB_DIR/lib/cloud-build.sh" \
      "$LAB_DIR/base/files/etc/ssh/sshd_config.d/tsplay-lab.conf" \
      "$LAB_DIR/base/files/etc/systemd/journald.conf.d/tsplay-lab.conf"; } | sha256sum | cut -d' ' -f1
}

cloud_is_current() {
  [ -f "$CLOUD_STAMP" ] && [ "$(cat "$CLOUD_STAMP")" = "$(cloud_inputs_hash)" ] \
    && [ -f "$CLOUD_ROOT/var/lib/tsplay-cloud/bootstrapped" ]
}

# The init (systemd) of the container that nspawn PID runs, once it exists.
nspawn_leader() {
  local nspawn=$1 i child
  for ((i = 0; i < 200; i++)); do
    for child in $(cat /proc/"$nspawn"/task/*/children 2>/dev/null); do
      if [ "$(cat /proc/"$child"/comm 2>/dev/null)" = systemd ]; then echo "$child"; return 0; fi
    done
    pid_alive "$nspawn" || return 1
    sleep 0.05
  done
  return 1
}

# Boots ROOT once with systemd-nspawn in a network namespace of its own (eth0 with the cloud's
# address, a veth whose peer stays inside: no packet can leave), runs the API bootstrap in it
# and powers it off. Everything it prints goes to $STATE/cloud-bootstrap.log.
cloud_boot_once() {
  local root=$1 log=$STATE/cloud-bootstrap.log ns=$CLOUD_BUILD_NETNS nspawn leader rc=0 i
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns" || die "cannot create network namespace $ns"
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name eth0-peer
  ip -n "$ns" addr add "$SUBNET_PREFIX.$CLOUD_OCTET/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set eth0-peer up
  (cg_enter "$CLOUD_BUILD_CGROUP" "$BASHPID" || exit 1
   exec nsenter --net="/run/netns/$ns" systemd-nspawn --quiet --boot --register=no --keep-unit \
     --directory="$root" --machine="$CLOUD_NAME" --hostname="$CLOUD_NAME" \
     --resolv-conf=off --timezone=off --link-journal=no --console=read-only) </dev/null >> "$log" 2>&1 9>&- &
  nspawn=$!
  if ! leader=$(nspawn_leader "$nspawn"); then
    rc=1; echo "=== the container's systemd did not start" >> "$log"
  fi
  # Commands run in the container's namespaces with a clean environment.
  inside() { nsenter -t "$leader" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PYTHONUNBUFFERED=1 "$@"; }
  if [ $rc = 0 ]; then
    echo "=== waiting for the first boot (databases) to finish" >> "$log"
    # systemctl answers only once the container's systemd has set up its private socket.
    local state
    for ((i = 0; i < 600; i++)); do
      state=$(inside systemctl is-system-running 2>/dev/null || true)
      [ -z "$state" ] || [ "$state" = offline ] || break
      sleep 0.1
    done
    inside timeout 600 systemctl is-system-running --wait >> "$log" 2>&1 || true
    inside systemctl --no-pager --failed >> "$log" 2>&1 || true
    echo "=== tsplay-cloud bootstrap" >> "$log"
    inside timeout 600 tsplay-cloud bootstrap >> "$log" 2>&1 || rc=$?
    if [ $rc != 0 ]; then
      inside journalctl --no-pager -n 200 >> "$log" 2>&1 || true
    fi
    inside systemctl poweroff --no-block >> "$log" 2>&1 || true
  fi
  for ((i = 0; i < 600; i++)); do pid_alive "$nspawn" || break; sleep 0.1; done
  for ((i = 0; i < 50; i++)); do
    [ -z "$(cg_pids "$CLOUD_BUILD_CGROUP")" ] && break
    cg_kill "$CLOUD_BUILD_CGROUP"
    sleep 0.1
  done
  wait "$nspawn" 2>/dev/null || true
  cg_remove "$CLOUD_BUILD_CGROUP"
  ip netns del "$ns" 2>/dev/null || true
  return $rc
}

# Builds the new tree in $CLOUD_ROOT.new (the running cloud host, if any, keeps using the old
# one); cloud_build_install then puts it in place once that host is gone.
cloud_build_new() {
  local start new=$CLOUD_ROOT.new log=$STATE/cloud-configure.log hash
  start=$(now_ms)
  hash=$(cloud_inputs_hash)
  log "cloud stage 2: configuring the cloud rootfs and bootstrapping its databases"
  rm -rf "$new" "$new.stamp"
  cp -a "$CLOUD_PKG_ROOT" "$new"
  cp -a "$CLOUD_SRC/files/." "$new/"
  install -D -m 0644 "$LAB_DIR/base/files/etc/ssh/sshd_config.d/tsplay-lab.conf" "$new/etc/ssh/sshd_config.d/tsplay-lab.conf"
  install -D -m 0644 "$LAB_DIR/base/files/etc/systemd/journald.conf.d/tsplay-lab.conf" "$new/etc/systemd/journald.conf.d/tsplay-lab.conf"
  : > "$log"
  local -a secrets=()
  local name
  for name in $CLOUD_PASSWORD_NAMES; do secrets+=("$name=$(cloud_secret "$name")"); done
  chroot_run_script "$new" "$CLOUD_SRC/configure.sh" "$log" \
      LAB_PUBKEY="$(cat "$LAB_KEY.pub")" CLOUD_NAME="$CLOUD_NAME" CLOUD_IP="$SUBNET_PREFIX.$CLOUD_OCTET" "${secrets[@]}" \
    || die "configuring the cloud rootfs failed, see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
  : > "$STATE/cloud-bootstrap.log"
  cloud_boot_once "$new" \
    || die "bootstrapping the cloud failed, see $STATE/cloud-bootstrap.log: $(grep -a '^tsplay-cloud:' "$STATE/cloud-bootstrap.log" | tail -n 1)"
  [ -f "$new/var/lib/tsplay-cloud/bootstrapped" ] || die "the cloud bootstrap did not finish, see $STATE/cloud-bootstrap.log"
  # What each host gets on its own: machine-id and SSH host key (lib/hosts.sh); fresh logs.
  : > "$new/etc/machine-id"
  rm -f "$new"/etc/ssh/ssh_host_* "$new/var/lib/dbus/machine-id"
  find "$new/var/log" -type f -delete
  echo "$hash" > "$new.stamp"
  log "cloud stage 2 done in $(elapsed "$start") ($(du -sh "$new" | cut -f1))"
}

cloud_build_install() {
  [ -f "$CLOUD_ROOT.new.stamp" ] || die "no new cloud rootfs to install"
  local old=""
  rm -f "$CLOUD_STAMP"
  if [ -e "$CLOUD_ROOT" ]; then old=$CLOUD_ROOT.old.$$; mv "$CLOUD_ROOT" "$old"; fi
  mv "$CLOUD_ROOT.new" "$CLOUD_ROOT"
  mv "$CLOUD_ROOT.new.stamp" "$CLOUD_STAMP"
  # Deleting ~1.5 GB of small files takes a minute on a busy machine: not on the way of `up`.
  if [ -n "$old" ]; then (rm -rf "$old" </dev/null >/dev/null 2>&1 8>&- 9>&- &); fi
}
