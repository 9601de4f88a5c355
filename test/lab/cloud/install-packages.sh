#!/bin/bash
# Runs INSIDE a copy of the lab's debootstrap stage (chroot), as stage 1 of the cloud rootfs
# (lib/cloud.sh). Installs Debian 12's own OpenStack Zed packages and nothing is configured or
# started here: a policy-rc.d that exits 101 keeps every maintainer script from starting a
# service, and debconf answers "no" to every "configure the database / register an endpoint"
# question; test/lab/cloud/configure.sh and the first boot do the configuration by hand.
# Environment: MIRROR, SECURITY_MIRROR (those this machine uses), PACKAGES (space separated).
set -euo pipefail
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive

# The point releases and security fixes too (glance's SSRF fixes are in bookworm-security):
# the same sources as this machine, not only the suite debootstrap used.
cat > /etc/apt/sources.list <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES

printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

# Every dbconfig-common and "register in keystone" question of the OpenStack packages
# defaults to false already; say so explicitly so a changed default cannot surprise us.
debconf-set-selections <<'DEBCONF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-api glance/register-endpoint boolean false
glance-common glance/rabbit-host string
cinder-common cinder/configure_db boolean false
cinder-api cinder/register-endpoint boolean false
DEBCONF

apt-get update -qq
# shellcheck disable=SC2086  # PACKAGES is a word list on purpose
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold $PACKAGES
apt-get clean
rm -rf /var/lib/apt/lists/*

rm -f /usr/sbin/policy-rc.d
