#!/bin/bash
# Keeps one lab host (kind "nspawn") running: boots it with systemd-nspawn and boots it
# again when its systemd asked for a reboot (nspawn exit status 133), so a playbook's
# `reboot` task behaves as on a real machine. Stops when the container powers off, fails,
# or `lab down` / `lab reset` created the host's "stop" file.
#
# Started detached by lib/hosts.sh as:  setsid bash supervise-nspawn.sh NAME
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cgroup.sh"

name=$1
dir=$(host_dir "$name")
# Own cgroup first: nspawn (--keep-unit) and the whole container live where we are.
cg_enter "$name" "$BASHPID" || { echo "supervisor: cannot enter the cgroup of $name" >&2; exit 1; }
echo "$BASHPID" > "$dir/supervisor.pid"

extra=()
[ -c /dev/net/tun ] && extra+=(--bind=/dev/net/tun)   # OVS userspace (netdev) bridges need tap devices

# nspawn mounts /proc/sys read-only and keeps /proc/sys/net writable only for networks it
# creates itself. The host's namespace is private to it, so make net.* writable (what
# `sysctl -w net....` in playbooks needs) by remounting that subtree inside the container.
proc_sys_net_writable() {
  local nspawn=$1 i child
  for ((i = 0; i < 100; i++)); do
    for child in $(cat /proc/"$nspawn"/task/*/children 2>/dev/null); do
      if [ "$(cat /proc/"$child"/comm 2>/dev/null)" = systemd ]; then
        nsenter -t "$child" -m -- /bin/sh -c \
          'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net' \
          || echo "supervisor: could not make /proc/sys/net writable in $name" >&2
        return 0
      fi
    done
    sleep 0.05
  done
  echo "supervisor: the init of $name did not appear; /proc/sys/net stays read-only" >&2
}

boots=0
while :; do
  boots=$((boots + 1))
  echo "$boots" > "$dir/boots"
  date +%s%3N > "$dir/boot-started-ms"
  echo "=== tsplay lab: boot $boots of $name at $(date -Is) ==="
  # nspawn runs inside the host's network namespace from the start (nsenter, not
  # --network-namespace-path): then the /sys it mounts shows the host's own interfaces,
  # not this machine's. CAP_NET_ADMIN only reaches that namespace.
  nsenter --net="/run/netns/$(host_netns "$name")" \
    systemd-nspawn --quiet --boot --register=no --keep-unit \
    --directory="$dir/root" --machine="$name" --hostname="$name" \
    --capability=CAP_NET_ADMIN \
    --bind-ro="$RPM_REPO" --resolv-conf=off --timezone=off --link-journal=no \
    --console=read-only "${extra[@]}" &
  nspawn=$!
  echo "$nspawn" > "$dir/nspawn.pid"
  proc_sys_net_writable "$nspawn" &
  wait "$nspawn"
  rc=$?
  rm -f "$dir/nspawn.pid"
  echo "=== tsplay lab: $name: systemd-nspawn exited with status $rc ==="
  [ -e "$dir/stop" ] && break
  [ "$rc" = 133 ] && continue     # reboot requested inside the host
  break
done
rm -f "$dir/supervisor.pid"
