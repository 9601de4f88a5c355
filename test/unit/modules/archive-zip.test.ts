/**
 * archive's zip format, glob patterns, exclusion_patterns, remove and the archive's
 * owner/group/mode, with the real zip/unzip: check mode that predicts, idempotence, and the
 * members (names, modes, CRC-32s) and results compared with community.general.archive's
 * own (skipped without ansible-playbook).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import archive, { globWord } from '../../../modules/archive.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-archive-zip-');
  mkdirSync(join(dir, 'logs', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'nova.log.1'), 'n1\n');
  writeFileSync(join(dir, 'logs', 'api.log.1'), 'a1\n');
  writeFileSync(join(dir, 'logs', 'old.log.1.gz'), 'gz\n');
  writeFileSync(join(dir, 'logs', 'sub', 'x.log'), 'x\n');
  writeFileSync(join(dir, 'logs', '.hidden.log.1'), 'h\n');
  mkdirSync(join(dir, 'out'));
});
afterEach(() => removeDir(dir));

/** name, mode and CRC-32 of each member, sorted: what two zip writers can agree on. */
const zipMembers = (f: string) =>
  execFileSync('sh', ['-c', `zipinfo "$1" | awk '/^[-dl]/ { print $1, $NF }' | sort; unzip -v "$1" | awk 'length($7) == 8 && $7 ~ /^[0-9a-f]+$/ { print $7, $8 }' | sort`, 'sh', f], { encoding: 'utf8' });

describe('archive: globs, zip, exclusion_patterns, remove, attributes', () => {
  it('quotes a glob for the shell except its pattern characters', () => {
    expect(globWord("/var/log/it's/*.log")).toBe(`'/var/log/it'"'"'s/'*.log`);
    expect(globWord('/a/$(id)?[0-9]')).toBe(`'/a/$(id)'?[0-9]`);
  });

  it('zip of a tree: predicted, written, unchanged; a changed file changes it; mode of the archive', async () => {
    const args = { path: join(dir, 'logs'), dest: join(dir, 'out', 'logs.zip'), format: 'zip', mode: '0600' };
    const before = snapshot(join(dir, 'out'));
    expect(await run(archive, args, { check: true })).toMatchObject({ changed: true, dest_state: 'absent', archived: [] });
    expect(snapshot(join(dir, 'out'))).toEqual(before);
    expect(await run(archive, args)).toMatchObject({ changed: true, state: 'file', dest_state: 'archive', mode: '0600' });
    expect(statSync(args.dest).mode & 0o777).toBe(0o600);
    expect(zipMembers(args.dest)).toContain('logs/sub/x.log');
    for (const check of [false, true]) expect((await run(archive, args, { check })).changed).toBe(false);
    // A new mtime alone is not a change for zip (Ansible compares names and CRC-32s)...
    utimesSync(join(dir, 'logs', 'nova.log.1'), 1000, 1000);
    expect((await run(archive, args)).changed).toBe(false);
    // ...new content is.
    writeFileSync(join(dir, 'logs', 'nova.log.1'), 'n2\n');
    expect((await run(archive, args, { check: true })).changed).toBe(true);
    expect((await run(archive, args)).changed).toBe(true);
    expect(statSync(args.dest).mode & 0o777).toBe(0o600);
    expect((await run(archive, args)).changed).toBe(false);
  });

  it('a glob with exclusion_patterns, and remove', async () => {
    const args = { path: join(dir, 'logs', '*.log.1*'), exclusion_patterns: ['*.gz'], dest: join(dir, 'out', 'rot.tar.gz'), remove: true };
    const check = await run(archive, args, { check: true });
    expect(check).toMatchObject({ changed: true, expanded_paths: [join(dir, 'logs', 'api.log.1'), join(dir, 'logs', 'nova.log.1'), join(dir, 'logs', 'old.log.1.gz')] });
    expect(existsSync(join(dir, 'logs', 'nova.log.1'))).toBe(true);
    expect(await run(archive, args)).toMatchObject({ changed: true, state: 'file', dest_state: 'archive' });
    expect(execFileSync('tar', ['-tzf', args.dest], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['api.log.1', 'nova.log.1']);
    // Sources removed (the excluded one too, as Ansible removes every matched path); the hidden file was not matched.
    expect(['api.log.1', 'nova.log.1', 'old.log.1.gz', '.hidden.log.1'].map((f) => existsSync(join(dir, 'logs', f)))).toEqual([false, false, false, true]);
    expect(await run(archive, args)).toMatchObject({ failed: true, msg: 'Error, no source paths were found' });
    const safety = await run(archive, { path: join(dir, 'logs'), dest: join(dir, 'logs', 'self.zip'), format: 'zip', remove: true });
    expect(safety.msg).toBe('Error, created archive can not be contained in source paths when remove=true');
  });

  it.skipIf(!hasAnsible)("zip members and results as community.general.archive's", async () => {
    mkdirSync(join(dir, 'theirs'));
    mkdirSync(join(dir, 'ours'));
    const steps = (d: string): Array<Record<string, unknown>> => [
      { path: join(dir, 'logs'), dest: join(d, 'logs.zip'), format: 'zip' },
      { path: join(dir, 'logs'), dest: join(d, 'logs.zip'), format: 'zip', mode: '0640' },
      { path: join(dir, 'logs', '*.log.1'), dest: join(d, 'glob.zip'), format: 'zip', exclusion_patterns: ['*api*'] },
      { path: join(dir, 'logs', 'sub', 'x.log'), dest: join(d, 'one.zip'), format: 'zip' },
      { path: join(dir, 'logs', '*.log.1*'), dest: join(d, 'glob.tar'), format: 'tar', exclusion_patterns: ['*.gz'] },
    ];
    const expected = await ansibleResults('community.general.archive', steps(join(dir, 'theirs')));
    for (const [i, args] of steps(join(dir, 'ours')).entries()) {
      const r = await run(archive, args);
      const e = expected[i]!;
      const sorted = (v: unknown) => [...(v as string[])].sort();
      expect([r.changed, r.dest_state, r.mode, sorted(r.expanded_paths), sorted(r.archived)], `step ${i}: ${JSON.stringify(args)}`).toEqual([e.changed, e.dest_state, e.mode, sorted(e.expanded_paths), sorted(e.archived)]);
      if (args.format === 'zip') expect(zipMembers(String(r.dest)), `step ${i}`).toBe(zipMembers(String(e.dest)));
      else expect(execFileSync('tar', ['-tf', String(r.dest)], { encoding: 'utf8' })).toBe(execFileSync('tar', ['-tf', String(e.dest)], { encoding: 'utf8' }));
    }
  }, 120_000);
});
