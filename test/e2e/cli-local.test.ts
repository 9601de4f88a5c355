/**
 * End to end through the compiled CLI against `ansible_connection=local`: output, recap,
 * exit code, files produced; a second run changes nothing; `--check --diff` on a fresh
 * tree changes nothing and predicts the first run's changes.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cli, ensureBuilt, repo } from './project-helper.js';

const fixtures = join(repo, 'test/fixtures/e2e');

function tsplay(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir with its mode and content: a snapshot to compare trees. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      const key = relative(dir, p);
      if (st.isDirectory()) {
        out[key] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(p);
      } else out[key] = `file ${(st.mode & 0o7777).toString(8)} ${readFileSync(p, 'base64')}`;
    }
  };
  walk(dir);
  return out;
}

function recap(stdout: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith('localhost') && l.includes('ok='));
  if (!line) throw new Error(`no recap line in:\n${stdout}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

const run = (root: string, ...extra: string[]) => tsplay(['run', join(fixtures, 'site.yml'), '-i', join(fixtures, 'inventory.ini'), '-e', `root=${root}`, ...extra]);

describe('tsplay run against localhost', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('applies, then reports no change on the second run', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplay-e2e-'));
    const first = run(root);
    expect(first.stderr).toBe('');
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toMatch(/^PLAY \[Configure the demo application\] \*+$/m);
    expect(first.stdout).toMatch(/^TASK \[Render the application config\] \*+$/m);
    expect(first.stdout).toMatch(/^changed: \[localhost\] => \(item=ip_forward\)$/m);
    expect(first.stdout).toMatch(/^RUNNING HANDLER \[restart demo\] \*+$/m);
    expect(first.stdout).toMatch(/^PLAY RECAP \*+$/m);
    const r1 = recap(first.stdout);
    expect(r1).toMatchObject({ changed: 6, failed: 0, unreachable: 0, rescued: 1, skipped: 1 });

    expect(readFileSync(join(root, 'etc/demo/app.conf'), 'utf8')).toBe(
      '# Managed by tsplay - do not edit\n[server]\nport = 8080\nname = demo\nfeature.0 = auth\nfeature.1 = metrics\n',
    );
    expect(readFileSync(join(root, 'etc/motd'), 'utf8')).toBe(readFileSync(join(fixtures, 'files/motd.txt'), 'utf8'));
    expect(readFileSync(join(root, 'etc/demo/options'), 'utf8')).toBe('ip_forward=1\nrp_filter=0\n');
    expect(existsSync(join(root, 'restarted-marker'))).toBe(true);

    const before = snapshot(root);
    const second = run(root);
    expect(second.code, second.stdout).toBe(0);
    expect(recap(second.stdout)).toMatchObject({ changed: 0, failed: 0 });
    expect(second.stdout).not.toContain('RUNNING HANDLER');
    expect(snapshot(root)).toEqual(before);
  });

  it('--check --diff changes nothing and predicts the first run', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplay-e2e-check-'));
    writeFileSync(join(root, 'keep'), 'x');
    const before = snapshot(root);
    const check = run(root, '--check', '--diff');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(check.stdout).toContain('+port = 8080');
    // Same changes as a real first run (the rescue path runs in check mode too).
    expect(recap(check.stdout)).toMatchObject({ changed: 6, failed: 0 });
  });

  it('points at the line of a mistake and exits 5', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-e2e-bad-'));
    const pb = join(dir, 'bad.yml');
    writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: typo\n      debug: msg=hi\n      notfy: x\n');
    const r = tsplay(['run', pb, '-i', join(fixtures, 'inventory.ini')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${pb}:5:7`);
    expect(r.stderr).toContain("did you mean 'notify'?");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('loads custom modules written in TypeScript (beside the playbook) and JavaScript (-M)', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplay-e2e-custom-'));
    const dir = join(fixtures, 'custom');
    const args = ['run', join(dir, 'site.yml'), '-i', join(fixtures, 'inventory.ini'), '-M', join(dir, 'extra'), '-e', `root=${root}`];
    const first = tsplay(args);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(readFileSync(join(root, 'hello'), 'utf8')).toBe('hello world\n');
    expect(recap(first.stdout)).toMatchObject({ changed: 1, failed: 0 });
    expect(recap(tsplay(args).stdout)).toMatchObject({ changed: 0, failed: 0 });
  });

  it('answers --version fast', () => {
    const r = tsplay(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tsplay \d+\.\d+\.\d+\n$/);
  });
});
