/**
 * The lab itself (test/lab, `npm run lab -- up`): every host in inventories/lab is a real,
 * booted machine reachable with the inventory's own settings through the system OpenSSH
 * client — independently of tsplay's transport. Checks systemd, rpm/dnf and the local
 * repositories, Open vSwitch, both sudo users, the NICs, the isolation of the network, and
 * that a reboot inside a host brings it back.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const INVENTORY = fileURLToPath(new URL('../../inventories/lab', import.meta.url));

interface LabHost {
  name: string;
  group: string;
  vars: Record<string, string>;
}

/** hosts.ini as `lab up` writes it: [group] sections of "name key=value ..." lines. */
function readHosts(): LabHost[] {
  const file = path.join(INVENTORY, 'hosts.ini');
  if (!existsSync(file)) throw new Error(`no lab inventory at ${file}: run 'npm run lab -- up' first`);
  const hosts: LabHost[] = [];
  let group = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      group = section[1]!;
      continue;
    }
    if (group.endsWith(':children')) continue;
    const [name, ...pairs] = line.split(/\s+/);
    const vars = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    hosts.push({ name: name!, group, vars });
  }
  return hosts;
}

/** group_vars/all.yml's flat "key: value" lines (the lab writes no nested values). */
function readAllVars(): Record<string, string> {
  const text = readFileSync(path.join(INVENTORY, 'group_vars', 'all.yml'), 'utf8');
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_0-9]+):\s*(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

// The RPM hosts. The OpenStack controller of `up --openstack` ([openstack_api], a plain Debian
// host without rpm, OVS or the sudo users) has its own tests in lab-cloud.test.ts.
const hosts = readHosts().filter((h) => h.group !== 'openstack_api');
const all = readAllVars();

/** Runs `command` on the host with the inventory's connection settings (as ansible would). */
async function ssh(host: LabHost, command: string, user = all.ansible_user!, input?: string) {
  const args = [
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-o', 'IdentitiesOnly=yes',
    '-i', all.ansible_ssh_private_key_file!,
    ...all.ansible_ssh_common_args!.split(/\s+/),
    `${user}@${host.vars.ansible_host}`,
    command,
  ];
  if (input === undefined) {
    const { stdout } = await run('ssh', args, { timeout: 60_000 });
    return stdout.trim();
  }
  return new Promise<string>((resolve, reject) => {
    const child = execFile('ssh', args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(Object.assign(err, { stderr })) : resolve(stdout.trim()),
    );
    child.stdin!.end(input);
  });
}

/** Exit status and stderr of a command that is expected to fail. */
async function sshFailure(host: LabHost, command: string, user?: string) {
  try {
    await ssh(host, command, user);
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: err.code, stderr: err.stderr ?? '' };
  }
  throw new Error(`'${command}' succeeded on ${host.name}, expected a failure`);
}

describe('lab inventory', () => {
  it('lists opctl as controller, opnet as network and computeN as compute, each with its own address', () => {
    expect(hosts.find((h) => h.name === 'opctl')?.group).toBe('controller');
    if (hosts.length > 1) expect(hosts.find((h) => h.name === 'opnet')?.group).toBe('network');
    for (const h of hosts.filter((x) => x.name.startsWith('compute'))) expect(h.group).toBe('compute');
    const addresses = hosts.map((h) => h.vars.ansible_host);
    expect(new Set(addresses).size).toBe(hosts.length);
    for (const h of hosts) {
      expect(h.vars.ansible_host).toMatch(/^198\.18\.0\.(\d+)$/);
      expect(h.vars.internal_ip).toBe(h.vars.ansible_host);
      expect(h.vars.eth1_name).toBe('eth1');
    }
    expect(all.ansible_ssh_common_args).toContain('StrictHostKeyChecking=yes');
  });

  it('keeps every lab address inside a blackholed 198.18.0.0/15 on this machine', async () => {
    const { stdout: routes } = await run('ip', ['route', 'show', 'type', 'blackhole']);
    expect(routes).toMatch(/^blackhole 198\.18\.0\.0\/15\b/m);
    const { stdout: bridge } = await run('ip', ['-o', 'addr', 'show', 'dev', 'tsplaybr0']);
    expect(bridge.trim().split('\n').map((l) => l.split(/\s+/)[3])).toEqual(['198.18.0.1/24']);
  });
});

