/**
 * Stopping a run on SSH hosts (issue 13, item 6), through the CLI against a lab host: on
 * SIGINT/SIGTERM and on a task's `timeout:`, the command and everything it started are
 * killed on the host (as root, and as a non-root login that became root with a password),
 * `always:` still runs, and the recap/exit code say so. Proof on the host: files the
 * command would have written later never appear, and no process of it is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab, type Lab } from './modules-lab.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const HOST = 'opctl';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let lab: Lab;
let dir: string;

function inventory(user: string, extra = ''): string {
  const v = lab.inventory.varsFor(HOST);
  const file = join(dir, `hosts-${user}.ini`);
  writeFileSync(
    file,
    `${HOST} ansible_host=${String(v.ansible_host)} ansible_user=${user} ${extra}\n` +
      `[all:vars]\nansible_ssh_private_key_file=${String(v.ansible_ssh_private_key_file)}\nansible_ssh_common_args="${String(v.ansible_ssh_common_args)}"\n`,
  );
  return file;
}

function playbook(tag: string, keyword = ''): string {
  const file = join(dir, `${tag}.yml`);
  writeFileSync(
    file,
    `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - block:
        - name: hangs
          shell: "(sleep 6; touch /root/${tag}-child) & touch /root/${tag}-started; sleep 6; touch /root/${tag}-late"
          ${keyword}
      always:
        - command: touch /root/${tag}-cleanup
`,
  );
  return file;
}

async function leftovers(tag: string): Promise<string> {
  // `ps` lists every process's argv: a `sleep 6` left behind is exactly that line.
  return lab.out(HOST, `ls /root | grep '^${tag}-' | sort | tr '\\n' ' '; ps -eo args | grep -c '^sleep 6$' || true`);
}

beforeAll(async () => {
  lab = await openLab();
  dir = mkdtempSync(join(tmpdir(), 'tsplay-interrupt-it-'));
});
afterAll(async () => {
  await lab?.out(HOST, 'rm -f /root/tsplay-intr-*');
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('interrupting a run on an SSH host', () => {
  const password = () => readFileSync(String(lab.inventory.varsFor(HOST).lab_sudo_password_file), 'utf8').trim();

  it.each([
    ['root', 'SIGINT', 99],
    ['tester2', 'SIGTERM', 143],
  ] as const)('as %s, %s kills the command tree on the host, runs always:, exits %i', async (user, signal, code) => {
    const tag = `tsplay-intr-${user}`;
    const inv = inventory(user, user === 'tester2' ? `ansible_become_password=${password()}` : '');
    const child = spawn(process.execPath, [`${repo}/bin/tsplay.js`, 'run', playbook(tag), '-i', inv], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    for (let i = 0; i < 100; i++) {
      if ((await lab.sh(HOST, `test -e /root/${tag}-started`)).rc === 0) break;
      await sleep(100);
    }
    const sent = Date.now();
    child.kill(signal);
    expect(await exited, stdout).toBe(code);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(stdout).toMatch(new RegExp(`INTERRUPTED by ${signal}: the task running on ${HOST} was stopped there`));
    await sleep(6500);
    expect(await leftovers(tag)).toBe(`${tag}-cleanup ${tag}-started 0\n`);
  });

  it('a task timeout kills the command tree on the host too', async () => {
    const tag = 'tsplay-intr-timeout';
    const r = spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, 'run', playbook(tag, 'timeout: 2'), '-i', inventory('root')], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stdout).toBe(2);
    expect(r.stdout).toMatch(/the task timed out after 2 s/);
    await sleep(5000);
    expect(await leftovers(tag)).toBe(`${tag}-cleanup ${tag}-started 0\n`);
  });
});
