/**
 * Turn the fact script's raw output into Ansible's facts (`ansible_*` names, the same
 * shapes and value types), in the controller. Pure functions, unit-tested on captured output
 * from real hosts.
 */

export type Facts = Record<string, unknown>;

/** Split `@@name` sections. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = output.split(/^@@([a-z0-9_]+)$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    sections.set(parts[i]!, parts[i + 1]!.replace(/^\n/, '').replace(/\n$/, ''));
  }
  return sections;
}

function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((l) => l.trim() !== '');
}

/** KEY=value files (os-release, lsb-release), with shell-style quotes. */
export function parseKeyValueFile(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(text)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

// ------------------------------------------------------------------ distribution

/** os-release ID -> Ansible's ansible_distribution. */
const DISTRIBUTION_NAMES: Record<string, string> = {
  centos: 'CentOS',
  rhel: 'RedHat',
  fedora: 'Fedora',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  ol: 'OracleLinux',
  amzn: 'Amazon',
  scientific: 'Scientific',
  cloudlinux: 'CloudLinux',
  virtuozzo: 'Virtuozzo',
  eurolinux: 'EuroLinux',
  openeuler: 'openEuler',
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  raspbian: 'Debian',
  linuxmint: 'Linux Mint',
  kali: 'Kali',
  devuan: 'Devuan',
  pop: 'Pop!_OS',
  sles: 'SLES',
  sled: 'SLED',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  arch: 'Archlinux',
  manjaro: 'Manjaro',
  alpine: 'Alpine',
  gentoo: 'Gentoo',
  void: 'Void',
  nixos: 'NixOS',
  clear_linux: 'ClearLinux',
  photon: 'VMwarePhoton',
};

/** Ansible's OS_FAMILY_MAP, inverted. */
const OS_FAMILY: Record<string, string> = {};
for (const [family, names] of Object.entries({
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux', 'OVS', 'OEL', 'Amazon', 'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky', 'TencentOS', 'EuroLinux', 'Kylin Linux Advanced Server'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali', 'Cumulus Linux', 'Pop!_OS', 'Parrot', 'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Mandrake: ['Mandrake', 'Mandriva'],
  Solaris: ['Solaris', 'Nexenta', 'OmniOS', 'OpenIndiana', 'SmartOS'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  SGML: ['SGML'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  AIX: ['AIX'],
  HP_UX: ['HPUX'],
  Darwin: ['MacOSX'],
  FreeBSD: ['FreeBSD', 'TrueOS'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
  DragonFly: ['DragonflyBSD', 'DragonFlyBSD', 'Gentoo/DragonflyBSD', 'Gentoo/DragonFlyBSD'],
  NetBSD: ['NetBSD'],
})) {
  for (const n of names) OS_FAMILY[n] = family;
}

export function osFamily(distribution: string): string {
  return OS_FAMILY[distribution] ?? distribution;
}

/** ansible_distribution* and ansible_os_family. */
export function distributionFacts(sections: Map<string, string>): Facts {
  const os = parseKeyValueFile(sections.get('os_release'));
  const redhatRelease = lines(sections.get('redhat_release'))[0] ?? '';
  const debianVersion = lines(sections.get('debian_version'))[0] ?? '';
  let distribution = 'NA';
  let version = 'NA';
  let release = 'NA';
  const id = (os.ID ?? '').toLowerCase();
  if (id) {
    distribution = DISTRIBUTION_NAMES[id] ?? (os.NAME ? os.NAME.split(' ')[0]! : id);
    version = os.VERSION_ID ?? 'NA';
    release = os.VERSION_CODENAME ?? os.UBUNTU_CODENAME ?? 'NA';
  } else if (redhatRelease) {
    // EL6 and older have no os-release: "CentOS release 6.10 (Final)".
    const name = /^(\S+)/.exec(redhatRelease)![1]!;
    distribution = /^Red Hat/.test(redhatRelease) ? 'RedHat' : (DISTRIBUTION_NAMES[name.toLowerCase()] ?? name);
  }
  // Like Ansible, EL hosts get the full version from the release file ("7.9.2009"), and Debian from /etc/debian_version.
  const rh = /release\s+([\d.]+)(?:\s+\(([^)]+)\))?/.exec(redhatRelease);
  if (rh && osFamily(distribution) === 'RedHat' && distribution !== 'Fedora' && distribution !== 'Amazon') {
    version = rh[1]!;
    if (rh[2]) release = rh[2];
  }
  if (distribution === 'Debian' && /^\d+(\.\d+)*$/.test(debianVersion)) version = debianVersion;
  const major = version === 'NA' ? 'NA' : version.split('.')[0]!;
  const facts: Facts = {
    ansible_distribution: distribution,
    ansible_distribution_version: version,
    ansible_distribution_major_version: major,
    ansible_distribution_release: release,
    ansible_os_family: osFamily(distribution),
  };
  if (version.includes('.')) facts.ansible_distribution_minor_version = version.split('.')[1];
  return facts;
}

export function lsbFacts(sections: Map<string, string>): Facts {
  const lsb = parseKeyValueFile(sections.get('lsb_release'));
  if (!Object.keys(lsb).length) return {};
  const release = lsb.DISTRIB_RELEASE;
  return {
    ansible_lsb: {
      id: lsb.DISTRIB_ID,
      release,
      codename: lsb.DISTRIB_CODENAME,
      description: lsb.DISTRIB_DESCRIPTION,
      ...(release ? { major_release: release.split('.')[0] } : {}),
    },
  };
}

// ------------------------------------------------------------------ platform, user, env, time

export function platformFacts(sections: Map<string, string>): Facts {
  const [system, kernel, kernelVersion, machine, nodename] = (sections.get('uname') ?? '').split('\n');
  const hostname = lines(sections.get('hostname'))[0] ?? nodename ?? '';
  const fqdnRaw = lines(sections.get('fqdn'))[0] ?? '';
  const fqdn = fqdnRaw || hostname;
  const facts: Facts = {
    ansible_system: system,
    ansible_kernel: kernel,
    ansible_kernel_version: kernelVersion,
    ansible_machine: machine,
    ansible_architecture: machine,
    ansible_nodename: nodename,
    ansible_hostname: hostname.split('.')[0],
    ansible_fqdn: fqdn,
    ansible_domain: fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : '',
  };
  const machineId = lines(sections.get('machine_id'))[0];
  if (machineId) facts.ansible_machine_id = machineId;
  return facts;
}

export function userFacts(sections: Map<string, string>): Facts {
  const [name, uid, gid, , home] = (sections.get('user') ?? '').split('\n');
  const pw = (lines(sections.get('passwd'))[0] ?? '').split(':');
  return {
    ansible_user_id: name,
    ansible_user_uid: Number(uid),
    ansible_user_gid: Number(gid),
    ansible_user_gecos: pw[4] ?? '',
    ansible_user_dir: pw[5] || home,
    ansible_user_shell: pw[6] ?? '',
    ansible_effective_user_id: Number(uid),
    ansible_effective_group_id: Number(gid),
    ansible_real_user_id: Number(uid),
    ansible_real_group_id: Number(gid),
  };
}

export function envFacts(sections: Map<string, string>): Facts {
  const encoded = (sections.get('env') ?? '').trim();
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const env: Record<string, string> = {};
  // `env -0` output is NUL-separated; plain `env` (fallback) is one per line.
  const entries = text.includes('\0') ? text.split('\0') : text.split('\n');
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { ansible_env: env };
}

export function dateTimeFacts(sections: Map<string, string>): Facts {
  const [local, utc] = lines(sections.get('date'));
  if (!local) return {};
  const [year, month, day, hour, minute, second, epoch, tz, tzOffset, weekday, weekdayNumber, weeknumber, dayOfYear, , , , , nanos] = local.split('|');
  const [iso8601] = (utc ?? '').split('|');
  const micro = /^\d{9}$/.test(nanos ?? '') ? nanos!.slice(0, 6) : '000000';
  return {
    ansible_date_time: {
      year,
      month,
      day,
      hour,
      minute,
      second,
      epoch,
      epoch_int: epoch,
      date: `${year}-${month}-${day}`,
      time: `${hour}:${minute}:${second}`,
      iso8601,
      iso8601_basic: `${year}${month}${day}T${hour}${minute}${second}${micro}`,
      iso8601_basic_short: `${year}${month}${day}T${hour}${minute}${second}`,
      iso8601_micro: iso8601 ? iso8601.replace('Z', `.${micro}Z`) : undefined,
      tz,
      tz_dst: tz,
      tz_offset: tzOffset,
      weekday,
      weekday_number: weekdayNumber,
      weeknumber,
      day_of_year: dayOfYear,
    },
  };
}

export function serviceMgrFacts(sections: Map<string, string>): Facts {
  const ls = lines(sections.get('service_mgr'));
  const comm = ls.find((l) => !l.startsWith('has:')) ?? '';
  const has = new Set(ls.filter((l) => l.startsWith('has:')).map((l) => l.slice(4)));
  let mgr: string;
  if (comm === 'systemd' || has.has('run-systemd')) mgr = 'systemd';
  else if (has.has('upstart')) mgr = 'upstart';
  else if (comm === 'openrc-init' || has.has('openrc')) mgr = 'openrc';
  else if (comm === 'runit' || comm === 'runit-init') mgr = 'runit';
  else if (comm === 'init') mgr = 'sysvinit';
  else mgr = comm || 'service';
  return { ansible_service_mgr: mgr };
}

/**
 * Like Ansible: Debian-family hosts use apt and EL hosts dnf (8+) or yum, whatever other
 * managers happen to be installed; elsewhere the first manager found.
 */
export function pkgMgrFacts(sections: Map<string, string>, known: Facts = {}): Facts {
  const found = lines(sections.get('pkg_mgr'));
  const family = known.ansible_os_family;
  const major = Number(known.ansible_distribution_major_version);
  if (family === 'Debian' && found.includes('apt-get')) return { ansible_pkg_mgr: 'apt' };
  if (family === 'RedHat') {
    const preferDnf = known.ansible_distribution === 'Fedora' || known.ansible_distribution === 'Amazon' ? true : major >= 8;
    if (preferDnf && found.includes('dnf')) return { ansible_pkg_mgr: 'dnf' };
    if (found.includes('yum')) return { ansible_pkg_mgr: 'yum' };
  }
  const map: Record<string, string> = { 'apt-get': 'apt', emerge: 'portage', pkg: 'pkgng' };
  const first = found[0];
  return { ansible_pkg_mgr: first ? (map[first] ?? first) : 'unknown' };
}

export function selinuxFacts(sections: Map<string, string>): Facts {
  const ls = lines(sections.get('selinux'));
  const kv = parseKeyValueFile(ls.join('\n'));
  if (kv.enforce === undefined) return { ansible_selinux: { status: 'disabled' } };
  const selinux: Record<string, unknown> = {
    status: 'enabled',
    mode: kv.enforce === '1' ? 'enforcing' : 'permissive',
    config_mode: kv.SELINUX ?? 'unknown',
    type: kv.SELINUXTYPE ?? 'unknown',
  };
  if (kv.policyvers) selinux.policyvers = Number(kv.policyvers);
  return { ansible_selinux: selinux };
}

export function apparmorFacts(sections: Map<string, string>): Facts {
  return { ansible_apparmor: { status: lines(sections.get('apparmor'))[0] === 'enabled' ? 'enabled' : 'disabled' } };
}

export function dnsFacts(sections: Map<string, string>): Facts {
  const dns: Record<string, unknown> = {};
  const nameservers: string[] = [];
  for (const line of lines(sections.get('dns'))) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (!key || key.startsWith('#') || key.startsWith(';')) continue;
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if (key === 'domain' && rest[0]) dns.domain = rest[0];
    else if (key === 'search') dns.search = rest;
    else if (key === 'sortlist') dns.sortlist = rest;
    else if (key === 'options') {
      const options: Record<string, unknown> = {};
      for (const o of rest) {
        const [k, v] = o.split(':');
        options[k!] = v ?? true;
      }
      dns.options = options;
    }
  }
  if (nameservers.length) dns.nameservers = nameservers;
  return { ansible_dns: dns };
}

export function cmdlineFacts(sections: Map<string, string>): Facts {
  const text = lines(sections.get('cmdline'))[0];
  if (!text) return {};
  const cmdline: Record<string, unknown> = {};
  const proc: Record<string, unknown> = {};
  for (const word of text.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    const key = eq >= 0 ? word.slice(0, eq) : word;
    const value: string | boolean = eq >= 0 ? word.slice(eq + 1) : true;
    cmdline[key] = value;
    // proc_cmdline keeps repeated keys as lists (console=tty0 console=ttyS0).
    if (key in proc) proc[key] = Array.isArray(proc[key]) ? [...(proc[key] as unknown[]), value] : [proc[key], value];
    else proc[key] = value;
  }
  return { ansible_cmdline: cmdline, ansible_proc_cmdline: proc };
}

export function fipsFacts(sections: Map<string, string>): Facts {
  return { ansible_fips: lines(sections.get('fips'))[0] === '1' };
}

export function sshKeyFacts(sections: Map<string, string>): Facts {
  const facts: Facts = {};
  for (const line of lines(sections.get('ssh_pub_keys'))) {
    const m = /ssh_host_(\w+)_key\.pub (\S+) (\S+)/.exec(line);
    if (!m) continue;
    facts[`ansible_ssh_host_key_${m[1]}_public`] = m[3];
    facts[`ansible_ssh_host_key_${m[1]}_public_keytype`] = m[2];
  }
  return facts;
}

// ------------------------------------------------------------------ hardware

export function memoryFacts(sections: Map<string, string>): Facts {
  const kb: Record<string, number> = {};
  for (const line of lines(sections.get('meminfo'))) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb[m[1]!] = Number(m[2]);
  }
  if (kb.MemTotal === undefined) return {};
  const mb = (v: number | undefined) => Math.floor((v ?? 0) / 1024);
  const total = mb(kb.MemTotal);
  const free = mb(kb.MemFree);
  const swapTotal = mb(kb.SwapTotal);
  const swapFree = mb(kb.SwapFree);
  const nocacheFree = mb((kb.MemFree ?? 0) + (kb.Buffers ?? 0) + (kb.Cached ?? 0));
  return {
    ansible_memtotal_mb: total,
    ansible_memfree_mb: free,
    ansible_swaptotal_mb: swapTotal,
    ansible_swapfree_mb: swapFree,
    ansible_memory_mb: {
      real: { total, free, used: total - free },
      nocache: { free: nocacheFree, used: total - nocacheFree },
      swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree, cached: mb(kb.SwapCached) },
    },
  };
}

