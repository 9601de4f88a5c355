/**
 * ifcfg on a lab host over SSH: the seed's step 9 edits (eth1 turned into an OVS port of
 * br-ex, br-ex carrying the public address) on scratch devices, read back by sourcing the
 * files with the host's shell as initscripts does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ifcfg from '../../modules/ifcfg.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const DIR = '/etc/sysconfig/network-scripts';
// Scratch device names: the playbook's own eth0/eth1/br-ex files stay untouched.
const PORT = 'tspit1';
const BRIDGE = 'tspit-br';
let lab: Lab;
let host: string;

const sourced = async (device: string, keys: string[]): Promise<string[]> =>
  (await lab.out(host, `set -e; . ${DIR}/ifcfg-${device}; printf '%s\\n' ${keys.map((k) => `"$${k}"`).join(' ')}`)).split('\n').slice(0, keys.length);

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  await lab.out(host, `mkdir -p ${DIR} && rm -f ${DIR}/ifcfg-${PORT} ${DIR}/ifcfg-${BRIDGE}`);
  // eth1 as the seed shows it before step 9 (with its inline comments).
  await lab.out(
    host,
    `cat > ${DIR}/ifcfg-${PORT} <<'EOF'
DEVICE=${PORT}
HWADDR=02:18:00:00:01:0b # Your eth1's hwaddr
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=none
IPADDR=192.168.1.101
NETMASK=255.255.255.0  # netmask
GATEWAY=192.168.1.1    # gateway
DNS1=8.8.8.8           # nameserver
DNS2=8.8.4.4
NM_CONTROLLED=no       #NetworkManagerで管理しない
EOF`,
  );
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, `rm -f ${DIR}/ifcfg-${PORT} ${DIR}/ifcfg-${BRIDGE}`);
  await lab.close();
});

describe('ifcfg on a lab host', () => {
  const port = {
    device: PORT,
    exclusive: true,
    keep: ['HWADDR'],
    settings: { DEVICE: PORT, ONBOOT: 'yes', TYPE: 'OVSPort', DEVICETYPE: 'ovs', OVS_BRIDGE: BRIDGE, NM_CONTROLLED: 'no' },
  };
  const bridge = {
    device: BRIDGE,
    settings: {
      DEVICE: BRIDGE,
      ONBOOT: 'yes',
      DEVICETYPE: 'ovs',
      TYPE: 'OVSBridge',
      OVSBOOTPROTO: 'none',
      OVSDHCPINTERFACES: PORT,
      IPADDR: '192.168.1.101',
      NETMASK: '255.255.255.0',
      GATEWAY: '192.168.1.1',
      DNS1: '8.8.8.8',
      DNS2: '8.8.4.4',
      NM_CONTROLLED: false,
      NAME: 'public bridge (seed 001)',
    },
  };

  it('check mode predicts both files and changes nothing; the real run matches; then idempotent', async () => {
    const before = await snapshot(lab, host);
    const checks = [await lab.run(host, ifcfg, port, { check: true, diff: true }), await lab.run(host, ifcfg, bridge, { check: true, diff: true })];
    expect(checks.map((r) => [r.failed, r.changed])).toEqual([
      [false, true],
      [false, true],
    ]);
    expect(await snapshot(lab, host)).toBe(before);

    const reals = [await lab.run(host, ifcfg, port, { diff: true }), await lab.run(host, ifcfg, bridge, { diff: true })];
    expect(reals.map((r) => r.changed)).toEqual([true, true]);
    expect(reals.map((r) => r.diff)).toEqual(checks.map((r) => r.diff));

    expect(await lab.out(host, `cat ${DIR}/ifcfg-${PORT}`)).toBe(
      `DEVICE=${PORT}\nHWADDR=02:18:00:00:01:0b # Your eth1's hwaddr\nTYPE=OVSPort\nONBOOT=yes\nNM_CONTROLLED=no       #NetworkManagerで管理しない\nDEVICETYPE=ovs\nOVS_BRIDGE=${BRIDGE}\n`,
    );
    expect(await sourced(PORT, ['TYPE', 'OVS_BRIDGE', 'IPADDR', 'HWADDR'])).toEqual(['OVSPort', BRIDGE, '', '02:18:00:00:01:0b']);
    expect(await sourced(BRIDGE, ['TYPE', 'IPADDR', 'NM_CONTROLLED', 'NAME'])).toEqual(['OVSBridge', '192.168.1.101', 'no', 'public bridge (seed 001)']);
    expect((await lab.out(host, `stat -c '%a %U' ${DIR}/ifcfg-${BRIDGE}`)).trim()).toBe('644 root');

    for (const check of [false, true]) {
      expect((await lab.run(host, ifcfg, port, { check })).changed).toBe(false);
      expect((await lab.run(host, ifcfg, bridge, { check })).changed).toBe(false);
    }
  });

  it('changes one value in place and removes a key; state=absent removes the file', async () => {
    const r = await lab.run(host, ifcfg, { device: BRIDGE, settings: { IPADDR: '192.168.1.102', DNS2: null } }, { diff: true });
    expect(r.changes).toEqual(['IPADDR: "192.168.1.101" -> "192.168.1.102"', 'DNS2 removed']);
    expect(await sourced(BRIDGE, ['IPADDR', 'DNS2', 'DNS1'])).toEqual(['192.168.1.102', '', '8.8.8.8']);
    expect((await lab.run(host, ifcfg, { device: BRIDGE, state: 'absent' }, { check: true })).changed).toBe(true);
    expect((await lab.sh(host, `test -e ${DIR}/ifcfg-${BRIDGE}`)).rc).toBe(0);
    expect((await lab.run(host, ifcfg, { device: BRIDGE, state: 'absent' })).changed).toBe(true);
    expect((await lab.sh(host, `test -e ${DIR}/ifcfg-${BRIDGE}`)).rc).not.toBe(0);
    expect((await lab.run(host, ifcfg, { device: BRIDGE, state: 'absent' })).changed).toBe(false);
  });

  it('bad input is a clear error naming the key or the path', async () => {
    const bad = await lab.run(host, ifcfg, { device: PORT, settings: { 'OVS-BRIDGE': 'x' } });
    expect(bad.msg).toMatch(/settings: "OVS-BRIDGE" is not a valid ifcfg key/);
    const dir = await lab.run(host, ifcfg, { device: PORT, path: DIR });
    expect(dir.msg).toBe(`cannot read ${DIR} on ${host}: ${DIR} is a directory, not a file`);
  });
});
