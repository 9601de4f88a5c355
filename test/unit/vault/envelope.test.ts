import { describe, expect, it } from 'vitest';
import { encryptPayload } from '../../../core/vault/crypto.js';
import { formatEnvelope, isVaultText, parseEnvelope } from '../../../core/vault/envelope.js';
import { VaultError } from '../../../core/vault/errors.js';

const payload = encryptPayload(Buffer.from('x'.repeat(100)), Buffer.from('pw'), Buffer.alloc(32, 7));

function errorOf(text: string): VaultError {
  try {
    parseEnvelope(text, 'f.yml');
  } catch (err) {
    if (err instanceof VaultError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('vault envelope', () => {
  it('writes 1.1 for the default id and 1.2 with a label, in 80-column lines ending with a newline', () => {
    const plain = formatEnvelope(payload);
    const lines = plain.split('\n');
    expect(lines[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(lines.slice(1, -2).every((l) => l.length === 80)).toBe(true);
    expect(lines.at(-1)).toBe('');
    expect(formatEnvelope(payload, 'default').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(formatEnvelope(payload, 'prod').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
  });

  it('reads back what it writes, with the vault id', () => {
    const parsed = parseEnvelope(formatEnvelope(payload, 'prod'), 'f');
    expect(parsed).toMatchObject({ version: '1.2', cipher: 'AES256', vaultId: 'prod' });
    expect(parsed.payload.salt.equals(payload.salt)).toBe(true);
    expect(parsed.payload.hmac.equals(payload.hmac)).toBe(true);
    expect(parsed.payload.ciphertext.equals(payload.ciphertext)).toBe(true);
    expect(parseEnvelope(formatEnvelope(payload), 'f').vaultId).toBeUndefined();
  });

  it('tolerates CRLF line ends, indentation and surrounding blank lines (inline !vault values)', () => {
    const text = formatEnvelope(payload, 'prod');
    const indented = `\n${text.split('\n').map((l) => `   ${l}`).join('\r\n')}\n\n`;
    expect(parseEnvelope(indented, 'f').payload.ciphertext.equals(payload.ciphertext)).toBe(true);
  });

  it('recognises vault data by its header only', () => {
    expect(isVaultText('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
    expect(isVaultText(Buffer.from('$ANSIBLE_VAULT;1.2;AES256;x\n'))).toBe(true);
    expect(isVaultText('a: $ANSIBLE_VAULT')).toBe(false);
    expect(isVaultText(' $ANSIBLE_VAULT')).toBe(false);
  });

  it('names the line of damage', () => {
    const good = formatEnvelope(payload).split('\n');
    expect(errorOf('just: yaml\n').message).toBe('f.yml: not a vault file or corrupt at line 1 of the vault text: the first line must start with $ANSIBLE_VAULT');
    const bad = [...good];
    bad[3] = `${bad[3]!.slice(0, 10)}zz${bad[3]!.slice(12)}`;
    const e = errorOf(bad.join('\n'));
    expect(e.message).toMatch(/^f\.yml: not a vault file or corrupt at line 4 of the vault text: .*not hexadecimal/);
    expect(e.line).toBe(4);
    expect(errorOf(good.slice(0, 3).join('\n')).message).toMatch(/corrupt at line 2 .*salt, HMAC and ciphertext/);
    expect(errorOf(`${good.join('\n')}a`).message).toMatch(/odd number of hex digits/);
    expect(errorOf('$ANSIBLE_VAULT;1.1;AES256\n').message).toMatch(/the vault body is empty/);
    expect(errorOf('$ANSIBLE_VAULT;1.0;AES256\n00').message).toMatch(/unsupported vault format version '1.0'/);
    expect(errorOf('$ANSIBLE_VAULT;1.1;AES128\n00').message).toMatch(/unsupported vault cipher 'AES128'/);
  });

  it('refuses a label that would break the header', () => {
    expect(() => formatEnvelope(payload, 'a;b')).toThrow(/cannot contain ';'/);
  });
});
