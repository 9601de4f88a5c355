/**
 * More hosts than the run may keep connections open (TSPLAY_MAX_CONNECTIONS stands in for a
 * low open-files limit): idle connections are closed, least recently used first, and
 * opened again by the host's next task, so every host still runs every task. Counted on the
 * hosts: each logs in again for each task, because its connection made room for others.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab, type Lab } from './modules-lab.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const HOSTS = ['opctl', 'opnet', 'compute1', 'compute2', 'compute3'];
const TASKS = 3;

describe('a connection budget smaller than the number of hosts', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await openLab();
    dir = mkdtempSync(join(tmpdir(), 'tsplay-budget-'));
  });
  afterAll(async () => {
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const logins = (h: string) =>
    lab.out(h, "journalctl -u ssh --no-pager -o cat | grep -c '^Accepted publickey for root' || true").then((s) => Number(s.trim()));

  it('runs every task on every host, reconnecting the hosts whose connections made room', async () => {
    const before = await Promise.all(HOSTS.map(logins));
    writeFileSync(join(dir, 'play.yml'), `- hosts: ${HOSTS.join(',')}
  gather_facts: false
  tasks:
${Array.from({ length: TASKS }, (_, i) => `    - name: step ${i}\n      command: cat /etc/hostname\n      changed_when: false\n      register: out${i}`).join('\n')}
    - assert:
        that: out${TASKS - 1}.stdout == inventory_hostname
`);
    const r = spawnSync(process.execPath, [join(repo, 'bin/tsplay.js'), 'run', join(dir, 'play.yml'), '-i', join(repo, 'inventories/lab'), '-f', '2'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TSPLAY_MAX_CONNECTIONS: '2' },
      timeout: 300_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`^${h}\\s+: ok=${TASKS + 1} `, 'm'));
    const after = await Promise.all(HOSTS.map(logins));
    // 5 hosts, room for 2: every host's connection was closed between its tasks at least
    // once (a budget that kept all five open would show one login each).
    const newLogins = after.map((a, i) => a - before[i]!);
    expect(newLogins.every((n) => n >= 2), `new logins per host: ${newLogins.join(', ')}`).toBe(true);
    expect(newLogins.every((n) => n <= TASKS), `new logins per host: ${newLogins.join(', ')}`).toBe(true);
  });
});
