# Writes what clients need to reach the lab: the known_hosts file (from the hosts' real
# keys) and inventories/lab (hosts.ini + group_vars/all.yml), usable as is by
# `tsplay run -i inventories/lab` and `ansible-playbook -i inventories/lab`.

known_hosts_write() {
  local name tmp
  tmp=$(mktemp "$KNOWN_HOSTS.XXXXXX")
  for name in "$@"; do
    # "IP,name": clients connect by address; the name helps a person using `ssh opctl`
    # through an ssh_config HostName entry.
    printf '%s,%s %s\n' "$(host_ip "$name")" "$name" \
      "$(cut -d' ' -f1,2 "$HOSTKEYS_DIR/$name/ssh_host_ed25519_key.pub")" >> "$tmp"
  done
  chmod 0644 "$tmp"
  mv "$tmp" "$KNOWN_HOSTS"
}

# One host line: name, address and the per-host facts playbooks use.
inventory_host_line() {
  local name=$1
  printf '%s ansible_host=%s internal_ip=%s eth0_mac=%s eth1_name=eth1 eth1_mac=%s lab_netns=%s\n' \
    "$name" "$(host_ip "$name")" "$(host_ip "$name")" "$(host_mac "$name" 0)" "$(host_mac "$name" 1)" \
    "$(host_netns "$name")"
}

inventory_write() {
  local names=("$@") name
  mkdir -p "$INVENTORY_DIR/group_vars"
  {
    echo "# The tsplay lab's hosts, written by \`npm run lab -- up\` (test/lab/lib/inventory.sh)."
    echo "# ${#names[@]} hosts; regenerate rather than edit. Connection settings: group_vars/all.yml."
    echo "# Per host: internal_ip = its only address (eth0); eth1 is a spare NIC without address."
    echo
    echo "[controller]"
    for name in "${names[@]}"; do [ "$name" = opctl ] && inventory_host_line "$name"; done
    echo
    echo "[network]"
    for name in "${names[@]}"; do [ "$name" = opnet ] && inventory_host_line "$name"; done
    echo
    echo "[compute]"
    for name in "${names[@]}"; do [[ $name == compute* ]] && inventory_host_line "$name"; done
    echo
    echo "[openstack:children]"
    echo "controller"
    echo "network"
    echo "compute"
    # The OpenStack controller of `up --openstack` (a Debian host with real Keystone, Glance
    # and Cinder; see clouds.yaml): only while it exists, never in the groups above.
    for name in "${names[@]}"; do
      if [ "$name" = "$CLOUD_NAME" ]; then
        echo
        echo "[openstack_api]"
        inventory_host_line "$name"
      fi
    done
  } > "$INVENTORY_DIR/hosts.ini.tmp"
  mv "$INVENTORY_DIR/hosts.ini.tmp" "$INVENTORY_DIR/hosts.ini"

  cat > "$INVENTORY_DIR/group_vars/all.yml.tmp" <<EOF
# Connection settings for the tsplay lab, written by \`npm run lab -- up\`.
# The key, the known_hosts file and tester2's password live in the lab state
# directory (root only); see test/lab/README.md.
ansible_user: root
ansible_ssh_private_key_file: $LAB_KEY
ansible_ssh_common_args: "-o UserKnownHostsFile=$KNOWN_HOSTS -o StrictHostKeyChecking=yes"
ansible_python_interpreter: /usr/bin/python3

# Facts about the lab itself, for tests and playbooks.
lab_subnet: $SUBNET_PREFIX.0/24
lab_bridge_ip: $BRIDGE_IP
lab_known_hosts: $KNOWN_HOSTS
lab_repo_dir: $RPM_REPO
lab_rdo_release_rpm: $RPM_REPO/rdo-release-juno.rpm
lab_sudo_nopasswd_user: tester
lab_sudo_password_user: tester2
lab_sudo_password_file: $TESTER2_PASSWORD_FILE
EOF
  mv "$INVENTORY_DIR/group_vars/all.yml.tmp" "$INVENTORY_DIR/group_vars/all.yml"
}
