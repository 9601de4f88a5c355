/**
 * The fact-gathering script: ONE POSIX sh program that prints raw system information in
 * sections (`@@name` lines). It only reads files and runs read-only commands that exist on
 * every Linux (uname, id, date, ip, cat of /proc, /sys and /etc); anything missing simply
 * leaves its section empty. All interpretation happens in the controller (facts-parse.ts).
 */

/** Ansible's gather_subset groups and what each collects. */
export const SUBSETS = {
  min: ['platform', 'distribution', 'user', 'env', 'date_time', 'service_mgr', 'pkg_mgr', 'selinux', 'apparmor', 'dns', 'cmdline', 'fips', 'lsb', 'ssh_pub_keys'],
  hardware: ['hardware'],
  network: ['network'],
  virtual: ['virtual'],
} as const;

export type Section = (typeof SUBSETS)[keyof typeof SUBSETS][number];
export const ALL_SECTIONS: Section[] = [...SUBSETS.min, ...SUBSETS.hardware, ...SUBSETS.network, ...SUBSETS.virtual];

/** Subsets Ansible knows but tsplay does not collect (they need Python or run host code). */
export const IGNORED_SUBSETS = ['caps', 'local', 'python', 'ohai', 'facter'];

const SECTION_SCRIPTS: Record<Section, string[]> = {
  platform: [
    's uname; uname -s; uname -r; uname -v; uname -m; uname -n',
    's hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname',
    's fqdn; hostname -f 2>/dev/null',
    's machine_id; cat /etc/machine-id 2>/dev/null || cat /var/lib/dbus/machine-id 2>/dev/null',
  ],
  distribution: [
    's os_release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
    's redhat_release; cat /etc/centos-release 2>/dev/null || cat /etc/redhat-release 2>/dev/null || cat /etc/system-release 2>/dev/null',
    's debian_version; cat /etc/debian_version 2>/dev/null',
  ],
  lsb: ['s lsb_release; cat /etc/lsb-release 2>/dev/null'],
  user: [
    's user; id -un; id -u; id -g; id -gn; printf "%s\\n" "$HOME"',
    's passwd; getent passwd "$(id -un)" 2>/dev/null || grep "^$(id -un):" /etc/passwd',
  ],
  // base64 keeps values with newlines intact; env -0 separates variables with NULs.
  env: ['s env; { env -0 2>/dev/null || env; } | base64 | tr -d "\\n"'],
  date_time: [
    's date; date "+%Y|%m|%d|%H|%M|%S|%s|%Z|%z|%A|%w|%W|%j|%a|%B|%b|%u|%N"; date -u "+%Y-%m-%dT%H:%M:%SZ|%Y%m%dT%H%M%SZ"',
  ],
  service_mgr: [
    's service_mgr; cat /proc/1/comm 2>/dev/null; echo',
    '[ -d /run/systemd/system ] && echo has:run-systemd; [ -x /sbin/openrc ] && echo has:openrc; command -v initctl >/dev/null 2>&1 && initctl version 2>/dev/null | grep -q upstart && echo has:upstart',
  ],
  pkg_mgr: ['s pkg_mgr; for p in dnf yum apt-get zypper apk pacman emerge pkg; do command -v $p >/dev/null 2>&1 && echo $p; done'],
  selinux: [
    's selinux; if [ -f /sys/fs/selinux/enforce ]; then echo enforce=$(cat /sys/fs/selinux/enforce); echo policyvers=$(cat /sys/fs/selinux/policyvers 2>/dev/null); fi',
    'grep -E "^[[:space:]]*SELINUX(TYPE)?=" /etc/selinux/config 2>/dev/null',
  ],
  apparmor: ['s apparmor; [ -d /sys/kernel/security/apparmor ] && echo enabled'],
  dns: ['s dns; cat /etc/resolv.conf 2>/dev/null'],
  cmdline: ['s cmdline; cat /proc/cmdline 2>/dev/null'],
  fips: ['s fips; cat /proc/sys/crypto/fips_enabled 2>/dev/null'],
  ssh_pub_keys: ['s ssh_pub_keys; for k in /etc/ssh/ssh_host_*_key.pub; do [ -r "$k" ] && { printf "%s " "$k"; cat "$k"; }; done'],
  hardware: [
    's meminfo; cat /proc/meminfo 2>/dev/null',
    's cpuinfo; grep -E "^(processor|vendor_id|model name|physical id|core id|cpu cores|siblings)[[:space:]]*:" /proc/cpuinfo 2>/dev/null',
    's nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null',
    's uptime; cat /proc/uptime 2>/dev/null',
    's mounts; cat /proc/mounts 2>/dev/null',
    's df; df -P -k 2>/dev/null',
    's dmi; for f in sys_vendor product_name product_version bios_version bios_date; do printf "%s=" $f; cat /sys/class/dmi/id/$f 2>/dev/null || echo; done',
  ],
  network: [
    's ip_addr; ip -o addr show 2>/dev/null',
    's ip_link; ip -o link show 2>/dev/null',
    's route4; ip -4 route get 8.8.8.8 2>/dev/null || ip -4 route show default 2>/dev/null',
    's route6; ip -6 route get 2404:6800:4001:c01::67 2>/dev/null || ip -6 route show default 2>/dev/null',
    // Fallbacks for hosts without iproute2, and the interface kind (bridge, bond).
    's sysnet; for d in /sys/class/net/*; do [ -e "$d" ] || continue; k=; [ -d "$d/bridge" ] && k=bridge; [ -d "$d/bonding" ] && k=bonding;' +
      ' printf "%s|%s|%s|%s|%s\\n" "${d##*/}" "$(cat "$d/address" 2>/dev/null)" "$(cat "$d/mtu" 2>/dev/null)" "$(cat "$d/operstate" 2>/dev/null)" "$k"; done',
    's proc_route; cat /proc/net/route 2>/dev/null',
    's if_inet6; cat /proc/net/if_inet6 2>/dev/null',
  ],
  virtual: [
    's virt; systemd-detect-virt 2>/dev/null; systemd-detect-virt --container 2>/dev/null; [ -f /.dockerenv ] && echo docker-env;' +
      ' grep -qa container=lxc /proc/1/environ 2>/dev/null && echo lxc-env; grep -q "^flags.* hypervisor" /proc/cpuinfo 2>/dev/null && echo cpu-hypervisor',
    // KVM as a hypervisor on this host: the device node libvirt/qemu open, and the kvm
    // modules the kernel has loaded (what `lsmod | grep kvm` shows; a kernel without
    // loadable modules, or a container, has no /proc/modules at all). Shell builtins only.
    's kvm; [ -c /dev/kvm ] && echo device; [ -r /dev/kvm ] && [ -w /dev/kvm ] && echo device-rw;' +
      ' if [ -r /proc/modules ]; then echo proc-modules; while read -r m rest; do case $m in kvm|kvm_*) echo "module $m";; esac; done < /proc/modules; fi',
  ],
};

