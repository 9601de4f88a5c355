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

# Creates the host's directories and mounts its overlay (fresh upper when new). Light
# hosts mount their overlay inside their own mount namespace (light-hosts.sh), so here
# they only get the directories.
host_prepare() {
  local name=$1 kind=${2:-nspawn} dir
  dir=$(host_dir "$name")
  host_key_ensure "$name"
  if [ ! -d "$dir/upper" ]; then
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    host_seed_upper "$name"
  fi
  echo "$kind" > "$dir/kind"
  [ "$kind" != light ] || return 0
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
  data_disk_thaw "$name"   # a writer stuck on a frozen filesystem cannot be killed
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

# ---------------------------------------------------------------------------------------
# Data disks (`lab data-disk HOST`): a real XFS filesystem for a host, as a VM's attached
# volume is (seed 002's /mnt/data). An image file on this machine ($DATA_DISKS_DIR/HOST.img,
# sparse, mkfs.xfs here), attached to a loop device here, and inside the host:
#   /dev/vdb  a block device node for that loop device (mknod through nsenter; nspawn's /dev
#             is a tmpfs of its own, and this machine's devices cgroup lets every host use it:
#             the hosts sit at the root of the devices hierarchy, "a *:* rwm")
#   /mnt/data the filesystem, mounted inside the host's mount namespace, so `mount`,
#             `umount`, `xfs_freeze -f/-u` work there (nspawn keeps CAP_SYS_ADMIN and
#             CAP_MKNOD without a user namespace).
# The same filesystem is also mounted on this machine at $DATA_DISKS_DIR/HOST.mnt: one
# superblock, so a freeze made in the host shows there, and `xfs_freeze -u` there thaws it
# whatever happened to the host. host_stop thaws through it first: a frozen filesystem
# leaves writers in uninterruptible sleep, and a host with such a process cannot be stopped.
# The image, the loop device and the handle mount survive `reset`, which attaches the disk
# to the fresh host again (the node and the mount go with the old host's /dev and mount
# namespace); `down` and `purge` remove them.

DATA_DISKS_DIR=$STATE/data-disks
DATA_DISK_MB=${DATA_DISK_MB:-512}   # mkfs.xfs (xfsprogs 6) wants at least 300 MiB
DATA_DISK_NODE=/dev/vdb
DATA_DISK_MOUNT=/mnt/data

data_disk_image()  { echo "$DATA_DISKS_DIR/$1.img"; }
data_disk_handle() { echo "$DATA_DISKS_DIR/$1.mnt"; }
data_disk_exists() { [ -f "$(data_disk_image "$1")" ]; }
# The loop device attached to the host's image (empty when none).
data_disk_loop()   { losetup -j "$(data_disk_image "$1")" -O NAME -n 2>/dev/null | head -n 1; }

# The container's init (systemd) pid: nspawn's child.
host_init_pid() {
  local nspawn child
  nspawn=$(cat "$(host_dir "$1")/nspawn.pid" 2>/dev/null) || return 1
  for child in $(cat /proc/"$nspawn"/task/*/children 2>/dev/null); do
    [ "$(cat /proc/"$child"/comm 2>/dev/null)" = systemd ] && { echo "$child"; return 0; }
  done
  return 1
}

# Image, loop device and handle mount on this machine (idempotent).
data_disk_prepare() {
  local name=$1 img loop handle
  img=$(data_disk_image "$name")
  handle=$(data_disk_handle "$name")
  mkdir -p "$DATA_DISKS_DIR"
  command -v mkfs.xfs >/dev/null || die "data-disk needs mkfs.xfs on this machine: apt-get install xfsprogs"
  if [ ! -f "$img" ]; then
    truncate -s "${DATA_DISK_MB}M" "$img.new"
    mkfs.xfs -q -L data "$img.new" || die "mkfs.xfs on $img.new failed"
    mv "$img.new" "$img"
  fi
  loop=$(data_disk_loop "$name")
  [ -n "$loop" ] || loop=$(losetup --find --show "$img") || die "cannot attach $img to a loop device"
  mkdir -p "$handle"
  mountpoint -q "$handle" || mount -t xfs "$loop" "$handle" || die "cannot mount $loop at $handle"
}

# Thaw the disk if it is frozen (through the handle mount); quiet when it is not.
data_disk_thaw() {
  local handle
  data_disk_exists "$1" || return 0
  handle=$(data_disk_handle "$1")
  mountpoint -q "$handle" || return 0
  xfs_freeze -u "$handle" 2>/dev/null && log "$1: its data disk was frozen: thawed" || true
}

# The device node and the mount inside the running host (idempotent).
data_disk_attach() {
  local name=$1 loop init majmin
  host_running "$name" || die "data-disk: $name is not running"
  data_disk_prepare "$name"
  loop=$(data_disk_loop "$name")
  majmin=$(stat -Lc '%t %T' "$loop") || die "cannot stat $loop"
  init=$(host_init_pid "$name") || die "data-disk: the init of $name is not running"
  # Major/minor in hex from stat, decimal for mknod.
  # shellcheck disable=SC2086
  set -- $majmin
  nsenter -t "$init" -m -- /bin/sh -c "
    [ -b $DATA_DISK_NODE ] || mknod $DATA_DISK_NODE b $((16#$1)) $((16#$2)) || exit 1
    mkdir -p $DATA_DISK_MOUNT || exit 1
    mountpoint -q $DATA_DISK_MOUNT || mount -t xfs $DATA_DISK_NODE $DATA_DISK_MOUNT" \
    || die "data-disk: cannot attach $loop to $name as $DATA_DISK_NODE on $DATA_DISK_MOUNT"
}

# Remove everything of a host's data disk (down, purge, data-disk --remove).
data_disk_remove() {
  local name=$1 loop handle init
  data_disk_exists "$name" || { rm -f "$(data_disk_image "$name").new"; return 0; }
  data_disk_thaw "$name"
  if host_running "$name" && init=$(host_init_pid "$name"); then
    nsenter -t "$init" -m -- /bin/sh -c "umount $DATA_DISK_MOUNT 2>/dev/null; rm -f $DATA_DISK_NODE" || true
  fi
  handle=$(data_disk_handle "$name")
  if mountpoint -q "$handle"; then umount "$handle" || umount -l "$handle"; fi
  rmdir "$handle" 2>/dev/null || true
  loop=$(data_disk_loop "$name")
  [ -z "$loop" ] || losetup -d "$loop" || true
  rm -f "$(data_disk_image "$name")"
}