export function cpuFacts(sections: Map<string, string>): Facts {
  const processor: string[] = [];
  const physical = new Set<string>();
  let cores = 0;
  let siblings = 0;
  let count = 0;
  for (const line of lines(sections.get('cpuinfo'))) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'processor') {
      processor.push(value!);
      count++;
    } else if (key === 'vendor_id' || key === 'model name') processor.push(value!);
    else if (key === 'physical id') physical.add(value!);
    else if (key === 'cpu cores') cores = Number(value);
    else if (key === 'siblings') siblings = Number(value);
  }
  const nproc = Number(lines(sections.get('nproc'))[0]);
  const sockets = physical.size || (count ? 1 : 0);
  const facts: Facts = {
    ansible_processor: processor,
    ansible_processor_count: sockets,
    ansible_processor_cores: cores || (sockets ? Math.max(1, Math.floor(count / sockets)) : 0),
    ansible_processor_threads_per_core: cores && siblings ? Math.max(1, Math.floor(siblings / cores)) : 1,
    ansible_processor_vcpus: count || nproc || 0,
  };
  if (!Number.isNaN(nproc) && nproc > 0) facts.ansible_processor_nproc = nproc;
  return facts;
}

export function uptimeFacts(sections: Map<string, string>): Facts {
  const up = Number((lines(sections.get('uptime'))[0] ?? '').split(/\s+/)[0]);
  return Number.isNaN(up) ? {} : { ansible_uptime_seconds: Math.floor(up) };
}

