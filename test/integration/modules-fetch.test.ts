/**
 * fetch from a lab host (compute5): DEST/HOST/SRC, one command when the copy is current, a
 * 20 MB file in chunks over SSH, check mode that predicts and writes nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fetch from '../../modules/fetch.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;
let out: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'fetch');
  await lab.out(HOST, `printf 'a = 1\\n' > ${dir}/app.conf && head -c 20000000 /dev/urandom > ${dir}/big.bin`);
  out = mkdtempSync(join(tmpdir(), 'tsplay-fetched-'));
}, 120_000);

afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('fetch from a lab host', () => {
  it('check predicts, the run fetches, the second run is one command and changes nothing', async () => {
    const args = { src: `${dir}/app.conf`, dest: out };
    const dest = join(out, HOST, dir, 'app.conf');
    expect(await lab.run(HOST, fetch, args, { check: true })).toMatchObject({ changed: true, dest });
    expect(existsSync(dest)).toBe(false);
    expect(await lab.run(HOST, fetch, args)).toMatchObject({ changed: true, dest });
    expect(readFileSync(dest, 'utf8')).toBe('a = 1\n');
    const n = lab.execs(HOST);
    expect(await lab.run(HOST, fetch, args)).toMatchObject({ changed: false, dest });
    expect(lab.execs(HOST) - n).toBe(1);
  });

  it('a 20 MB file arrives intact, in chunks', async () => {
    const remote = (await lab.out(HOST, `sha1sum ${dir}/big.bin`)).split(' ')[0];
    const n = lab.execs(HOST);
    const started = Date.now();
    const r = await lab.run(HOST, fetch, { src: `${dir}/big.bin`, dest: `${out}/`, flat: true });
    const ms = Date.now() - started;
    expect(r).toMatchObject({ changed: true, checksum: remote, remote_checksum: remote });
    expect(lab.execs(HOST) - n).toBe(3);
    expect(createHash('sha1').update(readFileSync(join(out, 'big.bin'))).digest('hex')).toBe(remote);
    console.log(`fetch: 20 MB from ${HOST} in ${ms} ms`);
  });
});
