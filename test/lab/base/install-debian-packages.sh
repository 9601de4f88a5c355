#!/bin/bash
# Runs INSIDE a copy of the lab's debootstrap stage (chroot), as base stage 1b (lib/base.sh):
# installs PACKAGES (space separated) from MIRROR and SECURITY_MIRROR, the sources this machine
# uses. A policy-rc.d that exits 101 keeps every maintainer script from starting a service;
# configure-rootfs.sh decides later which of them are enabled.
set -euo pipefail
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive

cat > /etc/apt/sources.list <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES

printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
apt-get update -qq
# shellcheck disable=SC2086  # PACKAGES is a word list on purpose
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold $PACKAGES
apt-get clean
rm -rf /var/lib/apt/lists/*
rm -f /usr/sbin/policy-rc.d
printf '# tsplay lab: no DNS (the lab network is isolated)\n' > /etc/resolv.conf