/** /proc/mounts escapes spaces and such as octal (\040). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function mountFacts(sections: Map<string, string>): Facts {
  const sizes = new Map<string, { total: number; available: number }>();
  for (const line of lines(sections.get('df')).slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    sizes.set(f.slice(5).join(' '), { total: Number(f[1]) * 1024, available: Number(f[3]) * 1024 });
  }
  const pseudo = new Set(['proc', 'sysfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'debugfs', 'tracefs', 'mqueue', 'hugetlbfs', 'configfs', 'fusectl', 'bpf', 'autofs', 'binfmt_misc', 'rpc_pipefs', 'nsfs', 'devtmpfs']);
  const mounts: Array<Record<string, unknown>> = [];
  for (const line of lines(sections.get('mounts'))) {
    const [device, mount, fstype, options] = line.split(' ');
    if (!device || !mount || !fstype || pseudo.has(fstype)) continue;
    const mp = unescapeMount(mount);
    const size = sizes.get(mp);
    mounts.push({
      device: unescapeMount(device),
      mount: mp,
      fstype,
      options,
      ...(size ? { size_total: size.total, size_available: size.available } : {}),
    });
  }
  return mounts.length ? { ansible_mounts: mounts } : {};
}

export function dmiFacts(sections: Map<string, string>): Facts {
  const kv = parseKeyValueFile(sections.get('dmi'));
  const facts: Facts = {};
  const map: Record<string, string> = {
    sys_vendor: 'ansible_system_vendor',
    product_name: 'ansible_product_name',
    product_version: 'ansible_product_version',
    bios_version: 'ansible_bios_version',
    bios_date: 'ansible_bios_date',
  };
  for (const [k, fact] of Object.entries(map)) facts[fact] = kv[k] || 'NA';
  return facts;
}

// ------------------------------------------------------------------ network

interface Ipv4 {
  address: string;
  netmask: string;
  network: string;
  prefix: string;
  broadcast?: string;
}

export interface InterfaceFacts {
  device: string;
  active: boolean;
  type: string;
  mtu?: number;
  macaddress?: string;
  promisc: boolean;
  ipv4?: Ipv4;
  ipv4_secondaries?: Ipv4[];
  ipv6?: Array<{ address: string; prefix: string; scope: string }>;
}

function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

function networkOf(address: string, prefix: number): string {
  const a = address.split('.').map(Number);
  const n = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
}

function ipv4Of(cidr: string, broadcast?: string): Ipv4 {
  const [address, p] = cidr.split('/');
  const prefix = Number(p ?? 32);
  const v: Ipv4 = { address: address!, netmask: prefixToNetmask(prefix), network: networkOf(address!, prefix), prefix: String(prefix) };
  if (broadcast) v.broadcast = broadcast;
  return v;
}

/** Fact key for an interface: Ansible turns '-' and ':' into '_' so the name is a variable. */
export function interfaceKey(device: string): string {
  return `ansible_${device.replace(/[-:]/g, '_')}`;
}

