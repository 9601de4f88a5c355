/**
 * Ansible Vault's AES256 cipher, with node:crypto only (the scheme of ansible-core's
 * VaultAES256, from its public description):
 *
 *   derived = PBKDF2-HMAC-SHA256(password, salt, 10000 iterations, 80 bytes)
 *   aesKey = derived[0:32], hmacKey = derived[32:64], counter = derived[64:80]
 *   ciphertext = AES-256-CTR(aesKey, counter, PKCS7-pad(plaintext, 16-byte blocks))
 *   hmac = HMAC-SHA256(hmacKey, ciphertext)           (encrypt-then-MAC)
 *
 * CTR needs no padding, but Ansible pads anyway (a whole block when the length is already
 * a multiple of 16); we do the same so both tools read each other's files.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VaultPayload } from './envelope.js';

const ITERATIONS = 10_000;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const BLOCK = 16;
export const SALT_BYTES = 32;

interface DerivedKeys {
  aesKey: Buffer;
  hmacKey: Buffer;
  iv: Buffer;
}

export function deriveKeys(password: Buffer, salt: Buffer): DerivedKeys {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_BYTES + IV_BYTES, 'sha256');
  return {
    aesKey: derived.subarray(0, KEY_BYTES),
    hmacKey: derived.subarray(KEY_BYTES, 2 * KEY_BYTES),
    iv: derived.subarray(2 * KEY_BYTES),
  };
}

export function pkcs7Pad(data: Buffer): Buffer {
  const n = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/** The unpadded data, or undefined when the padding is not valid PKCS7. */
export function pkcs7Unpad(data: Buffer): Buffer | undefined {
  if (data.length === 0 || data.length % BLOCK !== 0) return undefined;
  const n = data[data.length - 1]!;
  if (n < 1 || n > BLOCK) return undefined;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return undefined;
  return data.subarray(0, data.length - n);
}

/** Encrypt with a fresh random salt (or the given one, for fixed test vectors). */
export function encryptPayload(plaintext: Buffer, password: Buffer, salt: Buffer = randomBytes(SALT_BYTES)): VaultPayload {
  const { aesKey, hmacKey, iv } = deriveKeys(password, salt);
  const cipher = createCipheriv('aes-256-ctr', aesKey, iv);
  const ciphertext = Buffer.concat([cipher.update(pkcs7Pad(plaintext)), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  return { salt, hmac, ciphertext };
}

export type DecryptOutcome =
  | { ok: true; plaintext: Buffer }
  /** The HMAC does not match: not this password (or the data was altered). */
  | { ok: false; reason: 'hmac' }
  /** The HMAC matches but the padding is broken: the right password, a damaged writer. */
  | { ok: false; reason: 'padding' };

/** Decrypt with one password. The HMAC is checked first, in constant time. */
export function decryptPayload(payload: VaultPayload, password: Buffer): DecryptOutcome {
  const { aesKey, hmacKey, iv } = deriveKeys(password, payload.salt);
  const expected = createHmac('sha256', hmacKey).update(payload.ciphertext).digest();
  if (expected.length !== payload.hmac.length || !timingSafeEqual(expected, payload.hmac)) return { ok: false, reason: 'hmac' };
  const decipher = createDecipheriv('aes-256-ctr', aesKey, iv);
  const plaintext = pkcs7Unpad(Buffer.concat([decipher.update(payload.ciphertext), decipher.final()]));
  return plaintext ? { ok: true, plaintext } : { ok: false, reason: 'padding' };
}
