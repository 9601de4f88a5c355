/**
 * archive with the real tar/gzip: member names as Ansible makes them, one build-and-compare
 * command, check mode that predicts, idempotence; compared task by task with
 * community.general.archive (skipped without ansible-playbook).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import archive, { commonRoot } from '../../../modules/archive.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-archive-');
  mkdirSync(join(dir, 'etc', 'nova', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'nova', 'nova.conf'), 'a=1\n');
  writeFileSync(join(dir, 'etc', 'nova', 'sub', 'x'), 'x\n');
  writeFileSync(join(dir, 'etc', 'other.conf'), 'o\n');
  mkdirSync(join(dir, 'out'));
});
afterEach(() => removeDir(dir));

const members = (f: string) => execFileSync('tar', ['-tf', f], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();

describe('archive', () => {
  it('names members from the common parent, as Ansible', () => {
    expect(commonRoot(['/etc/nova'])).toBe('/etc/');
    expect(commonRoot(['/etc/nova/a', '/etc/nova/b'])).toBe('/etc/nova/');
    expect(commonRoot(['/etc/keystone', '/etc/glance/g.conf'])).toBe('/etc/');
  });

  it('check predicts, the run writes, the second run changes nothing; a touched file changes it', async () => {
    const args = { path: join(dir, 'etc', 'nova'), dest: join(dir, 'out', 'nova.tar.gz') };
    const before = snapshot(join(dir, 'out'));
    expect(await run(archive, args, { check: true })).toMatchObject({ changed: true, dest_state: 'absent', archived: [] });
    expect(snapshot(join(dir, 'out'))).toEqual(before);
    const transport = new CountingTransport();
    expect((await run(archive, args, { transport })).changed).toBe(true);
    expect(transport.count).toBe(2);
    expect(members(args.dest)).toEqual(['nova/nova.conf', 'nova/sub/', 'nova/sub/x']);
    for (const check of [false, true]) expect((await run(archive, args, { check })).changed).toBe(false);
    utimesSync(join(dir, 'etc', 'nova', 'nova.conf'), 1000, 1000);
    expect((await run(archive, args, { check: true })).changed).toBe(true);
    expect((await run(archive, args)).changed).toBe(true);
  });

  it('one file is compressed beside itself; missing paths make it incomplete', async () => {
    const f = join(dir, 'etc', 'other.conf');
    expect(await run(archive, { path: f })).toMatchObject({ changed: true, dest_state: 'compress', state: 'file', dest: `${f}.gz` });
    expect(execFileSync('gzip', ['-dc', `${f}.gz`], { encoding: 'utf8' })).toBe('o\n');
    expect((await run(archive, { path: f })).changed).toBe(false);
    const r = await run(archive, { path: [f, join(dir, 'nope')], dest: join(dir, 'out', 'x.tar') , format: 'tar' });
    expect(r).toMatchObject({ changed: true, dest_state: 'incomplete', state: 'file', missing: [join(dir, 'nope')] });
    expect((await run(archive, { path: [join(dir, 'etc', 'nova'), f] })).msg).toBe('Error, must specify "dest" when archiving multiple files or trees');
    expect(existsSync(join(dir, 'out', '.tsplay-archive'))).toBe(false);
  });

  it.skipIf(!hasAnsible)("changes and member names as community.general.archive's", async () => {
    mkdirSync(join(dir, 'theirs'));
    mkdirSync(join(dir, 'ours'));
    const steps = (d: string): Array<Record<string, unknown>> => [
      { path: join(dir, 'etc', 'nova'), dest: join(d, 'nova.tgz') },
      { path: join(dir, 'etc', 'nova'), dest: join(d, 'nova.tgz') },
      { path: [join(dir, 'etc', 'nova'), join(dir, 'etc', 'other.conf')], dest: join(d, 'both.tar.bz2'), format: 'bz2' },
      { path: [join(dir, 'etc', 'nova'), join(dir, 'etc', 'other.conf')], dest: join(d, 'both.tar.bz2'), format: 'bz2' },
    ];
    const expected = await ansibleResults('community.general.archive', steps(join(dir, 'theirs')));
    for (const [i, args] of steps(join(dir, 'ours')).entries()) {
      const r = await run(archive, args);
      expect([r.changed, r.dest_state, r.state], JSON.stringify(args)).toEqual([expected[i]!.changed, expected[i]!.dest_state, expected[i]!.state]);
      expect(members(String(r.dest))).toEqual(members(String(expected[i]!.dest)));
    }
  }, 120_000);
});
