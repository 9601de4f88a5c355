/**
 * authorized_key: Ansible's key handling (pure), and the module on key files in a
 * temporary directory (user nobody), compared task by task with ansible.posix's module on
 * a file of its own (skipped without ansible-playbook).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import authorizedKey from '../../../modules/authorized_key.js';
import { enforceKeys, parseKey, parseOptions } from '../../../modules/_lib/authorized-keys.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { expectIdempotent, removeDir, run, tempDir } from './general-helpers.js';

const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8 one@example';
const K2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 two@example';
const K3 = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI';

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-akey-');
});
afterEach(() => removeDir(dir));

describe('authorized_keys handling (ansible.posix semantics)', () => {
  it('parses options (quoted commas stay), the key and its comment', () => {
    expect([...parseOptions('from="10.0.0.1,10.0.0.2",no-pty,command="x"')]).toEqual([['from', '"10.0.0.1,10.0.0.2"'], ['no-pty', null], ['command', '"x"']]);
    expect(parseKey(`no-pty ${K1}\n`, 3)).toEqual(['AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8', 'ssh-ed25519', new Map([['no-pty', null]]), 'one@example', 3]);
    expect(parseKey('not a key', 0)).toBeNull();
  });

  it('adds after existing keys, replaces a key with other options, removes, exclusive', () => {
    let r = enforceKeys(`# managed\n${K1}\n`, { key: K2, state: 'present', exclusive: false });
    expect(r.content).toBe(`# managed\n${K1}\n${K2}\n`);
    r = enforceKeys(r.content, { key: K1, state: 'present', exclusive: false, keyOptions: 'no-pty' });
    expect(r.content).toBe(`# managed\n${K2}\nno-pty ${K1}\n`);
    expect(enforceKeys(r.content, { key: K1, state: 'present', exclusive: false, keyOptions: 'no-pty' }).changed).toBe(false);
    expect(enforceKeys(r.content, { key: K2, state: 'absent', exclusive: false }).content).toBe(`# managed\nno-pty ${K1}\n`);
    // A key without a comment is written with a space after it, as Ansible does.
    expect(enforceKeys('', { key: K3, state: 'present', exclusive: true }).content).toBe(`${K3} \n`);
    expect(enforceKeys(`${K1}\n${K2}\n`, { key: K2, state: 'present', exclusive: true }).content).toBe(`${K2}\n`);
  });
});

describe('authorized_key module', () => {
  it('check predicts, the run writes (owner nobody, 0600, dir 0700), the second run only reads', async () => {
    const path = join(dir, 'ssh', 'authorized_keys');
    const args = { user: 'nobody', key: `${K1}\n${K2}`, path };
    const r = await expectIdempotent(authorizedKey, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(r.first.diff).toEqual([{ before: '', after: `${K1}\n${K2}\n`, beforeHeader: path, afterHeader: path }]);
    expect(readFileSync(path, 'utf8')).toBe(`${K1}\n${K2}\n`);
    expect([statSync(path).mode & 0o777, statSync(path).uid, statSync(join(dir, 'ssh')).mode & 0o777]).toEqual([0o600, 65534, 0o700]);
    const transport = new CountingTransport();
    await run(authorizedKey, { ...args, state: 'absent', key: K2 }, { transport });
    await run(authorizedKey, { ...args, state: 'absent', key: K2 }, { transport });
    expect(transport.count).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(`${K1}\n`);
  });

  it('fails clearly for a missing user, a bad key, a URL', async () => {
    expect((await run(authorizedKey, { user: 'no-such-user-x', key: K1 })).msg).toBe("Failed to lookup user no-such-user-x: getpwnam(): name not found: 'no-such-user-x'");
    expect((await run(authorizedKey, { user: 'nobody', key: 'garbage', path: join(dir, 'k') })).msg).toBe('invalid key specified: garbage');
    expect((await run(authorizedKey, { user: 'nobody', key: 'https://x/keys' })).msg).toMatch(/not supported/);
  });

  it.skipIf(!hasAnsible)('writes the same files as ansible.posix.authorized_key, task by task', async () => {
    const steps = (path: string): Array<Record<string, unknown>> => [
      { user: 'nobody', key: K1, path },
      { user: 'nobody', key: `${K2}\n${K3}`, path },
      { user: 'nobody', key: K1, path, key_options: 'from="10.0.0.1,10.0.0.2",no-pty' },
      { user: 'nobody', key: K1, path, key_options: 'from="10.0.0.1,10.0.0.2",no-pty' },
      { user: 'nobody', key: K2, path, comment: 'renamed' },
      { user: 'nobody', key: K3, path, state: 'absent' },
      { user: 'nobody', key: K2, path, exclusive: true, comment: 'renamed' },
    ];
    const theirs = join(dir, 'theirs', 'authorized_keys');
    const ours = join(dir, 'ours', 'authorized_keys');
    const expected = await ansibleResults('ansible.posix.authorized_key', steps(theirs));
    expect(expected.every((r) => !r.failed)).toBe(true);
    for (const [i, args] of steps(ours).entries()) expect((await run(authorizedKey, args)).changed, JSON.stringify(args)).toBe(expected[i]!.changed);
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
  }, 120_000);
});
