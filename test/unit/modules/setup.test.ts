/**
 * setup: the fact parser on captured script output (a Debian 12 sandbox captured here, a
 * CentOS 7 network node assembled from CentOS 7 files), subset selection, and a live run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import setup from '../../../modules/setup.js';
import { interfaceKey, osFamily, parseFacts } from '../../../modules/_lib/facts-parse.js';
import { ALL_SECTIONS, factsScript, resolveSubsets, SUBSETS } from '../../../modules/_lib/facts-script.js';
import { run } from './general-helpers.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/facts/${name}`, import.meta.url), 'utf8');

describe('parseFacts: CentOS 7 network node', () => {
  const f = parseFacts(fixture('centos7-opnet.txt'));

  it('distribution: full EL version from centos-release, family RedHat', () => {
    expect(f).toMatchObject({
      ansible_distribution: 'CentOS',
      ansible_distribution_version: '7.9.2009',
      ansible_distribution_major_version: '7',
      ansible_distribution_release: 'Core',
      ansible_os_family: 'RedHat',
      ansible_pkg_mgr: 'yum',
      ansible_service_mgr: 'systemd',
    });
  });

  it('platform and names', () => {
    expect(f).toMatchObject({
      ansible_system: 'Linux',
      ansible_kernel: '3.10.0-1160.el7.x86_64',
      ansible_architecture: 'x86_64',
      ansible_hostname: 'opnet',
      ansible_fqdn: 'opnet.example.com',
      ansible_domain: 'example.com',
      ansible_nodename: 'opnet.example.com',
      ansible_machine_id: '5f3c0a9e2b8d4e7f9a1b2c3d4e5f6a7b',
    });
  });

  it('interfaces: dashes become underscores in the key, OVS port has no address, secondaries', () => {
    expect(f.ansible_interfaces).toEqual(['br-ex', 'eth0', 'eth1', 'lo', 'ovs-system']);
    expect(f.ansible_br_ex).toMatchObject({
      device: 'br-ex',
      active: true,
      type: 'ether',
      macaddress: '52:54:00:12:34:02',
      mtu: 1500,
      ipv4: { address: '192.168.1.101', netmask: '255.255.255.0', network: '192.168.1.0', broadcast: '192.168.1.255', prefix: '24' },
    });
    expect(f.ansible_eth1).toMatchObject({ device: 'eth1', promisc: true, active: true });
    expect(f.ansible_eth1).not.toHaveProperty('ipv4');
    expect(f.ansible_eth0).toMatchObject({
      ipv4: { address: '192.168.0.101' },
      ipv4_secondaries: [{ address: '192.168.0.201', prefix: '24' }],
      ipv6: [{ address: 'fe80::5054:ff:fe12:3401', prefix: '64', scope: 'link' }],
    });
    expect(f.ansible_ovs_system).toMatchObject({ active: false });
    expect(f.ansible_lo).toMatchObject({ type: 'loopback', ipv4: { address: '127.0.0.1', prefix: '8' } });
    expect(f.ansible_all_ipv4_addresses).toEqual(['192.168.0.101', '192.168.0.201', '192.168.1.101']);
    expect(f.ansible_default_ipv4).toMatchObject({ interface: 'br-ex', address: '192.168.1.101', gateway: '192.168.1.1', macaddress: '52:54:00:12:34:02', netmask: '255.255.255.0' });
    expect(f.ansible_default_ipv6).toEqual({});
  });

  it('memory, cpu, mounts, dmi, virtualization', () => {
    expect(f).toMatchObject({
      ansible_memtotal_mb: 3790,
      ansible_memfree_mb: 216,
      ansible_swaptotal_mb: 2047,
      ansible_memory_mb: { real: { total: 3790, free: 216, used: 3574 }, nocache: { free: 1861 } },
      ansible_processor_vcpus: 2,
      ansible_processor_count: 1,
      ansible_processor_cores: 2,
      ansible_processor_threads_per_core: 1,
      ansible_processor_nproc: 2,
      ansible_system_vendor: 'QEMU',
      ansible_virtualization_type: 'kvm',
      ansible_virtualization_role: 'guest',
      ansible_uptime_seconds: 86400,
    });
    expect(f.ansible_processor).toEqual(['0', 'GenuineIntel', 'Intel(R) Xeon(R) CPU E5-2620 v2 @ 2.10GHz', '1', 'GenuineIntel', 'Intel(R) Xeon(R) CPU E5-2620 v2 @ 2.10GHz']);
    const mounts = f.ansible_mounts as Array<Record<string, unknown>>;
    expect(mounts.map((m) => m.mount)).toEqual(['/', '/', '/boot', '/mnt/data volume']);
    expect(mounts.find((m) => m.mount === '/boot')).toMatchObject({ device: '/dev/vda1', fstype: 'xfs', size_total: 1038336 * 1024, size_available: 853856 * 1024 });
  });

  it('selinux, dns, cmdline, date/time, user, env, ssh keys', () => {
    expect(f.ansible_selinux).toEqual({ status: 'enabled', mode: 'permissive', config_mode: 'permissive', type: 'targeted', policyvers: 31 });
    expect(f.ansible_dns).toEqual({ search: ['example.com'], nameservers: ['192.168.0.1', '8.8.8.8'], options: { timeout: '2', rotate: true } });
    expect(f.ansible_cmdline).toMatchObject({ ro: true, root: '/dev/mapper/centos-root', console: 'ttyS0,115200n8' });
    expect((f.ansible_proc_cmdline as Record<string, unknown>).console).toEqual(['tty0', 'ttyS0,115200n8']);
    expect(f.ansible_date_time).toMatchObject({ date: '2014-11-04', time: '15:30:07', epoch: '1415115007', tz: 'JST', tz_offset: '+0900', iso8601: '2014-11-04T06:30:07Z', weekday: 'Tuesday', iso8601_micro: '2014-11-04T06:30:07.123456Z' });
    expect(f).toMatchObject({ ansible_user_id: 'root', ansible_user_uid: 0, ansible_user_dir: '/root', ansible_user_shell: '/bin/bash', ansible_fips: false });
    expect(f.ansible_env).toEqual({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin', HOME: '/root', SHELL: '/bin/bash' });
    expect(f.ansible_ssh_host_key_ed25519_public).toBe('AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsToo');
    expect(f.ansible_ssh_host_key_ecdsa_public_keytype).toBe('ecdsa-sha2-nistp256');
  });
});

describe('parseFacts: Debian 12 (captured here)', () => {
  const f = parseFacts(fixture('debian12-sandbox.txt'));

  it('distribution from os-release and debian_version', () => {
    expect(f).toMatchObject({
      ansible_distribution: 'Debian',
      ansible_distribution_version: '12.11',
      ansible_distribution_major_version: '12',
      ansible_distribution_release: 'bookworm',
      ansible_os_family: 'Debian',
      ansible_pkg_mgr: 'apt',
    });
  });

  it('network: bridge type from /sys, veth names without @peer, IPv6 default route', () => {
    expect(f.ansible_interfaces).toContain('tsv-opctl');
    expect(f.ansible_tsplaybr0).toMatchObject({ type: 'bridge', ipv4: { address: '198.18.0.1', prefix: '24' } });
    expect(f.ansible_default_ipv4).toMatchObject({ interface: 'eth0', address: '192.0.2.2', gateway: '192.0.2.1', mtu: 1400 });
    expect(f.ansible_default_ipv6).toMatchObject({ interface: 'eth0', address: 'fd00::2', gateway: 'fd00::1', prefix: '64' });
    expect(f.ansible_env).toMatchObject({ MULTI: 'line one\nline two', HOME: '/root' });
  });
});

describe('fallbacks and helpers', () => {
  it('without iproute2: interfaces from /sys, default route from /proc/net/route, IPv6 from if_inet6', () => {
    const out = [
      '@@sysnet',
      'eth0|52:54:00:aa:bb:cc|1500|up|',
      'lo|00:00:00:00:00:00|65536|unknown|',
      '@@proc_route',
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      '@@if_inet6',
      'fe800000000000005054fffeaabbcc 02 40 20 80     eth0',
      '@@ip_addr',
      '@@end',
    ].join('\n');
    const f = parseFacts(out);
    expect(f.ansible_eth0).toMatchObject({ macaddress: '52:54:00:aa:bb:cc', mtu: 1500, active: true, type: 'ether' });
    expect(f.ansible_default_ipv4).toMatchObject({ interface: 'eth0', gateway: '192.168.0.1' });
  });

  it('EL6 without os-release', () => {
    const f = parseFacts('@@os_release\n@@redhat_release\nCentOS release 6.10 (Final)\n@@debian_version\n@@end');
    expect(f).toMatchObject({ ansible_distribution: 'CentOS', ansible_distribution_version: '6.10', ansible_distribution_major_version: '6', ansible_os_family: 'RedHat' });
  });

  it('os family mapping and interface keys', () => {
    expect(['RedHat', 'Rocky', 'Ubuntu', 'openSUSE Leap', 'Alpine', 'Something'].map(osFamily)).toEqual(['RedHat', 'RedHat', 'Debian', 'Suse', 'Alpine', 'Something']);
    expect(interfaceKey('br-ex')).toBe('ansible_br_ex');
    expect(interfaceKey('eth0:1')).toBe('ansible_eth0_1');
    expect(interfaceKey('eth2.100')).toBe('ansible_eth2.100');
  });

  it('gather_subset resolution', () => {
    expect(resolveSubsets(['all'])).toEqual(ALL_SECTIONS);
    expect(resolveSubsets(['!all'])).toEqual([...SUBSETS.min]);
    expect(resolveSubsets(['!all', 'network'])).toEqual([...SUBSETS.min, 'network']);
    expect(resolveSubsets(['!hardware'])).not.toContain('hardware');
    expect(resolveSubsets(['!all', '!min', 'distribution'])).toEqual(['distribution']);
    expect(() => resolveSubsets(['hardwre'])).toThrow(/unknown gather_subset 'hardwre'/);
    expect(factsScript(['distribution'])).not.toContain('ip -o addr');
  });
});

describe('KVM facts (the virtual subset)', () => {
  const parse = (virt: string[], kvm: string[]) => parseFacts(['@@virt', ...virt, '@@kvm', ...kvm, '@@end'].join('\n'));

  it('a CentOS 7 KVM host (what `lsmod | grep kvm` shows in seed 000): device, modules, role host', () => {
    const f = parse(['none', 'none'], ['device', 'device-rw', 'proc-modules', 'module kvm_intel', 'module kvm']);
    expect(f.ansible_kvm).toEqual({ device: true, device_writable: true, modules_listed: true, modules: ['kvm_intel', 'kvm'], available: true });
    expect(f).toMatchObject({ ansible_virtualization_type: 'kvm', ansible_virtualization_role: 'host', ansible_virtualization_tech_host: ['kvm'], ansible_virtualization_tech_guest: [] });
  });

  it('a container on a kernel without loadable modules (the lab): nothing, and the reason is visible', () => {
    const f = parse(['systemd-nspawn', 'systemd-nspawn'], []);
    expect(f.ansible_kvm).toEqual({ device: false, device_writable: false, modules_listed: false, modules: [], available: false });
    expect(f).toMatchObject({ ansible_virtualization_type: 'systemd-nspawn', ansible_virtualization_role: 'guest', ansible_virtualization_tech_host: [], ansible_virtualization_tech_guest: ['systemd-nspawn'] });
  });

  it('the module loaded but no device node (a container given no /dev/kvm): not available', () => {
    const f = parse(['lxc', 'lxc'], ['proc-modules', 'module kvm', 'module kvm_amd']);
    expect(f.ansible_kvm).toMatchObject({ device: false, modules: ['kvm', 'kvm_amd'], available: false });
    expect(f).toMatchObject({ ansible_virtualization_role: 'guest', ansible_virtualization_tech_host: ['kvm'] });
  });

  it('KVM built into the kernel: the device without a module is available', () => {
    expect(parse(['kvm', 'none'], ['device', 'proc-modules']).ansible_kvm).toMatchObject({ device: true, modules: [], modules_listed: true, available: true });
  });

  it('the script reads this machine as it is, in the same command as the rest', async () => {
    const r = await run(setup, { gather_subset: ['!all', '!min', 'virtual'] });
    const kvm = (r.ansible_facts as Record<string, unknown>).ansible_kvm as Record<string, unknown>;
    const dev = existsSync('/dev/kvm') && statSync('/dev/kvm').isCharacterDevice();
    expect(kvm).toMatchObject({ device: dev, available: dev, modules_listed: existsSync('/proc/modules') });
    const loaded = existsSync('/proc/modules') ? readFileSync('/proc/modules', 'utf8').split('\n').map((l) => l.split(' ')[0]).filter((m) => m === 'kvm' || m!.startsWith('kvm_')) : [];
    expect(kvm.modules).toEqual(loaded);
    expect(factsScript([...SUBSETS.min])).not.toContain('/dev/kvm');
  });
});

describe('setup module (live, local)', () => {
  it('gathers facts in one command', async () => {
    const r = await run(setup, {});
    expect(r.failed).toBe(false);
    const f = r.ansible_facts as Record<string, unknown>;
    expect(f.ansible_hostname).toBe(hostname().split('.')[0]);
    expect(f.ansible_os_family).toBe('Debian');
    expect(typeof f.ansible_memtotal_mb).toBe('number');
    expect(f.ansible_processor_vcpus).toBeGreaterThan(0);
    expect(Array.isArray(f.ansible_interfaces)).toBe(true);
    expect((f.ansible_env as Record<string, string>).PATH).toBeTruthy();
    expect(f.module_setup).toBe(true);
  });

  it('filter and gather_subset; check mode gathers too; bad subset is a clear error', async () => {
    const r = await run(setup, { filter: ['ansible_distribution*'], gather_subset: ['!all'] }, { check: true });
    expect(Object.keys(r.ansible_facts as object).filter((k) => k.startsWith('ansible_distribution')).length).toBeGreaterThan(2);
    expect(r.ansible_facts).not.toHaveProperty('ansible_kernel');
    expect((await run(setup, { gather_subset: 'network,!hardware' })).failed).toBe(false);
    expect((await run(setup, { gather_subset: ['everything'] })).msg).toContain("unknown gather_subset 'everything'");
  });
});
