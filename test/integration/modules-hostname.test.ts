/**
 * hostname on a lab host (compute5, owned by this suite; its name is put back after):
 * hostnamectl's static, pretty and transient names, check mode, diff, idempotence, and the
 * round trips (one read, one write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostname from '../../modules/hostname.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
const names = () => lab.out(HOST, 'hostnamectl --static status; hostnamectl --transient status; hostnamectl --pretty status; cat /etc/hostname; hostname');

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `hostnamectl set-hostname ${HOST}`);
  await lab.close();
});

describe('hostname on a lab host', () => {
  it('check predicts, the run sets every name, the second run changes nothing', async () => {
    const before = await names();
    const args = { name: 'c5.lab.example' };
    const check = await lab.run(HOST, hostname, args, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, diff: [{ before: `hostname = ${HOST}\n`, after: 'hostname = c5.lab.example\n' }] });
    expect(await names()).toBe(before);
    const n = lab.execs(HOST);
    const r = await lab.run(HOST, hostname, args, { diff: true });
    expect(lab.execs(HOST) - n).toBe(2);
    expect(r).toMatchObject({ changed: true, ansible_facts: { ansible_hostname: 'c5', ansible_nodename: 'c5.lab.example', ansible_domain: 'lab.example' } });
    expect(r.diff).toEqual(check.diff);
    expect(await names()).toBe('c5.lab.example\n'.repeat(5));
    for (const c of [false, true]) expect((await lab.run(HOST, hostname, args, { check: c })).changed).toBe(false);
    expect(lab.execs(HOST) - n).toBe(4);
  });

  it('only the transient name differs: only it is set', async () => {
    // The kernel's name (hostnamed does not take a transient name while a static one is set).
    await lab.out(HOST, 'hostname other');
    const r = await lab.run(HOST, hostname, { name: 'c5.lab.example' }, { diff: true });
    expect(r).toMatchObject({ changed: true, diff: [{ before: 'hostname = other\n' }] });
    expect(await lab.out(HOST, 'cat /etc/hostname')).toBe('c5.lab.example\n');
    expect(await lab.out(HOST, 'hostname')).toBe('c5.lab.example\n');
  });
});
