import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nevra } from '../../../modules/_lib/rpm.js';
import { failureSummary, parseTransaction, unknownPackages } from '../../../modules/_lib/yum-output.js';

// Captured from dnf 4.14 (Debian 12's, the one on the lab hosts) against a repository of
// stub packages; yum-el7-*.out are EL7 yum 3.4.3 transcripts in the same layout.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/dnf/${name}`, import.meta.url), 'utf8');
const names = (ps: Parameters<typeof nevra>[0][]) => ps.map(nevra);

describe('dnf/yum transaction table', () => {
  it('reads installs and dependencies, with a name too long for its column', () => {
    const tx = parseTransaction(fixture('install-deps-wrapped.assumeno.out'));
    expect(names(tx.installed)).toEqual([
      'delta-1.0-1.noarch',
      'gamma-with-a-very-long-package-name-for-wrapping-tests-1.0-1.noarch',
      'alpha-2.0-1.noarch',
      'beta-1.0-1.noarch',
    ]);
    expect(tx.updated).toEqual([]);
    expect(tx.empty).toBe(false);
    expect(tx.installed[0]!.repo).toBe('lab');
  });

  it('reads installs and upgrades in one transaction', () => {
    const tx = parseTransaction(fixture('install-and-upgrade.assumeno.out'));
    expect(names(tx.installed)).toEqual(['delta-1.0-1.noarch']);
    expect(names(tx.updated)).toEqual(['alpha-2.0-1.noarch']);
  });

  it('reads a real run the same way as the dry run (table printed before the transaction)', () => {
    const real = parseTransaction(fixture('upgrade-all.real.out'));
    const dry = parseTransaction(fixture('upgrade-all.assumeno.out'));
    expect(names(real.updated)).toEqual(['alpha-2.0-1.noarch']);
    expect(real).toEqual(dry);
    expect(names(parseTransaction(fixture('install-one.real.out')).installed)).toEqual(['alpha-1.0-1.noarch']);
  });

  it('reads removals with their dependent packages (sizes without a unit)', () => {
    const tx = parseTransaction(fixture('remove-dependents.assumeno.out'));
    expect(names(tx.removed)).toEqual(['alpha-1.0-1.noarch', 'beta-1.0-1.noarch']);
    expect(tx.removed[0]!.repo).toBe('@lab');
  });

  it('reads epochs and obsoleted packages', () => {
    const tx = parseTransaction(fixture('obsoletes-epoch.assumeno.out'));
    expect(names(tx.installed)).toEqual(['omega-2:1.0-1.el7.noarch']);
    expect(names(tx.obsoleted)).toEqual(['delta-1.0-1.noarch']);
  });

  it('reads local package files (@commandline)', () => {
    const tx = parseTransaction(fixture('local-file.assumeno.out'));
    expect(names(tx.installed)).toEqual(['delta-1.0-1.noarch']);
    expect(tx.installed[0]!.repo).toBe('@commandline');
  });

  it('is empty when there is nothing to do', () => {
    expect(parseTransaction(fixture('nothing-to-do.assumeno.out')).empty).toBe(true);
    expect(parseTransaction(fixture('upgrade-nothing.assumeno.out')).empty).toBe(true);
  });

  it('reads EL7 yum tables (Updating / for dependencies sections)', () => {
    const tx = parseTransaction(fixture('yum-el7-install.out'));
    expect(names(tx.installed)).toEqual(['httpd-2.4.6-97.el7.centos.5.x86_64', 'apr-1.4.8-7.el7.x86_64', 'httpd-tools-2.4.6-97.el7.centos.5.x86_64']);
    expect(names(tx.updated)).toEqual(['openssl-libs-1:1.0.2k-25.el7_9.x86_64']);
  });
});

describe('errors', () => {
  it('names unknown packages from dnf and yum messages', () => {
    expect(unknownPackages(fixture('unknown.assumeno.out'))).toEqual(['nosuchpkg']);
    expect(unknownPackages('No package openstack-packstak available.\nError: Nothing to do\n')).toEqual(['openstack-packstak']);
  });

  it('summarises a failure by its Error lines', () => {
    const s = failureSummary('Dependencies resolved.\n', 'Error: \n Problem: conflicting requests\n  - nothing provides libfoo.so.1\n');
    expect(s).toMatch(/Problem: conflicting requests/);
    expect(s).toMatch(/nothing provides libfoo/);
  });
});
