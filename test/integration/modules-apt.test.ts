/**
 * apt (and package dispatching to it) on a lab host (compute5, owned by this suite). The lab
 * hosts are Debian with dpkg/apt but reach no mirror, so the test builds a tiny repository
 * on the controller (dpkg-deb packages with a dependency and a recommendation between them,
 * indexed with dpkg-scanpackages), copies it to /srv/tsplay-apt on the host and adds one
 * sources file, which it removes afterwards with everything it installed. End states are
 * read with dpkg-query itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import apt from '../../modules/apt.js';
import pkg from '../../modules/package.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const REPO = '/srv/tsplay-apt';
const SOURCES = '/etc/apt/sources.list.d/tsplay-test.list';
let lab: Lab;
let local: string;

/** A package of one file (/usr/share/NAME/version), built with dpkg-deb. */
function buildDeb(dir: string, name: string, version: string, control = ''): void {
  const root = join(local, 'build', `${name}-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr', 'share', name), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: tsplay <dev@tsplay.invalid>\nDescription: tsplay test package ${name}\n${control}`);
  writeFileSync(join(root, 'usr', 'share', name, 'version'), `${version}\n`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, join(dir, `${name}_${version}_all.deb`)], { stdio: 'ignore' });
}

/** Index the controller's repository and put it on the host (a small tar, base64 in the command). */
async function publish(): Promise<void> {
  const index = execFileSync('dpkg-scanpackages', ['-m', '.'], { cwd: join(local, 'repo'), stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(join(local, 'repo', 'Packages'), index);
  const tar = execFileSync('tar', ['-czf', '-', '-C', join(local, 'repo'), '.']).toString('base64');
  await lab.out(HOST, `rm -rf ${REPO} && mkdir -p ${REPO} && echo '${tar}' | base64 -d | tar -xzf - -C ${REPO}`);
}

/** Installed (or config-files) packages among `names`, as dpkg itself reports them; 'un'/'pn' records are not packages. */
const dpkg = (names: string) => lab.out(HOST, `dpkg-query -W -f '\${Package} \${Version} \${db:Status-Abbrev}\\n' ${names} 2>/dev/null | sed 's/ *$//' | awk '$NF != "un" && $NF != "pn"'; true`);

const cleanup = () =>
  lab.sh(HOST, `apt-get -y -q purge 'tsplay-*' >/dev/null 2>&1; rm -rf -- ${REPO} ${SOURCES} /var/lib/apt/lists/_srv_tsplay-apt_* /tmp/tsplay-local_1.0_all.deb; true`);

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  local = mkdtempSync(join(tmpdir(), 'tsplay-apt-'));
  mkdirSync(join(local, 'repo'));
  buildDeb(join(local, 'repo'), 'tsplay-dep', '1.0');
  buildDeb(join(local, 'repo'), 'tsplay-extra', '1.0');
  buildDeb(join(local, 'repo'), 'tsplay-app', '1.0', 'Depends: tsplay-dep\nRecommends: tsplay-extra\n');
  buildDeb(local, 'tsplay-local', '1.0', 'Depends: tsplay-dep\n');
  await cleanup();
  await publish();
  await lab.out(HOST, `echo 'deb [trusted=yes] file:${REPO} ./' > ${SOURCES}`);
  const deb = execFileSync('base64', ['-w0', join(local, 'tsplay-local_1.0_all.deb')], { encoding: 'utf8' });
  await lab.out(HOST, `echo '${deb}' | base64 -d > /tmp/tsplay-local_1.0_all.deb`);
}, 300_000);

afterAll(async () => {
  if (local) rmSync(local, { recursive: true, force: true });
  if (!lab) return;
  await cleanup();
  await lab.close();
});

