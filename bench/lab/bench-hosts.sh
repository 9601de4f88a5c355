#!/bin/bash
# The benchmark's own lab hosts, beside (never instead of) the regular lab's: names
# bench1..benchN (N up to 1000), addresses 198.18.4.10.. on their own bridge tsplaybench0
# (198.18.4.0/22, inside the lab's blackholed 198.18.0.0/15), network namespaces
# tsplay-benchN, state under /var/lib/tsplay-lab/bench (overlays, host keys, known_hosts),
# the lab's base image and client key. Needs root.
#
#   bench-hosts.sh up N [--kind light|nspawn]   start bench1..benchN (prints JSON timings)
#   bench-hosts.sh reset                        the same hosts on fresh overlays (JSON timings)
#   bench-hosts.sh down                         stop and remove them (and the bridge if we made it)
#   bench-hosts.sh memory                       JSON: memory cgroup bytes per host
#   bench-hosts.sh cpu-ns                       total CPU ns of the hosts' cpuacct groups
#
# Kinds: light (test/lab/lib/light-hosts.sh: only sshd -D in its namespaces) and nspawn
# (the lab's booted systemd hosts, for workloads that need systemd).
set -euo pipefail

MAIN_STATE=${TSPLAY_LAB_STATE:-/var/lib/tsplay-lab}
# The lab scripts derive every path from TSPLAY_LAB_STATE; pointing it at our own
# directory gives the bench hosts their own host dirs, host keys and known_hosts, also in
# the nspawn supervisor process, which sources common.sh itself.
export TSPLAY_LAB_STATE=$MAIN_STATE/bench
LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../test/lab/lib" && pwd)
source "$LAB_LIB/common.sh"
source "$LAB_LIB/net.sh"
source "$LAB_LIB/cgroup.sh"
source "$LAB_LIB/hosts.sh"
source "$LAB_LIB/inventory.sh"   # known_hosts_write
source "$LAB_LIB/light-hosts.sh"

# Shared with the regular lab: the base image (lowerdir), the client key every base
# accepts, and the rpm repository.
BASE_ROOT=$MAIN_STATE/base
LAB_KEY=$MAIN_STATE/ssh/id_ed25519
MAIN_REPO=$MAIN_STATE/repo
RPM_REPO=$MAIN_REPO
# Our own bridge and a /22: a thousand hosts do not fit the lab's /24, and a Linux bridge
# takes at most 1024 ports. net.sh reads these names.
BRIDGE=tsplaybench0
BRIDGE_IP=198.18.4.1
BRIDGE_PREFIX_LEN=22
BENCH_FIRST_OFFSET=10        # bench1 = 198.18.4.10, bench1000 = 198.18.7.241
BENCH_MAX_HOSTS=1000

host_names() { local i; for ((i = 1; i <= $1; i++)); do echo "bench$i"; done; }
host_number() {
  [[ $1 =~ ^bench([0-9]+)$ ]] || die "not a bench host name: '$1'"
  echo "${BASH_REMATCH[1]}"
}
# Offset of the host's address from 198.18.4.0 (bench/lib/hosts.ts computes the same).
host_offset() { echo $(( BENCH_FIRST_OFFSET + $(host_number "$1") - 1 )); }
host_index() { host_number "$1"; }
host_ip() { local o; o=$(host_offset "$1"); echo "198.18.$(( 4 + o / 256 )).$(( o % 256 ))"; }
# Locally administered and distinct from the lab's 02:18:00:00:...: 02:18:01:<nic>:<offset>.
host_mac() { local o; o=$(host_offset "$1"); printf '02:18:01:%02x:%02x:%02x' "$2" $(( o / 256 )) $(( o % 256 )); }
host_veth() { echo "tsb-$1"; }
existing_hosts() {
  local d
  [ -d "$HOSTS_DIR" ] || return 0
  for d in "$HOSTS_DIR"/bench*/; do [ -d "$d" ] && basename "$d"; done | sort -V
}

