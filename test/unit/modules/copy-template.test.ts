/** copy and template against the local transport, in temporary directories. */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../../modules/copy.js';
import template from '../../../modules/template.js';
import { expectIdempotent, HostRuntime, NASTY, NobodyTransport, removeDir, run, snapshot, tempDir } from './general-helpers.js';

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

describe('copy content', () => {
  it('writes, is idempotent, and check mode predicts without touching anything', async () => {
    const dest = join(dir, 'motd');
    const r = await expectIdempotent(copy, { content: 'hello\n', dest, mode: '0640' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect(r.check.changed).toBe(true);
    expect(r.first).toMatchObject({ changed: true, failed: false, dest, mode: '0640', state: 'file', size: 6 });
    expect(r.first.checksum).toBe('f572d396fae9206628714fb2ce00f72e94f2258f');
    expect(r.second.changed).toBe(false);
    expect(r.checkAfter.changed).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('hello\n');
    expect(modeOf(dest)).toBe('640');
  });

  it('round-trips metacharacters and binary bytes exactly', async () => {
    const dest = join(dir, "we'ird $name; `x`");
    await run(copy, { content: NASTY, dest });
    expect(readFileSync(dest, 'utf8')).toBe(NASTY);
    const bin = Buffer.from([0, 1, 2, 255, 10, 13, 0x27, 0x22, 0x24]);
    writeFileSync(join(src, 'blob'), bin);
    await run(copy, { src: join(src, 'blob'), dest: join(dir, 'blob') });
    expect(readFileSync(join(dir, 'blob')).equals(bin)).toBe(true);
    // Larger than one dd block, and not a multiple of it.
    const big = Buffer.alloc(200_003, 7);
    writeFileSync(join(src, 'big'), big);
    await run(copy, { src: join(src, 'big'), dest: join(dir, 'big') });
    expect(readFileSync(join(dir, 'big')).equals(big)).toBe(true);
  });

  it('diff shows the old and new content; structured content becomes JSON', async () => {
    const dest = join(dir, 'conf');
    writeFileSync(dest, 'old\n');
    const r = await run(copy, { content: 'new\n', dest }, { check: true });
    expect(r.changed).toBe(true);
    expect(r.diff![0]).toMatchObject({ before: 'old\n', after: 'new\n', afterHeader: 'dynamically generated' });
    expect(readFileSync(dest, 'utf8')).toBe('old\n');
    await run(copy, { content: { a: [1, 2] }, dest });
    expect(readFileSync(dest, 'utf8')).toBe('{"a":[1,2]}');
  });

  it('only fixes mode/owner when the content is already right', async () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'same');
    chmodSync(dest, 0o600);
    const mtime = statSync(dest).mtimeMs;
    const r = await run(copy, { content: 'same', dest, mode: 'u=rw,g=r,o=r', owner: 'nobody', group: 'nogroup' });
    expect(r.changed).toBe(true);
    expect(r.diff).toEqual([
      expect.objectContaining({ before: expect.stringContaining("mode: \"0600\""), after: expect.stringContaining('owner: nobody') }),
    ]);
    expect(modeOf(dest)).toBe('644');
    expect(statSync(dest).uid).toBe(65534);
    expect(statSync(dest).mtimeMs).toBe(mtime);
    expect((await run(copy, { content: 'same', dest, mode: 'u=rw,g=r,o=r', owner: 'nobody', group: 'nogroup' })).changed).toBe(false);
  });

  it('backup keeps the replaced file and reports it', async () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'v1');
    const r = await run(copy, { content: 'v2', dest, backup: true });
    expect(typeof r.backup_file).toBe('string');
    expect(readFileSync(r.backup_file as string, 'utf8')).toBe('v1');
    expect(readFileSync(dest, 'utf8')).toBe('v2');
  });

  it('force: false never replaces an existing file', async () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'mine');
    expect((await run(copy, { content: 'theirs', dest, force: false })).changed).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('mine');
    expect((await run(copy, { content: 'new', dest: join(dir, 'g'), force: 'no' })).changed).toBe(true);
  });

  it('validate runs on the new file before it replaces the old one', async () => {
    const dest = join(dir, 'sudoers');
    writeFileSync(dest, 'good\n');
    const bad = await run(copy, { content: 'bad\n', dest, validate: 'grep -q good %s' });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toContain('failed to validate');
    expect(readFileSync(dest, 'utf8')).toBe('good\n');
    expect(readdirSync(dir)).toEqual(['sudoers']);
    expect((await run(copy, { content: 'good too\n', dest, validate: 'grep -q good %s' })).changed).toBe(true);
    expect((await run(copy, { content: 'x', dest, validate: 'true' })).msg).toContain('validate must contain %s');
  });

  it('clear errors for bad input', async () => {
    expect((await run(copy, { content: 'x' })).msg).toContain("missing required argument 'dest'");
    expect((await run(copy, { dest: join(dir, 'x') })).msg).toContain('one of src or content is required');
    expect((await run(copy, { content: 'x', src: 'y', dest: join(dir, 'x') })).msg).toContain('mutually exclusive');
    expect((await run(copy, { content: 'x', dest: `${dir}/` })).msg).toContain('can not use content with a dir as dest');
    expect((await run(copy, { content: 'x', dest: join(dir, 'no', 'such', 'f') })).msg).toContain('Destination directory');
    expect((await run(copy, { content: 'x', dest: join(dir, 'f'), mode: 'rwx' })).msg).toContain("mode 'rwx'");
    expect((await run(copy, { content: 'x', dest: join(dir, 'f'), bakup: true })).msg).toContain("did you mean 'backup'");
    expect((await run(copy, { src: join(src, 'missing'), dest: dir })).msg).toContain('could not find src=');
    expect((await run(copy, { content: 'x', dest: join(dir, 'f'), owner: 'no-such-user-tsplay' })).failed).toBe(true);
  });
});

