/** slurp and stat against the local transport. */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../../modules/copy.js';
import slurp from '../../../modules/slurp.js';
import stat, { ansibleStat } from '../../../modules/stat.js';
import { HostRuntime, NASTY, NobodyTransport, removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

describe('slurp', () => {
  it('returns the bytes base64-encoded, binary-safe', async () => {
    const bytes = Buffer.concat([Buffer.from(NASTY), Buffer.from([0, 255, 254])]);
    writeFileSync(join(dir, 'f $x'), bytes);
    const r = await run(slurp, { src: join(dir, 'f $x') });
    expect(r).toMatchObject({ changed: false, encoding: 'base64', source: join(dir, 'f $x') });
    expect(Buffer.from(r.content as string, 'base64').equals(bytes)).toBe(true);
    expect((await run(slurp, { path: join(dir, 'f $x') })).content).toBe(r.content);
  });

  it('sees what an earlier check-mode task would have written', async () => {
    const runtime = new HostRuntime();
    await run(copy, { content: 'predicted', dest: join(dir, 'p') }, { check: true, runtime });
    const r = await run(slurp, { src: join(dir, 'p') }, { check: true, runtime });
    expect(Buffer.from(r.content as string, 'base64').toString()).toBe('predicted');
  });

  it('clear errors: missing, directory, unreadable, no src', async () => {
    expect((await run(slurp, { src: join(dir, 'nope') })).msg).toBe(`file not found: ${join(dir, 'nope')}`);
    expect((await run(slurp, { src: dir })).msg).toContain('source is a directory');
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'secret'), 'x', { mode: 0o600 });
    const denied = await run(slurp, { src: join(dir, 'secret') }, { transport: new NobodyTransport('localhost') });
    expect(denied.msg).toContain('is not readable (permission denied)');
    expect((await run(slurp, {})).msg).toContain("missing required argument 'src' (or one of its aliases: path)");
  });
});

describe('stat', () => {
  it("a regular file: Ansible's keys and values", async () => {
    const p = join(dir, "file 'q'");
    writeFileSync(p, 'hello\n');
    chmodSync(p, 0o640);
    const r = await run(stat, { path: p });
    const s = r.stat as Record<string, unknown>;
    expect(s).toMatchObject({
      exists: true,
      path: p,
      mode: '0640',
      isreg: true,
      isdir: false,
      islnk: false,
      uid: 0,
      pw_name: 'root',
      size: 6,
      rusr: true,
      wusr: true,
      xusr: false,
      rgrp: true,
      wgrp: false,
      roth: false,
      checksum: createHash('sha1').update('hello\n').digest('hex'),
      readable: true,
    });
    expect(typeof s.mtime).toBe('number');
    expect(r.changed).toBe(false);
  });

  it('checksum algorithms, links with and without follow, missing paths, fifo', async () => {
    const p = join(dir, 't');
    writeFileSync(p, 'abc');
    expect(((await run(stat, { path: p, checksum_algorithm: 'sha256' })).stat as Record<string, unknown>).checksum).toBe(
      createHash('sha256').update('abc').digest('hex'),
    );
    expect(((await run(stat, { path: p, checksum: 'md5' })).stat as Record<string, unknown>).checksum).toBe(createHash('md5').update('abc').digest('hex'));
    expect((await run(stat, { path: p, get_checksum: false })).stat).not.toHaveProperty('checksum');
    symlinkSync('t', join(dir, 'l'));
    const link = (await run(stat, { path: join(dir, 'l') })).stat as Record<string, unknown>;
    expect(link).toMatchObject({ islnk: true, isreg: false, lnk_target: 't', lnk_source: p });
    const followed = (await run(stat, { path: join(dir, 'l'), follow: true })).stat as Record<string, unknown>;
    expect(followed).toMatchObject({ islnk: false, isreg: true, size: 3 });
    expect((await run(stat, { path: join(dir, 'none') })).stat).toEqual({ exists: false });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(((await run(stat, { path: join(dir, 'fifo'), get_mime: false })).stat as Record<string, unknown>).isfifo).toBe(true);
    mkdirSync(join(dir, 'd'));
    expect(((await run(stat, { path: join(dir, 'd') })).stat as Record<string, unknown>).isdir).toBe(true);
  });

  it('device files report device_type; mime and attributes when the tools exist', async () => {
    const s = (await run(stat, { path: '/dev/null' })).stat as Record<string, unknown>;
    expect(s).toMatchObject({ ischr: true, device_type: 259 });
    const hasFile = (() => {
      try {
        execFileSync('sh', ['-c', 'command -v file'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    writeFileSync(join(dir, 'txt'), 'plain text\n');
    const t = (await run(stat, { path: join(dir, 'txt') })).stat as Record<string, unknown>;
    if (hasFile) expect(t).toMatchObject({ mimetype: 'text/plain', charset: 'us-ascii' });
    expect(Array.isArray(t.attributes) || t.attributes === undefined).toBe(true);
  });

  it('check mode sees predicted files', async () => {
    const runtime = new HostRuntime();
    await run(copy, { content: 'abc', dest: join(dir, 'p'), mode: '0600' }, { check: true, runtime });
    const s = (await run(stat, { path: join(dir, 'p') }, { check: true, runtime })).stat as Record<string, unknown>;
    expect(s).toMatchObject({ exists: true, isreg: true, size: 3, mode: '0600', checksum: createHash('sha1').update('abc').digest('hex') });
  });

  it('bad input', async () => {
    expect((await run(stat, {})).msg).toContain("missing required argument 'path'");
    expect((await run(stat, { path: dir, checksum_algorithm: 'crc32' })).msg).toContain('must be one of: md5, sha1');
  });

  it('ansibleStat maps kinds and bits (pure)', () => {
    const s = ansibleStat({ path: '/x', kind: 'file', mode: 0o6755, parentKind: 'directory' }, { get_checksum: true, get_mime: true, get_attributes: true });
    expect(s).toMatchObject({ mode: '6755', isuid: true, isgid: true, xoth: true, woth: false });
    const attrs = ansibleStat({ path: '/x', kind: 'file', mode: 0o644, parentKind: 'directory', attrFlags: '----i---------e-------' }, { get_checksum: true, get_mime: true, get_attributes: true });
    expect(attrs).toMatchObject({ attr_flags: 'ie', attributes: ['immutable', 'extents'] });
  });
});