function hexToIpv4(hex: string): string {
  // /proc/net/route stores addresses little-endian.
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

export function networkFacts(sections: Map<string, string>): Facts {
  const ifaces = new Map<string, InterfaceFacts>();
  const get = (device: string): InterfaceFacts => {
    let i = ifaces.get(device);
    if (!i) {
      i = { device, active: false, type: 'unknown', promisc: false };
      ifaces.set(device, i);
    }
    return i;
  };
  for (const line of lines(sections.get('ip_link'))) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>(.*)$/.exec(line);
    if (!m) continue;
    const i = get(m[1]!);
    const flags = m[2]!.split(',');
    i.active = flags.includes('UP');
    i.promisc = flags.includes('PROMISC');
    const mtu = /\bmtu (\d+)/.exec(m[3]!);
    if (mtu) i.mtu = Number(mtu[1]);
    const link = /link\/(\S+)(?: ([0-9a-f:]+))?/.exec(m[3]!);
    if (link) {
      i.type = link[1] === 'ether' ? 'ether' : link[1] === 'loopback' ? 'loopback' : link[1]!;
      if (link[2] && link[1] !== 'none') i.macaddress = link[2];
    }
  }
  const sysnet = lines(sections.get('sysnet'));
  for (const line of sysnet) {
    const [device, mac, mtu, oper, kind] = line.split('|');
    if (!device) continue;
    const known = ifaces.has(device);
    const i = get(device);
    if (!known) {
      // No iproute2: take what /sys says.
      if (mac) i.macaddress = mac;
      if (mtu) i.mtu = Number(mtu);
      i.active = oper === 'up' || oper === 'unknown';
      i.type = device === 'lo' ? 'loopback' : 'ether';
    }
    if (kind) i.type = kind;
  }
  const all4: string[] = [];
  const all6: string[] = [];
  for (const line of lines(sections.get('ip_addr'))) {
    const m = /^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const [, device, family, cidr, rest] = m;
    const i = get(device!);
    if (family === 'inet') {
      const brd = /\bbrd (\S+)/.exec(rest!)?.[1];
      const v4 = ipv4Of(cidr!, brd);
      all4.push(v4.address);
      if (!i.ipv4 && !/\bsecondary\b/.test(rest!)) i.ipv4 = v4;
      else (i.ipv4_secondaries ??= []).push(v4);
    } else {
      const [address, prefix] = cidr!.split('/');
      const scope = /\bscope (\S+)/.exec(rest!)?.[1] ?? 'global';
      all6.push(address!);
      (i.ipv6 ??= []).push({ address: address!, prefix: prefix ?? '128', scope });
    }
  }
  if (!sections.get('ip_addr')) {
    // No iproute2: IPv6 addresses from /proc/net/if_inet6 (IPv4 addresses need ip or ifconfig).
    for (const line of lines(sections.get('if_inet6'))) {
      const f = line.trim().split(/\s+/);
      if (f.length < 6) continue;
      const address = f[0]!.match(/.{4}/g)!.join(':').replace(/\b0{1,3}/g, '').replace(/(^|:)0(:0)+(:|$)/, '::');
      const scopeHex = f[3]!;
      const scope = scopeHex === '00' ? 'global' : scopeHex === '20' ? 'link' : scopeHex === '10' ? 'host' : scopeHex;
      all6.push(address);
      (get(f[5]!).ipv6 ??= []).push({ address, prefix: String(parseInt(f[2]!, 16)), scope });
    }
  }

  const facts: Facts = {};
  const names = [...ifaces.keys()].sort();
  facts.ansible_interfaces = names;
  for (const name of names) facts[interfaceKey(name)] = ifaces.get(name);
  facts.ansible_all_ipv4_addresses = all4.filter((a) => !a.startsWith('127.'));
  facts.ansible_all_ipv6_addresses = all6.filter((a) => a !== '::1');
  facts.ansible_default_ipv4 = defaultRoute(sections.get('route4'), ifaces, 4, sections.get('proc_route'));
  facts.ansible_default_ipv6 = defaultRoute(sections.get('route6'), ifaces, 6);
  return facts;
}

