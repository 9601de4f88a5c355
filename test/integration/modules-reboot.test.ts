/**
 * reboot on a lab host: the container's systemd reboots, nspawn exits 133, the lab starts
 * it again; the module must notice the new boot id and return with a working connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reboot from '../../modules/reboot.js';
import { openLab, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
const bootId = async () => (await lab.out(host, 'cat /proc/sys/kernel/random/boot_id')).trim();

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
}, 120_000);

afterAll(async () => {
  if (lab) await lab.close();
});

describe('reboot on a lab host', () => {
  it('check mode reports the change and does not reboot', async () => {
    const before = await bootId();
    expect(await lab.run(host, reboot, {}, { check: true })).toMatchObject({ changed: true, failed: false });
    expect(await bootId()).toBe(before);
  });

  it('reboots, waits for the new boot, and the same connection object works afterwards', async () => {
    const before = await bootId();
    const r = await lab.run(host, reboot, { reboot_timeout: 240, test_command: 'systemctl is-system-running --wait || true' });
    expect(r.failed, r.msg).toBe(false);
    expect(r).toMatchObject({ changed: true, rebooted: true });
    expect(r.elapsed as number).toBeGreaterThanOrEqual(1);
    expect(await bootId()).not.toBe(before);
  }, 300_000);

  it('gives up with a clear message when the host does not come back in time', async () => {
    const before = await bootId();
    const r = await lab.run(host, reboot, { reboot_timeout: 1, connect_timeout: 1 });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/timed out after 1 s waiting for .* to come back from the reboot/);
    // It did start a reboot: wait for the host so that later tests find it up.
    await lab.waitUp(host, 180, before);
    await lab.out(host, 'systemctl is-system-running --wait >/dev/null || true');
  }, 300_000);
});
