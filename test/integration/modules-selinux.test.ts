/**
 * The selinux module on a lab host. The lab's hosts carry CentOS 7's /etc/selinux/config
 * and stand-ins for getenforce/setenforce (the kernel has no SELinux), so the live-mode
 * logic runs against real commands; the file is checked byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import selinux from '../../modules/selinux.js';
import { openLab, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
let original: string;

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  original = await lab.out(host, 'cat /etc/selinux/config');
  await lab.out(host, "sed -i 's/^SELINUX=.*/SELINUX=enforcing/' /etc/selinux/config && rm -f /run/tsplay-selinux-mode /.autorelabel && getenforce");
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, 'rm -f /.autorelabel /run/tsplay-selinux-mode; rm -rf /tmp/tsplay-it-selinux');
  await lab.sh(host, `cat > /etc/selinux/config <<'TSPLAY_EOF'\n${original}TSPLAY_EOF`);
  await lab.close();
});

describe('selinux on a lab host', () => {
  it('enforcing -> permissive: config line and live mode, predicted by check mode, then idempotent', async () => {
    const enforcing = await lab.out(host, 'cat /etc/selinux/config');
    const check = await lab.run(host, selinux, { policy: 'targeted', state: 'permissive' }, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, failed: false, reboot_required: false });
    expect(check.diff?.[0]?.after).toBe(enforcing.replace('SELINUX=enforcing', 'SELINUX=permissive'));
    expect(await lab.out(host, 'cat /etc/selinux/config')).toBe(enforcing);
    expect((await lab.out(host, 'getenforce')).trim()).toBe('Enforcing');

    const r = await lab.run(host, selinux, { policy: 'targeted', state: 'permissive' });
    expect(r).toMatchObject({ changed: true, failed: false, reboot_required: false, state: 'permissive', policy: 'targeted' });
    // Every other byte stays, the trailing space after "targeted" included.
    expect(await lab.out(host, 'cat /etc/selinux/config')).toBe(enforcing.replace('SELINUX=enforcing', 'SELINUX=permissive'));
    expect((await lab.out(host, 'getenforce')).trim()).toBe('Permissive');
    expect((await lab.run(host, selinux, { policy: 'targeted', state: 'permissive' })).changed).toBe(false);
    expect((await lab.run(host, selinux, { policy: 'targeted', state: 'permissive' }, { check: true })).changed).toBe(false);
  });

  it('to and from disabled asks for a reboot (and a relabel on the way back)', async () => {
    const off = await lab.run(host, selinux, { state: 'disabled' });
    expect(off).toMatchObject({ changed: true, reboot_required: true, policy: 'targeted' });
    expect(await lab.out(host, "grep '^SELINUX' /etc/selinux/config")).toBe('SELINUX=disabled\nSELINUXTYPE=targeted \n');
    const back = await lab.run(host, selinux, { state: 'permissive', policy: 'targeted' });
    expect(back).toMatchObject({ changed: true, reboot_required: true });
    expect((await lab.sh(host, 'test -e /.autorelabel')).rc).toBe(0);
  });

  it('creates a missing config file (and its directory) in the standard layout', async () => {
    const configfile = '/tmp/tsplay-it-selinux/etc/selinux/config';
    const r = await lab.run(host, selinux, { state: 'permissive', configfile });
    expect(r.failed, r.msg).toBe(false);
    expect(await lab.out(host, `grep -c '^#' ${configfile}; grep '^SELINUX' ${configfile}`)).toBe('9\nSELINUX=permissive\nSELINUXTYPE=targeted\n');
    expect((await lab.run(host, selinux, { state: 'permissive', configfile })).changed).toBe(false);
  });

  it('rejects a policy that is not installed', async () => {
    const r = await lab.run(host, selinux, { state: 'enforcing', policy: 'mls' });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/policy 'mls' is not installed/);
  });
});
