/** Choosing secrets (Ansible's vault-id rules), errors, and what is revealed to the masker. */
import { describe, expect, it } from 'vitest';
import type { VaultSecret } from '../../../core/vault/secrets.js';
import { Vault } from '../../../core/vault/vault.js';
import { VaultError } from '../../../core/vault/errors.js';

const secret = (id: string, pw: string): VaultSecret => ({ id, password: Buffer.from(pw), source: 'test' });
const prod = secret('prod', 'prod-pw');
const dev = secret('dev', 'dev-pw');
const dflt = secret('default', 'default-pw');

function error(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VaultError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('Vault', () => {
  it('decrypts a 1.2 text with the secret of its id, even when listed last', () => {
    const text = new Vault([prod]).encrypt(Buffer.from('p'), prod);
    expect(text.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n')).toBe(true);
    expect(new Vault([dev, dflt, prod]).decrypt(text, 'f')).toEqual({ plaintext: Buffer.from('p'), vaultId: 'prod', secret: prod });
  });

  it('falls back to the other secrets when the label matches none (the label is only a hint)', () => {
    const relabelled = new Vault([prod]).encrypt(Buffer.from('p'), prod).replace(';prod\n', ';other\n');
    expect(new Vault([dev, prod]).decrypt(relabelled, 'f').vaultId).toBe('prod');
  });

  it('1.1 texts try every secret in order', () => {
    const text = new Vault([dflt]).encrypt(Buffer.from('d'), dflt);
    expect(text.startsWith('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
    expect(new Vault([dev, prod, dflt]).decrypt(text, 'f').plaintext.toString()).toBe('d');
    // two secrets with one label: the one that opens it is reported (edit re-encrypts with it)
    const other = secret('default', 'other-pw');
    expect(new Vault([other, dflt]).decrypt(text, 'f').secret).toBe(dflt);
  });

  it('says which option to pass when there is no secret, and which id is missing', () => {
    const text = new Vault([prod]).encrypt(Buffer.from('p'), prod);
    const none = error(() => new Vault().decrypt(text, 'group_vars/all.yml'));
    expect(none.kind).toBe('no-secret');
    expect(none.message).toMatch(/^group_vars\/all\.yml is encrypted with Ansible Vault and no vault secret was given: pass --vault-password-file FILE, --vault-id/);
    const missing = error(() => new Vault([dev]).decrypt(text, 'x.yml'));
    expect(missing.message).toBe("no vault secret for vault id 'prod' (x.yml), and the secrets given (vault id 'dev') do not decrypt it: add --vault-id prod@FILE or prod@prompt");
    const wrong = error(() => new Vault([secret('prod', 'nope'), dev]).decrypt(text, 'x.yml'));
    expect(wrong.message).toBe("wrong vault password for x.yml (tried vault id 'prod', 'dev')");
    expect(wrong.message).not.toMatch(/nope|dev-pw/);
  });

  it('chooses the secret to encrypt with, or asks for --encrypt-vault-id', () => {
    expect(new Vault([prod]).encryptionSecret()).toBe(prod);
    expect(new Vault([dev, prod]).encryptionSecret('prod')).toBe(prod);
    expect(() => new Vault([dev, prod]).encryptionSecret()).toThrow(/the vault ids 'dev', 'prod' can all encrypt: choose one with --encrypt-vault-id/);
    expect(() => new Vault([dev]).encryptionSecret('prod')).toThrow(/no vault secret for vault id 'prod' to encrypt with/);
    expect(() => new Vault().encryptionSecret()).toThrow(/encrypting needs a vault secret/);
  });

  it('reveals decrypted values (and every value of decrypted data) to the masker', () => {
    const seen: string[] = [];
    const vault = new Vault([dflt], (p) => seen.push(p));
    vault.decryptValue(vault.encrypt(Buffer.from('inline-secret')), 'v');
    vault.reveal({ a: 'one', b: [2222, { c: 'three' }], d: true, e: null });
    expect(seen).toEqual(['inline-secret', 'one', '2222', 'three']);
    expect(vault.openText('plain: text\n', 'f')).toEqual({ text: 'plain: text\n', encrypted: false });
    expect(seen).toHaveLength(4);
    const opened = vault.openBytes(Buffer.from(vault.encrypt(Buffer.from('file body'))), 'f');
    expect(opened).toEqual({ data: Buffer.from('file body'), encrypted: true });
    expect(seen.at(-1)).toBe('file body');
  });
});
