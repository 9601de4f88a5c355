/** copy and template: ModuleTester cases on this machine, plus what needs another user or a chained check run. */
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../../modules/copy.js';
import template from '../../../modules/template.js';
import { ModuleTester } from '../../../core/testing/index.js';
import { HostRuntime, NASTY, NobodyTransport, removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
let src: string;
beforeEach(() => {
  dir = tempDir();
  src = tempDir('tsplay-src-');
});
afterEach(() => {
  removeDir(dir);
  removeDir(src);
});

const modeOf = (p: string) => (statSync(p).mode & 0o7777).toString(8);
const BIN = Buffer.from([0, 1, 2, 255, 10, 13, 0x27, 0x22, 0x24]);
// Larger than one dd block, and not a multiple of it.
const BIGGISH = Buffer.alloc(200_003, 7);
// Above 8 MiB a controller file is streamed, never read into memory.
const BIG = randomBytes(12 * 1024 * 1024);
const BIG2 = randomBytes(9 * 1024 * 1024);
const TREE = { 'src/conf.d/a.conf': 'a=1\n', 'src/conf.d/sub dir/b $x.conf': NASTY, 'src/conf.d/link.conf': { link: 'a.conf' } } as const;

// Every case is also checked by ModuleTester: check mode writes nothing and predicts the same
// changed/diff, a second run changes nothing, the result's shape, the docs examples.
new ModuleTester({ module: copy, framework: { describe, it } }).run('copy', {
  unchanged: [
    { name: 'force: false never replaces an existing file', args: { content: 'theirs', dest: '{{ root }}/f', force: false }, files: { f: 'mine' }, expectFiles: { f: 'mine' } },
    { name: 'same content and attributes', args: { content: 'same', dest: '{{ root }}/f', mode: '0644' }, files: { f: { content: 'same', mode: '0644' } } },
  ],
  changes: [
    {
      name: 'content: writes with the mode; result names dest, size, checksum',
      args: { content: 'hello\n', dest: '{{ root }}/motd', mode: '0640' },
      result: { dest: '{{ root }}/motd', mode: '0640', state: 'file', size: 6, checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f' },
      expectFiles: { motd: { content: 'hello\n', mode: '0640' } },
    },
    { name: 'metacharacters in content and dest round-trip', args: { content: NASTY, dest: "{{ root }}/we'ird $name; `x`" }, expectFiles: { "we'ird $name; `x`": NASTY } },
    { name: 'binary bytes from a controller file', args: { src: '{{ root }}/src/blob', dest: '{{ root }}/blob' }, files: { 'src/blob': BIN }, assert: ({ root }) => expect(readFileSync(join(root, 'blob')).equals(BIN)).toBe(true) },
    { name: 'more than one dd block', args: { src: '{{ root }}/src/big', dest: '{{ root }}/big' }, files: { 'src/big': BIGGISH }, assert: ({ root }) => expect(readFileSync(join(root, 'big')).equals(BIGGISH)).toBe(true) },
    { name: 'the diff shows old and new content', args: { content: 'new\n', dest: '{{ root }}/conf' }, files: { conf: 'old\n' }, diff: [{ before: 'old\n', after: 'new\n', afterHeader: 'dynamically generated' }] },
    { name: 'structured content becomes JSON as json.dumps writes it (Ansible)', args: { content: { a: [1, 2], b: 'é' }, dest: '{{ root }}/conf' }, files: { conf: 'old\n' }, expectFiles: { conf: '{"a": [1, 2], "b": "\\u00e9"}' } },
    {
      name: 'only fixes mode/owner when the content is already right (the file is not rewritten)',
      args: { content: 'same', dest: '{{ root }}/f', mode: 'u=rw,g=r,o=r', owner: 'nobody', group: 'nogroup' },
      files: { f: { content: 'same', mode: '0600' } },
      setup: ['touch -d @1000000000 f'],
      diff: [{ before: /mode: "0600"/, after: /owner: nobody/ }],
      expectFiles: { f: { mode: '0644' } },
      assert: ({ root }) => {
        expect(statSync(join(root, 'f')).uid).toBe(65534);
        expect(statSync(join(root, 'f')).mtimeMs).toBe(1_000_000_000_000);
      },
    },
    { name: 'backup keeps the replaced file and reports it', args: { content: 'v2', dest: '{{ root }}/f', backup: true }, files: { f: 'v1' }, expectFiles: { f: 'v2' }, assert: ({ first }) => expect(readFileSync(first.backup_file as string, 'utf8')).toBe('v1') },
    { name: "force: 'no' still creates a missing file", args: { content: 'new', dest: '{{ root }}/g', force: 'no' }, expectFiles: { g: 'new' } },
    { name: 'validate accepts the new file', args: { content: 'good too\n', dest: '{{ root }}/sudoers', validate: 'grep -q good %s' }, files: { sudoers: 'good\n' }, expectFiles: { sudoers: 'good too\n' } },
    { name: 'src file into an existing directory', args: { src: '{{ root }}/src/motd.txt', dest: '{{ root }}/d' }, files: { 'src/motd.txt': 'hi\n', d: { dir: true } }, result: { dest: '{{ root }}/d/motd.txt' }, expectFiles: { 'd/motd.txt': 'hi\n' } },
    { name: 'src file into a new directory (trailing slash)', args: { src: '{{ root }}/src/motd.txt', dest: '{{ root }}/new/deeper/' }, files: { 'src/motd.txt': 'hi\n' }, expectFiles: { 'new/deeper/motd.txt': 'hi\n' } },
    {
      name: 'a destination that is a link to a file: same content fixes the target',
      args: { content: 'same', dest: '{{ root }}/link', mode: '0600' },
      files: { real: 'same', link: { link: 'real' } },
      expectFiles: { real: { mode: '0600' } },
      assert: ({ root }) => expect(lstatSync(join(root, 'link')).isSymbolicLink()).toBe(true),
    },
    { name: 'mode: preserve takes the source mode', args: { src: '{{ root }}/src/run.sh', dest: '{{ root }}/run.sh', mode: 'preserve' }, files: { 'src/run.sh': { content: '#!/bin/sh\n', mode: '0751' } }, expectFiles: { 'run.sh': { mode: '0751' } } },
    { name: 'relative src resolves through findFile', baseDir: '{{ root }}/src', args: { src: 'files/a.conf', dest: '{{ root }}/a.conf' }, files: { 'src/files/a.conf': 'a' }, expectFiles: { 'a.conf': 'a' } },
    {
      name: 'a directory without trailing slash is copied itself; source links are followed',
      args: { src: '{{ root }}/src/conf.d', dest: '{{ root }}/out', directory_mode: '0750' },
      files: { ...TREE, out: { dir: true } },
      expectFiles: { 'out/conf.d/sub dir/b $x.conf': NASTY, 'out/conf.d/sub dir': { mode: '0750' } },
      assert: ({ root }) => expect(lstatSync(join(root, 'out/conf.d/link.conf')).isFile()).toBe(true),
    },
    {
      name: 'a directory with trailing slash copies its contents; only changed files are rewritten',
      args: { src: '{{ root }}/src/conf.d/', dest: '{{ root }}/etc', backup: true },
      files: { ...TREE, 'src/conf.d/a.conf': 'a=2\n', 'etc/a.conf': 'a=1\n', 'etc/link.conf': 'a=1\n', 'etc/sub dir/b $x.conf': NASTY },
      setup: ["stat -c %i 'etc/sub dir/b $x.conf' > inode"],
      expectFiles: { 'etc/a.conf': 'a=2\n' },
      assert: ({ root, first }) => {
        expect(readdirSync(join(root, 'etc')).sort()).toEqual(expect.arrayContaining(['a.conf', 'link.conf', 'sub dir']));
        expect(first.diff!.map((d) => d.beforeHeader)).toEqual([`${root}/etc/a.conf (content)`, `${root}/etc/link.conf (content)`]);
        expect(String(statSync(join(root, 'etc/sub dir/b $x.conf')).ino)).toBe(readFileSync(join(root, 'inode'), 'utf8').trim());
        expect(Object.keys(first.backup_files as object).sort()).toEqual([join(root, 'etc/a.conf'), join(root, 'etc/link.conf')]);
      },
    },
    { name: 'remote_src copies a file on the host', args: { src: '{{ root }}/orig', dest: '{{ root }}/copy', remote_src: true, mode: '0600' }, files: { orig: NASTY }, expectFiles: { copy: { content: NASTY, mode: '0600' } } },
    {
      name: 'remote_src copies a host directory tree',
      args: { src: '{{ root }}/from', dest: '{{ root }}/to', remote_src: true },
      files: { 'from/a.conf': 'a', "from/sub dir/b '$x'": NASTY, 'from/link': { link: 'a.conf' } },
      expectFiles: { "to/from/sub dir/b '$x'": NASTY, 'to/from/link': 'a' },
    },
    {
      name: 'remote_src with a trailing slash copies the contents; a changed file shows in the diff',
      args: { src: '{{ root }}/from/', dest: '{{ root }}/flat', remote_src: true },
      files: { 'from/a.conf': 'changed', 'from/sub dir/b': 'b', 'flat/a.conf': 'a', 'flat/sub dir/b': 'b' },
      assert: ({ root, first }) => {
        expect(readdirSync(join(root, 'flat')).sort()).toEqual(['a.conf', 'sub dir']);
        expect(first.diff![0]).toMatchObject({ before: 'a', after: 'changed' });
      },
    },
    {
      name: 'a large controller file is streamed: exact bytes',
      args: { src: '{{ root }}/src/big.bin', dest: '{{ root }}/big.bin' },
      files: { 'src/big.bin': BIG },
      result: { size: BIG.length, checksum: createHash('sha1').update(BIG).digest('hex') },
      assert: ({ root }) => expect(readFileSync(join(root, 'big.bin')).equals(BIG)).toBe(true),
    },
    {
      name: 'a changed large file is replaced whole; the diff does not hold it',
      args: { src: '{{ root }}/src/big.bin', dest: '{{ root }}/big.bin' },
      files: { 'src/big.bin': BIG2, 'big.bin': BIG },
      diff: [{ before: /diff skipped: .* is larger than 104448 bytes/, after: /diff skipped/ }],
      assert: ({ root }) => expect(readFileSync(join(root, 'big.bin')).equals(BIG2)).toBe(true),
    },
  ],
  invalid: [
    { name: 'validate refuses the new file: the old one stays, no temp file is left', args: { content: 'bad\n', dest: '{{ root }}/sudoers', validate: 'grep -q good %s' }, files: { sudoers: 'good\n' }, error: /failed to validate/, realRunOnly: true },
    { args: { content: 'x', dest: '{{ root }}/f', validate: 'true' }, error: /validate must contain %s/ },
    { args: { content: 'x' }, error: /missing required argument 'dest'/ },
    { args: { dest: '{{ root }}/x' }, error: /one of src or content is required/ },
    { args: { content: 'x', src: 'y', dest: '{{ root }}/x' }, error: /mutually exclusive/ },
    { args: { content: 'x', dest: '{{ root }}/' }, error: /can not use content with a dir as dest/ },
    { args: { content: 'x', dest: '{{ root }}/no/such/f' }, error: /Destination directory/ },
    { args: { content: 'x', dest: '{{ root }}/f', mode: 'rwx' }, error: /mode 'rwx'/ },
    { args: { content: 'x', dest: '{{ root }}/f', bakup: true }, error: /did you mean 'backup'/ },
    { args: { src: '{{ root }}/src/missing', dest: '{{ root }}' }, error: /could not find src=/ },
    { args: { content: 'x', dest: '{{ root }}/f', owner: 'no-such-user-tsplay' }, error: /no-such-user-tsplay/, realRunOnly: true },
    { args: { src: '{{ root }}/nope', dest: '{{ root }}/copy', remote_src: true }, error: /not found/ },
  ],
});

describe('copy as an unprivileged remote user', () => {
  it('a destination the remote user may not write: the host says why', async () => {
    chmodSync(dir, 0o755);
    const r = await run(copy, { content: 'x', dest: join(dir, 'f') }, { transport: new NobodyTransport('localhost') });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/could not write .*Permission denied/);
  });
});

const APP_HBS = 'name = {{app_name}}\n{{#each features}}feature = {{this}}\n{{/each}}';
const APP_VARS = { app_name: "demo $x 'q'", features: ['auth', 'metrics'] };

new ModuleTester({ module: template, framework: { describe, it } }).run('template', {
  unchanged: [
    { name: 'already rendered', args: { src: 'app.conf.hbs', dest: '{{ root }}/app.conf' }, vars: APP_VARS, baseDir: '{{ root }}/src', files: { 'src/app.conf.hbs': APP_HBS, 'app.conf': "name = demo $x 'q'\nfeature = auth\nfeature = metrics\n" } },
  ],
  changes: [
    {
      name: 'renders with the task variables',
      args: { src: 'app.conf.hbs', dest: '{{ root }}/app.conf', mode: '0600' },
      vars: APP_VARS,
      baseDir: '{{ root }}/src',
      files: { 'src/app.conf.hbs': APP_HBS },
      expectFiles: { 'app.conf': { content: "name = demo $x 'q'\nfeature = auth\nfeature = metrics\n", mode: '0600' } },
    },
    {
      name: 'the diff shows the rendered change',
      args: { src: 'app.conf.hbs', dest: '{{ root }}/app.conf' },
      vars: { ...APP_VARS, app_name: 'other' },
      baseDir: '{{ root }}/src',
      files: { 'src/app.conf.hbs': APP_HBS, 'app.conf': "name = demo $x 'q'\nfeature = auth\nfeature = metrics\n" },
      diff: [{ before: /demo/, after: /name = other/ }],
    },
    { name: 'newline_sequence and a directory dest', args: { src: '{{ root }}/src/win.hbs', dest: '{{ root }}/out/', newline_sequence: '\r\n' }, files: { 'src/win.hbs': 'a\nb\n' }, expectFiles: { 'out/win.hbs': 'a\r\nb\r\n' } },
  ],
  invalid: [
    { name: 'a missing template', args: { src: 'nope.hbs', dest: '{{ root }}/x' }, baseDir: '{{ root }}/src', error: /could not find template src=nope.hbs/ },
    { name: 'an undefined variable', args: { src: 'u.hbs', dest: '{{ root }}/x' }, baseDir: '{{ root }}/src', files: { 'src/u.hbs': '{{undefined_thing}}' }, error: /undefined_thing/ },
    { args: { dest: '{{ root }}/x' }, error: /missing required argument 'src'/ },
  ],
});

describe('copy and template in one check run', () => {
  it('check mode chain: a template into a directory a previous check-mode copy would create', async () => {
    writeFileSync(join(src, 't.hbs'), 'x');
    const runtime = new HostRuntime();
    const before = snapshot(dir);
    const first = await run(copy, { content: 'y', dest: `${dir}/new/` + 'other' }, { check: true, runtime });
    expect(first.failed).toBe(true); // parent missing and no trailing slash: a real run fails too
    await run(copy, { src: join(src, 't.hbs'), dest: `${dir}/new/` }, { check: true, runtime });
    const second = await run(template, { src: join(src, 't.hbs'), dest: join(dir, 'new', 'u') }, { check: true, runtime });
    expect(second).toMatchObject({ failed: false, changed: true });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("copy and template results have Ansible's keys", () => {
  it('check mode: a content change reports only changed (and the diff), as Ansible\'s copy action', async () => {
    writeFileSync(join(dir, 'old'), 'old\n');
    writeFileSync(join(src, 'v.j2'), 'version={{ version }}\n');
    const plain = await run(template, { src: join(src, 'v.j2'), dest: join(dir, 'old') }, { check: true, diff: false, vars: { version: '2.4' } });
    expect(plain).toMatchObject({ changed: true });
    expect(Object.keys(plain).filter((k) => !['changed', 'failed', 'skipped'].includes(k))).toEqual([]);
    const withDiff = await run(copy, { content: 'new\n', dest: join(dir, 'new') }, { check: true, diff: true });
    expect(withDiff).not.toHaveProperty('size');
    expect(withDiff).not.toHaveProperty('checksum');
    expect(withDiff.diff).toHaveLength(1);
    // The real run names the file, its checksum and size.
    const real = await run(template, { src: join(src, 'v.j2'), dest: join(dir, 'old') }, { vars: { version: '2.4' } });
    expect(real).toMatchObject({ changed: true, dest: join(dir, 'old'), size: 12 });
    // Unchanged in check mode: the file's attributes, as the file module reports them.
    expect(await run(template, { src: join(src, 'v.j2'), dest: join(dir, 'old') }, { check: true, vars: { version: '2.4' } })).toMatchObject({ changed: false, size: 12 });
  });
  it('force: false on an existing file names only the destination', async () => {
    writeFileSync(join(dir, 'kept'), 'mine');
    const r = await run(copy, { content: 'theirs', dest: join(dir, 'kept'), force: false });
    expect(r).toMatchObject({ changed: false, dest: join(dir, 'kept') });
    expect(r).not.toHaveProperty('size');
    expect(r).not.toHaveProperty('checksum');
  });
});
