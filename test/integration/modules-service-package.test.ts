/**
 * service and package on a lab host (compute5, owned by this suite). Lab hosts are Debian
 * with an RPM layer: Ansible's facts say apt there, so `package` names dnf with `use:`
 * (auto-detection is tested to say apt, as Ansible would). The service backend is chosen
 * from the host (systemd) with one command when no facts were gathered; a check-mode
 * chain (install, then start) predicts what the real run does; the second run changes
 * nothing. End states are read with rpm and systemctl themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../modules/package.js';
import service from '../../modules/service.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
const cleanup = () => lab.sh(HOST, 'systemctl disable --now dnsmasq >/dev/null 2>&1; dnf -y -q remove dnsmasq >/dev/null 2>&1; true');

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  await cleanup();
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await cleanup();
  await lab.close();
});

describe('package and service on a lab host', () => {
  it('check mode predicts install + start + enable, the real run agrees, the second run changes nothing', async () => {
    const tasks: Array<[typeof pkg | typeof service, Record<string, unknown>]> = [
      [pkg, { name: 'dnsmasq', state: 'present', use: 'dnf' }],
      [service, { name: 'dnsmasq', state: 'started', enabled: true }],
    ];
    const before = await snapshot(lab, HOST);
    const dry = new HostRuntime();
    const predicted: boolean[] = [];
    for (const [m, args] of tasks) {
      const r = await lab.run(HOST, m, args, { check: true, runtime: dry });
      expect(r.failed, `${m.name}: ${r.msg}`).toBe(false);
      predicted.push(r.changed);
    }
    expect(predicted).toEqual([true, true]);
    expect(await snapshot(lab, HOST)).toBe(before);

    const real = new HostRuntime();
    for (const [i, [m, args]] of tasks.entries()) {
      const r = await lab.run(HOST, m, args, { runtime: real, diff: true });
      expect(r.failed, `${m.name}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(predicted[i]);
    }
    expect(await lab.out(HOST, "rpm -q --qf '%{NAME}\\n' dnsmasq; systemctl is-active dnsmasq; systemctl is-enabled dnsmasq")).toBe('dnsmasq\nactive\nenabled\n');
    for (const check of [true, false]) for (const [m, args] of tasks) expect((await lab.run(HOST, m, args, { check })).changed).toBe(false);
  });

  it('one command detects the managers when no facts were gathered; unused arguments are warned about', async () => {
    const runtime = new HostRuntime();
    const n = lab.execs(HOST);
    const r = await lab.run(HOST, service, { name: 'dnsmasq', state: 'stopped', sleep: 3 }, { runtime });
    expect(r).toMatchObject({ changed: true, state: 'stopped', warnings: ['Ignoring "sleep" as it is not used in "systemd"'] });
    expect(lab.execs(HOST) - n).toBe(3); // detect, systemctl show, systemctl stop
    expect(await lab.out(HOST, 'systemctl is-active dnsmasq || true')).toBe('inactive\n');
    const removed = await lab.run(HOST, pkg, { name: 'dnsmasq', state: 'absent', use: 'dnf' }, { runtime });
    expect(removed.changed).toBe(true);
    expect((await lab.sh(HOST, 'rpm -q dnsmasq')).rc).not.toBe(0);
    // A Debian host, so apt, as Ansible says: the managers are read again (the package change
    // above cleared the cached facts), then the apt module reads dpkg and simulates; the lab's
    // apt has no source with dnsmasq (an RPM here), so it fails before anything is installed.
    const n2 = lab.execs(HOST);
    expect(await lab.run(HOST, pkg, { name: 'dnsmasq', state: 'present' }, { runtime })).toMatchObject({
      failed: true,
      msg: expect.stringMatching(/^No package matching 'dnsmasq' is available on compute5/),
    });
    expect(lab.execs(HOST) - n2).toBe(3);
  });
});
