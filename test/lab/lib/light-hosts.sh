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
# the namespace). Mounts what sshd and the modules need, then becomes sshd.
#   $1 root of the host (its overlay), $2 the lab's rpm repository (bind-mounted read-only
#   at the same path, as the nspawn hosts have it), $3 its host name (own uts namespace).
light_init_script() {
  cat <<'EOF'
set -eu
root=$1 repo=$2 name=$3
hostname "$name"
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
# pivot_root instead of chroot, then drop the old root: the new mount namespace began as a
# copy of this machine's whole mount table, every other host's overlay included, so with
# chroot N hosts held N*N mounts and tearing one down took seconds at a few hundred hosts.
cd "$root"
pivot_root . run/oldroot
umount -l /run/oldroot
rmdir /run/oldroot
exec /usr/sbin/sshd -D -e
EOF
}

# Starts the host detached: its cgroups first, then the namespaces. The recorded
# supervisor pid is `unshare` (--kill-child: when it dies, so does the host).
kind_light_start() {
  local name=$1 dir ns d i
  dir=$(host_dir "$name")
  ns=/run/netns/$(host_netns "$name")
  [ -e "$ns" ] || die "light host $name: network namespace $ns is missing"
  date +%s%3N > "$dir/boot-started-ms"
  (
    for d in $(cg_dirs "$name"); do
      mkdir -p "$d" && echo "$BASHPID" > "$d/cgroup.procs" || exit 1
    done
    # fd 9 may be a lock of the caller: the long-lived host must not hold it.
    exec setsid nsenter --net="$ns" unshare --mount --uts --pid --fork --kill-child --propagation private \
      bash -c "$(light_init_script)" light-init "$dir/root" "$RPM_REPO" "$name"
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
