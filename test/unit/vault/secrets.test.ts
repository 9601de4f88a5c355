/** Secret sources against real files and real scripts in a temp dir. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isClientScript, loadVaultSecrets, splitVaultId, vaultIdSlugs } from '../../../core/vault/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-secrets-'));
function file(name: string, content: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}
const noPrompt = async (label: string): Promise<string> => {
  throw new Error(`unexpected prompt ${label}`);
};
const texts = (secrets: Array<{ id: string; password: Buffer; source: string }>) => secrets.map((s) => [s.id, s.password.toString()]);

describe('vault secret sources', () => {
  it('splits --vault-id values as ansible does', () => {
    expect(splitVaultId('prod@/x/pw')).toEqual({ id: 'prod', source: '/x/pw' });
    expect(splitVaultId('/x/pw')).toEqual({ id: 'default', source: '/x/pw' });
    expect(splitVaultId('dev@prompt')).toEqual({ id: 'dev', source: 'prompt' });
    expect(() => splitVaultId('dev@')).toThrow(/nothing after '@'/);
  });

  it('orders --vault-id, the environment, password files, then --ask-vault-pass', () => {
    expect(
      vaultIdSlugs({ vaultIds: ['a@f1'], passwordFiles: ['f2'], askVaultPass: true, env: { ANSIBLE_VAULT_PASSWORD_FILE: 'f3', ANSIBLE_VAULT_IDENTITY_LIST: 'b@f4, c@prompt' } }),
    ).toEqual(['a@f1', 'b@f4', 'c@prompt', 'default@f2', 'default@f3', 'default@prompt_ask_vault_pass']);
  });

  it('a plain file: its content without surrounding whitespace', async () => {
    const f = file('plain', '  s3cret pass \n\n');
    expect(texts(await loadVaultSecrets({ passwordFiles: [f], env: {}, prompt: noPrompt }))).toEqual([['default', 's3cret pass']]);
  });

  it('~/ is the home directory, also after LABEL@ where the shell does not expand it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsplay-vault-home-'));
    writeFileSync(join(home, '.vault_pass'), 'from-home\n');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(texts(await loadVaultSecrets({ vaultIds: ['prod@~/.vault_pass'], env: {}, prompt: noPrompt }))).toEqual([['prod', 'from-home']]);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('ANSIBLE_VAULT_PASSWORD_FILE is a password file', async () => {
    const f = file('envfile', 'from-env\n');
    expect(texts(await loadVaultSecrets({ env: { ANSIBLE_VAULT_PASSWORD_FILE: f }, prompt: noPrompt }))).toEqual([['default', 'from-env']]);
  });

  it('an executable: its standard output, without trailing line breaks', async () => {
    const s = file('pass.sh', '#!/bin/sh\nprintf "script pw \\n"\n', 0o700);
    expect(texts(await loadVaultSecrets({ vaultIds: [`lab@${s}`], env: {}, prompt: noPrompt }))).toEqual([['lab', 'script pw ']]);
  });

  it('a -client script gets --vault-id LABEL; exit 2 means it has no secret for it', async () => {
    const s = file('keyring-client.sh', '#!/bin/sh\n[ "$1" = --vault-id ] || exit 1\n[ "$2" = prod ] && { echo "pw-for-$2"; exit 0; }\necho "unknown $2" >&2; exit 2\n', 0o700);
    expect(isClientScript(s)).toBe(true);
    expect(isClientScript('/x/keyring-client')).toBe(true);
    expect(isClientScript('/x/client.sh')).toBe(false);
    expect(texts(await loadVaultSecrets({ vaultIds: [`prod@${s}`], env: {}, prompt: noPrompt }))).toEqual([['prod', 'pw-for-prod']]);
    await expect(loadVaultSecrets({ vaultIds: [`dev@${s}`], env: {}, prompt: noPrompt })).rejects.toThrow(/client script .* has no secret for vault id 'dev': unknown dev/);
  });

  it('clear errors for missing, empty and failing sources', async () => {
    await expect(loadVaultSecrets({ passwordFiles: [join(dir, 'nope')], env: {}, prompt: noPrompt })).rejects.toThrow(/the vault password file .*nope was not found/);
    await expect(loadVaultSecrets({ passwordFiles: [file('empty', ' \n')], env: {}, prompt: noPrompt })).rejects.toThrow(/vault password file .*empty is empty/);
    await expect(loadVaultSecrets({ passwordFiles: [dir], env: {}, prompt: noPrompt })).rejects.toThrow(/is not a regular file/);
    const failing = file('fail.sh', '#!/bin/sh\necho "no gpg agent" >&2\nexit 3\n', 0o700);
    await expect(loadVaultSecrets({ passwordFiles: [failing], env: {}, prompt: noPrompt })).rejects.toThrow(/password script .*fail\.sh failed \(exit 3\): no gpg agent/);
    const silent = file('silent.sh', '#!/bin/sh\nexit 0\n', 0o700);
    await expect(loadVaultSecrets({ passwordFiles: [silent], env: {}, prompt: noPrompt })).rejects.toThrow(/printed an empty password/);
  });

  it('prompts with ansible-vault labels, twice for a new password', async () => {
    const asked: string[] = [];
    const prompt = async (label: string) => {
      asked.push(label);
      return ' typed \n';
    };
    expect(texts(await loadVaultSecrets({ vaultIds: ['prod@prompt'], askVaultPass: true, env: {}, prompt }))).toEqual([
      ['prod', 'typed'],
      ['default', 'typed'],
    ]);
    expect(asked).toEqual(['Vault password (prod)', 'Vault password']);
    asked.length = 0;
    await loadVaultSecrets({ askVaultPass: true, env: {}, prompt, confirm: true });
    expect(asked).toEqual(['New Vault password', 'Confirm New Vault password']);
    let n = 0;
    const differing = async () => `pw${n++}`;
    await expect(loadVaultSecrets({ vaultIds: ['x@prompt'], env: {}, prompt: differing, confirm: true })).rejects.toThrow(/do not match/);
  });
});
