/**
 * cron on a lab host (compute5): a file in /etc/cron.d written, predicted, kept, removed.
 * User crontabs need the crontab command, which the lab's base image does not have yet
 * (/work/briefs/genmods-lab-needs.md): that case runs once it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cron from '../../modules/cron.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const FILE = '/etc/cron.d/tsplay-test';
let lab: Lab;
let hasCrontab = false;

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  await lab.sh(HOST, `rm -f ${FILE}`);
  hasCrontab = (await lab.sh(HOST, 'command -v crontab')).rc === 0;
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `rm -f ${FILE}; command -v crontab >/dev/null && crontab -u nobody -r 2>/dev/null; true`);
  await lab.close();
});

describe('cron on a lab host', () => {
  it('a cron.d file: predicted, written once with the Ansible marker, then removed with its last job', async () => {
    const args = { name: 'flush', cron_file: 'tsplay-test', user: 'nobody', special_time: 'hourly', job: 'true # flush' };
    expect(await lab.run(HOST, cron, args, { check: true })).toMatchObject({ changed: true });
    expect((await lab.sh(HOST, `test -e ${FILE}`)).rc).not.toBe(0);
    const n = lab.execs(HOST);
    expect(await lab.run(HOST, cron, args)).toMatchObject({ changed: true, jobs: ['flush'], cron_file: 'tsplay-test' });
    expect(lab.execs(HOST) - n).toBe(2);
    expect(await lab.out(HOST, `cat ${FILE}; stat -c %a ${FILE}`)).toBe('#Ansible: flush\n@hourly nobody true # flush\n644\n');
    expect((await lab.run(HOST, cron, args)).changed).toBe(false);
    expect(await lab.run(HOST, cron, { name: 'flush', cron_file: 'tsplay-test', state: 'absent' })).toMatchObject({ changed: true });
    expect((await lab.sh(HOST, `test -e ${FILE}`)).rc).not.toBe(0);
  });

  it('a user crontab through crontab -l / crontab - (needs cron on the host)', async (t) => {
    if (!hasCrontab) t.skip();
    const args = { name: 'hello', user: 'nobody', minute: '5', job: 'echo hi' };
    expect((await lab.run(HOST, cron, args)).changed).toBe(true);
    expect(await lab.out(HOST, 'crontab -u nobody -l')).toContain('#Ansible: hello\n5 * * * * echo hi\n');
    expect((await lab.run(HOST, cron, args)).changed).toBe(false);
  });
});