describe('copy src', () => {
  it('a file into an existing directory, and into a new one with a trailing slash', async () => {
    writeFileSync(join(src, 'motd.txt'), 'hi\n');
    const r = await run(copy, { src: join(src, 'motd.txt'), dest: dir });
    expect(r.dest).toBe(join(dir, 'motd.txt'));
    expect(readFileSync(join(dir, 'motd.txt'), 'utf8')).toBe('hi\n');
    const r2 = await run(copy, { src: join(src, 'motd.txt'), dest: `${dir}/new/deeper/` });
    expect(r2.changed).toBe(true);
    expect(readFileSync(join(dir, 'new/deeper/motd.txt'), 'utf8')).toBe('hi\n');
    expect((await run(copy, { src: join(src, 'motd.txt'), dest: `${dir}/new/deeper/` })).changed).toBe(false);
  });

  it('a destination that is a link to a file: same content fixes the target, idempotently', async () => {
    writeFileSync(join(dir, 'real'), 'same');
    symlinkSync('real', join(dir, 'link'));
    expect((await run(copy, { content: 'same', dest: join(dir, 'link'), mode: '0600' })).changed).toBe(true);
    expect(modeOf(join(dir, 'real'))).toBe('600');
    expect((await run(copy, { content: 'same', dest: join(dir, 'link'), mode: '0600' })).changed).toBe(false);
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
  });

  it('mode: preserve takes the source mode', async () => {
    writeFileSync(join(src, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'run.sh'), 0o751);
    await run(copy, { src: join(src, 'run.sh'), dest: join(dir, 'run.sh'), mode: 'preserve' });
    expect(modeOf(join(dir, 'run.sh'))).toBe('751');
  });

  it('relative src resolves through findFile (baseDir)', async () => {
    mkdirSync(join(src, 'files'));
    writeFileSync(join(src, 'files', 'a.conf'), 'a');
    const r = await run(copy, { src: 'files/a.conf', dest: join(dir, 'a.conf') }, { baseDir: src });
    expect(r.failed).toBe(false);
    expect(readFileSync(join(dir, 'a.conf'), 'utf8')).toBe('a');
  });

  function makeTree() {
    mkdirSync(join(src, 'conf.d', 'sub dir'), { recursive: true });
    writeFileSync(join(src, 'conf.d', 'a.conf'), 'a=1\n');
    writeFileSync(join(src, 'conf.d', 'sub dir', "b $x.conf"), NASTY);
    symlinkSync('a.conf', join(src, 'conf.d', 'link.conf'));
  }

  it('a directory without trailing slash is copied itself; idempotent; check predicts', async () => {
    makeTree();
    const r = await expectIdempotent(copy, { src: join(src, 'conf.d'), dest: dir, directory_mode: '0750' }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect(r.check.changed).toBe(true);
    expect(r.first.changed).toBe(true);
    expect(r.second.changed).toBe(false);
    expect(r.checkAfter.changed).toBe(false);
    expect(readFileSync(join(dir, 'conf.d', 'sub dir', 'b $x.conf'), 'utf8')).toBe(NASTY);
    // Symbolic links in the source are followed (Ansible's local_follow).
    expect(lstatSync(join(dir, 'conf.d', 'link.conf')).isFile()).toBe(true);
    expect(modeOf(join(dir, 'conf.d', 'sub dir'))).toBe('750');
  });

  it('a directory with trailing slash copies its contents; only changed files are rewritten', async () => {
    makeTree();
    const dest = join(dir, 'etc');
    await run(copy, { src: `${join(src, 'conf.d')}/`, dest });
    expect(readdirSync(dest).sort()).toEqual(['a.conf', 'link.conf', 'sub dir']);
    const untouched = statSync(join(dest, 'sub dir', 'b $x.conf')).ino;
    writeFileSync(join(src, 'conf.d', 'a.conf'), 'a=2\n');
    const r = await run(copy, { src: `${join(src, 'conf.d')}/`, dest, backup: true });
    expect(r.changed).toBe(true);
    expect(r.diff!.map((d) => d.beforeHeader)).toEqual([`${dest}/a.conf (content)`, `${dest}/link.conf (content)`]);
    expect(readFileSync(join(dest, 'a.conf'), 'utf8')).toBe('a=2\n');
    expect(statSync(join(dest, 'sub dir', 'b $x.conf')).ino).toBe(untouched);
    expect(Object.keys(r.backup_files as object).sort()).toEqual([join(dest, 'a.conf'), join(dest, 'link.conf')]);
  });

  it('remote_src copies a file on the host', async () => {
    writeFileSync(join(dir, 'orig'), NASTY);
    const args = { src: join(dir, 'orig'), dest: join(dir, 'copy'), remote_src: true, mode: '0600' };
    const r = await expectIdempotent(copy, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed]).toEqual([true, true, false]);
    expect(readFileSync(join(dir, 'copy'), 'utf8')).toBe(NASTY);
    expect((await run(copy, { ...args, src: join(dir, 'nope') })).msg).toContain('not found');
  });
});

