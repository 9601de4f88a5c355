/** wait_for on a lab host: sshd's port locally (/proc/net/tcp) and on the other host (bash /dev/tcp), files, timeouts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import waitFor from '../../modules/wait_for.js';
import { openLab, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
let other: string;

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  other = String(lab.inventory.varsFor(lab.hosts.find((h) => h !== host)!).ansible_host);
  await lab.sh(host, 'rm -f /tmp/tsplay-it-wait');
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, 'rm -f /tmp/tsplay-it-wait');
  await lab.close();
});

describe('wait_for on a lab host', () => {
  it('sees sshd listening locally and the other host\'s SSH banner', async () => {
    const local = await lab.run(host, waitFor, { port: 22, timeout: 5 });
    expect(local).toMatchObject({ failed: false, changed: false });
    // Whole seconds, as Ansible reports them: at once, or 1 on a loaded machine.
    expect(local.elapsed as number).toBeLessThanOrEqual(1);
    const banner = await lab.run(host, waitFor, { host: other, port: 22, search_regex: 'OpenSSH_([0-9.]+)', timeout: 10 });
    expect(banner.failed, banner.msg).toBe(false);
    expect(banner.match).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect((banner.match_groups as string[])[0]).toMatch(/^\d+\.\d+$/);
    const closed = await lab.run(host, waitFor, { host: other, port: 1, timeout: 2, connect_timeout: 1 });
    expect(closed.failed).toBe(true);
    expect(closed.msg).toBe(`Timeout when waiting for ${other}:1`);
    expect((await lab.run(host, waitFor, { host: other, port: 1, state: 'stopped', timeout: 5 })).failed).toBe(false);
  });

  it('waits for a file written later, then for its removal', async () => {
    await lab.out(host, '(sleep 2; echo ready > /tmp/tsplay-it-wait) >/dev/null 2>&1 &');
    const r = await lab.run(host, waitFor, { path: '/tmp/tsplay-it-wait', search_regex: 'ready', timeout: 20 });
    expect(r.failed, r.msg).toBe(false);
    expect(r.elapsed as number).toBeGreaterThanOrEqual(1);
    await lab.out(host, '(sleep 1; rm -f /tmp/tsplay-it-wait) >/dev/null 2>&1 &');
    expect((await lab.run(host, waitFor, { path: '/tmp/tsplay-it-wait', state: 'absent', timeout: 20 })).failed).toBe(false);
  });
});
