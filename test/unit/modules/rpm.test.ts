import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  batchedQueryArgs,
  candidateNames,
  classifySpec,
  compareEvr,
  nevra,
  parseBatchedQuery,
  parseEvr,
  RPM_QUERY_SEPARATOR,
  rpmvercmp,
  specMatches,
} from '../../../modules/_lib/rpm.js';
import { managerArgs, parseStateQuery, renderArgv, withRepoOverlay } from '../../../modules/_lib/yum.js';
import { LocalTransport } from '../../../core/transport/local.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/dnf/${name}`, import.meta.url), 'utf8');

describe('rpmvercmp (rpm lib/rpmvercmp.c semantics)', () => {
  // Cases from rpm's test suite (tests/rpmvercmp.at), each checked against rpm 4.18's rpm.vercmp.
  const cases: Array<[string, string, number]> = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0', '1.0', 1],
    ['2.0.1', '2.0.1', 0],
    ['2.0', '2.0.1', -1],
    ['2.0.1a', '2.0.1a', 0],
    ['2.0.1a', '2.0.1', 1],
    ['5.5p1', '5.5p2', -1],
    ['5.5p10', '5.5p1', 1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['xyz.4', '8', -1],
    ['8', 'xyz.4', 1],
    ['1b.fc17', '1.fc17', -1],
    ['1.fc17', '1b.fc17', 1],
    ['1g.fc17', '1.fc17', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.01', -1],
    ['1.0^20160101', '1.0.1', -1],
    ['1.0~rc1^git1', '1.0~rc1', 1],
    ['000', '0', 0],
    ['1.010', '1.10', 0],
    ['7.el7', '7.el7_1', -1],
    ['2014.2.1', '2014.2', 1],
  ];
  it.each(cases)('%s vs %s = %i', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(-want || 0);
  });

  it('epoch wins over version', () => {
    expect(compareEvr({ epoch: 1, version: '1.0', release: '1' }, { epoch: 0, version: '9.0', release: '1' })).toBe(1);
    expect(compareEvr({ epoch: 0, version: '1.0', release: '2' }, { epoch: 0, version: '1.0', release: '10' })).toBe(-1);
  });
});

describe('package specs', () => {
  it('tells names, local files and URLs apart', () => {
    expect(classifySpec('python-netaddr')).toEqual({ kind: 'name', spec: 'python-netaddr' });
    expect(classifySpec('/root/rdo-release-juno.rpm')).toEqual({ kind: 'file', spec: '/root/rdo-release-juno.rpm', path: '/root/rdo-release-juno.rpm' });
    expect(classifySpec('http://rdo.fedorapeople.org/openstack-juno/rdo-release-juno.rpm').kind).toBe('url');
    expect(classifySpec('file:///srv/repo/rdo-release-juno.rpm').kind).toBe('url');
  });

  const pkg = { name: 'python-netaddr', epoch: 0, version: '0.7.5', release: '1.el7', arch: 'noarch' };
  it('matches the forms dnf accepts', () => {
    for (const s of ['python-netaddr', 'python-netaddr.noarch', 'python-netaddr-0.7.5', 'python-netaddr-0.7.5-1.el7', 'python-netaddr-0.7.5-1.el7.noarch', 'python-net*']) {
      expect(specMatches(s, pkg), s).toBe(true);
    }
    for (const s of ['python', 'python-netaddr-0.7.6', 'python-netaddr.x86_64', 'netaddr']) expect(specMatches(s, pkg), s).toBe(false);
    expect(specMatches('omega-2:1.0-1.el7', { name: 'omega', epoch: 2, version: '1.0', release: '1.el7', arch: 'noarch' })).toBe(true);
  });

  it('lists the package names a spec may refer to', () => {
    expect(candidateNames('python-netaddr-0.7.5-1.el7.noarch')).toEqual(
      expect.arrayContaining(['python', 'python-netaddr', 'python-netaddr-0.7.5', 'python-netaddr-0.7.5-1.el7.noarch']),
    );
  });

  it('prints NEVRAs and parses EVRs as dnf tables show them', () => {
    expect(nevra({ name: 'omega', epoch: 2, version: '1.0', release: '1.el7', arch: 'noarch' })).toBe('omega-2:1.0-1.el7.noarch');
    expect(parseEvr('2:1.0-1.el7')).toEqual({ epoch: 2, version: '1.0', release: '1.el7' });
    expect(parseEvr('1.0')).toBeUndefined();
  });
});

