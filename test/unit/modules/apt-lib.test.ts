/**
 * The apt module's pure parts: package specs, dpkg-query lines, the plan read from
 * `apt-get -s` output (real apt 2.6 output), unknown names, and the commands built.
 */
import { describe, expect, it } from 'vitest';
import { aptGetCommand, installedAs, parseDpkgQuery, parseSimulation, parseSpec, planDiff, unknownPackages, versionMatches } from '../../../modules/_lib/apt.js';

describe('apt specs', () => {
  it('reads name, name=version, name=version*, name:arch; refuses options and spaces', () => {
    expect(parseSpec('nginx')).toEqual({ spec: 'nginx', name: 'nginx' });
    expect(parseSpec('libc6:amd64=2.36-9')).toEqual({ spec: 'libc6:amd64=2.36-9', name: 'libc6:amd64', version: '2.36-9' });
    expect(versionMatches(parseSpec('foo=1.2*'), '1.2.3-1')).toBe(true);
    expect(versionMatches(parseSpec('foo=1.2'), '1.2.3-1')).toBe(false);
    for (const bad of ['-o', '--allow-unauthenticated', 'a b', 'a;id', '']) expect(() => parseSpec(bad), bad).toThrow(/invalid package spec/);
  });
});

describe('dpkg-query and apt-get -s', () => {
  it('knows installed packages from dpkg-query, config-file leftovers only for purge', () => {
    const pkgs = parseDpkgQuery('bash\tamd64\t5.2.15-2+b13\tii \nold\tall\t1.0\trc \ngone\t\t\tun \n');
    expect(installedAs(pkgs, 'bash').map((p) => p.version)).toEqual(['5.2.15-2+b13']);
    expect(installedAs(pkgs, 'bash:i386')).toEqual([]);
    expect([installedAs(pkgs, 'old'), installedAs(pkgs, 'old', true).length, installedAs(pkgs, 'gone', true)]).toEqual([[], 1, []]);
  });

  it('reads the plan: new packages, upgrades, removals', () => {
    const out = [
      'NOTE: This is only a simulation!',
      'Reading package lists...',
      'The following NEW packages will be installed:',
      '  tsplay-app tsplay-dep',
      'Inst tsplay-dep (1.0 . [all])',
      'Inst tsplay-app [0.9] (1.0 . [all])',
      'Inst libfoo1:amd64 (2.1-1 Debian:12.4/stable [amd64])',
      'Conf tsplay-dep (1.0 . [all])',
      'Remv tsplay-old [1.0]',
      'Purg tsplay-conf [2.0]',
    ].join('\n');
    const plan = parseSimulation(out);
    expect(plan).toEqual({
      installed: [{ name: 'tsplay-dep', to: '1.0' }, { name: 'libfoo1:amd64', to: '2.1-1' }],
      upgraded: [{ name: 'tsplay-app', from: '0.9', to: '1.0' }],
      removed: [{ name: 'tsplay-old', from: '1.0' }, { name: 'tsplay-conf', from: '2.0' }],
    });
    const before = parseDpkgQuery('tsplay-app\tall\t0.9\tii \ntsplay-old\tall\t1.0\tii \n');
    expect(planDiff(plan, before)).toEqual({
      before: 'tsplay-app 0.9\ntsplay-old 1.0\n',
      after: 'libfoo1 2.1-1\ntsplay-app 1.0\ntsplay-dep 1.0\n',
    });
  });

  it('names what apt cannot find', () => {
    const out = "E: Unable to locate package tsplay-nosuch\nE: Package 'ghost' has no installation candidate\nE: Version '9' for 'tsplay-app' was not found\n";
    expect(unknownPackages(out)).toEqual(['tsplay-nosuch', 'ghost', 'tsplay-app']);
  });

  it('builds the same transaction for the simulation and the run, every name after --', () => {
    const o = { installRecommends: false, defaultRelease: 'bookworm-backports', purge: true, autoremove: true };
    expect(aptGetCommand('install', ['a', 'b=1.0'], o, true)).toBe('apt-get -q -s -o APT::Install-Recommends=no -t bookworm-backports --auto-remove install -- a b=1.0');
    expect(aptGetCommand('remove', ['a'], o, false)).toBe(
      'apt-get -q -y -o APT::Install-Recommends=no -t bookworm-backports --purge --auto-remove -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold remove -- a',
    );
  });
});
