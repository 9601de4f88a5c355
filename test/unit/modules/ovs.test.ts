import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeBridge, OvsOutputError, OvsPlanError, parseOvsState, planBridge, type OvsState, type WantedBridge } from '../../../modules/_lib/ovs.js';
import ovsBridge from '../../../modules/ovs_bridge.js';
import type { ExecOptions, ExecResult, Transport } from '../../../core/transport/transport.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

// Recorded from Open vSwitch 3.1 (Debian 12) with the read ovs_bridge runs, after building the
// bridges of seed 001's network node: br-int (secure, patch-tun), br-tun (patch-int, a VXLAN
// port), br-ex (veth1 as the public NIC, external ids, other_config) and a fake bridge br-ex-10.
const FIXTURE = readFileSync(fileURLToPath(new URL('./fixtures/ovs/juno-network-node.jsonl', import.meta.url)), 'utf8');
const NICS = new Set(['lo', 'eth0', 'eth1', 'veth1']);

const state = (): OvsState => parseOvsState(FIXTURE);
const plan = (want: Partial<WantedBridge> & { bridge: string }, s: OvsState = state()) => planBridge(s, { state: 'present', ...want }, NICS);

describe('parseOvsState', () => {
  it('reads bridges, ports, interfaces and fake bridges from ovs-vsctl JSON', () => {
    const s = state();
    expect(Object.keys(s.bridges).sort()).toEqual(['br-ex', 'br-int', 'br-tun']);
    expect(s.bridges['br-int']).toEqual({
      name: 'br-int',
      failMode: 'secure',
      datapathType: 'netdev',
      externalIds: {},
      otherConfig: {},
      ports: ['br-int', 'patch-tun'],
    });
    expect(s.bridges['br-tun']!.failMode).toBe('');
    expect(s.bridges['br-ex']!.externalIds).toEqual({ 'bridge-id': 'br-ex', x: '1' });
    expect(s.bridges['br-ex']!.otherConfig).toEqual({ 'disable-in-band': 'true' });
    expect(s.bridges['br-ex']!.ports).toEqual(['br-ex', 'br-ex-10', 'veth1']);
    expect(s.interfaces['vxlan-c0a80065']).toEqual({
      name: 'vxlan-c0a80065',
      type: 'vxlan',
      options: { df_default: 'true', in_key: 'flow', local_ip: '192.168.0.100', out_key: 'flow', remote_ip: '192.168.0.101' },
    });
    expect(s.interfaces['veth1']!.type).toBe('');
    expect(s.ports['br-ex-10']).toMatchObject({ bridge: 'br-ex', tag: 10, fakeBridge: true, externalIds: { 'fake-bridge-bridge-id': 'br-ex-10' } });
    expect(s.ports['patch-tun']).toMatchObject({ bridge: 'br-int', tag: null, fakeBridge: false, interfaces: ['patch-tun'] });
  });

  it('reads an empty database', () => {
    const empty = '{"data":[],"headings":["name"]}\n{"data":[],"headings":["_uuid"]}\n{"data":[],"headings":["_uuid"]}\n';
    expect(parseOvsState(empty)).toEqual({ bridges: {}, ports: {}, interfaces: {} });
  });

  it('rejects output that is not the three tables', () => {
    expect(() => parseOvsState('{"data":[]}')).toThrow(OvsOutputError);
    expect(() => parseOvsState('a\nb\nc')).toThrow(/invalid JSON/);
  });
});