describe('batched rpm -q', () => {
  it('puts a separator between specs', () => {
    expect(batchedQueryArgs(['a', 'b', 'c'])).toEqual(['a', RPM_QUERY_SEPARATOR, 'b', RPM_QUERY_SEPARATOR, 'c']);
  });

  it('splits answers at the separators, several packages per spec included', () => {
    const out = [
      'kernel\t(none)\t3.10.0\t123.el7\tx86_64',
      'kernel\t(none)\t3.10.0\t957.el7\tx86_64',
      `package ${RPM_QUERY_SEPARATOR} is not installed`,
      'package nosuch is not installed',
      `package ${RPM_QUERY_SEPARATOR} is not installed`,
      'omega\t2\t1.0\t1.el7\tnoarch',
      '',
    ].join('\n');
    const answers = parseBatchedQuery(out, ['kernel', 'nosuch', 'omega']);
    expect(answers.get('kernel')).toHaveLength(2);
    expect(answers.get('nosuch')).toEqual([]);
    expect(answers.get('omega')).toEqual([{ name: 'omega', epoch: 2, version: '1.0', release: '1.el7', arch: 'noarch' }]);
  });

  it('refuses an answer that does not line up with the question', () => {
    expect(() => parseBatchedQuery('alpha\t(none)\t1\t1\tnoarch\n', ['alpha', 'beta'])).toThrow(/answered 1 queries for 2/);
  });

  it('reads the real output of the state query (dnf 4.14, rpm 4.18)', () => {
    const state = parseStateQuery(fixture('state-query.out'), ['alpha', 'beta-1.0', 'nosuch', 'alpha-9']);
    expect(state.manager).toBe('dnf');
    expect(state.answers.get('alpha')?.map(nevra)).toEqual(['alpha-2.0-1.noarch']);
    expect(state.answers.get('beta-1.0')?.map(nevra)).toEqual(['beta-1.0-1.noarch']);
    expect(state.answers.get('nosuch')).toEqual([]);
    expect(state.answers.get('alpha-9')).toEqual([]);
    expect(state.all?.map(nevra).sort()).toEqual(['alpha-2.0-1.noarch', 'beta-1.0-1.noarch', 'delta-1.0-1.noarch']);
  });

  it('says clearly when the host has no rpm', () => {
    expect(() => parseStateQuery('@@tsplay:norpm\n', ['x'])).toThrow(/rpm is not installed on this host/);
  });
});

describe('check-mode repository overlay', () => {
  const o = {
    enablerepo: [],
    disablerepo: [],
    exclude: [],
    disableGpgCheck: false,
    installroot: '/',
    repoOverlay: [{ path: '/etc/yum.repos.d/tsplay-test-overlay.repo', content: "[juno]\nname=it's \"quoted\" $releasever\n" }],
  };

  it('points dnf at the overlay directory through the shell variable, whatever the quoting', () => {
    expect(renderArgv(managerArgs('dnf', o))).toBe(`dnf --setopt=reposdir="$tsplay_repos"/0,"$tsplay_repos"/1,"$tsplay_repos"/2`);
    expect(renderArgv(['a b', 'c'])).toBe(`'a b' c`);
  });

  it('writes the predicted files byte for byte, keeps the script exit status, and cleans up', async () => {
    const script = withRepoOverlay('cat "$tsplay_repos"/0/tsplay-test-overlay.repo; echo "$tsplay_repos" > /dev/stderr; exit 7', o);
    const res = await new LocalTransport('localhost').exec(script);
    expect(res.rc).toBe(7);
    expect(res.stdout).toBe(o.repoOverlay[0]!.content);
    expect(existsSync(res.stderr.trim())).toBe(false);
  });

  it("a file the host has and an earlier task changes is read as it will be; a predicted removal is gone; the host's other files stay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-reposdir-'));
    try {
      writeFileSync(join(dir, 'xen-c6.repo'), '[xen-c6]\nenabled=0\n');
      writeFileSync(join(dir, 'old.repo'), '[old]\n');
      writeFileSync(join(dir, 'base.repo'), '[base]\n');
      const overlay = {
        repoOverlay: [
          { path: join(dir, 'xen-c6.repo'), content: '[xen-c6]\nenabled=1\n' },
          { path: join(dir, 'old.repo'), content: null },
          { path: join(dir, 'new.repo'), content: '[new]\n' },
        ],
      };
      const script = withRepoOverlay('cd "$tsplay_repos"/0 && ls && cat xen-c6.repo', overlay, [dir]);
      const res = await new LocalTransport('localhost').exec(script);
      expect(res.stderr).toBe('');
      expect(res.stdout).toBe('base.repo\nnew.repo\nxen-c6.repo\n[xen-c6]\nenabled=1\n');
      // The host's directory itself is untouched.
      expect(readFileSync(join(dir, 'xen-c6.repo'), 'utf8')).toBe('[xen-c6]\nenabled=0\n');
      expect(existsSync(join(dir, 'old.repo'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
