/**
 * mount on a lab host (compute5, owned by this suite; its /etc/fstab is put back after):
 * a tmpfs and a bind mount through /etc/fstab, check mode that predicts and changes
 * nothing, remount on an option change, unmount, and absent (entry, mount and mount point).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mount from '../../modules/mount.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const MP = '/mnt/tsplay-scratch';
const BIND = '/mnt/tsplay-bind';
let lab: Lab;
let fstab: string;

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  fstab = await lab.out(HOST, 'cat /etc/fstab');
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `umount ${MP} ${BIND} 2>/dev/null; rmdir ${MP} ${BIND} /srv/tsplay-src 2>/dev/null; true`);
  await lab.sh(HOST, `printf '%s' '${fstab.replace(/'/g, "'\\''")}' > /etc/fstab`);
  await lab.close();
});

const mounted = async (p: string) => (await lab.out(HOST, `findmnt -n -o FSTYPE,OPTIONS --mountpoint ${p} || true`)).trim();

describe('mount on a lab host', () => {
  it('mounted: predicted, mounted once, remounted when the options change', async () => {
    const args = { path: MP, src: 'tmpfs', fstype: 'tmpfs', opts: 'size=1m', state: 'mounted' };
    const check = await lab.run(HOST, mount, args, { check: true, diff: true });
    expect(check.changed).toBe(true);
    expect(await lab.out(HOST, 'cat /etc/fstab')).toBe(fstab);
    expect(await mounted(MP)).toBe('');
    const n = lab.execs(HOST);
    const r = await lab.run(HOST, mount, args, { diff: true });
    expect(lab.execs(HOST) - n).toBe(3); // read; write fstab; mkdir + mount
    expect(r.diff).toEqual(check.diff);
    expect(await lab.out(HOST, 'tail -n 1 /etc/fstab')).toBe(`tmpfs ${MP} tmpfs size=1m 0 0\n`);
    expect(await mounted(MP)).toMatch(/^tmpfs .*size=1024k/);
    for (const c of [false, true]) expect((await lab.run(HOST, mount, args, { check: c })).changed).toBe(false);
    expect((await lab.run(HOST, mount, { ...args, opts: 'size=2m' })).changed).toBe(true);
    expect(await mounted(MP)).toMatch(/size=2048k/);
  });

  it('a bind mount; unmounted keeps fstab; absent removes entry, mount and mount point', async () => {
    await lab.out(HOST, 'mkdir -p /srv/tsplay-src && touch /srv/tsplay-src/marker');
    expect((await lab.run(HOST, mount, { path: BIND, src: '/srv/tsplay-src', fstype: 'none', opts: 'bind', state: 'mounted' })).changed).toBe(true);
    expect(await lab.out(HOST, `ls ${BIND}`)).toBe('marker\n');
    expect((await lab.run(HOST, mount, { path: BIND, state: 'unmounted' })).changed).toBe(true);
    expect(await mounted(BIND)).toBe('');
    expect(await lab.out(HOST, `grep -c ' ${BIND} ' /etc/fstab`)).toBe('1\n');
    expect((await lab.run(HOST, mount, { path: BIND, state: 'unmounted' })).changed).toBe(false);
    expect((await lab.run(HOST, mount, { path: MP, state: 'absent' })).changed).toBe(true);
    expect(await mounted(MP)).toBe('');
    expect((await lab.sh(HOST, `test -e ${MP}`)).rc).not.toBe(0);
    expect((await lab.sh(HOST, `grep ' ${MP} ' /etc/fstab`)).rc).not.toBe(0);
    expect((await lab.run(HOST, mount, { path: MP, state: 'absent' })).changed).toBe(false);
  });
});
