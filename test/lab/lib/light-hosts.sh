# Host kind "light" (issue 5): the same network namespace, overlay root, host key and
# cgroups as an nspawn host, but no systemd: network + mount + uts + pid namespaces (unshare)
# whose only process is `sshd -D`. Boots in milliseconds and costs a few MB per host, so
# a hundred of them fit comfortably for scale benchmarks. What it cannot do: anything
# that needs systemd as PID 1 (systemctl, services, handlers that restart units).
#
# Sourced after common.sh, net.sh, cgroup.sh and hosts.sh; it replaces hosts.sh's
# placeholder kind_light_start. lab.sh does not source it (its `up --kind light` still
# stops early); bench/lab/bench-hosts.sh does, for the benchmark's own hosts.

# Runs as PID 1 of the host's new pid namespace, inside its mount namespace (private
# propagation: nothing mounted here is seen by this machine, and all of it vanishes with
# the namespace). Mounts the host's overlay root and what sshd and the modules need, then
# becomes sshd.
#   $1 root of the host (its overlay's mount point), $2 the lab's rpm repository
#   (bind-mounted read-only at the same path, as the nspawn hosts have it), $3 its host
#   name (own uts namespace), $4 the overlay's lowerdir, upperdir and workdir options.
light_init_script() {
  cat <<'EOF'
set -eu
root=$1 repo=$2 name=$3 layers=$4
hostname "$name"
# The overlay lives only in this namespace: this machine's mount table does not grow with
# the number of hosts, and the mount goes away with the host's last process.
mount -t overlay "tsplay-$name" -o "$layers" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
# /proc/sys read-only except net.* (this host's own network namespace): `sysctl -w
# kernel.*` in a playbook must not change the machine the benchmark runs on.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount --bind "$root/proc/sys/net" "$root/proc/sys/net"
mount -o remount,bind,ro "$root/proc/sys"
mount -o remount,bind,rw "$root/proc/sys/net"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
mount -t tmpfs -o mode=0755,nosuid,nodev run "$root/run"
mkdir -p "$root/run/sshd" "$root/run/lock" "$root$repo" "$root/run/oldroot"
mount --bind "$repo" "$root$repo"
mount -o remount,bind,ro "$root$repo"
# pivot_root instead of chroot, then drop the old root (the mount table this namespace
# was copied from): the host keeps only its own mounts.
cd "$root"
pivot_root . run/oldroot
umount -l /run/oldroot
rmdir /run/oldroot
exec /usr/sbin/sshd -D -e
EOF
}

# The mount namespace every light host's own is copied from: a copy of this machine's,
# made before the hosts start, without the /run/netns mounts (one per host). unshare
# copies the whole mount table of the namespace it runs in, and the teardown of the copy
# (pivot_root's old root) walks it all again; copied from this machine's table, which
# holds a mount per host, starting N hosts cost N*N mount copies: 1,000 hosts took over
# 15 minutes. A `sleep` holds the template while hosts start (light_template_start/stop).
LIGHT_TEMPLATE_PID=
light_template_start() {
  [ -z "$LIGHT_TEMPLATE_PID" ] || return 0
  unshare --mount --propagation private \
    bash -c 'umount -l /run/netns 2>/dev/null || true; exec sleep infinity' </dev/null >/dev/null 2>&1 9>&- &
  LIGHT_TEMPLATE_PID=$!
  local i
  # Until the umount has run and bash has become sleep.
  for ((i = 0; i < 250; i++)); do
    [ "$(cat "/proc/$LIGHT_TEMPLATE_PID/comm" 2>/dev/null)" = sleep ] && return 0
    sleep 0.02
  done
  die "the light hosts' template mount namespace did not start"
}

light_template_stop() {
  [ -n "$LIGHT_TEMPLATE_PID" ] || return 0
  kill "$LIGHT_TEMPLATE_PID" 2>/dev/null || true
  wait "$LIGHT_TEMPLATE_PID" 2>/dev/null || true
  LIGHT_TEMPLATE_PID=
}

# Starts the host detached: its cgroups first, then the namespaces. The recorded
# supervisor pid is `unshare` (--kill-child: when it dies, so does the host).
kind_light_start() {
  local name=$1 dir ns d i mnt=()
  dir=$(host_dir "$name")
  ns=/run/netns/$(host_netns "$name")
  [ -e "$ns" ] || die "light host $name: network namespace $ns is missing"
  [ -z "$LIGHT_TEMPLATE_PID" ] || mnt=(--mount="/proc/$LIGHT_TEMPLATE_PID/ns/mnt")
  date +%s%3N > "$dir/boot-started-ms"
  (
    for d in $(cg_dirs "$name"); do
      mkdir -p "$d" && echo "$BASHPID" > "$d/cgroup.procs" || exit 1
    done
    # fd 9 may be a lock of the caller: the long-lived host must not hold it.
    exec setsid nsenter --net="$ns" "${mnt[@]}" unshare --mount --uts --pid --fork --kill-child --propagation private \
      bash -c "$(light_init_script)" light-init "$dir/root" "$RPM_REPO" "$name" \
      "lowerdir=$(host_lower "$name"),upperdir=$dir/upper,workdir=$dir/work"
  ) </dev/null >> "$dir/console.log" 2>&1 9>&- &
  echo $! > "$dir/supervisor.pid"
  # Until the exec chain (subshell, setsid, nsenter) has become unshare; bounded.
  for ((i = 0; i < 500; i++)); do
    light_host_running "$name" && return 0
    sleep 0.02
  done
  tail -n 5 "$dir/console.log" >&2 2>/dev/null || true
  die "light host $name did not start within 10 s, see $dir/console.log"
}

light_host_running() {
  local pid
  pid=$(cat "$(host_dir "$1")/supervisor.pid" 2>/dev/null) || return 1
  pid_alive "$pid" unshare
}

# Kills everything in the host's cgroups (there is no orderly shutdown to wait for); the
# teardown removes the cgroups.
light_host_stop() {
  local name=$1 dir i d
  dir=$(host_dir "$name")
  for ((i = 0; i < 50; i++)); do
    [ -z "$(cg_pids "$name")" ] && ! light_host_running "$name" && break
    cg_kill "$name"
    light_host_running "$name" && kill -KILL "$(cat "$dir/supervisor.pid")" 2>/dev/null
    sleep 0.05
  done
  rm -f "$dir/supervisor.pid"
}
