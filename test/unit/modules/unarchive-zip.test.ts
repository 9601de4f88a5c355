/**
 * unarchive of zip archives with the real zip/unzip/zipinfo: Ansible's ZipArchive rules
 * (missing, type, mtime, size, CRC-32, permissions), check mode that predicts, idempotence,
 * include/exclude, list_files, owner/group/mode of the members (zip and tar), and the
 * results compared task by task with Ansible's unarchive (skipped without ansible-playbook).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import unarchive from '../../../modules/unarchive.js';
import { compareZip, memberMode, parseDestEntries, parseUnzipCrcs, parseZipinfo, selectMembers } from '../../../modules/_lib/zip-archive.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
let zipFile: string;
beforeEach(() => {
  dir = tempDir('tsplay-unzip-');
  mkdirSync(join(dir, 'src', 'app', 'conf'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app', 'README'), 'hello\n');
  writeFileSync(join(dir, 'src', 'app', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(dir, 'src', 'app', 'conf', 'a.conf'), 'a=1\n');
  zipFile = join(dir, 'app.zip');
  execFileSync('zip', ['-qr', zipFile, 'app'], { cwd: join(dir, 'src') });
  mkdirSync(join(dir, 'dest'));
});
afterEach(() => removeDir(dir));

const runner = { uid: 0, gid: 0, user: 'root', group: 'root', umask: 0o022 };

describe('zip listings and comparison (pure)', () => {
  it('parses zipinfo -T -s and unzip -v as Ansible reads them', () => {
    const info = [
      'Archive:  app.zip',
      'Zip file size: 591 bytes, number of entries: 3',
      'drwxr-xr-x  3.0 unx        0 bx stor 20261205.141204 app/',
      '-rwxr-xr-x  3.0 unx        3 tx stor 20250301.100001 app/a b',
      '-rw-a--     1.0 fat     5358 bx defN 20250301.100002 app/dos.txt',
      '3 files, 5 bytes uncompressed, 5 bytes compressed:  0.0%',
    ].join('\n');
    const members = parseZipinfo(info);
    expect(members.map((m) => [m.type, m.name, m.size, m.time])).toEqual([
      ['d', 'app/', 0, '20261205.141204'],
      ['-', 'app/a b', 3, '20250301.100001'],
      ['-', 'app/dos.txt', 5358, '20250301.100002'],
    ]);
    expect(memberMode(members[1]!, 0o022)).toBe(0o755);
    expect(memberMode(members[2]!, 0o022)).toBe(0o644); // FAT: 666 less the umask
    const v = [
      'Archive:  app.zip',
      ' Length   Method    Size  Cmpr    Date    Time   CRC-32   Name',
      '--------  ------  ------- ---- ---------- ----- --------  ----',
      '       3  Stored        3   0% 2026-12-05 14:12 ED6F7A7A  app/a b',
      '--------          -------  ---                            -------',
      '       3                3   0%                            1 file',
    ].join('\n');
    expect([...parseUnzipCrcs(v)]).toEqual([['app/a b', 'ed6f7a7a']]);
  });

  it('counts missing members, type, mtime, size, CRC, mode and owner differences', () => {
    const members = parseZipinfo('-rw-r--r--  3.0 unx        3 tx stor 20250301.100001 f\n-rw-r--r--  3.0 unx        3 tx stor 20250301.100001 g\n');
    const crcs = new Map([['f', 'ed6f7a7a'], ['g', 'ed6f7a7a']]);
    const rec = (name: string, over: Partial<Record<string, string>> = {}) =>
      [over.kind ?? 'regular file', over.size ?? '3', over.mode ?? '81a4', '0', '0', over.owner ?? 'root', 'root', over.mtime ?? '2025-03-01 10:00:01.000000000 +0000', over.crc ?? '7a 7a 6f ed', name].join('\t');
    const same = parseDestEntries(`${rec('f')}\0${rec('g')}\0`);
    expect(compareZip(members, same, crcs, { runner, keepNewer: false }).itemized).toEqual([]);
    const cases: Array<[Partial<Record<string, string>>, string]> = [
      [{ mtime: '2025-03-01 10:00:01.500000000 +0000' }, '.f..t....?? f'],
      [{ size: '4' }, '.f.s.....?? f'],
      [{ crc: '00 00 00 00' }, '.fc......?? f'],
      [{ mode: '81ed' }, '.f...p...?? f'],
      [{ owner: 'nobody' }, '.f....o..?? f'],
      [{ kind: 'directory' }, 'cf++++++.?? f'],
    ];
    for (const [over, line] of cases) {
      expect(compareZip(members, parseDestEntries(`${rec('f', over)}\0${rec('g')}\0`), crcs, { runner, keepNewer: false }).itemized, line).toEqual([line]);
    }
    expect(compareZip(members, parseDestEntries(`${rec('g')}\0`), crcs, { runner, keepNewer: false }).itemized).toEqual(['>f++++++.?? f']);
    // keep_newer: a newer file on disk is left alone.
    const newer = compareZip(members, parseDestEntries(`${rec('f', { mtime: '2026-01-01 00:00:00.000000000 +0000' })}\0${rec('g')}\0`), crcs, { runner, keepNewer: true });
    expect([newer.itemized, newer.keepNewerExcluded]).toEqual([[], ['f']]);
  });

  it('include and exclude select members with fnmatch, as Ansible', () => {
    const m = ['app/', 'app/README', 'app/conf/a.conf'].map((name) => ({ name }));
    expect(selectMembers(m, ['*.conf'], []).map((x) => x.name)).toEqual(['app/conf/a.conf']);
    expect(selectMembers(m, [], ['app/R*']).map((x) => x.name)).toEqual(['app/', 'app/conf/a.conf']);
  });
});

describe('unarchive of a zip archive', () => {
  it('check predicts, the run unzips, the second run changes nothing; a touched file is unzipped again', async () => {
    const args = { src: zipFile, dest: join(dir, 'dest'), list_files: true };
    const before = snapshot(join(dir, 'dest'));
    const check = await run(unarchive, args, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, handler: 'ZipArchive' });
    expect((check.files as string[]).sort()).toEqual(['app/', 'app/README', 'app/conf/', 'app/conf/a.conf', 'app/run.sh']);
    expect(snapshot(join(dir, 'dest'))).toEqual(before);
    const transport = new CountingTransport();
    const first = await run(unarchive, args, { transport });
    expect(transport.count).toBe(2);
    expect(first).toMatchObject({ changed: true, handler: 'ZipArchive', extract_results: { rc: 0 } });
    expect(readFileSync(join(dir, 'dest', 'app', 'conf', 'a.conf'), 'utf8')).toBe('a=1\n');
    expect(statSync(join(dir, 'dest', 'app', 'run.sh')).mode & 0o777).toBe(0o755);
    for (const check of [false, true]) expect((await run(unarchive, args, { check })).changed).toBe(false);
    // Same size and time, other content: the CRC-32 differs.
    const readme = join(dir, 'dest', 'app', 'README');
    const { mtime } = statSync(readme);
    writeFileSync(readme, 'HELLO\n');
    utimesSync(readme, mtime, mtime);
    const diffRun = await run(unarchive, args, { check: true, diff: true });
    expect(diffRun.changed).toBe(true);
    expect(JSON.stringify(diffRun.diff)).toContain('.fc......?? app/README');
    expect((await run(unarchive, args)).changed).toBe(true);
    expect(readFileSync(readme, 'utf8')).toBe('hello\n');
    chmodSync(join(dir, 'dest', 'app', 'run.sh'), 0o700);
    expect((await run(unarchive, args)).changed).toBe(true);
    expect((await run(unarchive, args)).changed).toBe(false);
  });

  it('remote_src with exclude; mode and group on every member and top folder', async () => {
    const args = { src: zipFile, dest: join(dir, 'dest'), remote_src: true, exclude: ['app/conf/*'], mode: 'u=rwX,g=rX,o=', group: 'daemon' };
    const check = await run(unarchive, args, { check: true });
    expect(check.changed).toBe(true);
    expect((await run(unarchive, args)).changed).toBe(true);
    expect(existsSync(join(dir, 'dest', 'app', 'conf', 'a.conf'))).toBe(false);
    const st = statSync(join(dir, 'dest', 'app', 'README'));
    expect([st.mode & 0o777, st.gid]).toEqual([0o640, 1]);
    expect(statSync(join(dir, 'dest', 'app')).mode & 0o777).toBe(0o750);
    for (const check of [true, false]) expect((await run(unarchive, args, { check })).changed).toBe(false);
  });

  it('mode and owner on a tar archive: applied, then idempotent', async () => {
    const tgz = join(dir, 'app.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'src'), 'app']);
    const args = { src: tgz, dest: join(dir, 'dest'), mode: '0600', owner: 'daemon' };
    expect((await run(unarchive, args)).changed).toBe(true);
    const st = statSync(join(dir, 'dest', 'app', 'run.sh'));
    expect([st.mode & 0o777, st.uid]).toEqual([0o600, 1]);
    expect(statSync(join(dir, 'dest', 'app')).mode & 0o777).toBe(0o600);
    for (const check of [true, false]) expect((await run(unarchive, args, { check })).changed).toBe(false);
  });

  it('a URL as src with remote_src: the host downloads it (zip and tar), then nothing changes; nothing is left in /tmp', async () => {
    const tgz = join(dir, 'app.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'src'), 'app']);
    const server = createServer((req, res) => {
      const file = req.url === '/app.zip' ? zipFile : req.url === '/app.tgz' ? tgz : undefined;
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const leftovers = () => readdirSync('/tmp').filter((f) => f.startsWith('.tsplay-unarchive-'));
    try {
      for (const [name, handler] of [['app.zip', 'ZipArchive'], ['app.tgz', 'TgzArchive']] as const) {
        const dest = join(dir, `dest-${name}`);
        mkdirSync(dest);
        const args = { src: `${base}/${name}`, dest, remote_src: true };
        expect(await run(unarchive, args, { check: true })).toMatchObject({ changed: true, handler });
        expect(await run(unarchive, args)).toMatchObject({ changed: true, handler, src: args.src });
        expect(readFileSync(join(dest, 'app', 'README'), 'utf8')).toBe('hello\n');
        expect((await run(unarchive, args)).changed).toBe(false);
      }
      expect(leftovers()).toEqual([]);
      const missing = await run(unarchive, { src: `${base}/nope.zip`, dest: join(dir, 'dest'), remote_src: true });
      expect(missing.msg).toMatch(/download of http:\/\/127\.0\.0\.1:\d+\/nope\.zip failed/);
      expect((await run(unarchive, { src: `${base}/app.zip`, dest: join(dir, 'dest') })).msg).toMatch(/is a URL: set remote_src: true/);
      expect(leftovers()).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('clear failures', async () => {
    expect((await run(unarchive, { src: zipFile, dest: join(dir, 'nope') })).msg).toBe(`dest '${join(dir, 'nope')}' must be an existing dir`);
    expect((await run(unarchive, { src: join(dir, 'nope.zip'), dest: join(dir, 'dest'), remote_src: true })).msg).toBe(`Source '${join(dir, 'nope.zip')}' does not exist`);
    writeFileSync(join(dir, 'empty.zip'), '');
    expect((await run(unarchive, { src: join(dir, 'empty.zip'), dest: join(dir, 'dest') })).msg).toBe(`Invalid archive '${join(dir, 'empty.zip')}', the file is 0 bytes`);
    expect((await run(unarchive, { src: zipFile, dest: join(dir, 'dest'), include: ['a'], exclude: ['b'] })).msg).toBe('parameters are mutually exclusive: exclude|include');
  });

  it.skipIf(!hasAnsible)("reports changes as Ansible's unarchive does for zip, task by task", async () => {
    mkdirSync(join(dir, 'theirs'));
    mkdirSync(join(dir, 'ours'));
    const steps = (d: string): Array<Record<string, unknown>> => [
      { src: zipFile, dest: d, list_files: true },
      { src: zipFile, dest: d },
      { src: zipFile, dest: d, remote_src: true, mode: '0640' },
      { src: zipFile, dest: d, remote_src: true, mode: '0640' },
      { src: zipFile, dest: d, include: ['app/README'], list_files: true },
    ];
    const expected = await ansibleResults('unarchive', steps(join(dir, 'theirs')));
    for (const [i, args] of steps(join(dir, 'ours')).entries()) {
      const r = await run(unarchive, args);
      expect([r.changed, r.handler, r.files, r.failed ?? false], `step ${i}: ${JSON.stringify(args)}`).toEqual([expected[i]!.changed, expected[i]!.handler, expected[i]!.files, expected[i]!.failed ?? false]);
    }
    // The same files, modes, owners and times (directory times are when each tool ran).
    const files = (root: string) => Object.fromEntries(Object.entries(snapshot(root)).map(([k, v]) => [k.slice(root.length), v.endsWith(' dir') ? v.split(' ')[0] : v]));
    expect(files(join(dir, 'ours'))).toEqual(files(join(dir, 'theirs')));
  }, 120_000);
});
