# Lab hosts: an overlay of the base per host, its identity (hostname, machine-id, SSH host
# key, ifcfg files), and starting/stopping it.
#
# Host kinds (recorded in $HOSTS_DIR/NAME/kind):
#   nspawn  a booted systemd (systemd-nspawn --boot), the default: sshd, ovsdb, dnf, units
#   light   planned for scale tests (issue 5): the same netns, overlay, keys and inventory,
#           but network + mount + pid namespaces running only `sshd -D`. A kind provides
#           kind_<kind>_start NAME; stopping goes through the host's cgroup for every kind.

HOST_KINDS="nspawn light"

host_kind() { cat "$(host_dir "$1")/kind" 2>/dev/null || echo nspawn; }

pid_alive() {  # PID [COMM]: alive and not a zombie (this machine's PID 1 reaps late)
  local pid=$1 comm=${2-} stat
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ] || return 1
  [ -z "$comm" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]
}

host_running() {
  pid_alive "$(cat "$(host_dir "$1")/supervisor.pid" 2>/dev/null)" bash
}

# The host's SSH host key, kept per name in $HOSTKEYS_DIR so that `reset` and re-creating
# a host do not change it (known_hosts stays valid).
host_key_ensure() {
  local k=$HOSTKEYS_DIR/$1/ssh_host_ed25519_key
  [ -f "$k" ] && return 0
  mkdir -p "$HOSTKEYS_DIR/$1"
  ssh-keygen -q -t ed25519 -N '' -C "root@$1" -f "$k" </dev/null || die "ssh-keygen for $1 failed"
}

# Writes the host's own files into its (empty) upper directory, before the overlay is
# mounted: they shadow the base's generic ones.
host_seed_upper() {
  local name=$1 up ip
  up=$(host_dir "$name")/upper
  ip=$(host_ip "$name")
  install -d -m 0755 "$up/etc/ssh" "$up/etc/sysconfig/network-scripts"
  install -m 0600 "$HOSTKEYS_DIR/$name/ssh_host_ed25519_key" "$up/etc/ssh/"
  install -m 0644 "$HOSTKEYS_DIR/$name/ssh_host_ed25519_key.pub" "$up/etc/ssh/"
  echo "$name" > "$up/etc/hostname"
  printf '%s\n' \
    '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4' \
    '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6' > "$up/etc/hosts"
  printf '%s\n' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" > "$up/etc/machine-id"
  [ "$name" != "$CLOUD_NAME" ] || return 0   # a Debian host: no CentOS network scripts
  printf '%s\n' DEVICE=eth0 "HWADDR=$(host_mac "$name" 0)" TYPE=Ethernet ONBOOT=yes BOOTPROTO=none \
    "IPADDR=$ip" NETMASK=255.255.255.0 > "$up/etc/sysconfig/network-scripts/ifcfg-eth0"
  printf '%s\n' DEVICE=eth1 "HWADDR=$(host_mac "$name" 1)" TYPE=Ethernet ONBOOT=no BOOTPROTO=none \
    > "$up/etc/sysconfig/network-scripts/ifcfg-eth1"
}

host_mounted() { mountpoint -q "$(host_dir "$1")/root"; }

# Creates the host's directories and mounts its overlay (fresh upper when new).
host_prepare() {
  local name=$1 kind=${2:-nspawn} dir
  dir=$(host_dir "$name")
  host_key_ensure "$name"
  if [ ! -d "$dir/upper" ]; then
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    host_seed_upper "$name"
  fi
  echo "$kind" > "$dir/kind"
  if ! host_mounted "$name"; then
    mount -t overlay "tsplay-$name" -o "lowerdir=$(host_lower "$name"),upperdir=$dir/upper,workdir=$dir/work" "$dir/root" \
      || die "cannot mount the overlay root of $name"
  fi
}

host_start() {
  local name=$1 kind
  kind=$(host_kind "$name")
  host_running "$name" && return 0
  net_host_add "$name"
  rm -f "$(host_dir "$name")/stop"
  "kind_${kind}_start" "$name"
}

kind_nspawn_start() {
  local dir i
  dir=$(host_dir "$1")
  # fd 9 is the lab lock: the long-lived supervisor must not keep holding it.
  setsid bash "$LAB_DIR/lib/supervise-nspawn.sh" "$1" </dev/null >> "$dir/console.log" 2>&1 9>&- &
  # The supervisor writes its pid once it is in its cgroup; wait for that (bounded).
  for ((i = 0; i < 100; i++)); do
    host_running "$1" && return 0
    sleep 0.05
  done
  die "the supervisor of $1 did not start, see $dir/console.log"
}

kind_light_start() {
  die "host kind 'light' (netns + mount + pid namespaces running only sshd -D) is planned for issue 5 and not built yet"
}

# Stops a host: orderly shutdown (SIGTERM to nspawn -> SIGRTMIN+3 to the container's
# systemd) for up to $2 seconds, then SIGKILL to everything left in its cgroup. With a
# timeout of 0 it kills at once (reset: the overlay is thrown away anyway).
host_stop() {
  local name=$1 timeout=${2:-10} dir pid i
  dir=$(host_dir "$name")
  [ -d "$dir" ] || return 0
  touch "$dir/stop"
  pid=$(cat "$dir/nspawn.pid" 2>/dev/null || true)
  if [ "$timeout" -gt 0 ] && pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      host_running "$name" || break
      sleep 0.1
    done
  fi
  for ((i = 0; i < 50; i++)); do
    [ -z "$(cg_pids "$name")" ] && ! host_running "$name" && break
    cg_kill "$name"
    sleep 0.1
  done
  rm -f "$dir/supervisor.pid" "$dir/nspawn.pid"
}

# Unmounts the overlay and removes the namespace and cgroups (the host's files stay).
host_teardown() {
  local name=$1 dir i
  dir=$(host_dir "$name")
  for ((i = 0; i < 30; i++)); do
    host_mounted "$name" || break
    umount "$dir/root" 2>/dev/null || sleep 0.1
  done
  if host_mounted "$name"; then umount -l "$dir/root" || die "cannot unmount $dir/root"; fi
  net_host_del "$name"
  cg_remove "$name"
}

# sshd answers with its banner (what `up` first waits for).
host_ssh_banner() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$(host_ip "$1")/22 && head -c 4 <&3" 2>/dev/null | grep -q '^SSH-'
}

# The lab's own ssh command line (the same settings the inventory gives tsplay/ansible).
lab_ssh() {
  local ip=$1; shift
  ssh -o BatchMode=yes -o ConnectTimeout=5 -o IdentitiesOnly=yes -i "$LAB_KEY" \
      -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes -o LogLevel=ERROR \
      "root@$ip" "$@"
}

# Waits until sshd answers, then until the host's systemd finished booting; prints the
# state (running, degraded, ...) and succeeds for running or degraded.
host_wait_booted() {
  local name=$1 limit=${2:-120} deadline state
  deadline=$(( $(date +%s) + limit ))
  until host_ssh_banner "$name"; do
    host_running "$name" || { echo "stopped"; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no-ssh"; return 1; }
    sleep 0.1
  done
  date +%s%3N > "$(host_dir "$name")/ssh-ready-ms"
  state=$(lab_ssh "$(host_ip "$name")" timeout "$limit" systemctl is-system-running --wait 2>/dev/null)
  date +%s%3N > "$(host_dir "$name")/booted-ms"
  echo "${state:-unknown}"
  [[ $state == running || $state == degraded ]]
}