describe('planBridge', () => {
  it('is no change when the bridge already matches (seed 001 br-int and br-tun)', () => {
    expect(plan({ bridge: 'br-int', failMode: 'secure', datapathType: 'netdev', ports: [{ name: 'patch-tun', type: 'patch', options: { peer: 'patch-int' }, state: 'present' }] }).commands).toEqual([]);
    const vxlan = { name: 'vxlan-c0a80065', type: 'vxlan', options: { local_ip: '192.168.0.100', remote_ip: '192.168.0.101' }, state: 'present' as const };
    expect(plan({ bridge: 'br-tun', failMode: '', ports: [{ name: 'patch-int', state: 'present' }, vxlan] }).commands).toEqual([]);
  });

  it('creates a bridge with its datapath, fail mode and ports in one transaction, datapath first', () => {
    const p = plan({
      bridge: 'br-new',
      datapathType: 'netdev',
      failMode: 'standalone',
      externalIds: { 'bridge-id': 'br-new' },
      ports: [
        { name: 'eth1', state: 'present' },
        { name: 'patch-a', type: 'patch', options: { peer: 'patch-b' }, state: 'present' },
      ],
    });
    expect(p.commands).toEqual([
      ['--may-exist', 'add-br', 'br-new'],
      ['set', 'Bridge', 'br-new', 'datapath_type="netdev"'],
      ['set', 'Bridge', 'br-new', 'fail_mode=standalone'],
      ['br-set-external-id', 'br-new', 'bridge-id', 'br-new'],
      ['--may-exist', 'add-port', 'br-new', 'eth1'],
      ['--may-exist', 'add-port', 'br-new', 'patch-a'],
      ['set', 'Interface', 'patch-a', 'type="patch"'],
      ['set', 'Interface', 'patch-a', 'options:"peer"="patch-b"'],
    ]);
    expect(p.changes).toEqual([
      'bridge br-new added',
      'br-new datapath_type: (none) -> "netdev"',
      'br-new fail_mode: (none) -> "standalone"',
      'br-new external_ids:bridge-id: (none) -> "br-new"',
      'port eth1 added to br-new',
      'port patch-a added to br-new (type patch)',
    ]);
    // The simulated result needs nothing more.
    expect(planBridge(p.after, { bridge: 'br-new', state: 'present', datapathType: 'netdev', failMode: 'standalone', ports: [{ name: 'eth1', state: 'present' }] }, NICS).commands).toEqual([]);
  });

  it('changes only what differs on an existing bridge', () => {
    const p = plan({ bridge: 'br-int', failMode: 'standalone', datapathType: 'netdev' });
    expect(p.commands).toEqual([['set', 'Bridge', 'br-int', 'fail_mode=standalone']]);
    expect(plan({ bridge: 'br-int', failMode: '' }).commands).toEqual([['clear', 'Bridge', 'br-int', 'fail_mode']]);
    expect(plan({ bridge: 'br-int', datapathType: 'system' }).commands).toEqual([['set', 'Bridge', 'br-int', 'datapath_type="system"']]);
  });

  it('external_ids and other_config: only given keys; null or empty removes', () => {
    const p = plan({ bridge: 'br-ex', externalIds: { 'bridge-id': 'br-ex', x: null, y: 'new' }, otherConfig: { 'disable-in-band': '', hwaddr: 'aa:bb:cc:dd:ee:ff' } });
    expect(p.commands).toEqual([
      ['br-set-external-id', 'br-ex', 'x'],
      ['br-set-external-id', 'br-ex', 'y', 'new'],
      ['remove', 'Bridge', 'br-ex', 'other_config', '"disable-in-band"'],
      ['set', 'Bridge', 'br-ex', 'other_config:"hwaddr"="aa:bb:cc:dd:ee:ff"'],
    ]);
    expect(plan({ bridge: 'br-ex', externalIds: { nothere: null } }).commands).toEqual([]);
  });

  it('ports: type and option changes on an existing port, removal, absent ports that do not exist', () => {
    const p = plan({
      bridge: 'br-tun',
      ports: [
        { name: 'vxlan-c0a80065', type: 'vxlan', options: { remote_ip: '192.168.0.102', df_default: null }, state: 'present' },
        { name: 'patch-int', state: 'absent' },
        { name: 'gone', state: 'absent' },
        { name: 'veth1', state: 'absent' }, // on br-ex, not on br-tun: nothing to do here
      ],
    });
    expect(p.commands).toEqual([
      ['set', 'Interface', 'vxlan-c0a80065', 'options:"remote_ip"="192.168.0.102"'],
      ['remove', 'Interface', 'vxlan-c0a80065', 'options', '"df_default"'],
      ['--if-exists', 'del-port', 'br-tun', 'patch-int'],
    ]);
    expect(plan({ bridge: 'br-int', ports: [{ name: 'patch-tun', type: 'internal', state: 'present' }] }).commands).toEqual([
      ['set', 'Interface', 'patch-tun', 'type="internal"'],
    ]);
    // '' and 'system' are the same type.
    expect(plan({ bridge: 'br-ex', ports: [{ name: 'veth1', type: 'system', state: 'present' }] }).commands).toEqual([]);
  });

  it('a system port needs a network device on the host', () => {
    expect(() => plan({ bridge: 'br-ex', ports: [{ name: 'eth9', state: 'present' }] })).toThrow(
      new OvsPlanError(
        'port eth9: there is no network interface eth9 on this host to attach to br-ex (check the name with `ip link`; for a port that exists only in Open vSwitch give type: internal, patch or vxlan)',
      ),
    );
    expect(plan({ bridge: 'br-ex', ports: [{ name: 'eth9', type: 'internal', state: 'present' }] }).commands[0]).toEqual(['--may-exist', 'add-port', 'br-ex', 'eth9']);
  });

  it('a port on another bridge is an error, not a move', () => {
    expect(() => plan({ bridge: 'br-int', ports: [{ name: 'veth1', state: 'present' }] })).toThrow(/port veth1 is attached to bridge br-ex, not to br-int/);
    expect(() => plan({ bridge: 'br-int', ports: [{ name: 'br-ex-10', state: 'present' }] })).toThrow(/port br-ex-10 is a fake bridge of br-ex/);
  });

  it('the bridge\'s own port cannot be removed as a port', () => {
    expect(() => plan({ bridge: 'br-int', ports: [{ name: 'br-int', state: 'absent' }] })).toThrow(/own internal port/);
    expect(plan({ bridge: 'br-int', ports: [{ name: 'br-int', type: 'internal', state: 'present' }] }).commands).toEqual([]);
  });

  it('state=absent removes a bridge (real or fake) once', () => {
    const p = planBridge(state(), { bridge: 'br-tun', state: 'absent' }, NICS);
    expect(p.commands).toEqual([['--if-exists', 'del-br', 'br-tun']]);
    expect(p.after.bridges['br-tun']).toBeUndefined();
    expect(p.after.ports['vxlan-c0a80065']).toBeUndefined();
    expect(planBridge(p.after, { bridge: 'br-tun', state: 'absent' }, NICS).commands).toEqual([]);
    const fake = planBridge(state(), { bridge: 'br-ex-10', state: 'absent' }, NICS);
    expect(fake.commands).toEqual([['--if-exists', 'del-br', 'br-ex-10']]);
    expect(fake.after.bridges['br-ex']!.ports).toEqual(['br-ex', 'veth1']);
  });

  it('fake bridges: created with parent and VLAN, external ids on the port record, wrong kind is an error', () => {
    expect(plan({ bridge: 'br-ex-10', parent: 'br-ex', vlan: 10, externalIds: { 'bridge-id': 'br-ex-10' } }).commands).toEqual([]);
    const p = plan({ bridge: 'br-ex-20', parent: 'br-ex', vlan: 20, externalIds: { a: 'b' } });
    expect(p.commands).toEqual([
      ['--may-exist', 'add-br', 'br-ex-20', 'br-ex', '20'],
      ['br-set-external-id', 'br-ex-20', 'a', 'b'],
    ]);
    expect(planBridge(p.after, { bridge: 'br-ex-20', state: 'present', parent: 'br-ex', vlan: 20, externalIds: { a: 'b' } }, NICS).commands).toEqual([]);
    expect(() => plan({ bridge: 'br-ex-10', parent: 'br-ex', vlan: 11 })).toThrow(/fake bridge of br-ex with VLAN 10, not of br-ex with VLAN 11/);
    expect(() => plan({ bridge: 'br-x', parent: 'br-nope', vlan: 5 })).toThrow(/parent bridge br-nope of br-x does not exist/);
    expect(() => plan({ bridge: 'br-int', parent: 'br-ex', vlan: 5 })).toThrow(/br-int exists as a real bridge/);
    expect(() => plan({ bridge: 'br-ex-10' })).toThrow(/br-ex-10 exists as a fake bridge/);
    expect(() => plan({ bridge: 'br-ex-30', parent: 'br-ex', vlan: 30, failMode: 'secure' })).toThrow(/fail_mode is not supported on a fake/);
  });

  it('does not modify the state it is given', () => {
    const s = state();
    const copy = JSON.parse(JSON.stringify(s));
    plan({ bridge: 'br-int', failMode: 'standalone', ports: [{ name: 'x', type: 'internal', state: 'present' }] }, s);
    expect(s).toEqual(copy);
  });
});

