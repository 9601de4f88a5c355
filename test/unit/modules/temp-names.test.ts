/**
 * Temporary and backup names cannot be planted in advance (issue 13, item 9). The old names
 * were predictable - `.tsplay-link-NAME.$$` and `dest.DATE.$$~` - so a local user could
 * create them first in a shared directory: a directory of theirs that `file state=link` then
 * moved into place, or a symbolic link that the backup's `cp -p` followed. These tests plant
 * every old name for the next few thousand process ids and the next seconds, then run the
 * modules for real: nothing planted is followed, moved or written.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../../modules/copy.js';
import file from '../../../modules/file.js';
import iniSet from '../../../modules/ini_set.js';
import { removeDir, run, tempDir } from './general-helpers.js';

/** Process ids the commands of the next seconds will most likely get. */
function nextPids(count = 3000): number[] {
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  return Array.from({ length: count }, (_, i) => last + 1 + i);
}

/** `date +%Y-%m-%d@%H:%M:%S` for now and the next seconds, as the host's shell prints it. */
function nextDates(seconds = 6): string[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: seconds }, (_, i) => execFileSync('date', ['-d', `@${now + i}`, '+%Y-%m-%d@%H:%M:%S'], { encoding: 'utf8' }).trim());
}

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-tmpnames-');
});
afterEach(() => removeDir(dir));

describe('backups', () => {
  for (const [name, module, args] of [
    ['copy (apply-plan)', copy, (dest: string) => ({ content: 'new\n', dest, backup: true })],
    ['ini_set (the atomic write)', iniSet, (dest: string) => ({ path: dest, section: 's', option: 'o', value: 'new', backup: true })],
  ] as const) {
    it(`${name}: a symbolic link planted at a would-be backup name is not followed`, async () => {
      const dest = join(dir, 'app.conf');
      writeFileSync(dest, '[s]\no = old\n');
      const victim = join(dir, 'victim');
      writeFileSync(victim, 'precious\n');
      const planted: string[] = [];
      for (const date of nextDates()) {
        for (const pid of nextPids()) {
          const p = `${dest}.${date}.${pid}~`;
          symlinkSync(victim, p);
          planted.push(p);
        }
      }
      const r = await run(module, args(dest));
      expect(r.failed, r.msg).toBe(false);
      const backup = String(r.backup_file);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(lstatSync(backup).isFile()).toBe(true);
      expect(readFileSync(backup, 'utf8')).toBe('[s]\no = old\n');
      expect(backup).toMatch(/app\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d\.[A-Za-z0-9]{8}~$/);
      for (const p of planted) expect(readlinkSync(p)).toBe(victim);
    }, 60_000);
  }
});

describe('file state=link', () => {
  it('a directory planted at a would-be temporary name is neither used nor moved into place', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'real\n');
    const path = join(dir, 'current');
    const planted = nextPids().map((pid) => {
      const p = join(dir, `.tsplay-link-current.${pid}`);
      mkdirSync(p);
      writeFileSync(join(p, 'evil'), 'attacker\n');
      return p;
    });
    for (const state of ['link', 'hard'] as const) {
      const r = await run(file, { path, src: target, state, force: true });
      expect(r.failed, r.msg).toBe(false);
      const st = lstatSync(path);
      if (state === 'link') {
        expect(st.isSymbolicLink()).toBe(true);
        expect(readlinkSync(path)).toBe(target);
      } else {
        expect(st.isFile()).toBe(true);
        expect(st.ino).toBe(lstatSync(target).ino);
      }
    }
    for (const p of planted) expect(readdirSync(p)).toEqual(['evil']);
    // The temporary directory is gone again.
    expect(readdirSync(dir).filter((n) => n.startsWith('.tsplay-link.'))).toEqual([]);
  }, 60_000);
});