describe.each(hosts.map((h) => [h.name, h] as const))('lab host %s', (name, host) => {
  it('is a booted systemd with the right hostname, reached with the lab key and known_hosts', async () => {
    const out = await ssh(host, 'hostname; systemctl is-system-running; cat /proc/1/comm');
    const [hostname, state, init] = out.split('\n');
    expect(hostname).toBe(name);
    expect(['running', 'degraded']).toContain(state);
    expect(init).toBe('systemd');
  });

  it('has an rpm database with the base package, and dnf/yum see the local repositories', async () => {
    expect(await ssh(host, "rpm -q --qf '%{NAME}\\n' tsplay-lab-base")).toBe('tsplay-lab-base');
    expect(await ssh(host, 'readlink /usr/bin/yum')).toBe('dnf');
    const repos = await ssh(host, 'yum -q repolist enabled');
    expect(repos).toMatch(/^base\s/m);
    expect(repos).toMatch(/^updates\s/m);
    // Metadata really comes from the file:// repository: query a package by repo.
    expect(await ssh(host, "dnf -q repoquery --repo=base --qf '%{name}' python-netaddr")).toBe('python-netaddr');
  });

  it('runs Open vSwitch (ovsdb-server and ovs-vswitchd answer)', async () => {
    expect(await ssh(host, 'ovs-vsctl show')).toMatch(/ovs_version: "\d/);
    expect(await ssh(host, 'ovs-appctl -t ovs-vswitchd version')).toMatch(/ovs-vswitchd/);
  });

  it('gives tester sudo without a password and tester2 sudo only with its password', async () => {
    expect(await ssh(host, 'sudo -n id -u', 'tester')).toBe('0');
    const refused = await sshFailure(host, 'sudo -n id -u', 'tester2');
    expect(refused.stderr).toContain('a password is required');
    const password = readFileSync(all.lab_sudo_password_file!, 'utf8').trim();
    expect(await ssh(host, "sudo -S -p '' id -u", 'tester2', `${password}\n`)).toBe('0');
  });

  it('has eth0 with its one address, a spare eth1, and no route out of the lab subnet', async () => {
    const addrs = await ssh(host, "ip -o addr show | awk '{print $2, $3, $4}'");
    expect(addrs.split('\n').sort()).toEqual(['eth0 inet ' + host.vars.internal_ip + '/24', 'lo inet 127.0.0.1/8'].sort());
    expect(await ssh(host, 'cat /sys/class/net/eth1/address')).toBe(host.vars.eth1_mac);
    expect(await ssh(host, 'ip route show table main')).toBe(`198.18.0.0/24 dev eth0 proto kernel scope link src ${host.vars.internal_ip} `.trim());
    // `ip route get` only asks the routing table; nothing is sent.
    const noRoute = await sshFailure(host, 'ip route get 192.0.2.1');
    expect(noRoute.stderr).toMatch(/unreachable/i);
    expect(await ssh(host, 'ls /etc/sysconfig/network-scripts')).toContain('ifcfg-eth0');
    // /sys shows the host's own namespace, not the machine's interfaces.
    // (Other tests may have added bridges; the machine's bridge and veths must never show.)
    const sysNet = (await ssh(host, 'ls /sys/class/net')).split('\n');
    expect(sysNet).toEqual(expect.arrayContaining(['eth0', 'eth1', 'eth1-peer', 'lo']));
    expect(sysNet.filter((n) => n === 'tsplaybr0' || n.startsWith('tsv-'))).toEqual([]);
  });

  it('lets root change net.* sysctls of its own namespace only', async () => {
    const { stdout: machineBefore } = await run('sysctl', ['-n', 'net.ipv4.conf.all.rp_filter']);
    const original = await ssh(host, 'sysctl -n net.ipv4.conf.all.rp_filter');
    const flipped = original === '0' ? '2' : '0';
    try {
      expect(await ssh(host, `sysctl -w net.ipv4.conf.all.rp_filter=${flipped} >/dev/null && sysctl -n net.ipv4.conf.all.rp_filter`)).toBe(flipped);
    } finally {
      await ssh(host, `sysctl -w net.ipv4.conf.all.rp_filter=${original}`);
    }
    const { stdout: machineAfter } = await run('sysctl', ['-n', 'net.ipv4.conf.all.rp_filter']);
    expect(machineAfter).toBe(machineBefore);
  });
});

describe('reboot inside a lab host', () => {
  it('comes back (the lab restarts a container whose systemd rebooted)', async () => {
    const host = hosts[hosts.length - 1]!;
    const bootId = await ssh(host, 'cat /proc/sys/kernel/random/boot_id');
    const before = await ssh(host, 'systemctl show --value -p ActiveEnterTimestampMonotonic multi-user.target');
    await ssh(host, 'systemd-run --on-active=1 systemctl reboot').catch(() => undefined);
    const deadline = Date.now() + 60_000;
    let after = '';
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        const state = await ssh(host, 'systemctl is-system-running --wait; systemctl show --value -p ActiveEnterTimestampMonotonic multi-user.target');
        after = state;
        if (/^(running|degraded)\n/.test(state) && state.split('\n')[1] !== before) break;
      } catch {
        // down while rebooting
      }
    }
    expect(after).toMatch(/^(running|degraded)\n/);
    // A new boot as the host sees it: systemd started again, with a new boot id.
    expect(after.split('\n')[1]).not.toBe(before);
    expect(await ssh(host, 'cat /proc/sys/kernel/random/boot_id')).not.toBe(bootId);
  });
});