describe('describeBridge', () => {
  it('renders an ovs-vsctl show-like view for --diff', () => {
    expect(describeBridge(state(), 'br-tun')).toBe(
      [
        'Bridge br-tun',
        '    datapath_type: netdev',
        '    Port br-tun',
        '        Interface br-tun',
        '            type: internal',
        '    Port patch-int',
        '        Interface patch-int',
        '            type: patch',
        '            options: {peer=patch-tun}',
        '    Port vxlan-c0a80065',
        '        Interface vxlan-c0a80065',
        '            type: vxlan',
        '            options: {df_default=true, in_key=flow, local_ip=192.168.0.100, out_key=flow, remote_ip=192.168.0.101}',
        '',
      ].join('\n'),
    );
    expect(describeBridge(state(), 'nope')).toBe('');
    expect(describeBridge(state(), 'br-ex-10')).toBe('Bridge br-ex-10 (fake: VLAN 10 of br-ex)\n    external_ids: {bridge-id=br-ex-10}\n');
  });
});

/**
 * The module's plumbing (one read, one transaction, check mode, predictions, errors)
 * against a transport that answers like a host with Open vSwitch: the read returns the
 * recorded tables, transactions are recorded. Real Open vSwitch runs in
 * test/integration/modules-ovs_bridge.test.ts.
 */
