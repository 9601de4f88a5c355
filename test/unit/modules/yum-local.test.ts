/**
 * The yum module end to end with the real dnf and rpm of this machine (Debian's dnf 4.14,
 * the same as on the lab hosts), into a throw-away --installroot with a repository of stub
 * packages built here. Skipped where dnf, rpmbuild or createrepo_c are missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yum from '../../../modules/yum.js';
import { HostRuntime, runModuleLocally as runLocal } from '../../../core/testing/index.js';

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const available = has('dnf') && has('rpmbuild') && has('createrepo_c');

describe.skipIf(!available)('yum module against a real dnf (installroot)', () => {
  let dir: string;
  let repo: string;
  let base: Record<string, unknown>;
  let n = 0;

  function build(name: string, version: string, opts: { requires?: string; files?: Record<string, string> } = {}) {
    const files = opts.files ?? { [`/etc/${name}/${name}.conf`]: `# ${name} ${version}\n` };
    const install = Object.entries(files)
      .map(([p, c]) => `mkdir -p %{buildroot}${p.replace(/\/[^/]+$/, '')}\nprintf '%s' '${c.replace(/\n/g, '\\n')}' > %{buildroot}${p}`)
      .join('\n');
    const spec = join(dir, `${name}-${version}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${name}`,
        `Version: ${version}`,
        'Release: 1',
        'Summary: stub',
        'License: MIT',
        'BuildArch: noarch',
        ...(opts.requires ? [`Requires: ${opts.requires}`] : []),
        '%description',
        'stub',
        '%install',
        install,
        '%files',
        ...Object.keys(files).map((p) => `%config(noreplace) ${p}`),
        '',
      ].join('\n'),
    );
    execFileSync('rpmbuild', ['--define', `_topdir ${join(dir, 'build')}`, '--define', `_rpmdir ${repo}`, '-bb', spec], { stdio: 'ignore' });
  }

  const rpmQa = () =>
    execFileSync('rpm', ['--root', base.installroot as string, '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort();

  /** A fresh, empty installroot for each scenario. */
  function freshRoot() {
    const root = join(dir, `root${n++}`);
    mkdirSync(root);
    base = { ...base, installroot: root };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-yum-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    build('alpha', '1.0');
    build('alpha', '2.0');
    build('beta', '1.0', { requires: 'alpha' });
    build('delta', '1.0');
    build('svc', '1.0', { files: { '/usr/lib/systemd/system/svc.service': '[Service]\nExecStart=/bin/true\n', '/etc/svc/svc.conf': '[DEFAULT]\n' } });
    execFileSync('createrepo_c', [repo], { stdio: 'ignore' });
    mkdirSync(join(dir, 'repos.d'));
    writeFileSync(join(dir, 'repos.d', 'lab.repo'), `[lab]\nname=lab\nbaseurl=file://${repo}\ngpgcheck=0\nmetadata_expire=0\n`);
    writeFileSync(join(dir, 'dnf.conf'), `[main]\nreposdir=${join(dir, 'repos.d')}\ngpgcheck=0\nbest=False\n`);
    base = { conf_file: join(dir, 'dnf.conf'), releasever: '7' };
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('check mode predicts the exact install (dependencies too), changes nothing, and records files', async () => {
    freshRoot();
    const runtime = new HostRuntime();
    const check = await runLocal(yum, { ...base, name: ['beta', 'svc'] }, { check: true, diff: true, runtime });
    expect(check.failed, check.msg).toBe(false);
    expect(check.changed).toBe(true);
    expect((check.changes as any).installed).toEqual(['alpha-2.0-1.noarch', 'beta-1.0-1.noarch', 'svc-1.0-1.noarch']);
    expect(rpmQa()).toEqual([]);
    const root = base.installroot as string;
    expect(runtime.predicted.file(`${root}/etc/svc/svc.conf`)).toBe('exists');
    expect(runtime.predicted.file(`${root}/usr/lib/systemd/system/svc.service`)).toBe('exists');
    expect(check.diff?.[0]?.after).toContain('beta-1.0-1.noarch');

    // A later task in the same dry run sees the predicted packages.
    const later = await runLocal(yum, { ...base, name: 'alpha' }, { check: true, runtime });
    expect(later.changed).toBe(false);
    const laterDep = await runLocal(yum, { ...base, name: ['delta', 'beta'] }, { check: true, runtime });
    expect((laterDep.changes as any).installed).toEqual(['delta-1.0-1.noarch']);

    const real = await runLocal(yum, { ...base, name: ['beta', 'svc'] });
    expect(real.failed, real.msg).toBe(false);
    expect(real.changed).toBe(true);
    expect(real.changes).toEqual(check.changes);
    expect(rpmQa()).toEqual(['alpha-2.0-1.noarch', 'beta-1.0-1.noarch', 'svc-1.0-1.noarch']);

    const again = await runLocal(yum, { ...base, name: ['beta', 'svc'] });
    expect(again.changed).toBe(false);
    const againCheck = await runLocal(yum, { ...base, name: ['beta', 'svc'] }, { check: true });
    expect(againCheck.changed).toBe(false);
  }, 120_000);

  it('present keeps an old version; latest upgrades it; a full update upgrades everything', async () => {
    freshRoot();
    expect((await runLocal(yum, { ...base, name: 'alpha-1.0' })).changed).toBe(true);
    expect(rpmQa()).toEqual(['alpha-1.0-1.noarch']);
    expect((await runLocal(yum, { ...base, name: 'alpha' })).changed).toBe(false);

    const check = await runLocal(yum, { ...base, name: 'alpha', state: 'latest' }, { check: true, diff: true });
    expect(check.changes).toEqual({ installed: [], updated: ['alpha-2.0-1.noarch'], removed: [] });
    expect(check.diff?.[0]).toMatchObject({ before: 'alpha-1.0-1.noarch\n', after: 'alpha-2.0-1.noarch\n' });
    expect(rpmQa()).toEqual(['alpha-1.0-1.noarch']);
    const real = await runLocal(yum, { ...base, name: 'alpha', state: 'latest' });
    expect(real.changes).toEqual(check.changes);
    expect((await runLocal(yum, { ...base, name: 'alpha', state: 'latest' })).changed).toBe(false);

    freshRoot();
    await runLocal(yum, { ...base, name: ['alpha-1.0', 'delta'] });
    const full = await runLocal(yum, { ...base, name: '*', state: 'latest' }, { check: true });
    expect(full.changes).toEqual({ installed: [], updated: ['alpha-2.0-1.noarch'], removed: [] });
    const fullReal = await runLocal(yum, { ...base, name: '*', state: 'latest' });
    expect(fullReal.changes).toEqual(full.changes);
    expect((await runLocal(yum, { ...base, name: '*', state: 'latest' })).changed).toBe(false);
  }, 120_000);

  it('removes a package with the packages that depend on it, predicted exactly', async () => {
    freshRoot();
    await runLocal(yum, { ...base, name: ['beta', 'delta'] });
    const runtime = new HostRuntime();
    const check = await runLocal(yum, { ...base, name: 'alpha', state: 'absent' }, { check: true, runtime });
    expect((check.changes as any).removed).toEqual(['alpha-2.0-1.noarch', 'beta-1.0-1.noarch']);
    expect(runtime.predicted.file(`${base.installroot}/etc/beta/beta.conf`)).toBe('absent');
    expect(rpmQa()).toEqual(['alpha-2.0-1.noarch', 'beta-1.0-1.noarch', 'delta-1.0-1.noarch']);
    const real = await runLocal(yum, { ...base, name: 'alpha', state: 'absent' });
    expect(real.changes).toEqual(check.changes);
    expect(rpmQa()).toEqual(['delta-1.0-1.noarch']);
    expect((await runLocal(yum, { ...base, name: ['alpha', 'nosuch'], state: 'removed' })).changed).toBe(false);
  }, 120_000);

  it('installs local .rpm files and file:// URLs once, by their package name', async () => {
    freshRoot();
    const file = join(repo, 'noarch', 'delta-1.0-1.noarch.rpm');
    const check = await runLocal(yum, { ...base, name: `file://${file}` }, { check: true });
    expect(check.changes).toEqual({ installed: ['delta-1.0-1.noarch'], updated: [], removed: [] });
    const real = await runLocal(yum, { ...base, name: `file://${file}` });
    expect(real.failed, real.msg).toBe(false);
    expect(real.changes).toEqual(check.changes);
    expect((await runLocal(yum, { ...base, name: file })).changed).toBe(false);
    expect((await runLocal(yum, { ...base, name: `file://${file}` })).changed).toBe(false);
    const missing = await runLocal(yum, { ...base, name: join(dir, 'nope.rpm') });
    expect(missing.failed).toBe(true);
    expect(missing.msg).toMatch(/no such package file: .*nope\.rpm/);
  }, 120_000);

  it('fails naming an unknown package, and installs nothing', async () => {
    freshRoot();
    for (const check of [true, false]) {
      const r = await runLocal(yum, { ...base, name: ['delta', 'openstack-packstak'] }, { check });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/unknown package 'openstack-packstak'/);
    }
    expect(rpmQa()).toEqual([]);
  }, 120_000);

  it('rejects bad input clearly', async () => {
    expect((await runLocal(yum, { name: '*', state: 'present' })).msg).toMatch(/full update/);
    expect((await runLocal(yum, { name: 'x', state: 'gone' })).msg).toMatch(/state.*must be one of/);
    expect((await runLocal(yum, { name: '@Development Tools' })).msg).toMatch(/not supported/);
  });
});
