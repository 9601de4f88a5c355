#!/bin/bash
# tsplay lab: real Linux hosts (booted systemd, OpenSSH, rpm/dnf, Open vSwitch) on this
# machine, for the integration tests and benchmarks. Needs root. See test/lab/README.md.
#
#   npm run lab -- up [--hosts N] [--openstack]
#                                   build what is missing (cached), start N hosts (default:
#                                   as many as exist, else 2), write inventories/lab; with
#                                   --openstack also the OpenStack controller `cloud` (198.18.0.5)
#   npm run lab -- down [--openstack]  stop and remove the hosts, the bridge and the route
#                                   (--openstack: only the cloud host; the others stay up)
#   npm run lab -- reset [HOST...]  the same hosts (or only the named ones) again on fresh
#                                   overlays, in seconds
#   npm run lab -- status           what is running; exit 0 only when every host is up
#   npm run lab -- ssh NAME [CMD]   log into a host as root (or run CMD there)
#   npm run lab -- purge            down, then delete every cache under the state dir
set -euo pipefail

LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
source "$LIB/common.sh"
source "$LIB/deps.sh"
source "$LIB/base.sh"
source "$LIB/repo.sh"
source "$LIB/net.sh"
source "$LIB/cgroup.sh"
source "$LIB/hosts.sh"
source "$LIB/inventory.sh"
source "$LIB/cloud-build.sh"
source "$LIB/cloud.sh"