bench_running() {
  case $(host_kind "$1") in
    light) light_host_running "$1" ;;
    *) host_running "$1" ;;
  esac
}

bench_stop() {
  case $(host_kind "$1") in
    light) light_host_stop "$1" ;;
    *) host_stop "$1" 0 ;;
  esac
}

# Our bridge (net_bridge_up also keeps the /15 blackhole route in place). A thousand
# neighbours on one bridge overflow the kernel's default ARP table (gc_thresh3 = 1024).
bridge_ensure() {
  raise_sysctl net.ipv4.neigh.default.gc_thresh1 4096
  raise_sysctl net.ipv4.neigh.default.gc_thresh2 8192
  raise_sysctl net.ipv4.neigh.default.gc_thresh3 16384
  net_bridge_up
}

# Removes only our bridge; the blackhole route stays while the regular lab's bridge exists.
bridge_remove() {
  ip link del "$BRIDGE" 2>/dev/null || true
  ip link show tsplaybr0 >/dev/null 2>&1 || ip route del blackhole "$BLACKHOLE_NET" 2>/dev/null || true
}

# nspawn hosts get the repository at $STATE/repo (the supervisor derives that path); a
# symlink makes it visible where the base's repo files point.
seed_nspawn_repo_link() {
  local up=$(host_dir "$1")/upper
  ln -sfn "$MAIN_REPO" "$STATE/repo"
  mkdir -p "$up${MAIN_REPO%/*}"
  ln -sfn "$STATE/repo" "$up$MAIN_REPO"
}

# Waits for every host's sshd banner; prints the ms since $1 when the last one answered.
wait_banners() {
  local start=$1; shift
  local name
  for name in "$@"; do host_ip "$name"; done \
    | python3 "$(dirname "${BASH_SOURCE[0]}")/wait-banners.py" "$start" 180 \
    || die "some bench hosts did not answer on ssh within 180 s"
}

START_KIND=
start_one() {
  local name=$1
  host_prepare "$name" "$START_KIND"
  net_host_add "$name"
  bench_running "$name" && return 0
  rm -f "$(host_dir "$name")/stop"
  "kind_${START_KIND}_start" "$name"
}

# Hosts start 16 at a time (mounts, namespaces and veths are mostly waiting on the kernel):
# a thousand one by one took minutes.
start_hosts() {
  local kind=$1; shift
  local start ready
  start=$(now_ms)
  START_KIND=$kind
  if [ "$kind" = light ]; then
    light_template_start
    parallel_each 16 start_one "$@" || { light_template_stop; die "some bench hosts did not start"; }
    light_template_stop
  else
    # nspawn hosts boot through the lab's supervisor, which is not safe to start in parallel.
    local name; for name in "$@"; do start_one "$name"; done
  fi
  log "${#}: hosts started in $(elapsed "$start")"
  ready=$(wait_banners "$start" "$@")
  printf '{"hosts":%d,"kind":"%s","sshReadyMs":%d}\n' "$#" "$kind" "$ready"
}

cmd_up() {
  local n=${1:-} kind=light
  shift || true
  while [ $# -gt 0 ]; do
    case $1 in
      --kind) kind=${2:-}; shift 2 ;;
      *) die "up: unknown option '$1'" ;;
    esac
  done
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$BENCH_MAX_HOSTS" ] \
    || die "up: the host count must be 1..$BENCH_MAX_HOSTS, not '$n'"
  [[ $kind == light || $kind == nspawn ]] || die "up: kind must be light or nspawn, not '$kind'"
  [ -f "$MAIN_STATE/base.stamp" ] || die "the lab base image is not built; run 'npm run lab -- up' once first"
  local have=() want=() name
  mapfile -t have < <(existing_hosts)
  mapfile -t want < <(host_names "$n")
  for name in "${have[@]}"; do
    if [[ " ${want[*]} " != *" $name "* ]] || [ "$(host_kind "$name")" != "$kind" ]; then remove_one "$name"; fi
  done
  net_tune_kernel
  if [ "$kind" = nspawn ]; then
    mkdir -p /run/systemd/nspawn
    mountpoint -q /run/systemd/nspawn || mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn
  fi
  bridge_ensure
  for name in "${want[@]}"; do
    host_key_ensure "$name"
    if [ "$kind" = nspawn ] && [ ! -d "$(host_dir "$name")/upper" ]; then
      host_prepare "$name" nspawn; umount "$(host_dir "$name")/root"; seed_nspawn_repo_link "$name"
    fi
  done
  known_hosts_write "${want[@]}"
  start_hosts "$kind" "${want[@]}"
}

