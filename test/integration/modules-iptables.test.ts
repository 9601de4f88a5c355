/**
 * iptables on a lab host (compute1), whose rules live in its own network namespace: the
 * lab's iptables-services package loads /etc/sysconfig/iptables with iptables-restore, as
 * CentOS 7 does. Every end state is read back over SSH with the host's own `iptables -S`
 * and `cat`, and the file is proven loadable by restarting the service. This machine's own
 * rules are never read or touched: another lab host (compute2) shows the rules stay in
 * compute1's namespace.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iptables from '../../modules/iptables.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute1';
const OTHER = 'compute2';
const FILE = '/etc/sysconfig/iptables';
// /etc/sysconfig/iptables as CentOS 7's iptables-services ships it.
const CENTOS = readFileSync(new URL('../fixtures/iptables/centos7-sysconfig-iptables', import.meta.url), 'utf8');
const DEFAULT_INPUT = [
  '-P INPUT ACCEPT',
  '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p icmp -j ACCEPT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT',
];
const REJECT = '-A INPUT -j REJECT --reject-with icmp-host-prohibited';
const VNC = '-A INPUT -p tcp -m multiport --dports 5900:5999 -j ACCEPT';
const API = '-A INPUT -p tcp -m multiport --dports 8774 -j ACCEPT';
const seedRule = (ports: string) => ({ chain: 'INPUT', protocol: 'tcp', match: 'multiport', destination_ports: ports, jump: 'ACCEPT', insert_before: { jump: 'REJECT' }, persist_file: FILE });

let lab: Lab;
const rules = async (chain = 'INPUT', table = 'filter') => (await lab.out(HOST, `iptables -t ${table} -S ${chain}`)).trimEnd().split('\n');
/** Everything check mode must leave alone: every table's rules (no counters) and the file. */
const state = async () => lab.out(HOST, `for t in filter nat mangle raw; do iptables -t $t -S; done; sha1sum ${FILE}`);
const reset = async () => {
  await lab.out(HOST, `systemctl stop iptables; printf '%s' '${CENTOS}' > ${FILE}; chmod 0600 ${FILE}; systemctl start iptables`);
  expect(await rules()).toEqual([...DEFAULT_INPUT, REJECT]);
};

beforeAll(async () => {
  lab = await openLab();
  await lab.out(HOST, 'rpm -q iptables-services >/dev/null || yum install -y -q iptables-services >/dev/null');
  await reset();
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `systemctl stop iptables; printf '%s' '${CENTOS}' > ${FILE}`);
  await lab.close();
});

