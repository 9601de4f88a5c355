/**
 * ovs_bridge on a lab host over SSH, against the host's real Open vSwitch (userspace
 * datapath: the lab has no openvswitch kernel module). Builds the seed's Neutron bridges
 * under scratch names - an integration bridge with a patch port, a tunnel bridge with the
 * peer patch port and a VXLAN port, an external bridge with a real (veth) NIC - and checks
 * the end state with ovs-vsctl itself. Check mode must leave the OVS database untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ovsBridge from '../../modules/ovs_bridge.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const INT = 'tsp-int';
const TUN = 'tsp-tun';
const EXT = 'tsp-ex';
const NIC = 'tsp-nic0';
let lab: Lab;
let host: string;

const cleanup = `for b in ${INT} ${TUN} ${EXT} ${EXT}-10; do ovs-vsctl --if-exists del-br $b; done; ip link del ${NIC} 2>/dev/null; true`;
const vsctl = async (args: string): Promise<string> => (await lab.out(host, `ovs-vsctl ${args}`)).trim();
/** The whole OVS database as ovs-vsctl shows it, minus volatile columns. */
const dbDump = async (): Promise<string> => lab.out(host, 'ovs-vsctl --format=json --columns=name,ports,fail_mode,datapath_type,external_ids,other_config list Bridge; ovs-vsctl --format=json --columns=name,type,options list Interface');

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  await lab.sh(host, cleanup);
  // A NIC for the external bridge: one end of a veth pair inside the host.
  await lab.out(host, `ip link add ${NIC} type veth peer name ${NIC}p && ip link set ${NIC} up && ip link set ${NIC}p up`);
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, cleanup);
  await lab.close();
});

