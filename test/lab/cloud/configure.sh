#!/bin/bash
# Runs INSIDE the new cloud rootfs (chroot) after test/lab/cloud/files was copied over it:
# stage 2 of the cloud host (lib/cloud-build.sh). Configures by hand what the packages'
# maintainer scripts were told not to do. The databases are created at the first boot
# (tsplay-cloud-db.service), which the build runs once.
# Environment: LAB_PUBKEY, CLOUD_NAME, CLOUD_IP, and the passwords (ADMIN_PASSWORD, DEMO_PASSWORD,
# GLANCE_PASSWORD, CINDER_PASSWORD, KEYSTONE_DB_PASSWORD, GLANCE_DB_PASSWORD,
# CINDER_DB_PASSWORD, RABBIT_PASSWORD; letters and digits only).
set -euo pipefail
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
passwords=(ADMIN_PASSWORD DEMO_PASSWORD GLANCE_PASSWORD CINDER_PASSWORD KEYSTONE_DB_PASSWORD GLANCE_DB_PASSWORD CINDER_DB_PASSWORD RABBIT_PASSWORD)

# What the helpers on the host read (root only).
install -d -m 0700 /etc/tsplay-cloud
echo "$CLOUD_IP" > /etc/tsplay-cloud/address
(umask 077; for p in "${passwords[@]}"; do printf '%s=%s\n' "$p" "${!p}"; done > /etc/tsplay-cloud/secrets.env)

# Fill the @NAME@ placeholders of the config files from test/lab/cloud/files.
subst=(-e "s|@CLOUD_IP@|$CLOUD_IP|g")
for p in "${passwords[@]}"; do subst+=(-e "s|@$p@|${!p}|g"); done
fill() {  # FILE OWNER:GROUP MODE
  sed -i "${subst[@]}" "$1"
  ! grep -q '@[A-Z_]*@' "$1" || { echo "configure: unfilled placeholder in $1" >&2; exit 1; }
  chown "$2" "$1"; chmod "$3" "$1"
}
fill /etc/keystone/keystone.conf root:keystone 0640
fill /etc/glance/glance-api.conf root:glance 0640
fill /etc/cinder/cinder.conf root:cinder 0640
fill /etc/cinder/nfs_shares root:cinder 0640

# uwsgi apps (keystone, cinder-api): one process, one thread; ~100 MB each instead of ~1 GB.
# No AppArmor in a container: keystone's uwsgi must not try to change its profile.
for ini in /etc/keystone/keystone-uwsgi.ini /etc/cinder/cinder-api-uwsgi.ini; do
  sed -i -e 's/^processes = .*/processes = 1/' -e 's/^threads = .*/threads = 1/' \
         -e 's/^plugins = python3,apparmor$/plugins = python3/' -e '/^apparmor-profile/d' "$ini"
done

install -d -o glance -g glance /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/tasks_work_dir
install -d -o cinder -g cinder /var/lib/cinder/tmp /var/lib/cinder/mnt
install -d /var/lib/tsplay-cloud

# The image the lab serves (tsplay-images.service): a small real qcow2, named like CirrOS.
install -d -m 0755 /srv/images
raw=$(mktemp)
truncate -s 16M "$raw"
printf 'tsplay lab image: not an operating system, a qcow2 made by qemu-img\n' | dd of="$raw" conv=notrunc status=none
qemu-img convert -f raw -O qcow2 "$raw" /srv/images/cirros-0.3.3-x86_64-disk.img
rm -f "$raw"
chmod 0644 /srv/images/cirros-0.3.3-x86_64-disk.img

# The name RabbitMQ's node (rabbit@cloud) and its database carry: the build's one boot must
# already use the host's name (debootstrap copied this machine's /etc/hostname).
echo "$CLOUD_NAME" > /etc/hostname

# The lab's client key for root (like every lab host); sshd as on the other hosts.
install -d -m 0700 /root/.ssh
printf '%s\n' "$LAB_PUBKEY" > /root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
rm -f /etc/ssh/ssh_host_*

# The OpenStack CLI (a keystone dependency) works on the host itself: `openstack --os-cloud lab`.
install -d -m 0755 /etc/openstack
(umask 077; cat > /etc/openstack/clouds.yaml <<EOF
clouds:
  lab:
    auth: {auth_url: "http://$CLOUD_IP:5000/v3", username: admin, password: "$ADMIN_PASSWORD", project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  lab-demo:
    auth: {auth_url: "http://$CLOUD_IP:5000/v3", username: demo, password: "$DEMO_PASSWORD", project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
)

systemctl enable -q mariadb rabbitmq-server tsplay-cloud-db keystone glance-api \
    cinder-api cinder-scheduler cinder-volume tsplay-cinder-nfs-share tsplay-images ssh
# Installed as dependencies (or in the lab's debootstrap stage) but never used here; each
# would only cost boot time and memory.
for unit in openvswitch-switch.service ovsdb-server.service ovs-vswitchd.service \
    tgt.service iscsid.service iscsid.socket open-iscsi.service rtslib-fb-targetctl.service \
    lvm2-monitor.service lvm2-lvmpolld.socket lvm2-lvmpolld.service dm-event.socket dm-event.service \
    blk-availability.service rpcbind.service rpcbind.socket nfs-client.target rpc-statd.service \
    rpc-statd-notify.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-pstore.service logrotate.timer \
    console-getty.service; do
  [ -e "/lib/systemd/system/$unit" ] || [ -e "/etc/systemd/system/$unit" ] || [ -e "/usr/lib/systemd/system/$unit" ] || continue
  systemctl mask -q "$unit"
done

# Each host gets its own machine-id from `lab up`.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
printf '# tsplay lab: no DNS (the lab network is isolated)\n' > /etc/resolv.conf
