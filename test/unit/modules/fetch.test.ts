/**
 * fetch with the local transport: Ansible's destination rules, one command when nothing
 * changed, chunked reads of a large file, check mode, and the missing/directory cases,
 * compared with Ansible's own fetch where ansible-playbook is installed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fetch, { CHUNK_BYTES, fetchDest } from '../../../modules/fetch.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-fetch-');
  mkdirSync(join(dir, 'host'));
  writeFileSync(join(dir, 'host', 'app.conf'), 'a = 1\n');
});
afterEach(() => removeDir(dir));

describe('fetch', () => {
  it('puts files where Ansible does', () => {
    expect(fetchDest({ src: '/etc/x.conf', dest: 'out', flat: false }, 'web1', '/play')).toBe('/play/out/web1/etc/x.conf');
    expect(fetchDest({ src: '/etc/x.conf', dest: '/srv/', flat: true }, 'web1', '/play')).toBe('/srv/x.conf');
    expect(fetchDest({ src: '/etc/x.conf', dest: 'y.conf', flat: true }, 'web1', '/play')).toBe('/play/y.conf');
    expect(fetchDest({ src: 'rel/x', dest: '/o', flat: false }, 'h', '/play')).toBe('/o/h/rel/x');
  });

  it('check predicts, the run copies, the second run only compares (one command)', async () => {
    const src = join(dir, 'host', 'app.conf');
    const args = { src, dest: join(dir, 'out') };
    const dest = join(dir, 'out', 'localhost', src);
    const check = await run(fetch, args, { check: true });
    expect(check).toMatchObject({ changed: true, dest });
    expect(check.diff?.[0]).toMatchObject({ before: '', after: 'a = 1\n' });
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const transport = new CountingTransport();
    const first = await run(fetch, args, { transport });
    expect(transport.count).toBe(1);
    const sha1 = createHash('sha1').update('a = 1\n').digest('hex');
    expect(first).toMatchObject({ changed: true, dest, checksum: sha1, remote_checksum: sha1, md5sum: createHash('md5').update('a = 1\n').digest('hex'), remote_md5sum: null });
    expect(readFileSync(dest, 'utf8')).toBe('a = 1\n');
    const second = await run(fetch, args, { transport });
    expect(transport.count).toBe(2);
    expect(second).toMatchObject({ changed: false, dest, checksum: sha1, file: src });
    expect((await run(fetch, args, { check: true })).changed).toBe(false);
    expect(readdirSync(join(dir, 'out', 'localhost', dir, 'host'))).toEqual(['app.conf']);
  });

  it('a large file comes in chunks and arrives intact', async () => {
    const big = Buffer.alloc(CHUNK_BYTES * 2 + 12345);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    writeFileSync(join(dir, 'host', 'big.bin'), big);
    const transport = new CountingTransport();
    const r = await run(fetch, { src: join(dir, 'host', 'big.bin'), dest: join(dir, 'big.bin'), flat: true }, { transport, diff: false });
    expect(r.changed).toBe(true);
    expect(transport.count).toBe(3);
    expect(readFileSync(join(dir, 'big.bin')).equals(big)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['big.bin', 'host']);
  });

  it('missing source, a directory, and flat into an existing directory without a slash', async () => {
    const missing = join(dir, 'host', 'nope');
    expect(await run(fetch, { src: missing, dest: join(dir, 'o') })).toMatchObject({ failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(await run(fetch, { src: missing, dest: join(dir, 'o'), fail_on_missing: false })).toMatchObject({ failed: false, changed: false, file: missing });
    expect(await run(fetch, { src: join(dir, 'host'), dest: join(dir, 'o') })).toMatchObject({ failed: true, msg: 'remote file is a directory, fetch cannot work on directories' });
    expect(await run(fetch, { src: join(dir, 'host', 'app.conf'), dest: join(dir, 'host'), flat: true })).toMatchObject({
      failed: true,
      msg: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory',
    });
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });

  it.skipIf(!hasAnsible)("gives Ansible's results", async () => {
    const src = join(dir, 'host', 'app.conf');
    const cases = [
      { src, dest: join(dir, 'a') },
      { src, dest: join(dir, 'a') },
      { src, dest: `${join(dir, 'b')}/`, flat: true },
      { src: join(dir, 'host', 'nope'), dest: join(dir, 'c'), fail_on_missing: false },
      { src: join(dir, 'host'), dest: join(dir, 'c'), fail_on_missing: false },
    ];
    const theirs = await ansibleResults('fetch', cases);
    removeDir(join(dir, 'a'));
    removeDir(join(dir, 'b'));
    const keys = ['changed', 'dest', 'checksum', 'md5sum', 'file', 'remote_checksum', 'msg'];
    const pick = (r: Record<string, unknown>) => Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
    for (const [i, args] of cases.entries()) {
      const ours = await run(fetch, args, { diff: false });
      expect(pick(ours), JSON.stringify(args)).toEqual(pick(theirs[i]!));
    }
  }, 120_000);
});
