/**
 * What each system module costs on a real target: commands (round trips) for a first,
 * changing run and a second, idempotent one. One read; at most one action; never one
 * command per item (the lesson of the pyinfra benchmark: work on the target is the cost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleDefinition } from '../../core/modules/api.js';
import getUrl from '../../modules/get_url.js';
import group from '../../modules/group.js';
import selinux from '../../modules/selinux.js';
import systemd from '../../modules/systemd.js';
import user from '../../modules/user.js';
import waitFor from '../../modules/wait_for.js';
import yum from '../../modules/yum.js';
import { openLab, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
const cleanup =
  'userdel -r pyinfra 2>/dev/null; groupdel tsplayit-rt 2>/dev/null; systemctl disable --now dnsmasq >/dev/null 2>&1; dnf -y -q remove dnsmasq mariadb-server >/dev/null 2>&1; rm -f /root/tsplay-it-rt.rpm; true';

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  await lab.sh(host, cleanup);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, cleanup);
  await lab.close();
});

async function trips(module: ModuleDefinition<any>, args: Record<string, unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const before = lab.execs(host);
    const r = await lab.run(host, module, args);
    expect(r.failed, `${module.name}: ${r.msg}`).toBe(false);
    expect(r.changed, `${module.name} run ${i + 1}`).toBe(i === 0 && module !== waitFor);
    out.push(lab.execs(host) - before);
  }
  return out;
}

describe('round trips per task on a lab host (first run, second run)', () => {
  it("user and group: the benchmark task's new user is read and created in one command; a group reads with one and acts with one", async () => {
    expect(await trips(user, { name: 'pyinfra', home: '/home/pyinfra', shell: '/bin/bash' })).toEqual([1, 1]);
    expect(await trips(group, { name: 'tsplayit-rt', gid: 4998 })).toEqual([2, 1]);
  });

  it('yum: one rpm query, one transaction (two packages, one transaction)', async () => {
    // First run: rpm -q; rpm -q --whatprovides for the names not installed (they may be
    // capabilities of installed packages); the transaction. Second run: rpm -q only.
    expect(await trips(yum, { name: ['dnsmasq', 'mariadb-server'] })).toEqual([3, 1]);
  });

  it('systemd: one systemctl show, one action', async () => {
    expect(await trips(systemd, { name: 'dnsmasq', state: 'started', enabled: true })).toEqual([2, 1]);
  });

  it('selinux, get_url, wait_for', async () => {
    await lab.out(host, "sed -i 's/^SELINUX=.*/SELINUX=enforcing/' /etc/selinux/config; rm -f /run/tsplay-selinux-mode");
    // read; setenforce; atomic write of the config file.
    expect(await trips(selinux, { state: 'permissive', policy: 'targeted' })).toEqual([3, 1]);
    await lab.out(host, "sed -i 's/^SELINUX=.*/SELINUX=enforcing/' /etc/selinux/config; rm -f /run/tsplay-selinux-mode");
    expect(await trips(getUrl, { url: 'file:///var/lib/tsplay-lab/repo/rdo-release-juno.rpm', dest: '/root/tsplay-it-rt.rpm' })).toEqual([2, 1]);
    expect(await trips(waitFor, { port: 22 })).toEqual([1, 1]);
  });
});