function defaultRoute(route: string | undefined, ifaces: Map<string, InterfaceFacts>, family: 4 | 6, procRoute?: string): Record<string, unknown> {
  let dev = /\bdev (\S+)/.exec(route ?? '')?.[1];
  let gateway = /\bvia (\S+)/.exec(route ?? '')?.[1];
  const src = /\bsrc (\S+)/.exec(route ?? '')?.[1];
  if (!dev && family === 4 && procRoute) {
    for (const line of lines(procRoute).slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === '00000000' && f[7] === '00000000') {
        dev = f[0];
        gateway = hexToIpv4(f[2]!);
        break;
      }
    }
  }
  if (!dev) return {};
  const i = ifaces.get(dev);
  const out: Record<string, unknown> = { interface: dev, alias: dev };
  if (gateway) out.gateway = gateway;
  if (family === 4) {
    const v4 = [i?.ipv4, ...(i?.ipv4_secondaries ?? [])].find((a) => a && (!src || a.address === src)) ?? i?.ipv4;
    if (v4) Object.assign(out, v4);
    else if (src) out.address = src;
  } else {
    const v6 = i?.ipv6?.find((a) => (src ? a.address === src : a.scope === 'global')) ?? i?.ipv6?.find((a) => a.scope === 'global');
    if (v6) Object.assign(out, v6);
    else if (src) out.address = src;
  }
  if (i?.macaddress) out.macaddress = i.macaddress;
  if (i?.mtu !== undefined) out.mtu = i.mtu;
  if (i) out.type = i.type;
  return out;
}

