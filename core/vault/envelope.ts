/**
 * The text around the ciphertext: Ansible Vault's envelope and payload encoding (the format
 * of ansible-core's VaultLib / VaultAES256, written from its public description).
 *
 *   $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ";LABEL", the vault id)
 *   <hex, in lines of 80 characters>
 *
 * The hex decodes to three lines of ASCII: hex(salt) "\n" hex(hmac) "\n" hex(ciphertext).
 * (The double hex encoding is Ansible's, kept for compatibility.) Only AES256 exists.
 */
import { VaultError } from './errors.js';

export const VAULT_HEADER = '$ANSIBLE_VAULT';
const LINE_WIDTH = 80;

export interface VaultPayload {
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  cipher: 'AES256';
  /** The label of a 1.2 envelope; undefined for 1.1 (Ansible's "default"). */
  vaultId?: string;
  payload: VaultPayload;
}

/** Is this text (or file content) vault data? Like Ansible: it starts with the header. */
export function isVaultText(data: string | Buffer): boolean {
  const head = typeof data === 'string' ? data.slice(0, VAULT_HEADER.length) : data.subarray(0, VAULT_HEADER.length).toString('latin1');
  return head === VAULT_HEADER;
}

/**
 * Parse vault text. `where` names the source for messages ("group_vars/all.yml", or
 * "site.yml:12:9" for an inline value); errors say which line of the vault text is wrong.
 */
export function parseEnvelope(text: string, where: string): VaultEnvelope {
  const lines = text.split(/\r\n|\r|\n/);
  // Inline `!vault |` values arrive without indentation; tolerate surrounding blank lines.
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  const header = (lines[first] ?? '').trim();
  const parts = header.split(';').map((p) => p.trim());
  if (parts[0] !== VAULT_HEADER) throw corrupt(where, first + 1, `the first line must start with ${VAULT_HEADER}`);
  const version = parts[1];
  if (version !== '1.1' && version !== '1.2') throw corrupt(where, first + 1, `unsupported vault format version '${version ?? ''}' (tsplay reads 1.1 and 1.2)`);
  if (parts[2] !== 'AES256') throw corrupt(where, first + 1, `unsupported vault cipher '${parts[2] ?? ''}' (only AES256 exists)`);
  if (parts.length > 4) throw corrupt(where, first + 1, 'the vault header has too many fields');
  const vaultId = parts.length === 4 && parts[3] ? parts[3] : undefined;

  let hex = '';
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!/^[0-9a-fA-F]*$/.test(line)) throw corrupt(where, i + 1, 'the vault body has a character that is not hexadecimal');
    hex += line;
  }
  const lastLine = lines.length;
  if (hex.length === 0) throw corrupt(where, first + 2, 'the vault body is empty');
  if (hex.length % 2 !== 0) throw corrupt(where, lastLine, 'the vault body has an odd number of hex digits (truncated?)');
  const inner = Buffer.from(hex, 'hex').toString('latin1').split('\n');
  if (inner.length !== 3) throw corrupt(where, first + 2, 'the vault body does not decode to salt, HMAC and ciphertext (truncated or damaged?)');
  const [salt, hmac, ciphertext] = inner.map((h) => (/^(?:[0-9a-fA-F]{2})+$/.test(h) ? Buffer.from(h, 'hex') : undefined));
  if (!salt || !hmac || !ciphertext || hmac.length !== 32) {
    throw corrupt(where, first + 2, 'the vault body does not decode to salt, HMAC and ciphertext (truncated or damaged?)');
  }
  return { version, cipher: 'AES256', ...(vaultId !== undefined ? { vaultId } : {}), payload: { salt, hmac, ciphertext } };
}

/**
 * Vault text as ansible-vault writes it: header, hex in 80-column lines, final newline.
 * A label other than "default" makes a 1.2 envelope, as in Ansible.
 */
export function formatEnvelope(payload: VaultPayload, vaultId?: string): string {
  const labelled = vaultId !== undefined && vaultId !== '' && vaultId !== 'default';
  if (labelled && /[;\r\n]/.test(vaultId)) throw new VaultError(`a vault id cannot contain ';' or a line break: '${vaultId}'`, 'encrypt-secret');
  const header = labelled ? `${VAULT_HEADER};1.2;AES256;${vaultId}` : `${VAULT_HEADER};1.1;AES256`;
  const inner = [payload.salt, payload.hmac, payload.ciphertext].map((b) => b.toString('hex')).join('\n');
  const hex = Buffer.from(inner, 'latin1').toString('hex');
  const lines = [header];
  for (let i = 0; i < hex.length; i += LINE_WIDTH) lines.push(hex.slice(i, i + LINE_WIDTH));
  return `${lines.join('\n')}\n`;
}

function corrupt(where: string, line: number, reason: string): VaultError {
  return new VaultError(`${where}: not a vault file or corrupt at line ${line} of the vault text: ${reason}`, 'format', line);
}