class RecordingOvsHost implements Transport {
  readonly host = 'opnet';
  readonly commands: string[] = [];
  constructor(
    private readonly tables: string,
    private readonly devices = 'eth0\neth1\nlo\nveth1\n',
  ) {}
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async exec(command: string, _options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    const ok = (stdout: string): ExecResult => ({ rc: 0, stdout, stderr: '', stdoutBuffer: Buffer.from(stdout) });
    if (command.includes('list Bridge')) return ok(`${this.devices}--\n${this.tables}`);
    if (command.startsWith('ovs-vsctl ')) return ok('');
    return { rc: 1, stdout: '', stderr: `unexpected command: ${command}`, stdoutBuffer: Buffer.alloc(0) };
  }
}

describe('ovs_bridge module', () => {
  const brEx = { bridge: 'br-ex', datapath_type: 'netdev', ports: ['eth1'] };

  it('reads once, applies one transaction; check mode applies nothing and predicts the same', async () => {
    const checkHost = new RecordingOvsHost(FIXTURE);
    const check = await runModuleLocally(ovsBridge, brEx, { check: true, diff: true, transport: checkHost });
    expect(check.changed).toBe(true);
    expect(checkHost.commands).toHaveLength(1);

    const host = new RecordingOvsHost(FIXTURE);
    const real = await runModuleLocally(ovsBridge, brEx, { diff: true, transport: host });
    expect(real.changed).toBe(true);
    expect(host.commands).toHaveLength(2);
    expect(host.commands[1]).toBe('ovs-vsctl --timeout=5 -- --may-exist add-port br-ex eth1');
    expect(real.commands).toBe(host.commands[1]);
    expect(real.changes).toEqual(['port eth1 added to br-ex']);
    expect(real.diff).toEqual(check.diff);
    expect(check.commands).toBe(real.commands);
  });

  it('check mode chains: a second task sees what the first would have done', async () => {
    const runtime = new HostRuntime();
    const host = new RecordingOvsHost(FIXTURE);
    expect((await runModuleLocally(ovsBridge, brEx, { check: true, runtime, transport: host })).changed).toBe(true);
    expect((await runModuleLocally(ovsBridge, brEx, { check: true, runtime, transport: host })).changed).toBe(false);
    expect(host.commands.every((c) => c.includes('list Bridge'))).toBe(true);
  });

  it('accepts the Ansible arguments and types (timeout, database_socket, numbers in maps)', async () => {
    const host = new RecordingOvsHost(FIXTURE);
    const r = await runModuleLocally(ovsBridge, { bridge: 'br-ex', timeout: '10', database_socket: '/run/openvswitch/db.sock', external_ids: { x: 1 }, other_config: { 'disable-in-band': true } }, { transport: host });
    expect(r.changed).toBe(false);
    expect(host.commands[0]).toContain("ovs-vsctl --timeout=10 --db=unix:/run/openvswitch/db.sock --format=json");
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['non-existent NIC', { bridge: 'br-ex', ports: ['eth7'] }, /^port eth7: there is no network interface eth7 on this host .* \(bridge br-ex on opnet\)$/],
    ['port on another bridge', { bridge: 'br-int', ports: ['veth1'] }, /port veth1 is attached to bridge br-ex, not to br-int/],
    ['parent without vlan', { bridge: 'x', parent: 'br-ex' }, /parent and vlan go together/],
    ['vlan out of range', { bridge: 'x', parent: 'br-ex', vlan: 5000 }, /argument 'vlan' must be <= 4095/],
    ['bad fail_mode', { bridge: 'br-int', fail_mode: 'open' }, /argument 'fail_mode' must be one of: secure, standalone, /],
    ['port listed twice', { bridge: 'br-int', ports: ['a', { name: 'a', type: 'internal' }] }, /port a is listed twice/],
    ['name with a space', { bridge: 'br int' }, /bridge name "br int" must not contain spaces/],
    ['unknown port key', { bridge: 'br-int', ports: [{ name: 'a', peer: 'b' }] }, /ports\.0/],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input: ${name}`, async () => {
      const r = await runModuleLocally(ovsBridge, args, { transport: new RecordingOvsHost(FIXTURE) });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(message);
    });
  }

  it('a host without Open vSwitch, or without its database, is a clear error', async () => {
    const noOvs: Transport = {
      host: 'opctl',
      connect: async () => {},
      close: async () => {},
      exec: async () => ({ rc: 127, stdout: 'lo\n--\n', stderr: 'ovs-vsctl: command not found', stdoutBuffer: Buffer.from('lo\n--\n') }),
    };
    const r = await runModuleLocally(ovsBridge, brEx, { transport: noOvs });
    expect(r.msg).toBe('Open vSwitch is not installed on opctl (no ovs-vsctl): install openvswitch first');
    // In check mode, after a yum task that would install it: an empty database to plan against.
    const runtime = new HostRuntime();
    runtime.predicted.set('rpm', 'openvswitch', { name: 'openvswitch' });
    const predicted = await runModuleLocally(ovsBridge, { bridge: 'br-ex' }, { check: true, runtime, transport: noOvs });
    expect(predicted.failed).toBe(false);
    expect(predicted.changed).toBe(true);

    const noDb: Transport = {
      ...noOvs,
      exec: async () => ({ rc: 1, stdout: 'lo\n--\n', stderr: 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)', stdoutBuffer: Buffer.alloc(0) }),
    };
    const r2 = await runModuleLocally(ovsBridge, brEx, { transport: noDb });
    expect(r2.msg).toMatch(/^cannot read the Open vSwitch database on opctl: .*database connection failed.*; is the openvswitch service \(ovsdb-server\) running\?$/);
  });
});