describe('ovs_bridge on a lab host', () => {
  const tasks: Array<Record<string, unknown>> = [
    {
      bridge: INT,
      datapath_type: 'netdev',
      fail_mode: 'secure',
      ports: [{ name: 'tsp-patch-tun', type: 'patch', options: { peer: 'tsp-patch-int' } }],
    },
    {
      bridge: TUN,
      datapath_type: 'netdev',
      ports: [
        { name: 'tsp-patch-int', type: 'patch', options: { peer: 'tsp-patch-tun' } },
        { name: 'tsp-vx-c0a80065', type: 'vxlan', options: { df_default: 'true', in_key: 'flow', local_ip: '192.168.0.100', out_key: 'flow', remote_ip: '192.168.0.101' } },
      ],
    },
    { bridge: EXT, datapath_type: 'netdev', external_ids: { 'bridge-id': EXT }, ports: [NIC] },
    { bridge: `${EXT}-10`, parent: EXT, vlan: 10 },
  ];

  it('check mode predicts each task and changes nothing; the real run matches; then idempotent', async () => {
    const before = await snapshot(lab, host);
    const dbBefore = await dbDump();
    const dry = new HostRuntime();
    const predicted: Array<string | undefined> = [];
    for (const t of tasks) {
      const r = await lab.run(host, ovsBridge, t, { check: true, diff: true, runtime: dry });
      expect(r.failed, `${JSON.stringify(t)}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
      predicted.push(r.commands as string | undefined);
    }
    expect(await dbDump()).toBe(dbBefore);
    expect(await snapshot(lab, host)).toBe(before);

    const real = new HostRuntime();
    const ran: Array<string | undefined> = [];
    for (const t of tasks) {
      const r = await lab.run(host, ovsBridge, t, { runtime: real, diff: true });
      expect(r.failed, `${JSON.stringify(t)}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
      ran.push(r.commands as string | undefined);
    }
    expect(ran).toEqual(predicted);

    // Independently: what ovs-vsctl says now.
    expect(await vsctl(`get Bridge ${INT} fail_mode datapath_type`)).toBe('secure\nnetdev');
    expect(await vsctl(`list-ports ${INT}`)).toBe('tsp-patch-tun');
    expect(await vsctl('get Interface tsp-patch-tun type options:peer')).toBe('patch\ntsp-patch-int');
    expect((await vsctl(`list-ports ${TUN}`)).split('\n').sort()).toEqual(['tsp-patch-int', 'tsp-vx-c0a80065']);
    expect(await vsctl('get Interface tsp-vx-c0a80065 type options:remote_ip options:local_ip')).toBe('vxlan\n"192.168.0.101"\n"192.168.0.100"');
    expect(await vsctl(`br-get-external-id ${EXT} bridge-id`)).toBe(EXT);
    expect(await vsctl(`port-to-br ${NIC}`)).toBe(EXT);
    expect(await vsctl(`br-to-parent ${EXT}-10`)).toBe(EXT);
    expect(await vsctl(`br-to-vlan ${EXT}-10`)).toBe('10');
    expect(await vsctl(`get Interface ${NIC} error`)).toBe('[]');

    for (const check of [false, true]) {
      for (const t of tasks) expect((await lab.run(host, ovsBridge, t, { check })).changed, `${JSON.stringify(t)} check=${check}`).toBe(false);
    }
  });

  it('changes only what differs, in one transaction', async () => {
    const r = await lab.run(host, ovsBridge, { bridge: INT, fail_mode: 'standalone', other_config: { 'mac-table-size': 4096 }, ports: [{ name: 'tsp-patch-tun', options: { peer: 'tsp-patch-x' } }] }, { diff: true });
    expect(r.changed).toBe(true);
    expect(r.changes).toEqual([`${INT} fail_mode: "secure" -> "standalone"`, `${INT} other_config:mac-table-size: (none) -> "4096"`, 'tsp-patch-tun options:peer: "tsp-patch-int" -> "tsp-patch-x"']);
    expect(String(r.commands).match(/ -- /g)).toHaveLength(3);
    expect(await vsctl(`get Bridge ${INT} fail_mode other_config:mac-table-size`)).toBe('standalone\n"4096"');
    expect(await vsctl('get Interface tsp-patch-tun options:peer')).toBe('tsp-patch-x');
    const diff = (r.diff as Array<{ before: string; after: string }>)[0]!;
    expect(diff.before).toContain('fail_mode: secure');
    expect(diff.after).toContain('fail_mode: standalone');
  });

  it('removes a port and a bridge once; absent things are no change', async () => {
    const gone = await lab.run(host, ovsBridge, { bridge: TUN, ports: [{ name: 'tsp-vx-c0a80065', state: 'absent' }, { name: 'tsp-never', state: 'absent' }] });
    expect(gone.changes).toEqual([`port tsp-vx-c0a80065 removed from ${TUN}`]);
    expect(await vsctl(`list-ports ${TUN}`)).toBe('tsp-patch-int');
    expect((await lab.run(host, ovsBridge, { bridge: TUN, ports: [{ name: 'tsp-vx-c0a80065', state: 'absent' }] })).changed).toBe(false);
    expect((await lab.run(host, ovsBridge, { bridge: TUN, state: 'absent' })).changed).toBe(true);
    expect((await lab.sh(host, `ovs-vsctl br-exists ${TUN}`)).rc).toBe(2);
    expect((await lab.run(host, ovsBridge, { bridge: TUN, state: 'absent' })).changed).toBe(false);
  });

  it('a port for a NIC the host does not have, or one on another bridge, is a clear error and changes nothing', async () => {
    const dbBefore = await dbDump();
    const missing = await lab.run(host, ovsBridge, { bridge: EXT, ports: ['tsp-nosuch0'] });
    expect(missing.failed).toBe(true);
    expect(missing.msg).toBe(
      `port tsp-nosuch0: there is no network interface tsp-nosuch0 on this host to attach to ${EXT} (check the name with \`ip link\`; for a port that exists only in Open vSwitch give type: internal, patch or vxlan) (bridge ${EXT} on ${host})`,
    );
    const elsewhere = await lab.run(host, ovsBridge, { bridge: INT, ports: [NIC] });
    expect(elsewhere.msg).toMatch(new RegExp(`^port ${NIC} is attached to bridge ${EXT}, not to ${INT}`));
    const noParent = await lab.run(host, ovsBridge, { bridge: 'tsp-fake', parent: 'tsp-nobridge', vlan: 5 });
    expect(noParent.msg).toMatch(/^parent bridge tsp-nobridge of tsp-fake does not exist/);
    expect(await dbDump()).toBe(dbBefore);
  });
});