// ------------------------------------------------------------------ virtualization

export function virtualFacts(sections: Map<string, string>): Facts {
  const ls = lines(sections.get('virt'));
  const detected = ls.filter((l) => !l.includes('-env') && l !== 'cpu-hypervisor');
  // systemd-detect-virt prints the VM or container type, then (with --container) the container type or "none".
  const container = detected[1] && detected[1] !== 'none' ? detected[1] : undefined;
  const any = detected[0] && detected[0] !== 'none' ? detected[0] : undefined;
  let type = container ?? any;
  let role = type ? 'guest' : 'NA';
  if (!type && ls.includes('docker-env')) type = 'docker';
  if (!type && ls.includes('lxc-env')) type = 'lxc';
  if (!type && ls.includes('cpu-hypervisor')) type = 'VMware';
  if (type && role === 'NA') role = 'guest';
  const map: Record<string, string> = { 'systemd-nspawn': 'systemd-nspawn', oracle: 'virtualbox', microsoft: 'VirtualPC', vmware: 'VMware' };
  const kvmLoaded = kvmState(sections.get('kvm')).modules.includes('kvm');
  const guest = type ? (map[type] ?? type) : undefined;
  // As Ansible: a loaded kvm module makes the host a KVM host (tech_host), and its type
  // when nothing says it is a guest itself.
  if (!guest && kvmLoaded) return { ansible_virtualization_type: 'kvm', ansible_virtualization_role: 'host', ansible_virtualization_tech_host: ['kvm'], ansible_virtualization_tech_guest: [] };
  return {
    ansible_virtualization_type: guest ?? 'NA',
    ansible_virtualization_role: role,
    ansible_virtualization_tech_host: kvmLoaded ? ['kvm'] : [],
    ansible_virtualization_tech_guest: guest ? [guest] : [],
  };
}

