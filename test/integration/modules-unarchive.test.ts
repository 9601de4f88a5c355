/**
 * unarchive to a lab host (compute5): a controller tar.gz streamed and unpacked in one
 * command, predicted in check mode, then left alone; a remote archive with remote_src.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import unarchive from '../../modules/unarchive.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;
let local: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'unarchive');
  await lab.out(HOST, `mkdir ${dir}/dest ${dir}/dest2`);
  local = mkdtempSync(join(tmpdir(), 'tsplay-unarchive-'));
  mkdirSync(join(local, 'app'));
  writeFileSync(join(local, 'app', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', join(local, 'app.tgz'), '-C', local, 'app']);
}, 120_000);

afterAll(async () => {
  rmSync(local, { recursive: true, force: true });
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('unarchive on a lab host', () => {
  it('a controller archive: predicted, unpacked in one command, then unchanged', async () => {
    const args = { src: join(local, 'app.tgz'), dest: `${dir}/dest` };
    expect((await lab.run(HOST, unarchive, args, { check: true })).changed).toBe(true);
    expect(await lab.out(HOST, `ls -A ${dir}/dest`)).toBe('');
    const n = lab.execs(HOST);
    expect((await lab.run(HOST, unarchive, args)).changed).toBe(true);
    expect(lab.execs(HOST) - n).toBe(1);
    expect(await lab.out(HOST, `${dir}/dest/app/run.sh; ls ${dir}`)).toBe('hi\ndest\ndest2\n');
    for (const check of [true, false]) expect((await lab.run(HOST, unarchive, args, { check })).changed).toBe(false);
  });

  it('remote_src', async () => {
    await lab.out(HOST, `tar -czf ${dir}/remote.tgz -C ${dir}/dest app`);
    const args = { src: `${dir}/remote.tgz`, dest: `${dir}/dest2`, remote_src: true, list_files: true };
    expect(await lab.run(HOST, unarchive, args)).toMatchObject({ changed: true, files: expect.arrayContaining(['app/run.sh']) });
    expect((await lab.run(HOST, unarchive, args)).changed).toBe(false);
  });
});
