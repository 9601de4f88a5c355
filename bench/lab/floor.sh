#!/bin/bash
# The OpenSSH floor: what the same remote work costs with plain OpenSSH. Per host, in
# parallel: open one multiplexed master connection, then run that host's number of
# commands (`true`) over it one after the other, then close the master.
#
#   floor.sh KEX KNOWN_HOSTS KEY [PARALLEL] < lines "ADDRESS COUNT"
#
# PARALLEL: at most this many hosts at once (as tsplay's --forks; default: all of them).
#
# KEX is passed as KexAlgorithms (use the one tsplay's ssh2 negotiates, so the
# handshakes cost the same).
set -euo pipefail
kex=$1 known=$2 key=$3 parallel=${4:-0}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
opts=(-o BatchMode=yes -o IdentitiesOnly=yes -i "$key" -o UserKnownHostsFile="$known"
      -o StrictHostKeyChecking=yes -o KexAlgorithms="$kex" -o LogLevel=ERROR -o ConnectTimeout=20)
one() {
  local ip=$1 n=$2 sock=$dir/$1 i
  ssh "${opts[@]}" -o ControlMaster=yes -o ControlPath="$sock" -o ControlPersist=yes -fN "root@$ip"
  for ((i = 0; i < n; i++)); do ssh "${opts[@]}" -o ControlPath="$sock" "root@$ip" true; done
  ssh "${opts[@]}" -o ControlPath="$sock" -O exit "root@$ip" 2>/dev/null
}
while read -r ip n; do
  [ -n "$ip" ] || continue
  # A host starts when one of the running ones has finished (wait -n), like a fork slot.
  if [ "$parallel" -gt 0 ]; then
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  fi
  { one "$ip" "$n" || touch "$dir/failed"; } &
done
wait
[ ! -e "$dir/failed" ]