export interface KvmState {
  /** /dev/kvm exists and is a character device. */
  device: boolean;
  /** The gathering user may open /dev/kvm read-write (as qemu must). */
  device_writable: boolean;
  /** The kernel lists its loaded modules (/proc/modules is readable). */
  modules_listed: boolean;
  /** Loaded kvm modules: kvm, kvm_intel, kvm_amd. */
  modules: string[];
  /** Hardware virtualization usable for guests: the device node exists. */
  available: boolean;
}

export function kvmState(section: string | undefined): KvmState {
  const ls = lines(section).map((l) => l.trim());
  const device = ls.includes('device');
  return {
    device,
    device_writable: ls.includes('device-rw'),
    modules_listed: ls.includes('proc-modules'),
    modules: ls.filter((l) => l.startsWith('module ')).map((l) => l.slice('module '.length)),
    // The module alone is not enough (a container without the device node cannot use it);
    // a kernel with KVM built in has the device and no module.
    available: device,
  };
}

/** `ansible_kvm` (a tsplay fact, not Ansible's): what decides nova's virt_type. */
export function kvmFacts(sections: Map<string, string>): Facts {
  return { ansible_kvm: kvmState(sections.get('kvm')) };
}

// ------------------------------------------------------------------ all together

const PARSERS: Array<(s: Map<string, string>, known: Facts) => Facts> = [
  platformFacts,
  distributionFacts,
  lsbFacts,
  userFacts,
  envFacts,
  dateTimeFacts,
  serviceMgrFacts,
  pkgMgrFacts,
  selinuxFacts,
  apparmorFacts,
  dnsFacts,
  cmdlineFacts,
  fipsFacts,
  sshKeyFacts,
  memoryFacts,
  cpuFacts,
  uptimeFacts,
  mountFacts,
  dmiFacts,
  networkFacts,
  virtualFacts,
  kvmFacts,
];

/** Which parser needs which section: facts of a section that was not gathered are left out. */
const PARSER_SECTIONS = new Map<(s: Map<string, string>, known: Facts) => Facts, string>([
  [platformFacts, 'uname'],
  [distributionFacts, 'os_release'],
  [lsbFacts, 'lsb_release'],
  [userFacts, 'user'],
  [envFacts, 'env'],
  [dateTimeFacts, 'date'],
  [serviceMgrFacts, 'service_mgr'],
  [pkgMgrFacts, 'pkg_mgr'],
  [selinuxFacts, 'selinux'],
  [apparmorFacts, 'apparmor'],
  [dnsFacts, 'dns'],
  [cmdlineFacts, 'cmdline'],
  [fipsFacts, 'fips'],
  [sshKeyFacts, 'ssh_pub_keys'],
  [memoryFacts, 'meminfo'],
  [cpuFacts, 'cpuinfo'],
  [uptimeFacts, 'uptime'],
  [mountFacts, 'mounts'],
  [dmiFacts, 'dmi'],
  [networkFacts, 'sysnet'],
  [virtualFacts, 'virt'],
  [kvmFacts, 'kvm'],
]);

/** Parse the whole script output into `ansible_*` facts. */
export function parseFacts(output: string): Facts {
  const sections = splitSections(output);
  const facts: Facts = {};
  for (const parse of PARSERS) {
    if (!sections.has(PARSER_SECTIONS.get(parse)!)) continue;
    Object.assign(facts, parse(sections, facts));
  }
  return facts;
}
