/**
 * The open-files limit against --forks, through the compiled CLI under a real, lowered
 * RLIMIT_NOFILE (bash's ulimit sets soft and hard): too many forks are refused before
 * anything runs, naming the limit; forks that fit run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './project-helper.js';

function underLimit(limit: number, args: string[]) {
  const r = spawnSync('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('--forks and the open-files limit', () => {
  let dir: string;
  let pb: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tsplay-forks-'));
    pb = join(dir, 'play.yml');
    writeFileSync(pb, '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - file: { path: "{{ playbook_dir }}/touched", state: touch }\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses more forks than the limit serves, before any task, naming the limit and what to do', () => {
    const r = underLimit(512, ['run', pb, '-i', 'localhost,', '-c', 'local', '-f', '1000']);
    expect(r.code, r.out).toBe(5);
    expect(r.out).toContain('--forks 1000 needs up to 2128 open files, but this process may open only 512');
    expect(r.out).toContain('use --forks 192 or fewer');
    expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'touched'))).toBe(false);
  });

  it('runs with forks the limit serves', () => {
    const r = underLimit(512, ['run', pb, '-i', 'localhost,', '-c', 'local', '-f', '192']);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(dir, 'touched'))).toBe(true);
  });
});