describe('copy remote_src directories and permissions', () => {
  it('copies a host directory tree (contents only with a trailing slash); idempotent; check predicts', async () => {
    const from = join(dir, 'from');
    mkdirSync(join(from, 'sub dir'), { recursive: true });
    writeFileSync(join(from, 'a.conf'), 'a');
    writeFileSync(join(from, 'sub dir', "b '$x'"), NASTY);
    symlinkSync('a.conf', join(from, 'link'));
    const args = { src: from, dest: join(dir, 'to'), remote_src: true };
    const r = await expectIdempotent(copy, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(readFileSync(join(dir, 'to', 'from', 'sub dir', "b '$x'"), 'utf8')).toBe(NASTY);
    expect(readFileSync(join(dir, 'to', 'from', 'link'), 'utf8')).toBe('a');
    const contents = await run(copy, { ...args, src: `${from}/`, dest: join(dir, 'flat') });
    expect(contents.changed).toBe(true);
    expect(readdirSync(join(dir, 'flat')).sort()).toEqual(['a.conf', 'link', 'sub dir']);
    writeFileSync(join(from, 'a.conf'), 'changed');
    const again = await run(copy, { ...args, src: `${from}/`, dest: join(dir, 'flat') });
    expect(again.changed).toBe(true);
    expect(again.diff![0]).toMatchObject({ before: 'a', after: 'changed' });
  });

  it('a destination the remote user may not write: the host says why', async () => {
    chmodSync(dir, 0o755);
    const r = await run(copy, { content: 'x', dest: join(dir, 'f') }, { transport: new NobodyTransport('localhost') });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/could not write .*Permission denied/);
  });
});

