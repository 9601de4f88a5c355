#!/bin/bash
# `npm run demo`: from a fresh machine (root, Debian 12) to a finished
#   tsplay run playbooks/juno-2node.yml -i inventories/lab
# It installs what is missing (apt packages, npm dependencies), builds, brings the lab
# hosts up (cached after the first time), runs the playbook with live output, and ends
# with the commands to re-run it, dry-run it, and log into a lab host.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" != 0 ]; then
  echo "demo: the lab runs containers and network namespaces, so this needs root" >&2
  exit 1
fi

packages=(debootstrap systemd-container rpm createrepo-c iproute2 openssh-client util-linux procps ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
echo "== build"
npm run build --silent

echo "== lab up (the first time builds a Debian base and the RPM repo: about a minute)"
bash test/lab/lab.sh up

echo "== tsplay run playbooks/juno-2node.yml -i inventories/lab"
set +e
node bin/tsplay.js run playbooks/juno-2node.yml -i inventories/lab
rc=$?
set -e

cat <<'MSG'

Done. Next:
  node bin/tsplay.js run playbooks/juno-2node.yml -i inventories/lab              # again: changed=0
  node bin/tsplay.js run playbooks/juno-2node.yml -i inventories/lab --check -D   # dry run with diffs
  npm run lab -- ssh opctl                                                        # log into a lab host
  npm run lab -- reset                                                            # fresh hosts, in seconds
  npm run lab -- down                                                             # stop the lab
MSG
exit $rc