describe('apt on a lab host', () => {
  it('update_cache, then install with a dependency and without recommendations: predicted, done, then nothing to do', async () => {
    const args = { name: ['tsplay-app'], update_cache: true, install_recommends: false };
    const dry = await lab.run(HOST, apt, args, { check: true, diff: true });
    expect(dry).toMatchObject({ changed: true, cache_updated: true, changes: { installed: ['tsplay-app 1.0', 'tsplay-dep 1.0'], upgraded: [], removed: [] } });
    expect(await dpkg('tsplay-app tsplay-dep')).toBe('');
    const n = lab.execs(HOST);
    const real = await lab.run(HOST, apt, args);
    expect(real).toMatchObject({ changed: true, cache_updated: true, changes: dry.changes });
    expect(lab.execs(HOST) - n).toBe(3); // cache update, dpkg-query, simulate + install
    // Check mode updated into a temporary lists directory, and removed it.
    expect(await lab.out(HOST, 'ls -d /tmp/tsplay-apt-lists.* 2>/dev/null | wc -l')).toBe('0\n');
    expect(await dpkg('tsplay-app tsplay-dep tsplay-extra')).toBe('tsplay-app 1.0 ii\ntsplay-dep 1.0 ii\n');
    // cache_valid_time: the cache was just updated, so no update; present: nothing to install.
    for (const check of [true, false]) {
      expect(await lab.run(HOST, apt, { name: 'tsplay-app', cache_valid_time: 3600 }, { check })).toMatchObject({ changed: false, cache_updated: false, msg: 'all packages are already installed' });
    }
  });

  it('state=latest upgrades once a newer version is published; a version spec; unknown names fail first', async () => {
    buildDeb(join(local, 'repo'), 'tsplay-app', '1.1', 'Depends: tsplay-dep\n');
    await publish();
    const present = await lab.run(HOST, apt, { name: 'tsplay-app', update_cache: true });
    expect(present).toMatchObject({ changed: false, cache_updated: true });
    const args = { name: 'tsplay-app', state: 'latest' };
    expect(await lab.run(HOST, apt, args, { check: true })).toMatchObject({ changed: true, changes: { upgraded: ['tsplay-app 1.0 -> 1.1'] } });
    expect(await lab.run(HOST, apt, args)).toMatchObject({ changed: true, changes: { upgraded: ['tsplay-app 1.0 -> 1.1'] } });
    expect(await dpkg('tsplay-app')).toBe('tsplay-app 1.1 ii\n');
    for (const check of [true, false]) expect((await lab.run(HOST, apt, args, { check })).changed).toBe(false);
    // name=version: 1.1 is installed, so 1.1 and 1.* are satisfied.
    expect((await lab.run(HOST, apt, { name: ['tsplay-app=1.1', 'tsplay-dep=1.*'] })).changed).toBe(false);
    const bad = await lab.run(HOST, apt, { name: ['tsplay-extra', 'tsplay-nosuch'] });
    expect(bad).toMatchObject({ failed: true, msg: expect.stringMatching(/^No package matching 'tsplay-nosuch' is available on compute5/) });
    expect(await dpkg('tsplay-extra')).toBe('');
  });

  it('deb: a package file on the host, its dependency already there; then unchanged', async () => {
    const args = { deb: '/tmp/tsplay-local_1.0_all.deb' };
    expect(await lab.run(HOST, apt, args, { check: true })).toMatchObject({ changed: true, changes: { installed: ['tsplay-local 1.0'] } });
    expect((await lab.run(HOST, apt, args)).changed).toBe(true);
    expect(await dpkg('tsplay-local')).toBe('tsplay-local 1.0 ii\n');
    for (const check of [true, false]) expect((await lab.run(HOST, apt, args, { check })).changed).toBe(false);
  });

  it('package dispatches to apt (ansible_pkg_mgr apt); a check-mode chain sees earlier predictions; absent with purge and autoremove', async () => {
    // Dry run: install then remove tsplay-extra: the removal is predicted from the install.
    const dry = new HostRuntime();
    expect(await lab.run(HOST, pkg, { name: 'tsplay-extra', state: 'present' }, { check: true, runtime: dry })).toMatchObject({ changed: true, changes: { installed: ['tsplay-extra 1.0'] } });
    expect((await lab.run(HOST, pkg, { name: 'tsplay-extra', state: 'present' }, { check: true, runtime: dry })).changed).toBe(false);
    expect(await dpkg('tsplay-extra')).toBe('');
    // Removing tsplay-app and tsplay-local with autoremove takes tsplay-dep (installed as their dependency) too.
    const args = { name: ['tsplay-app', 'tsplay-local'], state: 'absent', purge: true, autoremove: true };
    expect(await lab.run(HOST, pkg, args, { check: true })).toMatchObject({ changed: true, changes: { removed: ['tsplay-app 1.1', 'tsplay-dep 1.0', 'tsplay-local 1.0'] } });
    expect(await lab.run(HOST, pkg, args)).toMatchObject({ changed: true, changes: { removed: ['tsplay-app 1.1', 'tsplay-dep 1.0', 'tsplay-local 1.0'] } });
    expect(await dpkg('tsplay-app tsplay-dep tsplay-local')).toBe('');
    for (const check of [true, false]) expect(await lab.run(HOST, pkg, args, { check })).toMatchObject({ changed: false, msg: 'no package to remove' });
  });
});
