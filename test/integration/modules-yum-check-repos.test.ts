/**
 * yum's dry run after a yum_repository task of the same run, on compute3: a .repo file the
 * host already has and the earlier task would change is read as the task would leave it, not
 * as it is on the host (it used to be read from the host: the predicted file was skipped
 * because a file of that name existed). Check mode only: the host keeps its own file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yum from '../../modules/yum.js';
import yumRepository from '../../modules/yum_repository.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute3';
const FILE = '/etc/yum.repos.d/tsplay-it-pending.repo';
const BASEURL = 'file:///var/lib/tsplay-lab/repo/centos7-os/';
const DISABLED = `[tsplay-it-pending]\nbaseurl = ${BASEURL}\nenabled = 0\ngpgcheck = 0\nname = pending\n`;
let lab: Lab;

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  await lab.out(HOST, `printf '%s' '${DISABLED}' > ${FILE} && ! rpm -q dnsmasq >/dev/null`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `rm -f ${FILE}`);
  await lab.close();
});

describe('yum --check after yum_repository --check', () => {
  it('resolves from the repository as the earlier task would enable it; the host file stays disabled', async () => {
    const only = { name: 'dnsmasq', disablerepo: '*', enablerepo: 'tsplay-it-pending' };
    // The host's file alone: the repository is disabled there, but enablerepo names it; so
    // ask without enablerepo to see the difference the earlier task makes.
    const args = { name: 'dnsmasq', disablerepo: 'base,updates' };
    const alone = await lab.run(HOST, yum, args, { check: true });
    expect(alone.failed, JSON.stringify(alone)).toBe(true);
    expect(alone.msg).toMatch(/no enabled repositories|unknown package 'dnsmasq'/);

    const dry = new HostRuntime();
    const repo = await lab.run(HOST, yumRepository, { name: 'tsplay-it-pending', description: 'pending', baseurl: BASEURL, gpgcheck: false, enabled: true }, { check: true, runtime: dry });
    expect(repo).toMatchObject({ changed: true, failed: false });
    const pkg = await lab.run(HOST, yum, args, { check: true, runtime: dry });
    expect(pkg, JSON.stringify(pkg)).toMatchObject({ changed: true, failed: false });
    // The same as when the repository is enabled for real on the command line.
    expect((await lab.run(HOST, yum, only, { check: true })).changed).toBe(true);
    expect(await lab.out(HOST, `cat ${FILE}`)).toBe(DISABLED);
  });
});
