/**
 * known_hosts on a lab host (compute5): the host's ssh-keygen finds entries in a scratch
 * file; a key is added once, a new key of the same type replaces it, hashed names work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knownHosts from '../../modules/known_hosts.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8';
const ED2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1gmC6bXSUe/ubMeL1zqTGcBuR7Jb9BdqK6cfN/CnWN';
let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'kh');
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('known_hosts on a lab host', () => {
  it('adds once (one command when nothing changes), replaces a key of the same type, hashes', async () => {
    const path = `${dir}/known_hosts`;
    const args = { name: 'git.example.com', key: `git.example.com ${ED}`, path };
    expect((await lab.run(HOST, knownHosts, args, { check: true })).changed).toBe(true);
    expect((await lab.sh(HOST, `test -e ${path}`)).rc).not.toBe(0);
    expect((await lab.run(HOST, knownHosts, args)).changed).toBe(true);
    const n = lab.execs(HOST);
    expect((await lab.run(HOST, knownHosts, args)).changed).toBe(false);
    expect(lab.execs(HOST) - n).toBe(1);
    expect((await lab.run(HOST, knownHosts, { ...args, key: `git.example.com ${ED2}` })).changed).toBe(true);
    expect(await lab.out(HOST, `cat ${path}`)).toBe(`git.example.com ${ED2}\n`);
    expect((await lab.run(HOST, knownHosts, { name: 'h1', key: `h1 ${ED}`, path, hash_host: true })).changed).toBe(true);
    expect(await lab.out(HOST, `ssh-keygen -F h1 -f ${path} | tail -n 1`)).toMatch(/^\|1\|\S+ ssh-ed25519 /);
    expect((await lab.run(HOST, knownHosts, { name: 'h1', key: `h1 ${ED}`, path, hash_host: true })).changed).toBe(false);
  });
});