/** The script for the given sections (pure; its output is parsed by parseFacts). */
export function factsScript(sections: readonly Section[]): string {
  const lines = ['export LC_ALL=C', `s() { printf '\\n@@%s\\n' "$1"; }`];
  for (const section of ALL_SECTIONS) if (sections.includes(section)) lines.push(...SECTION_SCRIPTS[section]);
  lines.push('s end; exit 0');
  return lines.join('\n');
}

export class SubsetError extends Error {
  override name = 'SubsetError';
}

/** Resolve Ansible's gather_subset list ('all', 'min', '!hardware', 'network'...) to sections. */
export function resolveSubsets(requested: readonly string[]): Section[] {
  const groups: Record<string, readonly Section[]> = {
    all: ALL_SECTIONS,
    min: SUBSETS.min,
    hardware: SUBSETS.hardware,
    network: SUBSETS.network,
    virtual: SUBSETS.virtual,
  };
  for (const s of SUBSETS.min) groups[s] = [s];
  const known = [...Object.keys(groups), ...IGNORED_SUBSETS];
  const include = new Set<Section>();
  const exclude = new Set<Section>();
  let excludeMin = false;
  let excludeAll = false;
  let positive = false;
  for (const raw of requested) {
    const entry = raw.trim();
    const negated = entry.startsWith('!');
    const name = negated ? entry.slice(1) : entry;
    if (!known.includes(name)) throw new SubsetError(`unknown gather_subset '${entry}'; valid: ${known.join(', ')} (prefix with ! to exclude)`);
    if (IGNORED_SUBSETS.includes(name)) continue;
    if (negated) {
      if (name === 'min') excludeMin = true;
      else if (name === 'all') excludeAll = true;
      else for (const s of groups[name]!) exclude.add(s);
    } else {
      positive = true;
      for (const s of groups[name]!) include.add(s);
    }
  }
  // Nothing asked for explicitly means everything (minus exclusions); the minimal set is
  // always gathered unless '!min' says otherwise, as in Ansible.
  if (!positive && !excludeAll) for (const s of ALL_SECTIONS) include.add(s);
  if (!excludeMin) for (const s of SUBSETS.min) include.add(s);
  return ALL_SECTIONS.filter((s) => include.has(s) && !exclude.has(s));
}
