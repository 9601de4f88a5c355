/**
 * Stopping a run (issue 13, items 6 and 11), through the compiled CLI on
 * `ansible_connection=local`: the `timeout:` keyword and --task-timeout stop a hung command
 * and what it started; SIGINT/SIGTERM stop what runs, still run `always:` sections, print
 * the recap with the interrupted host and exit 99/143; a self-including task file ends at
 * the nesting limit with a message naming the file, and a signal stops it promptly. "What
 * it started is stopped" is proven by a file the command would have written later.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './project-helper.js';

const dirs: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workdir(playbook: string, files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-interrupt-'));
  dirs.push(d);
  writeFileSync(join(d, 'inventory.ini'), 'localhost ansible_connection=local\n');
  writeFileSync(join(d, 'site.yml'), playbook.replaceAll('DIR', d));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text.replaceAll('DIR', d));
  return d;
}

function run(d: string, ...extra: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, 'run', join(d, 'site.yml'), '-i', join(d, 'inventory.ini'), ...extra], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** Start a run, send `signal` once `ready` exists (the task is running), collect the outcome. */
async function interrupted(d: string, signal: NodeJS.Signals, ready: string) {
  const child = spawn(process.execPath, [cli, 'run', join(d, 'site.yml'), '-i', join(d, 'inventory.ini')], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  for (let i = 0; i < 200 && !existsSync(ready); i++) await sleep(50);
  expect(existsSync(ready), 'the task never started').toBe(true);
  const sent = Date.now();
  child.kill(signal);
  const code = await exited;
  return { code, stdout, stderr, stopMs: Date.now() - sent };
}

beforeAll(() => {
  ensureBuilt();
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const HUNG = `- hosts: all
  gather_facts: false
  tasks:
    - name: hangs
      shell: "touch DIR/started; (sleep 3; touch DIR/late-child) & sleep 3; touch DIR/late"
      TIMEOUT
    - name: after
      command: touch DIR/after
`;

describe('timeouts', () => {
  it("the task keyword 'timeout' fails the task and stops what it started", async () => {
    const d = workdir(HUNG.replace('TIMEOUT', 'timeout: 1'));
    const r = run(d);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stdout).toMatch(/the task timed out after 1 s \(timeout: 1\)/);
    expect(r.ms).toBeLessThan(3000 + 2500);
    await sleep(3500);
    for (const f of ['late', 'late-child', 'after']) expect(existsSync(join(d, f)), f).toBe(false);
  });

  it('--task-timeout is the default for tasks without their own', async () => {
    const d = workdir(HUNG.replace('TIMEOUT', ''));
    const r = run(d, '--task-timeout', '1');
    expect(r.code, r.stdout).toBe(2);
    expect(r.stdout).toMatch(/timed out after 1 s/);
    await sleep(3500);
    expect(existsSync(join(d, 'late'))).toBe(false);
    expect(existsSync(join(d, 'late-child'))).toBe(false);
  });

  it('a templated timeout of 0 means no limit', () => {
    const d = workdir(HUNG.replace('sleep 3', 'sleep 1').replace('sleep 3', 'sleep 1').replace('TIMEOUT', 'timeout: "{{ 0 }}"'));
    const r = run(d, '--task-timeout', '1');
    expect(r.code, r.stdout).toBe(0);
    expect(existsSync(join(d, 'late'))).toBe(true);
  });
});

describe('signals', () => {
  const CLEANUP = `- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: hangs
          shell: "(sleep 4; touch DIR/late-child) & touch DIR/started; sleep 4; touch DIR/late"
        - name: next
          command: touch DIR/next
      always:
        - name: cleanup
          command: touch DIR/cleanup
    - name: after
      command: touch DIR/after
`;

  it.each([
    ['SIGINT', 99],
    ['SIGTERM', 143],
  ] as const)('%s stops the running command, runs always:, prints the recap, exits %i', async (signal, code) => {
    const d = workdir(CLEANUP);
    const r = await interrupted(d, signal, join(d, 'started'));
    expect(r.code, r.stdout + r.stderr).toBe(code);
    expect(r.stopMs).toBeLessThan(4000);
    expect(r.stderr).toMatch(signal === 'SIGINT' ? /User interrupted execution/ : /Terminated \(SIGTERM\)/);
    expect(r.stdout).toMatch(/PLAY RECAP/);
    expect(r.stdout).toMatch(new RegExp(`INTERRUPTED by ${signal}: the task running on localhost was stopped there`));
    expect(existsSync(join(d, 'cleanup')), 'always: ran').toBe(true);
    await sleep(4500);
    for (const f of ['late', 'late-child', 'next', 'after']) expect(existsSync(join(d, f)), f).toBe(false);
  });
});

describe('include_tasks recursion', () => {
  const SELF = `- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: again.yml
`;

  it('ends at the nesting limit with a message naming the file', () => {
    const d = workdir(SELF, { 'again.yml': '- debug: { msg: level }\n- include_tasks: again.yml\n' });
    const r = run(d);
    expect(r.code, r.stdout.slice(-2000)).toBe(2);
    expect(r.stdout).toMatch(/include_tasks nested more than 64 deep at .*again\.yml:2:3: .*again\.yml -> .*again\.yml; does the file include itself/);
  });

  it('a signal stops it promptly', async () => {
    const d = workdir(SELF, { 'again.yml': '- command: touch DIR/started\n- command: sleep 0.3\n- include_tasks: again.yml\n' });
    const r = await interrupted(d, 'SIGINT', join(d, 'started'));
    expect(r.code).toBe(99);
    expect(r.stopMs).toBeLessThan(3000);
  });
});

describe('huge output', () => {
  it('600 MB of stdout ends in a normal result with its middle dropped, not a crash', () => {
    const d = workdir(`- hosts: all
  gather_facts: false
  tasks:
    - shell: "head -c 600000000 /dev/zero | tr '\\\\0' a; echo; echo THE-END"
      register: big
    - debug:
        msg: "{{ big.stdout | length }}"
    - command: touch DIR/after
`);
    const r = run(d);
    expect(r.code, r.stdout.slice(0, 2000)).toBe(0);
    expect(r.stdout).toMatch(/PLAY RECAP/);
    expect(existsSync(join(d, 'after'))).toBe(true);
  });
});