describe('template', () => {
  it('renders with the task variables; idempotent; check predicts; diff', async () => {
    writeFileSync(join(src, 'app.conf.hbs'), 'name = {{app_name}}\n{{#each features}}feature = {{this}}\n{{/each}}');
    const vars = { app_name: "demo $x 'q'", features: ['auth', 'metrics'] };
    const dest = join(dir, 'app.conf');
    const r = await expectIdempotent(template, { src: 'app.conf.hbs', dest, mode: '0600' }, dir, { vars, baseDir: src });
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(readFileSync(dest, 'utf8')).toBe("name = demo $x 'q'\nfeature = auth\nfeature = metrics\n");
    expect(modeOf(dest)).toBe('600');
    const changed = await run(template, { src: 'app.conf.hbs', dest }, { vars: { ...vars, app_name: 'other' }, baseDir: src, check: true });
    expect(changed.diff![0]).toMatchObject({ before: expect.stringContaining('demo'), after: expect.stringContaining('name = other') });
  });

  it('newline_sequence and a directory dest', async () => {
    writeFileSync(join(src, 'win.hbs'), 'a\nb\n');
    await run(template, { src: join(src, 'win.hbs'), dest: `${dir}/`, newline_sequence: '\r\n' });
    expect(readFileSync(join(dir, 'win.hbs'), 'utf8')).toBe('a\r\nb\r\n');
  });

  it('names the missing template, the undefined variable and missing args', async () => {
    const missing = await run(template, { src: 'nope.hbs', dest: join(dir, 'x') }, { baseDir: src });
    expect(missing.msg).toContain('could not find template src=nope.hbs');
    writeFileSync(join(src, 'u.hbs'), '{{undefined_thing}}');
    const undef = await run(template, { src: 'u.hbs', dest: join(dir, 'x') }, { baseDir: src });
    expect(undef.failed).toBe(true);
    expect(undef.msg).toContain('undefined_thing');
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect((await run(template, { dest: join(dir, 'x') })).msg).toContain("missing required argument 'src'");
  });

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

describe('copy of a large controller file', () => {
  it('streams it (above 8 MiB): exact bytes, idempotent, check predicts, diff says it is too large', async () => {
    const { randomBytes, createHash } = await import('node:crypto');
    const big = randomBytes(12 * 1024 * 1024);
    const from = join(src, 'big.bin');
    writeFileSync(from, big);
    const dest = join(dir, 'big.bin');
    const r = await expectIdempotent(copy, { src: from, dest }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect(r.check.changed).toBe(true);
    expect(r.first).toMatchObject({ changed: true, size: big.length, checksum: createHash('sha1').update(big).digest('hex') });
    expect(r.second.changed).toBe(false);
    expect(readFileSync(dest).equals(big)).toBe(true);
    // A changed large file: replaced whole, and the diff does not pull either side into memory.
    const other = randomBytes(9 * 1024 * 1024);
    writeFileSync(from, other);
    const changed = await run(copy, { src: from, dest });
    expect(changed.changed).toBe(true);
    expect(JSON.stringify(changed.diff)).toMatch(/diff skipped: .* is larger than 104448 bytes/);
    expect(readFileSync(dest).equals(other)).toBe(true);
  });
});
