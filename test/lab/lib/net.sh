# Lab networking, all on this machine: a bridge $BRIDGE with $BRIDGE_IP/$BRIDGE_PREFIX_LEN
# (/24 for the lab; the benchmark's own bridge is larger), and per host a
# network namespace with eth0 (a veth into the bridge, the host's only address) and eth1
# (a veth whose peer "eth1-peer" stays in the same namespace: a spare NIC for playbooks,
# e.g. the OVS port of br-ex). A blackhole route for all of 198.18.0.0/15 keeps every
# test packet on this machine; the hosts have no default route at all. No IPv6 anywhere.

# Kernel settings every container needs; raised, never lowered.
net_tune_kernel() {
  raise_sysctl fs.inotify.max_user_instances 8192   # ~7 per container, and the limit is per uid (all are root)
  raise_sysctl fs.inotify.max_user_watches 1048576
  raise_sysctl kernel.pid_max 4194304
  raise_sysctl kernel.keys.maxkeys 20000            # systemd in each container keeps a few keys
}

raise_sysctl() {
  local key=$1 want=$2 cur
  cur=$(sysctl -n "$key" 2>/dev/null) || return 0
  [ "$cur" -ge "$want" ] 2>/dev/null || sysctl -q -w "$key=$want" >/dev/null || log "warning: cannot raise $key to $want"
}

disable_ipv6() {  # [netns] ifname|all|default
  local ns=$1 key=$2 path=/proc/sys/net/ipv6/conf/$2/disable_ipv6
  if [ -n "$ns" ]; then
    ip netns exec "$ns" sh -c "[ ! -e $path ] || echo 1 > $path"
  else
    [ ! -e "$path" ] || echo 1 > "$path"
  fi
}

net_bridge_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE"
  fi
  disable_ipv6 "" "$BRIDGE"
  ip addr replace "$BRIDGE_IP/$BRIDGE_PREFIX_LEN" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip route replace blackhole "$BLACKHOLE_NET"
}

net_bridge_down() {
  ip route del blackhole "$BLACKHOLE_NET" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
}

net_host_exists() { [ -e "/run/netns/$(host_netns "$1")" ]; }

# Creates and configures the host's namespace; idempotent (an existing one is recreated
# only when its eth0 is missing).
net_host_add() {
  local name=$1 ns veth ip
  ns=$(host_netns "$name"); veth=$(host_veth "$name"); ip=$(host_ip "$name")
  if net_host_exists "$name" && ip -n "$ns" link show eth0 >/dev/null 2>&1 && ip link show "$veth" >/dev/null 2>&1; then
    # A host that outlived its bridge (a `down` of a lab.sh that predates the cloud host leaves
    # the cloud running) is plugged into the new one.
    ip link set "$veth" master "$BRIDGE" up
    return 0
  fi
  net_host_del "$name"
  ip netns add "$ns" || die "cannot create network namespace $ns"
  disable_ipv6 "$ns" all; disable_ipv6 "$ns" default
  ip link add "$veth" address "$(host_mac "$name" 255)" type veth \
     peer name eth0 address "$(host_mac "$name" 0)" netns "$ns" || die "cannot create veth $veth for $name"
  disable_ipv6 "" "$veth"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$ip/$BRIDGE_PREFIX_LEN" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link add eth1 address "$(host_mac "$name" 1)" type veth peer name eth1-peer
  ip -n "$ns" link set eth1 up
  ip -n "$ns" link set eth1-peer up
}

net_host_del() {
  local ns
  ns=$(host_netns "$1")
  if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
  ip link del "$(host_veth "$1")" 2>/dev/null || true
}
