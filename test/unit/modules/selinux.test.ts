import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import selinux from '../../../modules/selinux.js';
import { editConfig, parseRead, planSelinux, standardConfig, type HostSelinux } from '../../../modules/_lib/selinux.js';
import { HostRuntime, runModuleLocally as runLocal } from '../../../core/testing/index.js';

// /etc/selinux/config as CentOS 7 ships it (note the trailing space after "targeted").
const CENTOS7 =
  '\n# This file controls the state of SELinux on the system.\n# SELINUX= can take one of these three values:\n#     enforcing - SELinux security policy is enforced.\n#     permissive - SELinux prints warnings instead of enforcing.\n#     disabled - No SELinux policy is loaded.\nSELINUX=enforcing\n# SELINUXTYPE= can take one of three values:\n#     targeted - Targeted processes are protected,\n#     minimum - Modification of targeted policy. Only selected processes are protected. \n#     mls - Multi Level Security protection.\nSELINUXTYPE=targeted \n\n\n';

const host = (o: Partial<HostSelinux>): HostSelinux => ({
  config: CENTOS7,
  configDirExists: true,
  runtime: 'enforcing',
  selinuxTools: true,
  policyInstalled: true,
  hasSetenforce: true,
  ...o,
});

describe('selinux config editing', () => {
  it('changes only the SELINUX= line, byte for byte elsewhere', () => {
    const out = editConfig(CENTOS7, { SELINUX: 'permissive', SELINUXTYPE: 'targeted' });
    expect(out).toBe(CENTOS7.replace('SELINUX=enforcing', 'SELINUX=permissive'));
    expect(out).toContain('SELINUXTYPE=targeted \n'); // same value: the line (and its trailing space) stays
    expect(out).toContain('# SELINUX= can take one of these three values:');
  });

  it('appends a missing key before the final newline', () => {
    expect(editConfig('# only a comment\n', { SELINUX: 'permissive' })).toBe('# only a comment\nSELINUX=permissive\n');
    expect(editConfig('X=1', { SELINUX: 'disabled' })).toBe('X=1\nSELINUX=disabled');
  });

  it('reads the exact config bytes back from the read command output', () => {
    const noNewline = 'SELINUX=enforcing';
    const parsed = parseRead(`@@tsplay:config\n${noNewline}\n@@tsplay:end\n@@tsplay:dir\n@@tsplay:enforce=1\n@@tsplay:policy-installed\n@@tsplay:setenforce\n`);
    expect(parsed).toEqual({ config: noNewline, configDirExists: true, runtime: 'enforcing', selinuxTools: false, policyInstalled: true, hasSetenforce: true });
    expect(parseRead('@@tsplay:noconfig\n')).toEqual({ config: null, configDirExists: false, runtime: 'disabled', selinuxTools: false, policyInstalled: false, hasSetenforce: false });
    // getenforce, where it exists, is the authority (it also knows "Disabled").
    expect(parseRead('@@tsplay:noconfig\n@@tsplay:getenforce=Permissive\n')).toMatchObject({ runtime: 'permissive', selinuxTools: true });
    expect(parseRead('@@tsplay:noconfig\n@@tsplay:getenforce=Disabled\n')).toMatchObject({ runtime: 'disabled', selinuxTools: true });
  });
});

