/**
 * The operator's view through the compiled CLI: --step asks before each task on a terminal
 * (a pseudo-terminal from util-linux's `script`), refuses without one; a failed run ends
 * with the failed hosts and why, after the recap.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-operator-'));
  writeFileSync(join(dir, 'hosts'), 'localhost ansible_connection=local\n');
  writeFileSync(join(dir, 'step.yml'), '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: one\n      debug: {msg: first}\n    - name: two\n      debug: {msg: second}\n    - name: three\n      debug: {msg: third}\n');
  writeFileSync(join(dir, 'fail.yml'), '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: connect to the database\n      command: "false"\n');
  return dir;
}

describe('operator experience', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('--step: n skips a task, y runs it, c runs the rest without asking', async () => {
    const dir = project();
    const child = spawn('script', ['-qec', `${process.execPath} ${cli} run step.yml -i hosts --step`, '/dev/null'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const answers = ['n', 'y', 'c'];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Answer each question once it is on the screen.
      const asked = out.match(/\(N\)o\/\(y\)es\/\(c\)ontinue: /g)?.length ?? 0;
      while (asked > 3 - answers.length) child.stdin.write(`${answers.shift()}\n`);
    });
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(code).toBe(0);
    expect(out.match(/Perform task: TASK: (\w+)/g)).toEqual(['Perform task: TASK: one', 'Perform task: TASK: two', 'Perform task: TASK: three']);
    expect(out).not.toMatch(/TASK \[one\]/);
    expect(out).toMatch(/TASK \[two\][\s\S]*"msg": "second"/);
    expect(out).toMatch(/TASK \[three\][\s\S]*"msg": "third"/);
    expect(out).toMatch(/ok=2 /);
  }, 60_000);

  it('--step without a terminal is refused before anything runs (exit 5)', () => {
    const r = spawnSync(process.execPath, [cli, 'run', 'step.yml', '-i', 'hosts', '--step'], { cwd: project(), encoding: 'utf8', input: '' });
    expect(r.status).toBe(5);
    expect(r.stderr).toContain('--step asks before each task and needs a terminal');
  });

  it('a failed run ends with the failed hosts, the task, its file:line and the message', () => {
    const dir = project();
    const r = spawnSync(process.execPath, [cli, 'run', 'fail.yml', '-i', 'hosts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    const after = r.stdout.slice(r.stdout.indexOf('PLAY RECAP'));
    expect(after).toContain(`FAILED HOSTS`);
    expect(after).toContain(`localhost: connect to the database (${dir}/fail.yml:4): non-zero return code`);
  });
});
