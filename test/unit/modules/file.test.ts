/** The file module against the local transport, in temporary directories. */
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import file from '../../../modules/file.js';
import copy from '../../../modules/copy.js';
import { expectIdempotent, HostRuntime, removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const modeOf = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);

describe('file state=directory', () => {
  it('creates the directory and missing parents with the mode; idempotent; check predicts', async () => {
    const path = join(dir, 'a b', "c'd", 'e');
    const r = await expectIdempotent(file, { path, state: 'directory', mode: '0750' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(r.first).toMatchObject({ path, state: 'directory', mode: '0750' });
    for (const p of [join(dir, 'a b'), join(dir, 'a b', "c'd"), path]) expect(modeOf(p)).toBe('750');
    expect(r.check.diff![0]).toMatchObject({ before: expect.stringContaining('state: absent'), after: expect.stringContaining('state: directory') });
  });

  it('fixes the mode of an existing directory, symbolic modes included', async () => {
    const path = join(dir, 'd');
    mkdirSync(path, { mode: 0o700 });
    chmodSync(path, 0o700);
    const r = await run(file, { path, state: 'directory', mode: 'g+rX,o=rx' });
    expect(r.changed).toBe(true);
    expect(modeOf(path)).toBe('755');
    expect(r.diff![0]).toMatchObject({ before: expect.stringContaining('"0700"'), after: expect.stringContaining('"0755"') });
    expect((await run(file, { path, state: 'directory', mode: 'g+rX,o=rx' })).changed).toBe(false);
  });

  it('recurse sets mode/owner below; u=rwX,go=rX keeps files non-executable', async () => {
    const root = join(dir, 'tree');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'sub', 'f'), 'x');
    chmodSync(join(root, 'sub', 'f'), 0o600);
    chmodSync(join(root, 'sub'), 0o700);
    const args = { path: root, state: 'directory', recurse: true, mode: 'u=rwX,go=rX', owner: 'nobody' };
    const r = await expectIdempotent(file, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(modeOf(join(root, 'sub'))).toBe('755');
    expect(modeOf(join(root, 'sub', 'f'))).toBe('644');
    expect(statSync(join(root, 'sub', 'f')).uid).toBe(65534);
    expect(r.check.diff!.at(-1)).toMatchObject({
      before: expect.stringContaining(`${join(root, 'sub', 'f')}: 0600 root:root`),
      after: expect.stringContaining(`${join(root, 'sub', 'f')}: 0644 nobody:root`),
    });
  });

  it('refuses to turn a file into a directory', async () => {
    writeFileSync(join(dir, 'f'), '');
    expect((await run(file, { path: join(dir, 'f'), state: 'directory' })).msg).toContain('already exists as a file');
  });
});

describe('file state=file/touch/absent', () => {
  it('state=file changes attributes only and fails on a missing path', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'keep');
    const r = await expectIdempotent(file, { path, mode: '0604', group: 'nogroup' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed]).toEqual([true, true, false]);
    expect(modeOf(path)).toBe('604');
    expect(statSync(path).gid).toBe(65534);
    expect(readFileSync(path, 'utf8')).toBe('keep');
    const missing = await run(file, { path: join(dir, 'nope'), state: 'file' });
    expect(missing.msg).toContain('is absent, cannot continue');
  });

  it('touch creates, always reports changed, and is idempotent with preserve', async () => {
    const path = join(dir, 'new $file');
    expect((await run(file, { path, state: 'touch', mode: '0600' })).changed).toBe(true);
    expect(modeOf(path)).toBe('600');
    expect((await run(file, { path, state: 'touch' })).changed).toBe(true);
    const preserved = { path, state: 'touch', modification_time: 'preserve', access_time: 'preserve' };
    const mtime = statSync(path).mtimeMs;
    expect((await run(file, preserved)).changed).toBe(false);
    expect(statSync(path).mtimeMs).toBe(mtime);
    const other = join(dir, 'other');
    const r = await expectIdempotent(file, { ...preserved, path: other }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed]).toEqual([true, true, false]);
  });

  it('touch in one command reports the state it found: diff, owner, mode, a missing parent', async () => {
    const path = join(dir, 'log');
    writeFileSync(path, 'kept');
    chmodSync(path, 0o600);
    const r = await run(file, { path, state: 'touch', owner: 'nobody', mode: '0640' }, { diff: true });
    expect(r).toMatchObject({ changed: true, state: 'file', owner: 'nobody', mode: '0640' });
    expect(r.diff![0]).toMatchObject({ before: expect.stringContaining('"0600"'), after: expect.stringContaining('"0640"') });
    expect(modeOf(path)).toBe('640');
    expect(statSync(path).uid).toBe(65534);
    expect(readFileSync(path, 'utf8')).toBe('kept');
    const again = await run(file, { path, state: 'touch', owner: 'nobody', mode: '0640' }, { diff: true });
    expect(again.changed).toBe(true);
    expect(again.diff ?? []).toEqual([]);
    const created = await run(file, { path: join(dir, 'new'), state: 'touch', mode: '0600' }, { diff: true });
    expect(created.diff![0]).toMatchObject({ before: expect.stringContaining('state: absent'), after: expect.stringContaining('state: file') });
    const orphan = await run(file, { path: join(dir, 'no', 'such', 'f'), state: 'touch', mode: '0600' });
    expect(orphan.msg).toBe(`Error, could not touch target: ${join(dir, 'no', 'such')} does not exist`);
  });

  it('touch with an owner but no mode keeps setuid bits (chown alone would clear them)', async () => {
    const path = join(dir, 'suid');
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o4755);
    const r = await run(file, { path, state: 'touch', owner: 'root' });
    expect(r.changed).toBe(true);
    expect(modeOf(path)).toBe('4755');
  });

  it('absent removes files and whole trees; idempotent; check predicts', async () => {
    mkdirSync(join(dir, 'tree', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'deep', 'f'), 'x');
    const r = await expectIdempotent(file, { path: join(dir, 'tree'), state: 'absent' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(existsSync(join(dir, 'tree'))).toBe(false);
    expect(r.first.diff![0]).toMatchObject({ before: expect.stringContaining('state: directory'), after: expect.stringContaining('state: absent') });
  });

  it('the default state is the current kind', async () => {
    mkdirSync(join(dir, 'd'));
    expect((await run(file, { path: join(dir, 'd'), mode: '0711' })).state).toBe('directory');
    expect(modeOf(join(dir, 'd'))).toBe('711');
  });
});