describe('selinux planning', () => {
  it('enforcing -> permissive on a live system: config + setenforce 0, no reboot', () => {
    const p = planSelinux(host({}), 'permissive', 'targeted', '/etc/selinux/config');
    expect(p.setenforce).toBe(0);
    expect(p.rebootRequired).toBe(false);
    expect(p.newConfig).toContain('SELINUX=permissive');
  });

  it('going to disabled needs a reboot and drops to permissive now', () => {
    const p = planSelinux(host({}), 'disabled', 'targeted', '/etc/selinux/config');
    expect(p).toMatchObject({ setenforce: 0, rebootRequired: true, autorelabel: false });
  });

  it('coming back from disabled needs a reboot and a relabel', () => {
    const p = planSelinux(host({ runtime: 'disabled', config: CENTOS7.replace('SELINUX=enforcing', 'SELINUX=disabled') }), 'permissive', 'targeted', '/etc/selinux/config');
    expect(p).toMatchObject({ rebootRequired: true, autorelabel: true });
    expect(p.setenforce).toBeUndefined();
  });

  it('is a no-op when config and live mode agree', () => {
    const p = planSelinux(host({ runtime: 'permissive', config: CENTOS7.replace('SELINUX=enforcing', 'SELINUX=permissive') }), 'permissive', 'targeted', '/etc/selinux/config');
    expect(p.newConfig).toBeUndefined();
    expect(p.setenforce).toBeUndefined();
    expect(p.rebootRequired).toBe(false);
  });

  it('on a host without SELinux: writes the file, no reboot, says so', () => {
    const p = planSelinux(host({ config: null, runtime: 'disabled', selinuxTools: false, policyInstalled: false, hasSetenforce: false }), 'permissive', 'targeted', '/etc/selinux/config');
    expect(p.newConfig).toBe(standardConfig('permissive', 'targeted'));
    expect(p.rebootRequired).toBe(false);
    expect(p.messages.join()).toMatch(/SELinux is not active on this host/);
  });

  it('refuses to switch the configuration to a policy that is not installed', () => {
    expect(planSelinux(host({ policyInstalled: false }), 'enforcing', 'mls', '/etc/selinux/config').error).toMatch(/policy 'mls' is not installed/);
    // The configured policy itself is not checked (the lab's hosts have tools but no policy files).
    expect(planSelinux(host({ policyInstalled: false }), 'permissive', 'targeted', '/etc/selinux/config').error).toBeUndefined();
  });
});

// This machine has no SELinux (no selinuxfs, no policy): exactly the lab's situation.
describe.skipIf(existsSync('/sys/fs/selinux'))('selinux module on a host without SELinux (local transport)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-selinux-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('edits an existing file, predicts in check mode, and is idempotent', async () => {
    const configfile = join(dir, 'config');
    writeFileSync(configfile, CENTOS7);
    const check = await runLocal(selinux, { state: 'permissive', policy: 'targeted', configfile }, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, failed: false, reboot_required: false });
    expect(check.msg).toMatch(/not active on this host/);
    expect(readFileSync(configfile, 'utf8')).toBe(CENTOS7);
    expect(check.diff?.[0]?.after).toBe(CENTOS7.replace('SELINUX=enforcing', 'SELINUX=permissive'));

    const real = await runLocal(selinux, { state: 'permissive', configfile });
    expect(real.changed).toBe(true);
    expect(readFileSync(configfile, 'utf8')).toBe(CENTOS7.replace('SELINUX=enforcing', 'SELINUX=permissive'));
    expect((await runLocal(selinux, { state: 'permissive', configfile })).changed).toBe(false);
    expect((await runLocal(selinux, { state: 'permissive', configfile }, { check: true })).changed).toBe(false);
  });

  it('creates the file (and its directory) in the standard layout', async () => {
    const configfile = join(dir, 'etc', 'selinux', 'config');
    const runtime = new HostRuntime();
    const check = await runLocal(selinux, { state: 'permissive', configfile }, { check: true, runtime });
    expect(check.changed).toBe(true);
    expect(existsSync(configfile)).toBe(false);
    // A second task of the same dry run sees the predicted file.
    expect((await runLocal(selinux, { state: 'permissive', configfile }, { check: true, runtime })).changed).toBe(false);
    const real = await runLocal(selinux, { state: 'permissive', configfile });
    expect(real.failed, real.msg).toBe(false);
    expect(readFileSync(configfile, 'utf8')).toBe(standardConfig('permissive', 'targeted'));
    expect((await runLocal(selinux, { state: 'permissive', configfile })).changed).toBe(false);
  });

  it('rejects a bad state clearly', async () => {
    const r = await runLocal(selinux, { state: 'off' });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/state.*must be one of: enforcing, permissive, disabled/);
  });
});
