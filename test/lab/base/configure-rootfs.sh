#!/bin/bash
# Runs INSIDE the new base rootfs (chroot) after test/lab/base/files was copied over it.
# Environment: LAB_PUBKEY (lab client key, one line), TESTER2_PASSWORD.
set -euo pipefail
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive

# Host keys are generated per host by `lab up`, never shared through the base.
rm -f /etc/ssh/ssh_host_*

# yum is dnf, as on RHEL 8+.
ln -sfn dnf /usr/bin/yum

# The rpm database and the packages a CentOS 7 host has from the start: the base
# capabilities, initscripts (the older build, so updates has something newer), NetworkManager.
mkdir -p /var/lib/rpm
rpm --initdb
dnf -y -q --disablerepo='*' --enablerepo=base install \
    tsplay-lab-base initscripts-9.49.17 NetworkManager libselinux-utils
rpm -q tsplay-lab-base initscripts NetworkManager >/dev/null
dnf clean all >/dev/null

# Users: root by key; tester sudo without password; tester2 sudo with its password.
for u in tester tester2; do
    id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
done
echo "tester2:$TESTER2_PASSWORD" | chpasswd
chmod 0440 /etc/sudoers.d/tester /etc/sudoers.d/tester2
visudo -c -q
for home in /root /home/tester /home/tester2; do
    install -d -m 0700 "$home/.ssh"
    printf '%s\n' "$LAB_PUBKEY" > "$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
done
chown -R tester:tester /home/tester/.ssh
chown -R tester2:tester2 /home/tester2/.ssh

# Units that only cost boot time in a container and never matter to a test.
systemctl mask -q apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer systemd-pstore.service

# Debian's MariaDB (base stage 1b) provides the binaries only: the lab's CentOS-shaped
# mariadb-server RPM owns the unit, /etc/my.cnf and the data directory, so a host has a database
# exactly when a playbook installs and starts mariadb-server, as on CentOS 7.
rm -rf /usr/lib/systemd/system/mariadb* /usr/lib/systemd/system/mysql*.service \
    /etc/systemd/system/mysql*.service /etc/systemd/system/*.wants/mariadb* /var/lib/mysql \
    /etc/init.d/mariadb /etc/init.d/mysql /etc/rc?.d/[SK]??mariadb /etc/rc?.d/[SK]??mysql
# The socket CentOS 7's client looks for by default (Debian's looks in /run/mysqld).
printf '[client-server]\nsocket = /var/lib/mysql/mysql.sock\n' > /etc/mysql/mariadb.conf.d/90-tsplay-centos-socket.cnf
# CentOS 7 names the D-Bus system bus messagebus.service too (a link to dbus.service); seed 004
# starts it by that name.
ln -sf dbus.service /usr/lib/systemd/system/messagebus.service
# CentOS 7's iptables 1.4 drives the legacy xtables backend; Debian 12 defaults to nft.
update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy

# Each host gets its own machine-id from `lab up`; an empty file keeps the base generic.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
# No name service anywhere in the lab: nothing may resolve or leave the machine.
printf '# tsplay lab: no DNS (the lab network is isolated)\n' > /etc/resolv.conf