describe('file links', () => {
  it('symlink: create, idempotent, retarget', async () => {
    writeFileSync(join(dir, 'target 1'), '');
    writeFileSync(join(dir, 'target2'), '');
    const path = join(dir, 'link');
    const r = await expectIdempotent(file, { src: 'target 1', dest: path, state: 'link' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed]).toEqual([true, true, false]);
    expect(readlinkSync(path)).toBe('target 1');
    const re = await run(file, { src: join(dir, 'target2'), path, state: 'link' });
    expect(re.changed).toBe(true);
    expect(re.diff![0]).toMatchObject({ before: expect.stringContaining('src: target 1'), after: expect.stringContaining(`src: ${join(dir, 'target2')}`) });
    expect(readlinkSync(path)).toBe(join(dir, 'target2'));
  });

  it('refuses a missing src unless forced, and a file unless forced', async () => {
    const path = join(dir, 'l');
    expect((await run(file, { src: 'missing', path, state: 'link' })).msg).toContain('src file does not exist');
    expect((await run(file, { src: 'missing', path, state: 'link', force: true })).changed).toBe(true);
    expect(readlinkSync(path)).toBe('missing');
    writeFileSync(join(dir, 'f'), 'x');
    expect((await run(file, { src: 'l', path: join(dir, 'f'), state: 'link' })).msg).toContain('refusing to convert from file to symlink');
    expect((await run(file, { src: 'l', path: join(dir, 'f'), state: 'link', force: true })).changed).toBe(true);
    expect(lstatSync(join(dir, 'f')).isSymbolicLink()).toBe(true);
  });

  it('hard links compare inodes', async () => {
    writeFileSync(join(dir, 'src'), 'x');
    const path = join(dir, 'hard');
    const r = await expectIdempotent(file, { src: join(dir, 'src'), path, state: 'hard' }, dir);
    expect([r.check.changed, r.first.changed, r.second.changed]).toEqual([true, true, false]);
    expect(statSync(path).ino).toBe(statSync(join(dir, 'src')).ino);
    linkSync(join(dir, 'src'), join(dir, 'already'));
    expect((await run(file, { src: join(dir, 'src'), path: join(dir, 'already'), state: 'hard' })).changed).toBe(false);
  });

  it('mode follows a symlink for state=file (follow: true)', async () => {
    writeFileSync(join(dir, 't'), '');
    chmodSync(join(dir, 't'), 0o600);
    symlinkSync('t', join(dir, 'l'));
    expect((await run(file, { path: join(dir, 'l'), mode: '0644' })).changed).toBe(true);
    expect(modeOf(join(dir, 't'))).toBe('644');
  });
});

describe('file check-mode chains and bad input', () => {
  it('a check-mode copy into a directory that a check-mode file task would create', async () => {
    const runtime = new HostRuntime();
    const before = snapshot(dir);
    const d = join(dir, 'etc', 'demo');
    expect((await run(file, { path: d, state: 'directory' }, { check: true, runtime })).changed).toBe(true);
    const c = await run(copy, { content: 'x', dest: join(d, 'conf') }, { check: true, runtime });
    expect(c).toMatchObject({ changed: true, failed: false });
    expect((await run(file, { path: join(d, 'conf'), mode: '0600' }, { check: true, runtime })).changed).toBe(true);
    expect((await run(file, { path: join(dir, 'etc'), state: 'absent' }, { check: true, runtime })).changed).toBe(true);
    expect((await run(file, { path: join(d, 'conf'), state: 'absent' }, { check: true, runtime })).changed).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it('clear messages', async () => {
    expect((await run(file, { state: 'directory' })).msg).toContain("missing required argument 'path' (or one of its aliases: dest, name)");
    expect((await run(file, { path: dir, state: 'dir' })).msg).toContain('must be one of: file, directory, link, hard, absent, touch');
    expect((await run(file, { path: dir, state: 'link' })).msg).toContain('src is required for state link');
    expect((await run(file, { path: dir, mode: '9999' })).msg).toContain("mode '9999'");
    expect((await run(file, { path: dir, dest: '/other' })).msg).toContain('both given with different values');
    expect((await run(file, { path: join(dir, 'f'), state: 'file', recurse: true })).msg).toContain('recurse only works with state directory');
  });
});