remove_one() {
  bench_stop "$1"
  host_teardown "$1"
  rm -rf "$(host_dir "$1")"
}

reset_one() {
  local dir i
  dir=$(host_dir "$1")
  if [ "$(host_kind "$1")" = light ]; then
    # A light host keeps its namespace and veth: only its processes, overlay and cgroups
    # (the per-run CPU figures) are renewed; at 1,000 hosts that halves a reset. Its
    # overlay was mounted in its own mount namespace, gone with its processes (the
    # unmount here is for hosts started before that was so).
    light_host_stop "$1"
    for ((i = 0; i < 30; i++)); do host_mounted "$1" || break; umount "$dir/root" 2>/dev/null || sleep 0.1; done
    if host_mounted "$1"; then umount -l "$dir/root" || die "cannot unmount $dir/root"; fi
    cg_remove "$1"
  else
    bench_stop "$1"
    host_teardown "$1"
  fi
  rm -rf "$dir/upper" "$dir/work" "$dir/root" "$dir/console.log"
}

cmd_reset() {
  local hosts=() kind name
  mapfile -t hosts < <(existing_hosts)
  [ ${#hosts[@]} -gt 0 ] || die "reset: no bench hosts exist"
  kind=$(host_kind "${hosts[0]}")
  local t0; t0=$(now_ms)
  parallel_each 32 reset_one "${hosts[@]}"
  log "reset: ${#hosts[@]} hosts stopped in $(elapsed "$t0")"
  bridge_ensure
  if [ "$kind" = nspawn ]; then
    for name in "${hosts[@]}"; do
      host_prepare "$name" nspawn; umount "$(host_dir "$name")/root"; seed_nspawn_repo_link "$name"
    done
  fi
  start_hosts "$kind" "${hosts[@]}"
}

cmd_down() {
  local hosts=()
  mapfile -t hosts < <(existing_hosts)
  [ ${#hosts[@]} -eq 0 ] || parallel_each 32 remove_one "${hosts[@]}"
  rm -f "$STATE/repo"
  bridge_remove
  log "bench hosts down: ${#hosts[@]} removed"
}

cmd_memory() {
  local name sep='' hosts=()
  mapfile -t hosts < <(existing_hosts)
  printf '{'
  for name in "${hosts[@]}"; do
    printf '%s"%s":%s' "$sep" "$name" "$(cg_memory_bytes "$name" || echo null)"; sep=,
  done
  printf '}\n'
}

cmd_cpu_ns() {
  local name total=0 v f hosts=()
  mapfile -t hosts < <(existing_hosts)
  for name in "${hosts[@]}"; do
    f=$CG_ROOT/cpuacct/$CGROUP_NAME/$name/cpuacct.usage
    [ -r "$f" ] || { echo null; return; }
    v=$(cat "$f"); total=$((total + v))
  done
  echo "$total"
}

require_root
cmd=${1:-}; shift || true
exec 9> "$MAIN_STATE/bench.lock"   # fd 9: light-hosts.sh closes it for the hosts
flock -w 300 9 || die "another bench-hosts command is running"
case $cmd in
  up) cmd_up "$@" ;;
  reset) cmd_reset ;;
  down) cmd_down ;;
  memory) cmd_memory ;;
  cpu-ns) cmd_cpu_ns ;;
  *) die "usage: bench-hosts.sh up N [--kind light|nspawn] | reset | down | memory | cpu-ns" ;;
esac
