/**
 * known_hosts with the real ssh-keygen, on files in a temporary directory: add, keep,
 * replace a key of the same type, hashed names, absent; compared task by task with
 * Ansible's known_hosts on a file of its own (skipped without ansible-playbook).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import knownHosts from '../../../modules/known_hosts.js';
import { hashHostKey, knownHostsAfter, searchHostKey } from '../../../modules/_lib/known-hosts.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { expectIdempotent, removeDir, run, tempDir } from './general-helpers.js';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8';
const ED2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1gmC6bXSUe/ubMeL1zqTGcBuR7Jb9BdqK6cfN/CnWN';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-kh-');
});
afterEach(() => removeDir(dir));

describe('known_hosts handling', () => {
  it('finds the line of the same key type in ssh-keygen -F output', () => {
    const out = `# Host git found: line 2 \ngit ${ED}\n`;
    expect(searchHostKey(out, `git ${ED}\n`)).toEqual({ found: true, replaceOrAdd: false, foundLine: 2 });
    expect(searchHostKey(out, `git ${ED2}\n`)).toEqual({ found: true, replaceOrAdd: true, foundLine: 2 });
    expect(searchHostKey(out, `git ${RSA}\n`)).toEqual({ found: true, replaceOrAdd: true });
    expect(knownHostsAfter(`a ${RSA}\ngit ${ED}\n`, { found: true, replaceOrAdd: true, foundLine: 2 }, 'present', `git ${ED2}\n`)).toBe(`a ${RSA}\ngit ${ED2}\n`);
  });

  it('hashes the name as ssh-keygen -H does: |1|salt|hmac-sha1', () => {
    const line = hashHostKey('git.example.com', `git.example.com ${ED}`, Buffer.alloc(20, 7));
    expect(line).toMatch(/^\|1\|BwcHBwcHBwcHBwcHBwcHBwcHBwc=\|\S+ ssh-ed25519 /);
  });
});

describe('known_hosts module', () => {
  it('check predicts, the run adds, the second run only reads; absent removes', async () => {
    const path = join(dir, 'known_hosts');
    writeFileSync(path, `other ${RSA}\n`);
    const args = { name: 'git.example.com', key: `git.example.com ${ED}`, path };
    const r = await expectIdempotent(knownHosts, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(readFileSync(path, 'utf8')).toBe(`other ${RSA}\ngit.example.com ${ED}\n`);
    const transport = new CountingTransport();
    await run(knownHosts, args, { transport });
    expect(transport.count).toBe(1);
    expect(await run(knownHosts, { name: 'git.example.com', path, state: 'absent' })).toMatchObject({ changed: true });
    expect(readFileSync(path, 'utf8')).toBe(`other ${RSA}\n`);
  });

  it('hash_host stays idempotent; a key for another host is refused', async () => {
    const path = join(dir, 'kh');
    const args = { name: 'h1', key: `h1 ${ED}`, path, hash_host: true };
    expect((await run(knownHosts, args)).changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/^\|1\|/);
    expect((await run(knownHosts, args)).changed).toBe(false);
    expect((await run(knownHosts, { name: 'h2', key: `h1 ${ED}`, path })).msg).toBe('Host parameter does not match hashed host field in supplied key');
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });

  it.skipIf(!hasAnsible)("writes the same file as Ansible's known_hosts, task by task", async () => {
    const steps = (path: string): Array<Record<string, unknown>> => [
      { name: 'git.example.com', key: `git.example.com ${ED}`, path },
      { name: 'git.example.com', key: `git.example.com ${ED}`, path },
      { name: 'git.example.com', key: `git.example.com ${RSA}`, path },
      { name: 'git.example.com', key: `git.example.com ${ED2}`, path },
      { name: '[b.example.com]:2222', key: `[b.example.com]:2222 ${ED}`, path },
      { name: 'git.example.com', key: `git.example.com ${RSA}`, path, state: 'absent' },
      { name: 'nothere', key: `nothere ${RSA}`, path, state: 'absent' },
    ];
    const theirs = join(dir, 'theirs');
    const ours = join(dir, 'ours');
    for (const f of [theirs, ours]) writeFileSync(f, `# keep me\nother ${RSA}\n`);
    const expected = await ansibleResults('known_hosts', steps(theirs));
    for (const [i, args] of steps(ours).entries()) expect((await run(knownHosts, args)).changed, JSON.stringify(args)).toBe(expected[i]!.changed);
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
  }, 120_000);
});
