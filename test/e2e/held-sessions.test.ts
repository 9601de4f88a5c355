/**
 * Held sessions (docs/held-sessions.md) through the compiled CLI on `ansible_connection=local`,
 * with `fsfreeze` and a stand-in `xfs_freeze` that records each freeze and thaw (the real one
 * is proven on the lab's XFS disk, test/integration/volume-snapshot-backup.test.ts). The held
 * helper must thaw in every way a run can end: the thaw task, an `always:` after a failure,
 * the end of the play without a thaw, Ctrl-C, and the controller killed with SIGKILL (the
 * helper sees its input end). A filesystem frozen by someone else is reported, not thawed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './project-helper.js';

const dirs: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A folder with the playbook, the inventory and a recording xfs_freeze first on PATH. */
function workdir(playbook: string): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-held-'));
  dirs.push(d);
  writeFileSync(join(d, 'inventory.ini'), 'localhost ansible_connection=local\n');
  writeFileSync(join(d, 'site.yml'), playbook.replaceAll('DIR', d));
  writeFileSync(
    join(d, 'xfs_freeze'),
    `#!/bin/sh
case "$1" in
  -f) if [ -e ${d}/frozen ]; then echo "xfs_freeze: cannot freeze filesystem at $2: Device or resource busy" >&2; exit 1; fi
      touch ${d}/frozen; echo "freeze $2" >> ${d}/log ;;
  -u) if [ ! -e ${d}/frozen ]; then echo "xfs_freeze: cannot unfreeze filesystem mounted at $2: Invalid argument" >&2; exit 1; fi
      rm ${d}/frozen; echo "thaw $2" >> ${d}/log ;;
esac
`,
  );
  chmodSync(join(d, 'xfs_freeze'), 0o755);
  return d;
}

const env = (d: string) => ({ ...process.env, NO_COLOR: '1', PATH: `${d}:${process.env.PATH}` });
const log = (d: string) => (existsSync(join(d, 'log')) ? readFileSync(join(d, 'log'), 'utf8') : '');

function run(d: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [cli, 'run', join(d, 'site.yml'), '-i', join(d, 'inventory.ini'), ...extra], { encoding: 'utf8', env: env(d), timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function start(d: string) {
  const child = spawn(process.execPath, [cli, 'run', join(d, 'site.yml'), '-i', join(d, 'inventory.ini')], { env: env(d) });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  child.stderr.on('data', (b: Buffer) => (stdout += b));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, out: () => stdout };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 50) await sleep(50);
  expect(cond()).toBe(true);
}

beforeAll(() => {
  ensureBuilt();
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const PLAY = (body: string) => `- hosts: all
  gather_facts: false
  tasks:
${body}`;

describe('fsfreeze held by a session', () => {
  it('freeze, thaw: each reported changed; the helper is gone afterwards; check mode predicts both and runs nothing', () => {
    const d = workdir(PLAY(`    - fsfreeze: { path: /srv/data, state: frozen }
    - command: cat DIR/log
      register: during
    - fsfreeze: { path: /srv/data, state: thawed }
    - fsfreeze: { path: /srv/data, state: thawed }
    - debug: { var: during.stdout }
`));
    // Check mode needs a mount point: / is one everywhere.
    writeFileSync(join(d, 'site.yml'), readFileSync(join(d, 'site.yml'), 'utf8').replaceAll('/srv/data', '/'));
    const check = run(d, '--check');
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/localhost\s+: ok=\d+\s+changed=2 /);
    expect(log(d)).toBe('');
    const r = run(d);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('"during.stdout": "freeze /"');
    expect(r.stdout).toMatch(/localhost\s+: ok=5\s+changed=3 /); // freeze, thaw, the command; the second thaw finds nothing frozen
    expect(log(d)).toBe('freeze /\nthaw /\n');
  });

  it('a failure inside the block: always: thaws, the run fails with exit 2', () => {
    const d = workdir(PLAY(`    - block:
        - fsfreeze: { path: /srv/data, state: frozen }
        - fail: { msg: the snapshot failed }
      always:
        - fsfreeze: { path: /srv/data, state: thawed }
`));
    const r = run(d);
    expect(r.code, r.stdout).toBe(2);
    expect(log(d)).toBe('freeze /srv/data\nthaw /srv/data\n');
  });

  it('no thaw in the play: the end of the play thaws, with a warning naming the task that froze', () => {
    const d = workdir(`${PLAY(`    - name: freeze and forget
      fsfreeze: { path: /srv/data, state: frozen }
`)}
- hosts: all
  gather_facts: false
  tasks:
    - command: cat DIR/log
      register: later
    - debug: { var: later.stdout }
`);
    const r = run(d);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/held session 'fsfreeze:\/srv\/data' \(fsfreeze, opened by task 'freeze and forget'\) was still open at the end of the play: its input was ended \(exited with status 0\); what it held is released/);
    // The second play already sees the thaw.
    expect(r.stdout).toContain('"later.stdout": "freeze /srv/data\\nthaw /srv/data"');
  });

  it('Ctrl-C during the task after the freeze: always: thaws, exit 99', async () => {
    const d = workdir(PLAY(`    - block:
        - fsfreeze: { path: /srv/data, state: frozen }
        - shell: touch DIR/started; sleep 30
      always:
        - fsfreeze: { path: /srv/data, state: thawed }
        - command: touch DIR/always-ran
`));
    const p = start(d);
    await until(() => existsSync(join(d, 'started')));
    p.child.kill('SIGINT');
    expect(await p.exited, p.out()).toBe(99);
    expect(log(d)).toBe('freeze /srv/data\nthaw /srv/data\n');
    expect(existsSync(join(d, 'always-ran'))).toBe(true);
  });

  it('the controller killed with SIGKILL: the helper sees its input end and thaws by itself', async () => {
    const d = workdir(PLAY(`    - fsfreeze: { path: /srv/data, state: frozen }
    - shell: touch DIR/started; sleep 30
`));
    const p = start(d);
    await until(() => existsSync(join(d, 'started')));
    expect(log(d)).toBe('freeze /srv/data\n');
    p.child.kill('SIGKILL');
    await p.exited;
    await until(() => log(d).includes('thaw'));
    expect(log(d)).toBe('freeze /srv/data\nthaw /srv/data\n');
  });

  it('frozen by someone else: the freeze fails saying so and thaws nothing; a thaw task thaws it', () => {
    const d = workdir(PLAY(`    - fsfreeze: { path: /srv/data, state: frozen }
      ignore_errors: true
      register: busy
    - debug: { var: busy.msg }
    - fsfreeze: { path: /srv/data, state: thawed }
      register: thawed
    - debug: { var: thawed.msg }
`));
    writeFileSync(join(d, 'frozen'), '');
    const r = run(d);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\/srv\/data is already frozen, not by this run \(xfs_freeze: cannot freeze filesystem at \/srv\/data: Device or resource busy\)/);
    expect(r.stdout).toContain('/srv/data thawed (it was frozen, not by this run)');
    expect(log(d)).toBe('thaw /srv/data\n');
  });
});
