/**
 * authorized_key on a lab host (compute5): a scratch user's ~/.ssh created with the right
 * owner and modes, the key file predicted, written once, then left alone; exclusive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import authorizedKey from '../../modules/authorized_key.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const USER = 'tsplaykey';
const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8 one@example';
const K2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 two@example';
let lab: Lab;

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  await lab.sh(HOST, `userdel -r ${USER} 2>/dev/null; useradd -m ${USER}`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `userdel -r ${USER} 2>/dev/null; true`);
  await lab.close();
});

describe('authorized_key on a lab host', () => {
  it('creates ~/.ssh and the file for the user, once', async () => {
    const args = { user: USER, key: `${K1}\n${K2}` };
    expect(await lab.run(HOST, authorizedKey, args, { check: true })).toMatchObject({ changed: true, keyfile: `/home/${USER}/.ssh/authorized_keys` });
    expect((await lab.sh(HOST, `test -e /home/${USER}/.ssh`)).rc).not.toBe(0);
    const n = lab.execs(HOST);
    expect((await lab.run(HOST, authorizedKey, args)).changed).toBe(true);
    expect(lab.execs(HOST) - n).toBe(2);
    expect(await lab.out(HOST, `stat -c '%U %a' /home/${USER}/.ssh /home/${USER}/.ssh/authorized_keys; cat /home/${USER}/.ssh/authorized_keys`)).toBe(
      `${USER} 700\n${USER} 600\n${K1}\n${K2}\n`,
    );
    for (const check of [false, true]) expect((await lab.run(HOST, authorizedKey, args, { check })).changed).toBe(false);
    expect((await lab.run(HOST, authorizedKey, { user: USER, key: K2, exclusive: true })).changed).toBe(true);
    expect(await lab.out(HOST, `cat /home/${USER}/.ssh/authorized_keys`)).toBe(`${K2}\n`);
  });
});
