/**
 * unarchive with the real tar: the one command that sends, compares and extracts; check
 * mode that predicts from tar --diff; compared task by task with Ansible's unarchive
 * (skipped without ansible-playbook).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import unarchive from '../../../modules/unarchive.js';
import { tarDifferences } from '../../../modules/_lib/tar-archive.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
let tgz: string;
beforeEach(() => {
  dir = tempDir('tsplay-unarchive-');
  mkdirSync(join(dir, 'src', 'app', 'conf'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app', 'README'), 'hello\n');
  writeFileSync(join(dir, 'src', 'app', 'conf', 'a.conf'), 'a=1\n');
  tgz = join(dir, 'app.tar.gz');
  execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'src'), 'app']);
  mkdirSync(join(dir, 'dest'));
});
afterEach(() => removeDir(dir));

describe('tar --diff, filtered as Ansible does', () => {
  it('counts times, modes and missing files; owners only for root; not bare content', () => {
    const out = ['app/README: Mod time differs', 'app/x: Warning: Cannot stat: No such file or directory', 'app/y: Uid differs', 'app/z: Contents differ', ': : Warning: Cannot stat: No such file or directory'].join('\n');
    expect(tarDifferences(out, false)).toEqual(['app/README: Mod time differs', 'app/x: Warning: Cannot stat: No such file or directory']);
    expect(tarDifferences(out, true)).toHaveLength(3);
  });
});

describe('unarchive module', () => {
  it('check predicts, the run extracts in one command, the second run changes nothing', async () => {
    const args = { src: tgz, dest: join(dir, 'dest'), list_files: true };
    const before = snapshot(join(dir, 'dest'));
    const check = await run(unarchive, args, { check: true });
    expect(check).toMatchObject({ changed: true, handler: 'TgzArchive' });
    expect((check.files as string[]).sort()).toEqual(['app/', 'app/README', 'app/conf/', 'app/conf/a.conf']);
    expect(snapshot(join(dir, 'dest'))).toEqual(before);
    const transport = new CountingTransport();
    const first = await run(unarchive, args, { transport });
    expect(transport.count).toBe(1);
    expect(first).toMatchObject({ changed: true, extract_results: { rc: 0 } });
    expect(readFileSync(join(dir, 'dest', 'app', 'conf', 'a.conf'), 'utf8')).toBe('a=1\n');
    for (const c of [false, true]) expect((await run(unarchive, args, { check: c })).changed).toBe(false);
    // A file touched since: unpacking would change it again.
    utimesSync(join(dir, 'dest', 'app', 'README'), 1000, 1000);
    expect((await run(unarchive, args, { check: true })).changed).toBe(true);
    expect((await run(unarchive, args)).changed).toBe(true);
    expect((await run(unarchive, args)).changed).toBe(false);
  });

  it('remote_src, creates, and clear failures', async () => {
    expect((await run(unarchive, { src: tgz, dest: join(dir, 'dest'), remote_src: true, extra_opts: ['--strip-components=1'] })).changed).toBe(true);
    expect(readFileSync(join(dir, 'dest', 'README'), 'utf8')).toBe('hello\n');
    expect(await run(unarchive, { src: tgz, dest: join(dir, 'dest'), creates: join(dir, 'dest', 'README') })).toMatchObject({ changed: false, skipped: true, msg: `skipped, since ${join(dir, 'dest', 'README')} exists` });
    expect((await run(unarchive, { src: tgz, dest: join(dir, 'nope') })).msg).toBe(`dest '${join(dir, 'nope')}' must be an existing dir`);
    writeFileSync(join(dir, 'not.tgz'), 'garbage');
    expect((await run(unarchive, { src: join(dir, 'not.tgz'), dest: join(dir, 'dest') })).msg).toMatch(/^Failed to find handler for/);
  });

  it.skipIf(!hasAnsible)("reports changes as Ansible's unarchive does, task by task", async () => {
    mkdirSync(join(dir, 'theirs'));
    mkdirSync(join(dir, 'ours'));
    const steps = (d: string): Array<Record<string, unknown>> => [
      { src: tgz, dest: d },
      { src: tgz, dest: d },
      { src: tgz, dest: d, remote_src: true, list_files: true },
      { src: tgz, dest: d, exclude: ['app/README'] },
    ];
    const expected = await ansibleResults('unarchive', steps(join(dir, 'theirs')));
    for (const [i, args] of steps(join(dir, 'ours')).entries()) {
      const r = await run(unarchive, args);
      expect([r.changed, r.files], JSON.stringify(args)).toEqual([expected[i]!.changed, expected[i]!.files]);
    }
  }, 120_000);
});
