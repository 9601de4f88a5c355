/** The file module against the local transport, in temporary directories. */
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import file from '../../../modules/file.js';
import copy from '../../../modules/copy.js';
import { ModuleTester } from '../../../core/testing/index.js';
import { HostRuntime, removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const modeOf = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);

// Each case is also checked by ModuleTester: check mode writes nothing and predicts the
// same changed/diff, a second run changes nothing, the result's shape, the docs examples.
new ModuleTester({ module: file, framework: { describe, it } }).run('file module', {
  unchanged: [
    { name: 'touch with preserved times on an existing file', args: { path: '{{ root }}/f', state: 'touch', modification_time: 'preserve', access_time: 'preserve' }, files: { f: 'x' } },
    { name: 'a hard link that is already one', args: { src: '{{ root }}/src', path: '{{ root }}/already', state: 'hard' }, files: { src: 'x' }, setup: ['ln src already'] },
    { name: 'a directory as asked', args: { path: '{{ root }}/d', state: 'directory', mode: '0750' }, files: { d: { dir: true, mode: '0750' } }, result: { state: 'directory', mode: '0750' } },
  ],
  changes: [
    {
      name: 'state=directory creates missing parents with the mode',
      args: { path: "{{ root }}/a b/c'd/e", state: 'directory', mode: '0750' },
      result: { path: "{{ root }}/a b/c'd/e", state: 'directory', mode: '0750' },
      diff: [{ before: /state: absent/, after: /state: directory/ }],
      assert: ({ root }) => {
        for (const p of ['a b', "a b/c'd", "a b/c'd/e"]) expect(modeOf(join(root, p))).toBe('750');
      },
    },
    {
      name: 'fixes the mode of an existing directory, symbolic modes included',
      args: { path: '{{ root }}/d', state: 'directory', mode: 'g+rX,o=rx' },
      files: { d: { dir: true, mode: '0700' } },
      diff: [{ before: /"0700"/, after: /"0755"/ }],
      assert: ({ root }) => expect(modeOf(join(root, 'd'))).toBe('755'),
    },
    {
      name: 'recurse sets mode/owner below; u=rwX,go=rX keeps files non-executable',
      args: { path: '{{ root }}/tree', state: 'directory', recurse: true, mode: 'u=rwX,go=rX', owner: 'nobody' },
      files: { 'tree/sub/f': { content: 'x', mode: '0600' } },
      setup: ['chmod 0700 tree/sub'],
      assert: ({ root, check }) => {
        expect(modeOf(join(root, 'tree/sub'))).toBe('755');
        expect(modeOf(join(root, 'tree/sub/f'))).toBe('644');
        expect(statSync(join(root, 'tree/sub/f')).uid).toBe(65534);
        expect(check.diff!.at(-1)).toMatchObject({
          before: expect.stringContaining(`${join(root, 'tree/sub/f')}: 0600 root:root`),
          after: expect.stringContaining(`${join(root, 'tree/sub/f')}: 0644 nobody:root`),
        });
      },
    },
    {
      name: 'state=file changes attributes only',
      args: { path: '{{ root }}/f', mode: '0604', group: 'nogroup' },
      files: { f: 'keep' },
      expectFiles: { f: { content: 'keep', mode: '0604' } },
      assert: ({ root }) => expect(statSync(join(root, 'f')).gid).toBe(65534),
    },
    { name: 'touch with preserved times creates a missing file', args: { path: '{{ root }}/other', state: 'touch', modification_time: 'preserve', access_time: 'preserve' }, expectFiles: { other: '' } },
    {
      name: 'absent removes a whole tree',
      args: { path: '{{ root }}/tree', state: 'absent' },
      files: { 'tree/deep/f': 'x' },
      diff: [{ before: /state: directory/, after: /state: absent/ }],
      expectFiles: { tree: null },
    },
    { name: 'the default state is the current kind', args: { path: '{{ root }}/d', mode: '0711' }, files: { d: { dir: true } }, result: { state: 'directory' }, assert: ({ root }) => expect(modeOf(join(root, 'd'))).toBe('711') },
    {
      name: 'symlink: create with a relative src (dest alias)',
      args: { src: 'target 1', dest: '{{ root }}/link', state: 'link' },
      files: { 'target 1': '' },
      assert: ({ root }) => expect(readlinkSync(join(root, 'link'))).toBe('target 1'),
    },
    {
      name: 'symlink: retarget',
      args: { src: '{{ root }}/target2', path: '{{ root }}/link', state: 'link' },
      files: { 'target 1': '', target2: '', link: { link: 'target 1' } },
      diff: [{ before: /src: target 1/, after: /src: \/.*\/target2/ }],
      assert: ({ root }) => expect(readlinkSync(join(root, 'link'))).toBe(join(root, 'target2')),
    },
    { name: 'symlink to a missing src with force', args: { src: 'missing', path: '{{ root }}/l', state: 'link', force: true }, assert: ({ root }) => expect(readlinkSync(join(root, 'l'))).toBe('missing') },
    {
      name: 'a file replaced by a symlink with force',
      args: { src: 'l', path: '{{ root }}/f', state: 'link', force: true },
      files: { f: 'x', l: { link: 'missing' } },
      assert: ({ root }) => expect(lstatSync(join(root, 'f')).isSymbolicLink()).toBe(true),
    },
    {
      name: 'hard links compare inodes',
      args: { src: '{{ root }}/src', path: '{{ root }}/hard', state: 'hard' },
      files: { src: 'x' },
      assert: ({ root }) => expect(statSync(join(root, 'hard')).ino).toBe(statSync(join(root, 'src')).ino),
    },
    {
      name: 'mode follows a symlink for state=file (follow: true)',
      args: { path: '{{ root }}/l', mode: '0644' },
      files: { t: { content: '', mode: '0600' }, l: { link: 't' } },
      expectFiles: { t: { mode: '0644' } },
    },
  ],
  invalid: [
    { name: 'refuses to turn a file into a directory', args: { path: '{{ root }}/f', state: 'directory' }, files: { f: '' }, error: /already exists as a file/ },
    { name: 'state=file on a missing path', args: { path: '{{ root }}/nope', state: 'file' }, error: /is absent, cannot continue/ },
    { name: 'touch below a missing directory', args: { path: '{{ root }}/no/such/f', state: 'touch', mode: '0600' }, error: 'Error, could not touch target: {{ root }}/no/such does not exist' },
    { name: 'a symlink to a missing src', args: { src: 'missing', path: '{{ root }}/l', state: 'link' }, error: /src file does not exist/ },
    { name: 'a file is not turned into a symlink', args: { src: 'l', path: '{{ root }}/f', state: 'link' }, files: { f: 'x', l: { link: 'missing' } }, error: /refusing to convert from file to symlink/ },
    { args: { state: 'directory' }, error: /missing required argument 'path' \(or one of its aliases: dest, name\)/ },
    { args: { path: '{{ root }}', state: 'dir' }, error: /must be one of: file, directory, link, hard, absent, touch/ },
    { args: { path: '{{ root }}', state: 'link' }, error: /src is required for state link/ },
    { args: { path: '{{ root }}', mode: '9999' }, error: /mode '9999'/ },
    { args: { path: '{{ root }}', dest: '/other' }, error: /both given with different values/ },
    { args: { path: '{{ root }}/f', state: 'file', recurse: true }, error: /recurse only works with state directory/ },
  ],
});

// touch always reports a change (it sets the times), so these are not idempotence cases.
describe('file state=touch', () => {
  it('creates, always reports changed', async () => {
    const path = join(dir, 'new $file');
    expect((await run(file, { path, state: 'touch', mode: '0600' })).changed).toBe(true);
    expect(modeOf(path)).toBe('600');
    expect((await run(file, { path, state: 'touch' })).changed).toBe(true);
    const mtime = statSync(path).mtimeMs;
    expect((await run(file, { path, state: 'touch', modification_time: 'preserve', access_time: 'preserve' })).changed).toBe(false);
    expect(statSync(path).mtimeMs).toBe(mtime);
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
  });

  it('touch with an owner but no mode keeps setuid bits (chown alone would clear them)', async () => {
    const path = join(dir, 'suid');
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o4755);
    const r = await run(file, { path, state: 'touch', owner: 'root' });
    expect(r.changed).toBe(true);
    expect(modeOf(path)).toBe('4755');
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

});
