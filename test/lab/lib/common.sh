# Shared settings and helpers for the lab scripts. Sourced, never executed.
# Every path the lab uses is defined here so the layout is described in one place
# (test/lab/README.md documents the same layout for people).

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)        # test/lab in the repo
REPO_ROOT=$(cd "$LAB_DIR/../.." && pwd)

# State lives outside the repo: it is root-owned, large, and survives `git clean`.
STATE=${TSPLAY_LAB_STATE:-/var/lib/tsplay-lab}
BASE_ROOT=$STATE/base                  # the debootstrapped rootfs, lowerdir of every overlay
BASE_STAMP=$STATE/base.stamp           # hash of the base recipe it was built from
RPM_REPO=$STATE/repo                   # yum repositories + rdo-release rpm (bind-mounted read-only into hosts)
RPM_STAMP=$STATE/repo.stamp            # hash of the spec files the repo was built from
RPM_BUILD=$STATE/rpmbuild              # rpmbuild _topdir (scratch)
SSH_DIR=$STATE/ssh                     # lab client key, known_hosts, host keys, tester2 password
HOSTS_DIR=$STATE/hosts                 # one directory per host: upper/ work/ root/ logs, pids
HOSTKEYS_DIR=$SSH_DIR/hostkeys         # per host name, kept across reset so known_hosts stays valid

LAB_KEY=$SSH_DIR/id_ed25519
KNOWN_HOSTS=$SSH_DIR/known_hosts
TESTER2_PASSWORD_FILE=$SSH_DIR/tester2.password

INVENTORY_DIR=$REPO_ROOT/inventories/lab

# The OpenStack controller `cloud` (`up --openstack`, lib/cloud.sh): its own two cached stages
# and the OpenStack passwords (made once, like the SSH key).
CLOUD_PKG_ROOT=$STATE/cloud-packages   # stage 1: the debootstrap stage + Debian's OpenStack packages
CLOUD_PKG_STAMP=$STATE/cloud-packages.stamp
CLOUD_ROOT=$STATE/cloud                # stage 2: configured, databases bootstrapped; lowerdir of the cloud host
CLOUD_STAMP=$STATE/cloud.stamp
CLOUD_SECRETS=$STATE/openstack/passwords   # 0600, KEY=VALUE lines
# The cloud host's own directory (like hosts/NAME), outside hosts/: lab commands that predate
# the cloud list every directory there as a numbered host and would remove or reset it.
CLOUD_HOST_DIR=$STATE/cloud-host

# Network: one /24 from the benchmarking range 198.18.0.0/15 (RFC 2544), never routed
# off this machine (a blackhole route covers the whole /15).
BRIDGE=tsplaybr0
SUBNET_PREFIX=198.18.0
BRIDGE_IP=$SUBNET_PREFIX.1
BRIDGE_PREFIX_LEN=24
FIRST_HOST_OCTET=10
# The cloud host sits below the numbered hosts (.10 and up) and the benchmark's (.100 and up).
CLOUD_NAME=cloud
CLOUD_OCTET=5
BLACKHOLE_NET=198.18.0.0/15
NETNS_PREFIX=tsplay-

# cgroup v1 (this machine kind) and v2 both work: each host gets its own group below this.
CGROUP_NAME=tsplay-lab

DEBIAN_SUITE=bookworm
DEFAULT_HOSTS=2
MAX_HOSTS=$((254 - FIRST_HOST_OCTET + 1))

log()  { printf '[lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
elapsed() { local s=$1; printf '%d.%03d s' $(( ($(now_ms) - s) / 1000 )) $(( ($(now_ms) - s) % 1000 )); }

require_root() {
  [ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, overlay mounts, systemd-nspawn); run it as root"
}

# Host names in creation order: opctl (controller), opnet (network), compute1.. for the rest.
host_names() {
  local n=$1 i
  local names=(opctl opnet)
  for ((i = 1; i <= n - 2; i++)); do names+=("compute$i"); done
  printf '%s\n' "${names[@]:0:n}"
}

# Index of a host name in that order (0-based), used for its address and MACs.
host_index() {
  case $1 in
    opctl) echo 0 ;;
    opnet) echo 1 ;;
    compute*) echo $(( ${1#compute} + 1 )) ;;
    *) die "unknown lab host name '$1' (expected opctl, opnet or computeN)" ;;
  esac
}
host_octet() {
  if [ "$1" = "$CLOUD_NAME" ]; then echo "$CLOUD_OCTET"; else echo "$(( FIRST_HOST_OCTET + $(host_index "$1") ))"; fi
}
host_ip()    { echo "$SUBNET_PREFIX.$(host_octet "$1")"; }
# Locally administered, deterministic MACs: 02:18:00:00:<nic>:<last octet of the IP>.
host_mac()   { printf '02:18:00:00:%02x:%02x' "$2" "$(host_octet "$1")"; }
host_netns() { echo "$NETNS_PREFIX$1"; }
host_dir()   { if [ "$1" = "$CLOUD_NAME" ]; then echo "$CLOUD_HOST_DIR"; else echo "$HOSTS_DIR/$1"; fi; }
# Host-side veth name: at most 15 characters ("tsv-compute100" is 14).
host_veth()  { echo "tsv-$1"; }
# The read-only lower layer of the host's overlay.
host_lower() { if [ "$1" = "$CLOUD_NAME" ]; then echo "$CLOUD_ROOT"; else echo "$BASE_ROOT"; fi; }
cloud_exists() { [ -d "$CLOUD_HOST_DIR" ]; }

# The numbered hosts that currently have a state directory (created by `up`, removed by
# `down`). The cloud host is not among them (its directory is elsewhere): `--hosts N`,
# `reset` and the base image never touch it (see cloud_exists).
existing_hosts() {
  local d
  [ -d "$HOSTS_DIR" ] || return 0
  for d in "$HOSTS_DIR"/*/; do
    [ -d "$d" ] || continue
    d=$(basename "$d")
    echo "$(host_index "$d") $d"
  done | sort -n | cut -d' ' -f2
}

# Hash of a list of files and directories (content and relative names), for cache stamps.
hash_inputs() {
  local f
  for f in "$@"; do
    if [ -d "$f" ]; then
      (cd "$f" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    else
      # By content and base name only: an absolute path in the hash made every clone in
      # another folder (CI's, a worktree's) rebuild the cached stages.
      (cd "$(dirname "$f")" && sha256sum "$(basename "$f")")
    fi
  done | sha256sum | cut -d' ' -f1
}

# Run a command for each argument in parallel (bounded), fail if any failed.
parallel_each() {
  local jobs=$1 fn=$2; shift 2
  local item failed=0 running=0
  local -a pids=()
  for item in "$@"; do
    "$fn" "$item" &
    pids+=($!)
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  return $failed
}
