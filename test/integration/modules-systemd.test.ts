/**
 * The systemd module on a lab host (real systemd 252 in a container): start/stop, enable/
 * disable, mask, restart, errors for missing and static units, and check mode that knows
 * units an earlier yum task would install, with the preset state their %post gives them.
 * End states are read back with systemctl itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import systemd from '../../modules/systemd.js';
import yum from '../../modules/yum.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
const state = async (unit: string) => (await lab.sh(host, `systemctl is-active ${unit}; systemctl is-enabled ${unit}`)).stdout.trim().split('\n');

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  await lab.sh(host, 'systemctl unmask dnsmasq >/dev/null 2>&1; dnf -y -q remove dnsmasq libvirt >/dev/null 2>&1; true');
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, 'systemctl unmask dnsmasq >/dev/null 2>&1; dnf -y -q remove dnsmasq libvirt >/dev/null 2>&1; true');
  await lab.close();
});

describe('systemd on a lab host', () => {
  it('check mode predicts units that an earlier yum task installs (preset included), then the real run matches', async () => {
    const tasks: Array<[typeof yum | typeof systemd, Record<string, unknown>]> = [
      [yum, { name: ['dnsmasq', 'libvirt'] }],
      [systemd, { name: 'dnsmasq', state: 'started', enabled: true }],
      [systemd, { name: 'libvirtd', enabled: true }], // CentOS preset enables libvirtd on install
      [systemd, { name: 'libvirtd', state: 'started' }],
    ];
    const before = await snapshot(lab, host);
    const dry = new HostRuntime();
    const predicted: boolean[] = [];
    for (const [m, args] of tasks) {
      const r = await lab.run(host, m, args, { check: true, runtime: dry });
      expect(r.failed, `${m.name} ${JSON.stringify(args)}: ${r.msg}`).toBe(false);
      predicted.push(r.changed);
    }
    expect(predicted).toEqual([true, true, false, true]);
    expect(await snapshot(lab, host)).toBe(before);

    const real = new HostRuntime();
    const changed: boolean[] = [];
    for (const [m, args] of tasks) {
      const r = await lab.run(host, m, args, { runtime: real });
      expect(r.failed, `${m.name} ${JSON.stringify(args)}: ${r.msg}`).toBe(false);
      changed.push(r.changed);
    }
    expect(changed).toEqual(predicted);
    expect(await state('dnsmasq')).toEqual(['active', 'enabled']);
    expect(await state('libvirtd')).toEqual(['active', 'enabled']);
    for (const check of [false, true]) {
      for (const [m, args] of tasks) expect((await lab.run(host, m, args, { check })).changed, `${m.name} ${JSON.stringify(args)}`).toBe(false);
    }
  });

  it('stops and disables, masks and unmasks, and always restarts', async () => {
    let r = await lab.run(host, systemd, { name: 'dnsmasq', state: 'stopped', enabled: false }, { diff: true });
    expect(r).toMatchObject({ changed: true, state: 'stopped', enabled: false });
    expect(r.diff?.[0]).toMatchObject({ before: expect.stringContaining('active: active'), after: expect.stringContaining('active: inactive') });
    expect(await state('dnsmasq')).toEqual(['inactive', 'disabled']);
    expect((await lab.run(host, systemd, { name: 'dnsmasq', state: 'stopped', enabled: false })).changed).toBe(false);

    r = await lab.run(host, systemd, { name: 'dnsmasq', masked: true });
    expect(r.changed).toBe(true);
    expect((await lab.sh(host, 'systemctl is-enabled dnsmasq')).stdout.trim()).toBe('masked');
    const refused = await lab.run(host, systemd, { name: 'dnsmasq', state: 'started' });
    expect(refused.failed).toBe(true);
    expect(refused.msg).toMatch(/masked.*masked: no/);
    r = await lab.run(host, systemd, { name: 'dnsmasq', masked: false, state: 'started' });
    expect(r.changed).toBe(true);
    expect(await state('dnsmasq')).toEqual(['active', 'disabled']);

    const pid = (await lab.out(host, 'systemctl show -p MainPID --value dnsmasq')).trim();
    r = await lab.run(host, systemd, { name: 'dnsmasq', state: 'restarted' });
    expect(r).toMatchObject({ changed: true, state: 'started' });
    expect((r.status as Record<string, string>).ActiveState).toBe('active');
    expect((await lab.out(host, 'systemctl show -p MainPID --value dnsmasq')).trim()).not.toBe(pid);
    expect((await lab.run(host, systemd, { name: 'dnsmasq', state: 'restarted' }, { check: true })).changed).toBe(true);
  });

  it('fails clearly for a missing unit and for disabling a static one', async () => {
    const missing = await lab.run(host, systemd, { name: 'openstack-nova-apii', state: 'started' });
    expect(missing.failed).toBe(true);
    expect(missing.msg).toMatch(/unit openstack-nova-apii\.service not found on opnet|unit openstack-nova-apii\.service not found/);
    const checkMissing = await lab.run(host, systemd, { name: 'openstack-nova-apii', enabled: true }, { check: true });
    expect(checkMissing.failed).toBe(true);
    const statik = await lab.run(host, systemd, { name: 'systemd-journald', enabled: false });
    expect(statik.failed).toBe(true);
    expect(statik.msg).toMatch(/static.*masked: yes/);
    expect((await lab.run(host, systemd, { name: 'systemd-journald', enabled: true })).changed).toBe(false);
  });

  it('runs daemon-reload first, without counting it as a change', async () => {
    const r = await lab.run(host, systemd, { name: 'dnsmasq', state: 'started', daemon_reload: true });
    expect(r).toMatchObject({ failed: false, changed: false });
    expect((await lab.run(host, systemd, { daemon_reload: true })).changed).toBe(false);
  });
});