describe('iptables on a lab host', () => {
  it('seed 004: ACCEPT 5900:5999 and 8774 before the REJECT rule; check predicts and changes nothing; live + file; idempotent', async () => {
    const before = await state();
    const dry = new HostRuntime();
    const p1 = await lab.run(HOST, iptables, seedRule('5900:5999'), { check: true, diff: true, runtime: dry });
    const p2 = await lab.run(HOST, iptables, seedRule('8774'), { check: true, diff: true, runtime: dry });
    expect(p1).toMatchObject({ failed: false, changed: true, live_changed: true, file_changed: true, commands: `*filter\n-I INPUT 5 -p tcp -m multiport --dports 5900:5999 -j ACCEPT\nCOMMIT\n` });
    // The second prediction builds on the first (position 6).
    expect(p2).toMatchObject({ failed: false, changed: true, commands: `*filter\n-I INPUT 6 -p tcp -m multiport --dports 8774 -j ACCEPT\nCOMMIT\n` });
    expect(p2.diff![0]!.after).toBe(`:INPUT ACCEPT\n${DEFAULT_INPUT.slice(1).join('\n')}\n${VNC}\n${API}\n${REJECT}\n`);
    expect(p2.diff![1]!.after).toBe(CENTOS.replace(REJECT, `${VNC}\n${API}\n${REJECT}`));
    expect(await state()).toBe(before);

    const real = new HostRuntime();
    // One command reads the live table and the file, one iptables-restore applies, one write saves the file.
    const trips = lab.execs(HOST);
    const r1 = await lab.run(HOST, iptables, seedRule('5900:5999'), { diff: true, runtime: real });
    expect(lab.execs(HOST) - trips).toBe(3);
    const r2 = await lab.run(HOST, iptables, seedRule('8774'), { diff: true, runtime: real });
    expect([r1.changed, r2.changed, r1.failed, r2.failed]).toEqual([true, true, false, false]);
    expect(r2.diff).toEqual(p2.diff);
    expect(await rules()).toEqual([...DEFAULT_INPUT, VNC, API, REJECT]);
    expect(await lab.out(HOST, `cat ${FILE}`)).toBe(CENTOS.replace(REJECT, `${VNC}\n${API}\n${REJECT}`));
    expect(await lab.out(HOST, `stat -c %a ${FILE}`)).toBe('600\n');

    for (const ports of ['5900:5999', '8774']) {
      const before1 = lab.execs(HOST);
      expect(await lab.run(HOST, iptables, seedRule(ports))).toMatchObject({ changed: false, failed: false });
      expect(lab.execs(HOST) - before1).toBe(1);
      expect(await lab.run(HOST, iptables, seedRule(ports), { check: true })).toMatchObject({ changed: false });
    }
    // The file is what the service loads: a restart gives the same live rules.
    await lab.out(HOST, 'systemctl restart iptables');
    expect(await rules()).toEqual([...DEFAULT_INPUT, VNC, API, REJECT]);
    // Only compute1's namespace has them.
    expect((await lab.out(OTHER, 'iptables -S INPUT')).includes('5900:5999')).toBe(false);
  });

  it('a copy after the REJECT rule (where it never matches) is moved before it, live and in the file', async () => {
    await lab.out(HOST, `iptables -D INPUT -p tcp -m multiport --dports 8774 -j ACCEPT && iptables -A INPUT -p tcp -m multiport --dports 8774 -j ACCEPT`);
    expect(await rules()).toEqual([...DEFAULT_INPUT, VNC, REJECT, API]);
    const r = await lab.run(HOST, iptables, seedRule('8774'));
    expect(r).toMatchObject({ changed: true, live_changed: true, file_changed: false, commands: '*filter\n-D INPUT 7\n-I INPUT 6 -p tcp -m multiport --dports 8774 -j ACCEPT\nCOMMIT\n' });
    expect(await rules()).toEqual([...DEFAULT_INPUT, VNC, API, REJECT]);
  });

  it("Ansible's placement: rule_num, append; every rule parameter; absent removes every copy", async () => {
    const rule = {
      chain: 'INPUT', action: 'insert', rule_num: 1, source: '10.9.8.0/24', in_interface: 'eth0', protocol: 'tcp', destination_port: 2222,
      ctstate: ['NEW', 'ESTABLISHED'], comment: 'tsplay test', jump: 'ACCEPT', persist_file: FILE,
    };
    const line = '-A INPUT -s 10.9.8.0/24 -i eth0 -p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW,ESTABLISHED -m comment --comment "tsplay test" -j ACCEPT';
    expect((await lab.run(HOST, iptables, rule)).changed).toBe(true);
    expect((await rules())[1]).toBe(line);
    expect(await lab.out(HOST, `sed -n 8p ${FILE}`)).toBe(`${line}\n`);
    // Written in another order and spelling, it is the same rule.
    expect((await lab.run(HOST, iptables, { ...rule, ctstate: 'ESTABLISHED,NEW', source: '10.9.8.0/255.255.255.0', action: 'append' })).changed).toBe(false);

    const out = { chain: 'OUTPUT', destination: '192.0.2.1', out_interface: 'eth0', protocol: 'udp', source_port: '1024:65535', jump: 'REJECT', reject_with: 'icmp-port-unreachable' };
    expect((await lab.run(HOST, iptables, out)).changed).toBe(true);
    expect(await rules('OUTPUT')).toEqual(['-P OUTPUT ACCEPT', '-A OUTPUT -d 192.0.2.1/32 -o eth0 -p udp -m udp --sport 1024:65535 -j REJECT --reject-with icmp-port-unreachable']);
    expect((await lab.run(HOST, iptables, { ...out, reject_with: undefined })).changed).toBe(false);

    await lab.out(HOST, `iptables -A INPUT ${line.slice('-A INPUT '.length).replace('"tsplay test"', "'tsplay test'")}`);
    const gone = await lab.run(HOST, iptables, { ...rule, state: 'absent' }, { diff: true });
    expect(gone).toMatchObject({ changed: true, commands: '*filter\n-D INPUT 9\n-D INPUT 1\nCOMMIT\n' });
    expect((await rules()).some((l) => l.includes('2222'))).toBe(false);
    expect(await lab.out(HOST, `cat ${FILE}`)).not.toContain('2222');
    expect((await lab.run(HOST, iptables, { ...rule, state: 'absent' })).changed).toBe(false);
    expect((await lab.run(HOST, iptables, { ...out, state: 'absent' })).changed).toBe(true);
  });

  it('policy, and a table the file did not have (nat), survive a service restart', async () => {
    const before = await state();
    const policy = { chain: 'FORWARD', policy: 'DROP', persist_file: FILE };
    expect(await lab.run(HOST, iptables, policy, { check: true })).toMatchObject({ changed: true, commands: '*filter\n-P FORWARD DROP\nCOMMIT\n' });
    expect(await state()).toBe(before);
    expect((await lab.run(HOST, iptables, policy)).changed).toBe(true);
    expect((await rules('FORWARD'))[0]).toBe('-P FORWARD DROP');
    expect(await lab.out(HOST, `grep '^:FORWARD' ${FILE}`)).toBe(':FORWARD DROP [0:0]\n');
    expect((await lab.run(HOST, iptables, policy)).changed).toBe(false);

    const nat = { table: 'nat', chain: 'POSTROUTING', source: '10.0.0.0/8', out_interface: 'eth1', jump: 'MASQUERADE', persist_file: FILE };
    expect((await lab.run(HOST, iptables, nat)).changed).toBe(true);
    expect((await lab.run(HOST, iptables, nat)).changed).toBe(false);
    await lab.out(HOST, 'systemctl restart iptables');
    expect(await rules('POSTROUTING', 'nat')).toEqual(['-P POSTROUTING ACCEPT', '-A POSTROUTING -s 10.0.0.0/8 -o eth1 -j MASQUERADE']);
    expect((await rules('FORWARD'))[0]).toBe('-P FORWARD DROP');
    expect((await lab.run(HOST, iptables, nat)).changed).toBe(false);
    expect((await lab.run(HOST, iptables, { ...policy, policy: 'ACCEPT' })).changed).toBe(true);
  });

  it('errors name the problem and change nothing', async () => {
    const before = await state();
    const noChain = await lab.run(HOST, iptables, { chain: 'NOPE', jump: 'ACCEPT' });
    expect(noChain).toMatchObject({ failed: true, msg: 'chain NOPE does not exist in table filter on compute1 (create it first, e.g. with iptables -N)' });
    expect((await lab.run(HOST, iptables, { chain: 'INPUT', jump: 'ACCEPT', action: 'insert', rule_num: 40 })).msg).toMatch(/rule_num 40 is beyond the end of the chain/);
    expect((await lab.run(HOST, iptables, { chain: 'INPUT', destination_port: 80, jump: 'ACCEPT' })).msg).toMatch(/need protocol tcp or udp/);
    expect((await lab.run(HOST, iptables, { chain: 'INPUT', jump: 'ACCEPT', policy: 'DROP' })).msg).toMatch(/policy sets the chain policy only/);
    expect((await lab.run(HOST, iptables, { chain: 'INPUT', jump: '-j' })).failed).toBe(true);
    expect(await state()).toBe(before);
  });
});
