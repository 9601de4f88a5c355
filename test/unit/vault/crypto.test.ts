/**
 * The cipher against fixed vectors made by ansible-core's own VaultAES256 (salt 01..20,
 * password "correct horse"): tsplay must produce the same bytes and read them back.
 */
import { describe, expect, it } from 'vitest';
import { decryptPayload, encryptPayload, pkcs7Pad, pkcs7Unpad } from '../../../core/vault/crypto.js';
import { formatEnvelope, parseEnvelope } from '../../../core/vault/envelope.js';

const salt = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
const password = Buffer.from('correct horse');

/** ansible-core 2.14: VaultAES256.encrypt(plaintext, VaultSecret(b'correct horse'), salt=bytes(range(1, 33))). */
const VECTORS: Array<[string, string]> = [
  [
    'hello vault',
    `$ANSIBLE_VAULT;1.1;AES256
30313032303330343035303630373038303930613062306330643065306631303131313231333134
3135313631373138313931613162316331643165316632300a353636346632333339616131303835
65656236383835313036313733623737613139613865346363646437363265323234633334663461
3636666230633231300a386565316539636133336436646235393631656236363463636663343232
6166
`,
  ],
  [
    // exactly one block: Ansible pads a whole extra block
    '0123456789abcdef',
    `$ANSIBLE_VAULT;1.1;AES256
30313032303330343035303630373038303930613062306330643065306631303131313231333134
3135313631373138313931613162316331643165316632300a393136656234656431326530393039
31346235613032623836643963326231333135336538666534643465393861356332636437303634
3639346664343431390a643662356237393536386333396230663263626537333262613961353432
63636532376562326163393831653763373736383732366333396438313466336334
`,
  ],
  [
    '',
    `$ANSIBLE_VAULT;1.1;AES256
30313032303330343035303630373038303930613062306330643065306631303131313231333134
3135313631373138313931613162316331643165316632300a353264386337323365316163303839
64393636616130323636353666313261323461626166643962633661383932363130373839633965
3131313539666664370a663639343935623634636536626432383034393730323539646164313337
6261
`,
  ],
];

describe('vault AES256 cipher', () => {
  it.each(VECTORS)('encrypts %j exactly as ansible-core does', (plaintext, expected) => {
    expect(formatEnvelope(encryptPayload(Buffer.from(plaintext), password, salt))).toBe(expected);
  });

  it.each(VECTORS)('decrypts ansible-core output of %j', (plaintext, text) => {
    const outcome = decryptPayload(parseEnvelope(text, 'vector').payload, password);
    expect(outcome).toEqual({ ok: true, plaintext: Buffer.from(plaintext) });
  });

  it('a wrong password fails the HMAC check', () => {
    const payload = parseEnvelope(VECTORS[0]![1], 'vector').payload;
    expect(decryptPayload(payload, Buffer.from('correct horse!'))).toEqual({ ok: false, reason: 'hmac' });
  });

  it('a flipped ciphertext bit fails the HMAC check (encrypt-then-MAC)', () => {
    const payload = parseEnvelope(VECTORS[0]![1], 'vector').payload;
    payload.ciphertext[0]! ^= 1;
    expect(decryptPayload(payload, password)).toEqual({ ok: false, reason: 'hmac' });
  });

  it('fresh salts make every encryption different, and each decrypts', () => {
    const a = encryptPayload(Buffer.from('same'), password);
    const b = encryptPayload(Buffer.from('same'), password);
    expect(a.salt.length).toBe(32);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(decryptPayload(b, password)).toEqual({ ok: true, plaintext: Buffer.from('same') });
  });

  it('binary and multi-byte plaintexts survive', () => {
    const data = Buffer.concat([Buffer.from([0, 255, 10, 13]), Buffer.from('päss wörd ✓\n')]);
    expect(decryptPayload(encryptPayload(data, Buffer.from('ü-pass')), Buffer.from('ü-pass'))).toEqual({ ok: true, plaintext: data });
  });
});

describe('PKCS7 padding', () => {
  it('pads 1..16 bytes and always at least one', () => {
    expect(pkcs7Pad(Buffer.alloc(0))).toEqual(Buffer.alloc(16, 16));
    expect(pkcs7Pad(Buffer.from('abc'))).toEqual(Buffer.concat([Buffer.from('abc'), Buffer.alloc(13, 13)]));
    expect(pkcs7Pad(Buffer.alloc(16, 1)).length).toBe(32);
  });

  it('refuses padding that is not PKCS7', () => {
    expect(pkcs7Unpad(Buffer.alloc(16, 0))).toBeUndefined();
    expect(pkcs7Unpad(Buffer.alloc(16, 17))).toBeUndefined();
    expect(pkcs7Unpad(Buffer.concat([Buffer.alloc(14, 0), Buffer.from([1, 2])]))).toBeUndefined();
    expect(pkcs7Unpad(Buffer.alloc(15, 1))).toBeUndefined();
    expect(pkcs7Unpad(Buffer.concat([Buffer.from('abc'), Buffer.alloc(13, 13)]))).toEqual(Buffer.from('abc'));
  });
});
