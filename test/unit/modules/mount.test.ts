/**
 * mount: fstab editing (pure) compared with ansible.posix.mount on the same files with
 * state=present/absent_from_fstab (no mounting; skipped without ansible-playbook), and
 * the module's fstab side on a file of its own. Mounting itself is tested on a lab host.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mount from '../../../modules/mount.js';
import { escapeFstab, mountPoints, setMount, unsetMount } from '../../../modules/_lib/fstab.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { expectIdempotent, removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-mount-');
});
afterEach(() => removeDir(dir));

const FSTAB = [
  '# /etc/fstab: static file system information.',
  'UUID=abc /               ext4    errors=remount-ro 0       1',
  '',
  'tmpfs /scratch tmpfs size=1m 0 0',
  'odd line',
  '/dev/sdb1 /four ext4 defaults',
  '#tmpfs /scratch tmpfs x 0 0',
  'proc /proc proc defaults 0 0',
].join('\n');

describe('fstab editing (ansible.posix.mount semantics)', () => {
  const e = { src: 'tmpfs', name: '/scratch', fstype: 'tmpfs', opts: 'size=1m', dump: '0', passno: '0' };

  it('keeps every other line byte for byte; rewrites the entry only when a field differs', () => {
    expect(setMount(`${FSTAB}\n`, e)).toEqual({ text: `${FSTAB}\n`, changed: false });
    const r = setMount(`${FSTAB}\n`, { ...e, opts: 'size=2m' });
    expect(r.text).toBe(`${FSTAB}\n`.replace('tmpfs /scratch tmpfs size=1m 0 0', 'tmpfs /scratch tmpfs size=2m 0 0'));
    expect(setMount('', { ...e, name: '/with space' }).text).toBe('tmpfs /with\\040space tmpfs size=1m 0 0\n');
    expect(escapeFstab('a\\b&c d')).toBe('a\\134b\\046c\\040d');
  });

  it('a 4-field entry is always rewritten (Python compares 0 with "0"); unset needs 6 fields', () => {
    expect(setMount('/dev/sdb1 /four ext4 defaults\n', { src: '/dev/sdb1', name: '/four', fstype: 'ext4', opts: 'defaults', dump: '0', passno: '0' })).toEqual({
      text: '/dev/sdb1 /four ext4 defaults 0 0\n',
      changed: true,
    });
    expect(unsetMount('/dev/sdb1 /four ext4 defaults\n', '/four').changed).toBe(false);
    expect(unsetMount(`${FSTAB}\n`, '/scratch').text).toBe(`${FSTAB}\n`.replace('tmpfs /scratch tmpfs size=1m 0 0\n', ''));
  });

  it('reads mount points from mountinfo, unescaping \\040', () => {
    const info = '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw\n37 35 0:5 / /tmp rw - tmpfs tmpfs rw\n';
    expect([...mountPoints(info)]).toEqual(['/mnt/with space', '/tmp']);
  });
});

describe('mount module, fstab side', () => {
  it('present: check predicts, run writes, second run changes nothing; diff shows fstab', async () => {
    const fstab = join(dir, 'fstab');
    writeFileSync(fstab, `${FSTAB}\n`);
    const args = { path: '/srv/www', src: '/data/www', fstype: 'none', opts: 'bind', state: 'present', fstab };
    const r = await expectIdempotent(mount, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(readFileSync(fstab, 'utf8')).toBe(`${FSTAB}\n/data/www /srv/www none bind 0 0\n`);
    expect(r.first.diff).toEqual([{ before: `${FSTAB}\n`, after: `${FSTAB}\n/data/www /srv/www none bind 0 0\n`, beforeHeader: fstab, afterHeader: fstab }]);
    expect(r.check.diff).toEqual(r.first.diff);
  });

  it('boot: false adds noauto; required arguments as Ansible', async () => {
    const fstab = join(dir, 'fstab');
    expect(await run(mount, { path: '/x', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', boot: false, state: 'present', fstab })).toMatchObject({ changed: true, opts: 'size=1m,noauto' });
    expect((await run(mount, { path: '/x', state: 'mounted', fstab })).msg).toBe('state is mounted but all of the following are missing: src, fstype');
  });

  it.skipIf(!hasAnsible)('edits fstab files exactly as ansible.posix.mount does', async () => {
    const steps = (f: string): Array<Record<string, unknown>> => [
      { path: '/scratch', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'present', fstab: f },
      { path: '/scratch', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=2m', state: 'present', fstab: f },
      { path: '/four', src: '/dev/sdb1', fstype: 'ext4', state: 'present', fstab: f },
      { path: '/with space', src: 'a&b', fstype: 'tmpfs', state: 'present', fstab: f, boot: false, opts: 'ro' },
      { path: '/proc', state: 'absent_from_fstab', fstab: f },
      { path: '/nothere', state: 'absent_from_fstab', fstab: f },
    ];
    const theirs = join(dir, 'theirs');
    const ours = join(dir, 'ours');
    for (const f of [theirs, ours]) writeFileSync(f, FSTAB); // no final newline
    const expected = await ansibleResults('ansible.posix.mount', steps(theirs));
    for (const [i, args] of steps(ours).entries()) {
      const r = await run(mount, args);
      expect([r.changed, r.opts], JSON.stringify(args)).toEqual([expected[i]!.changed, expected[i]!.opts]);
    }
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
  }, 120_000);
});
