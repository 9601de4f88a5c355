/**
 * strategy: free prints every result under its own task's banner: a host that is behind
 * gets the banner of its task printed again, as ansible-playbook's default output does,
 * instead of its result appearing under the banner of a task other hosts reached.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

describe('strategy: free output', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('a slow host\'s results come under their own task banners, after the fast host ran ahead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-free-out-'));
    writeFileSync(join(dir, 'hosts'), 'slow ansible_connection=local\nfast ansible_connection=local\n');
    // slow's first task ends only once fast has finished its second one: the order is fixed.
    writeFileSync(
      join(dir, 'pb.yml'),
      `- hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n` +
        `    - name: one\n      shell: "{{ 'for i in $(seq 900); do [ -e ${dir}/fast-done ] && exit 0; sleep 0.05; done; exit 1' if inventory_hostname == 'slow' else 'true' }}"\n` +
        `    - name: two\n      shell: "{{ 'touch ${dir}/fast-done' if inventory_hostname == 'fast' else 'true' }}"\n`,
    );
    const r = spawnSync(process.execPath, [cli, 'run', 'pb.yml', '-i', 'hosts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^(TASK \[|changed: |ok: |fatal: )/.test(l)).map((l) => l.replace(/ \*+$/, ''));
    expect(lines).toEqual([
      'TASK [one]', 'changed: [fast]',
      'TASK [two]', 'changed: [fast]',
      'TASK [one]', 'changed: [slow]',
      'TASK [two]', 'changed: [slow]',
    ]);
  }, 120_000);
});
