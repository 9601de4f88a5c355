/**
 * The yum module on a lab host (dnf 4 over the lab's CentOS-7-like stub repositories):
 * the seed's step 4-5 sequence as a dry run then a real run (predictions exact, nothing
 * changed by the dry run, then idempotent), upgrades, removals with dependents, unknown
 * names, and package URLs served over http inside the lab. End states are checked with
 * rpm itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yum from '../../modules/yum.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const RDO_RPM = '/var/lib/tsplay-lab/repo/rdo-release-juno.rpm';
let lab: Lab;
let host: string;
let web: string;
const stopWeb = 'if [ -f /run/tsplay-it-http.pid ]; then kill "$(cat /run/tsplay-it-http.pid)" 2>/dev/null; rm -f /run/tsplay-it-http.pid; fi';

const rpmQ = async (names: string[]) =>
  (await lab.sh(host, `rpm -q --qf '%{NAME}-%{VERSION}-%{RELEASE}\\n' ${names.join(' ')}`)).stdout
    .split('\n')
    .filter(Boolean);

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  const server = lab.hosts.find((h) => h !== host)!;
  const addr = String(lab.inventory.varsFor(server).ansible_host);
  // A tiny HTTP server inside another lab host's network namespace, serving the lab repo.
  await lab.out(server, `${stopWeb}; setsid python3 -m http.server 8079 --bind ${addr} --directory /var/lib/tsplay-lab/repo </dev/null >/dev/null 2>&1 & echo $! > /run/tsplay-it-http.pid; sleep 1`);
  web = `http://${addr}:8079`;
  // A fresh starting point for what these tests touch (other packages stay as they are).
  await lab.sh(host, 'dnf -y -q remove rdo-release openstack-packstack python-netaddr openstack-nova-common dnsmasq >/dev/null 2>&1; dnf -y -q downgrade initscripts-9.49.17 >/dev/null 2>&1; true');
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  const server = lab.hosts.find((h) => h !== host)!;
  await lab.sh(server, stopWeb);
  await lab.sh(host, 'dnf -y -q remove openstack-nova-common dnsmasq >/dev/null 2>&1; true');
  await lab.close();
});

describe('yum on a lab host', () => {
  it('seed steps 4-5: the dry run predicts each task exactly and changes nothing; then idempotent', async () => {
    const tasks = [
      { name: `file://${RDO_RPM}` },
      { name: '*', state: 'latest' },
      { name: ['openstack-packstack', 'python-netaddr'] },
    ];
    const before = await snapshot(lab, host);
    const dry = new HostRuntime();
    const predicted = [];
    for (const t of tasks) {
      const r = await lab.run(host, yum, t, { check: true, diff: true, runtime: dry });
      expect(r.failed, `${JSON.stringify(t)}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
      predicted.push(r.changes);
    }
    // The packstack task resolved from the openstack-juno repository that rdo-release
    // would add: not installed yet, but known to the dry run.
    expect((predicted[2] as any).installed).toEqual(expect.arrayContaining([expect.stringMatching(/^openstack-packstack-/), expect.stringMatching(/^python-netaddr-/)]));
    expect((predicted[1] as any).updated).toEqual(expect.arrayContaining([expect.stringMatching(/^initscripts-9\.49\.24/)]));
    expect(await snapshot(lab, host)).toBe(before);

    const real = new HostRuntime();
    for (const [i, t] of tasks.entries()) {
      const r = await lab.run(host, yum, t, { runtime: real });
      expect(r.failed, `${JSON.stringify(t)}: ${r.msg}`).toBe(false);
      expect(r.changes, JSON.stringify(t)).toEqual(predicted[i]);
    }
    expect(await rpmQ(['rdo-release', 'openstack-packstack', 'python-netaddr', 'initscripts'])).toEqual([
      'rdo-release-juno-1',
      expect.stringMatching(/^openstack-packstack-2014\.2-/),
      'python-netaddr-0.7.5-7.el7.centos',
      'initscripts-9.49.24-1.el7.centos',
    ]);

    for (const check of [false, true]) {
      const again = new HostRuntime();
      for (const t of tasks) {
        const r = await lab.run(host, yum, t, { check, runtime: again });
        expect(r.changed, `${check ? 'check' : 'real'} re-run of ${JSON.stringify(t)}`).toBe(false);
      }
    }
  });

  it('present keeps a version, latest upgrades it (with its dependencies), absent removes dependents', async () => {
    // The openstack-juno repository comes with rdo-release.
    await lab.out(host, `rpm -q rdo-release >/dev/null || dnf -y -q install ${RDO_RPM} >/dev/null`);
    const v1 = 'openstack-nova-compute-2014.2.1';
    let r = await lab.run(host, yum, { name: v1 });
    expect(r.failed, r.msg).toBe(false);
    expect(await rpmQ(['openstack-nova-compute', 'openstack-nova-common'])).toEqual([
      'openstack-nova-compute-2014.2.1-1.el7.centos',
      'openstack-nova-common-2014.2.1-1.el7.centos',
    ]);
    expect((await lab.run(host, yum, { name: 'openstack-nova-compute' })).changed).toBe(false);

    const check = await lab.run(host, yum, { name: 'openstack-nova-compute', state: 'latest' }, { check: true, diff: true });
    expect((check.changes as any).updated).toEqual(expect.arrayContaining([expect.stringMatching(/^openstack-nova-compute-2014\.2\.2/)]));
    expect(check.diff?.[0]?.before).toContain('openstack-nova-compute-2014.2.1-1.el7.centos.noarch');
    r = await lab.run(host, yum, { name: 'openstack-nova-compute', state: 'latest' });
    expect(r.changes).toEqual(check.changes);
    expect((await lab.run(host, yum, { name: 'openstack-nova-compute', state: 'latest' })).changed).toBe(false);

    const rm = await lab.run(host, yum, { name: 'openstack-nova-common', state: 'absent' }, { check: true });
    expect((rm.changes as any).removed).toEqual(expect.arrayContaining([expect.stringMatching(/^openstack-nova-common-/), expect.stringMatching(/^openstack-nova-compute-/)]));
    const rmReal = await lab.run(host, yum, { name: 'openstack-nova-common', state: 'absent' });
    expect(rmReal.changes).toEqual(rm.changes);
    expect((await lab.sh(host, 'rpm -q openstack-nova-compute openstack-nova-common')).rc).toBe(2);
    expect((await lab.run(host, yum, { name: 'openstack-nova-common', state: 'absent' })).changed).toBe(false);
  });

  it('fails naming an unknown package, and changes nothing', async () => {
    const before = await lab.out(host, 'rpm -qa | sort');
    for (const check of [true, false]) {
      const r = await lab.run(host, yum, { name: ['dnsmasq', 'openstack-packstak'] }, { check });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/unknown package 'openstack-packstak' on opnet|unknown package 'openstack-packstak'/);
    }
    expect(await lab.out(host, 'rpm -qa | sort')).toBe(before);
  });

  it('installs a package from an http URL inside the lab (the host has no curl: bash /dev/tcp)', async () => {
    await lab.sh(host, 'dnf -y -q remove rdo-release >/dev/null 2>&1; true');
    const url = `${web}/rdo-release-juno.rpm`;
    const check = await lab.run(host, yum, { name: url }, { check: true });
    expect(check.failed, check.msg).toBe(false);
    expect(check.changes).toEqual({ installed: ['rdo-release-juno-1.noarch'], updated: [], removed: [] });
    const r = await lab.run(host, yum, { name: url });
    expect(r.changes).toEqual(check.changes);
    expect((await lab.run(host, yum, { name: url })).changed).toBe(false);
    expect((await lab.sh(host, 'ls /tmp | grep -c tsplay-yum')).stdout.trim()).toBe('0');
  });
});
