/**
 * A role with Jinja templates (macro, for/if, include, lookup('file') from the role's
 * files/, ansible_managed, to_nice_yaml, lstrip_blocks) and `content:` values with one
 * expression, run by ansible-playbook and by tsplay against ansible_connection=local:
 * the files written must be identical byte for byte, tsplay's second run changes nothing
 * and its check mode predicts the first run. Skipped only on a developer machine without
 * ansible-playbook; in CI (CI=true) it must run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, repo } from './project-helper.js';

const fixture = join(repo, 'test/fixtures/jinja-role');
const hasAnsible = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    cwd: fixture,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_RETRY_FILES_ENABLED: 'false' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

function recap(stdout: string): string {
  return /^localhost\s+:\s+(ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=\d+)/m.exec(stdout)?.[1]?.replace(/\s+/g, ' ') ?? `no recap in:\n${stdout}`;
}

describe.skipIf(!hasAnsible && !inCi)('Jinja templates in a role: tsplay writes what ansible-playbook writes', { timeout: 120_000 }, () => {
  beforeAll(() => {
    if (!hasAnsible) throw new Error('CI=true but ansible-playbook is not installed (apt-get install ansible-core; .ci/run installs it)');
    ensureBuilt();
  });

  it('same files, idempotent, check mode predicts', () => {
    const theirs = mkdtempSync(join(tmpdir(), 'tsplay-jinja-ansible-'));
    const ours = mkdtempSync(join(tmpdir(), 'tsplay-jinja-tsplay-'));
    const a = run('ansible-playbook', ['-i', 'inventory.ini', 'site.yml', '-e', `root=${theirs}`]);
    expect(a.code, a.stdout + a.stderr).toBe(0);

    const fresh = mkdtempSync(join(tmpdir(), 'tsplay-jinja-check-'));
    const check = run(process.execPath, [cli, 'run', 'site.yml', '-i', 'inventory.ini', '-e', `root=${fresh}`, '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(readdirSync(fresh)).toEqual([]);

    const first = run(process.execPath, [cli, 'run', 'site.yml', '-i', 'inventory.ini', '-e', `root=${ours}`]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(recap(first.stdout)).toBe(recap(a.stdout));
    expect(recap(check.stdout)).toBe(recap(first.stdout));
    expect(files(ours)).toEqual(files(theirs));
    expect(files(ours)['content-inline.txt']).toBe('demo page\n');
    expect(files(ours)['content-block.txt']).toBe('demo page\n');

    const second = run(process.execPath, [cli, 'run', 'site.yml', '-i', 'inventory.ini', '-e', `root=${ours}`]);
    expect(recap(second.stdout)).toBe('ok=6 changed=0 unreachable=0 failed=0');
  });
});