usage() {
  sed -n '5,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

# Only one lab command changes the lab at a time.
take_lock() {
  mkdir -p "$STATE"
  exec 9> "$STATE/lab.lock"
  flock -w 900 9 || die "another lab command is still running (lock $STATE/lab.lock)"
}

prepare_machine() {
  deps_install
  net_tune_kernel
  # systemd-nspawn keeps per-container state here; without a writable tmpfs it fails on
  # machines whose PID 1 is not systemd.
  mkdir -p /run/systemd/nspawn
  mountpoint -q /run/systemd/nspawn || mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn
}

remove_host() {
  # The cloud's upper dir is thrown away with it: an orderly stop of MariaDB, RabbitMQ and the
  # OpenStack services would only cost time.
  local timeout=${2:-10}
  [ "$1" != "$CLOUD_NAME" ] || timeout=${2:-0}
  host_stop "$1" "$timeout"
  host_teardown "$1"
  rm -rf "$(host_dir "$1")"
}

# Boots the given hosts (those not running) and waits for all of them; prints timings.
start_and_wait() {
  local start=$1; shift
  local name failed=0 ready_max=0 t
  for name in "$@"; do host_start "$name"; done
  local -A state=()
  local dir
  dir=$(mktemp -d)
  wait_one() { host_wait_booted "$1" 180 > "$dir/$1" 2>&1; }
  parallel_each 128 wait_one "$@" || failed=1
  for name in "$@"; do
    state[$name]=$(cat "$dir/$name")
    if [[ ${state[$name]} != running && ${state[$name]} != degraded ]]; then
      log "$name did not boot (state: ${state[$name]}); last console lines:"
      tail -n 15 "$(host_dir "$name")/console.log" >&2 || true
    fi
    t=$(cat "$(host_dir "$name")/ssh-ready-ms" 2>/dev/null || echo 0)
    [ "$t" -gt "$ready_max" ] && ready_max=$t
  done
  rm -rf "$dir"
  [ "$failed" = 0 ] || die "some lab hosts did not come up (see above and $HOSTS_DIR/NAME/console.log)"
  local states
  states=$(printf '%s\n' "${state[@]}" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
  log "$# host(s) booted: sshd answering after $(( (ready_max - start) / 1000 )).$(printf '%03d' $(( (ready_max - start) % 1000 ))) s, systemd finished after $(elapsed "$start") ($states)"
}

cmd_up() {
  local want="" kind=nspawn openstack=0
  while [ $# -gt 0 ]; do
    case $1 in
      --openstack) openstack=1; shift ;;
      --hosts) want=${2:-}; shift 2 ;;
      --hosts=*) want=${1#*=}; shift ;;
      --kind) kind=${2:-}; shift 2 ;;
      --kind=*) kind=${1#*=}; shift ;;
      -h|--help) usage 0 ;;
      *) die "up: unknown option '$1' (expected --hosts N or --openstack)" ;;
    esac
  done
  [[ " $HOST_KINDS " == *" $kind "* ]] || die "up: unknown host kind '$kind' (known: $HOST_KINDS)"
  [ "$kind" = nspawn ] || kind_"$kind"_start ""   # the light kind is not built yet: says so and stops
  local existing=() name
  mapfile -t existing < <(existing_hosts)
  if [ -z "$want" ]; then want=${#existing[@]}; [ "$want" -gt 0 ] || want=$DEFAULT_HOSTS; fi
  [[ $want =~ ^[0-9]+$ ]] && [ "$want" -ge 1 ] && [ "$want" -le "$MAX_HOSTS" ] \
    || die "up: --hosts must be a number from 1 to $MAX_HOSTS, not '$want'"

  local start
  start=$(now_ms)
  take_lock
  prepare_machine
  credentials_ensure
  debootstrap_ensure
  base_packages_ensure
  # `up --openstack` adds the cloud and never disturbs hosts that exist: when the RPM
  # repositories or the base changed (another work tree's lab files, say), rebuilding them
  # would recreate those hosts, so they are left as they are and only a plain `up` rebuilds.
  local keep_hosts=0
  if [ "$openstack" = 1 ] && [ ${#existing[@]} -gt 0 ] && ! { repo_is_current && base_is_current; }; then
    log "the base image or the RPM repositories are out of date; --openstack leaves the existing hosts (${existing[*]}) as they are (a plain 'up' rebuilds them)"
    keep_hosts=1
  fi
  if [ "$keep_hosts" = 0 ]; then
    repo_ensure
    if ! base_is_current; then
      if [ ${#existing[@]} -gt 0 ]; then
        log "the base image changes: removing the existing hosts (${existing[*]}) first"
        parallel_each 64 remove_host "${existing[@]}"
        existing=()
      fi
      base_ensure
    fi
  fi

  local desired=()
  if [ "$keep_hosts" = 1 ]; then
    desired=("${existing[@]}")
  else
    mapfile -t desired < <(host_names "$want")
  fi
  for name in "${existing[@]}"; do
    [[ " ${desired[*]} " == *" $name "* ]] || { log "removing $name (not among the $want host(s) wanted)"; remove_host "$name"; }
  done

  [ "$openstack" = 0 ] || cloud_rootfs_ensure   # may drop and retake the lab lock while it builds

  net_bridge_up
  local to_start=()
  for name in "${desired[@]}"; do
    host_prepare "$name" "$kind"
    host_running "$name" || to_start+=("$name")
  done
  if [ "$openstack" = 1 ]; then
    cloud_prepare
    if host_running "$CLOUD_NAME"; then net_host_add "$CLOUD_NAME"; else to_start+=("$CLOUD_NAME"); fi
  fi
  # The inventory lists the cloud while it is up (or about to be): a plain `up` keeps it there.
  local all=("${desired[@]}")
  if [ "$openstack" = 1 ] || host_running "$CLOUD_NAME"; then all+=("$CLOUD_NAME"); fi
  known_hosts_write "${all[@]}"
  inventory_write "${all[@]}"
  if [ ${#to_start[@]} -gt 0 ]; then
    log "starting ${#to_start[@]} host(s): ${to_start[*]}"
    start_and_wait "$(now_ms)" "${to_start[@]}"
  fi
  if [ "$openstack" = 1 ]; then
    cloud_secure_yaml_write
    cloud_wait_ready 300
  fi
  log "lab up: ${#all[@]} host(s) (${all[*]}), $SUBNET_PREFIX.$FIRST_HOST_OCTET.. on $BRIDGE, in $(elapsed "$start"); inventory: ${INVENTORY_DIR#"$REPO_ROOT"/}"
}

cmd_down() {
  local hosts=() start
  case ${1:-} in
    "") ;;
    --openstack) cmd_down_cloud; return ;;
    *) die "down: unknown option '$1' (expected nothing, or --openstack for only the cloud host)" ;;
  esac
  start=$(now_ms)
  take_lock
  mapfile -t hosts < <(existing_hosts)
  mapfile -t hosts < <(with_cloud_if_exists "${hosts[@]}")
  if [ ${#hosts[@]} -gt 0 ]; then
    parallel_each 64 remove_host "${hosts[@]}"
  fi
  net_bridge_down
  log "lab down: ${#hosts[@]} host(s) removed in $(elapsed "$start")"
}

# Only the cloud host: the numbered hosts, the bridge and their inventory entries stay.
cmd_down_cloud() {
  local start hosts=()
  start=$(now_ms)
  take_lock
  cloud_exists || { log "down --openstack: no cloud host"; return 0; }
  remove_host "$CLOUD_NAME"
  mapfile -t hosts < <(existing_hosts)
  known_hosts_write "${hosts[@]}"
  [ ${#hosts[@]} -eq 0 ] || inventory_write "${hosts[@]}"
  log "lab down --openstack: the cloud host removed in $(elapsed "$start")"
}

reset_host() {
  local dir
  dir=$(host_dir "$1")
  host_stop "$1" 0
  host_teardown "$1"
  rm -rf "$dir/upper" "$dir/work" "$dir/root"
}

cmd_reset() {
  local hosts=() start name existing=()
  start=$(now_ms)
  take_lock
  mapfile -t existing < <(existing_hosts)
  [ ${#existing[@]} -gt 0 ] || die "reset: no lab hosts exist; run 'npm run lab -- up' first"
  if [ $# -gt 0 ]; then
    # Only the named hosts: a test that needs fresh hosts must not disturb the others.
    for name in "$@"; do
      printf '%s\n' "${existing[@]}" | grep -qxF -- "$name" \
        || die "reset: no lab host named '$name' (existing: ${existing[*]})"
      hosts+=("$name")
    done
  else
    hosts=("${existing[@]}")
  fi
  base_is_current || die "reset: the base image is out of date; run 'npm run lab -- up' (it rebuilds and recreates the hosts)"
  prepare_machine
  parallel_each 64 reset_host "${hosts[@]}"
  log "reset: ${#hosts[@]} host(s) stopped and their overlays discarded in $(elapsed "$start")"
  net_bridge_up
  for name in "${hosts[@]}"; do host_prepare "$name" "$(host_kind "$name")"; done
  start_and_wait "$(now_ms)" "${hosts[@]}"
  log "lab reset: ${#hosts[@]} host(s) on fresh overlays in $(elapsed "$start")"
}

cmd_status() {
  local hosts=() name ok=0 total=0 run ssh mem boots
  mapfile -t hosts < <(existing_hosts)
  mapfile -t hosts < <(with_cloud_if_exists "${hosts[@]}")
  printf 'state dir:  %s\n' "$STATE"
  printf 'base:       %s\n' "$([ -f "$BASE_STAMP" ] && { base_is_current && echo "built, current" || echo "built, OUT OF DATE (next 'up' rebuilds it)"; } || echo "not built")"
  printf 'repo:       %s\n' "$(repo_is_current && echo "built, current" || echo "not built or out of date")"
  cloud_status
  local br
  br=$(ip -4 -o addr show dev "$BRIDGE" 2>/dev/null | awk '{print $4}' || true)
  printf 'bridge:     %s %s\n' "$BRIDGE" "${br:-absent}"
  printf '%-10s %-13s %-8s %-6s %-6s %s\n' HOST ADDRESS STATE SSH BOOTS MEMORY
  for name in "${hosts[@]}"; do
    total=$((total + 1))
    if host_running "$name"; then run=running; else run=stopped; fi
    if [ $run = running ] && host_ssh_banner "$name"; then ssh=yes; ok=$((ok + 1)); else ssh=no; fi
    mem=$(cg_memory_bytes "$name"); [ -n "$mem" ] && mem="$((mem / 1048576)) MiB" || mem=-
    boots=$(cat "$(host_dir "$name")/boots" 2>/dev/null || echo 0)
    printf '%-10s %-13s %-8s %-6s %-6s %s\n' "$name" "$(host_ip "$name")" "$run" "$ssh" "$boots" "$mem"
  done
  if cloud_exists && host_running "$CLOUD_NAME"; then
    local api
    api=$(cloud_api_state)
    printf 'cloud APIs: %s\n' "$api"
    [ "$api" = ready ] || ok=$((ok - 1))
  fi
  [ "$total" -gt 0 ] || { echo "no lab hosts (run: npm run lab -- up)"; exit 3; }
  [ "$ok" = "$total" ] || exit 3
}

cmd_ssh() {
  local name=${1:-}
  [ -n "$name" ] || die "ssh: which host? (e.g. 'npm run lab -- ssh opctl')"
  shift
  [ -d "$(host_dir "$name")" ] || die "ssh: no lab host named '$name' (see 'npm run lab -- status')"
  if [ $# -eq 0 ]; then
    exec ssh -i "$LAB_KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes "root@$(host_ip "$name")"
  fi
  lab_ssh "$(host_ip "$name")" "$@"
}

cmd_purge() {
  cmd_down
  log "deleting $STATE"
  rm -rf "${STATE:?}"/{base,base.new,base.stamp,debootstrap,debootstrap.new,debootstrap.stamp,repo,repo.new,repo.stamp,rpmbuild,ssh,hosts,*.log} \
         "${STATE:?}"/{cloud-packages,cloud-packages.new,cloud-packages.stamp,cloud,cloud.new,cloud.new.stamp,cloud.old.*,cloud.stamp,cloud-host,openstack,cloud-build.lock}
  rm -f "$CLOUD_SECURE_YAML"
}

main() {
  local cmd=${1:-}
  [ -n "$cmd" ] || usage 2
  shift
  case $cmd in
    up|down|reset|purge) require_root; "cmd_$cmd" "$@" ;;
    status) require_root; cmd_status "$@" ;;
    ssh) require_root; cmd_ssh "$@" ;;
    -h|--help|help) usage 0 ;;
    *) die "unknown command '$cmd' (expected up, down, reset, status, ssh or purge)" ;;
  esac
}

main "$@"
