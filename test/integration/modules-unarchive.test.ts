/**
 * unarchive to a lab host (compute5): a controller tar.gz streamed and unpacked in one
 * command, predicted in check mode, then left alone; a remote archive with remote_src; a
 * zip archive with the host's unzip/zipinfo, with owner/group/mode on its members.
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
  execFileSync('zip', ['-qr', join(local, 'app.zip'), 'app'], { cwd: local });
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

  it('a zip archive: ZipArchive, predicted, unzipped with owner/group/mode, then unchanged; a changed file is restored', async () => {
    await lab.out(HOST, `mkdir ${dir}/zip`);
    const args = { src: join(local, 'app.zip'), dest: `${dir}/zip`, owner: 'nobody', group: 'nogroup', mode: 'u=rwX,g=rX,o=' };
    expect(await lab.run(HOST, unarchive, args, { check: true })).toMatchObject({ changed: true, handler: 'ZipArchive' });
    expect(await lab.out(HOST, `ls -A ${dir}/zip`)).toBe('');
    expect(await lab.run(HOST, unarchive, args)).toMatchObject({ changed: true, handler: 'ZipArchive', extract_results: { rc: 0 } });
    expect(await lab.out(HOST, `cd ${dir}/zip && stat -c '%n %a %U %G' app app/run.sh && app/run.sh`)).toBe('app 750 nobody nogroup\napp/run.sh 750 nobody nogroup\nhi\n');
    for (const check of [true, false]) expect((await lab.run(HOST, unarchive, args, { check })).changed).toBe(false);
    // Same size and time, other content: the CRC-32 tells.
    await lab.out(HOST, `cd ${dir}/zip/app && t=$(stat -c %y run.sh) && printf '#!/bin/sh\\necho HI\\n' > run.sh && touch -d "$t" run.sh`);
    expect((await lab.run(HOST, unarchive, args, { check: true })).changed).toBe(true);
    expect((await lab.run(HOST, unarchive, args)).changed).toBe(true);
    expect(await lab.out(HOST, `${dir}/zip/app/run.sh`)).toBe('hi\n');
    expect((await lab.run(HOST, unarchive, args)).changed).toBe(false);
    // No temporary copy of the archive is left on the host.
    expect(await lab.out(HOST, `grep -l 'echo hi' /tmp/tmp.* 2>/dev/null | wc -l`)).toBe('0\n');
  });

  it('a URL with remote_src: compute5 downloads it itself (no curl or wget there: bash over /dev/tcp), then nothing changes', async () => {
    // A web server on the host's own loopback, serving the zip archive copied there.
    await lab.out(HOST, `mkdir ${dir}/www ${dir}/url && cd ${dir}/zip && zip -qr ${dir}/www/app.zip app`);
    const pid = (await lab.out(HOST, `cd ${dir}/www && { setsid python3 -m http.server --bind 127.0.0.1 18080 >/dev/null 2>&1 < /dev/null & echo $!; }`)).trim();
    try {
      await lab.out(HOST, 'for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && break; sleep 0.1; done');
      const args = { src: 'http://127.0.0.1:18080/app.zip', dest: `${dir}/url`, remote_src: true, list_files: true };
      expect(await lab.run(HOST, unarchive, args, { check: true })).toMatchObject({ changed: true, handler: 'ZipArchive' });
      expect(await lab.run(HOST, unarchive, args)).toMatchObject({ changed: true, handler: 'ZipArchive', files: expect.arrayContaining(['app/run.sh']) });
      expect(await lab.out(HOST, `${dir}/url/app/run.sh`)).toBe('hi\n');
      expect((await lab.run(HOST, unarchive, args)).changed).toBe(false);
      expect(await lab.out(HOST, 'ls -a /tmp | grep -c "^.tsplay-unarchive-" || true')).toBe('0\n');
    } finally {
      await lab.sh(HOST, `kill ${pid}`);
    }
  });
});
