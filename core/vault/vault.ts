/**
 * A set of vault secrets and what can be done with them: decrypt vault text (whole files
 * and `!vault` values), encrypt, and tell the secret masker about every plaintext revealed.
 *
 * Choosing a secret is Ansible's rule: for a 1.2 envelope the secrets labelled with its
 * vault id are tried first, then every other secret (the label is a hint, not part of the
 * authenticated data); for 1.1, every secret in order.
 */
import { decryptPayload, encryptPayload } from './crypto.js';
import { formatEnvelope, isVaultText, parseEnvelope } from './envelope.js';
import { SECRET_OPTIONS_HINT, VaultError } from './errors.js';
import { DEFAULT_VAULT_ID, type VaultSecret } from './secrets.js';

export interface Decrypted {
  plaintext: Buffer;
  /** The label of the secret that opened it. */
  vaultId: string;
  /** The secret that opened it (edit re-encrypts with it). */
  secret: VaultSecret;
}

export class Vault {
  /**
   * @param secrets in the order they are tried
   * @param onReveal called with each decrypted value a user may later see (for masking)
   */
  constructor(
    readonly secrets: readonly VaultSecret[] = [],
    private readonly onReveal?: (plaintext: string) => void,
  ) {}

  get hasSecrets(): boolean {
    return this.secrets.length > 0;
  }

  /**
   * Decrypt vault text. `subject` names it in messages: a file path, or "this !vault value"
   * (the YAML loader puts the file:line:column in front).
   */
  decrypt(text: string, subject: string): Decrypted {
    const envelope = parseEnvelope(text, subject);
    if (!this.hasSecrets) throw new VaultError(`${subject} is encrypted with Ansible Vault and no vault secret was given: ${SECRET_OPTIONS_HINT}`, 'no-secret');
    const wanted = envelope.vaultId;
    const ordered = wanted === undefined ? [...this.secrets] : [...this.secrets.filter((s) => s.id === wanted), ...this.secrets.filter((s) => s.id !== wanted)];
    for (const secret of ordered) {
      const outcome = decryptPayload(envelope.payload, secret.password);
      if (outcome.ok) return { plaintext: outcome.plaintext, vaultId: secret.id, secret };
      if (outcome.reason === 'padding') {
        throw new VaultError(`${subject}: the vault data is corrupt (the password matches but the decrypted padding is invalid)`, 'format');
      }
    }
    const tried = [...new Set(this.secrets.map((s) => s.id))].map((id) => `'${id}'`).join(', ');
    if (wanted !== undefined && wanted !== DEFAULT_VAULT_ID && !this.secrets.some((s) => s.id === wanted)) {
      throw new VaultError(
        `no vault secret for vault id '${wanted}' (${subject}), and the secrets given (vault id ${tried}) do not decrypt it: add --vault-id ${wanted}@FILE or ${wanted}@prompt`,
        'wrong-secret',
      );
    }
    throw new VaultError(`wrong vault password for ${subject} (tried vault id ${tried})`, 'wrong-secret');
  }

  /** A `!vault` value: its plaintext as text, registered with the masker. */
  decryptValue(text: string, subject: string): string {
    const value = this.decrypt(text, subject).plaintext.toString('utf8');
    this.onReveal?.(value);
    return value;
  }

  /**
   * A file's text: decrypted when it is a vault file, unchanged otherwise. The caller
   * decides what in it is secret (`reveal` the values of a vars file).
   */
  openText(text: string, file: string): { text: string; encrypted: boolean } {
    if (!isVaultText(text)) return { text, encrypted: false };
    return { text: this.decrypt(text, file).plaintext.toString('utf8'), encrypted: true };
  }

  /** Bytes of a controller file (`copy src=`): decrypted when they are vault data. */
  openBytes(data: Buffer, file: string): { data: Buffer; encrypted: boolean } {
    if (!isVaultText(data)) return { data, encrypted: false };
    const plaintext = this.decrypt(data.toString('latin1'), file).plaintext;
    this.onReveal?.(plaintext.toString('utf8'));
    return { data: plaintext, encrypted: true };
  }

  /** Register every string (and number) inside decrypted data with the masker. */
  reveal(value: unknown): void {
    if (!this.onReveal) return;
    if (typeof value === 'string') this.onReveal(value);
    else if (typeof value === 'number' || typeof value === 'bigint') this.onReveal(String(value));
    else if (Array.isArray(value)) for (const v of value) this.reveal(v);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) this.reveal(v);
  }

  /** The secret to encrypt with: the one labelled `vaultId`, or the only one there is. */
  encryptionSecret(vaultId?: string): VaultSecret {
    if (vaultId !== undefined) {
      const found = this.secrets.find((s) => s.id === vaultId);
      if (!found) throw new VaultError(`no vault secret for vault id '${vaultId}' to encrypt with: add --vault-id ${vaultId}@FILE or ${vaultId}@prompt`, 'encrypt-secret');
      return found;
    }
    if (this.secrets.length === 0) throw new VaultError(`encrypting needs a vault secret: ${SECRET_OPTIONS_HINT}`, 'encrypt-secret');
    const ids = [...new Set(this.secrets.map((s) => s.id))];
    if (ids.length > 1) throw new VaultError(`the vault ids ${ids.map((i) => `'${i}'`).join(', ')} can all encrypt: choose one with --encrypt-vault-id`, 'encrypt-secret');
    return this.secrets[0]!;
  }

  /** Vault text for `plaintext`, with the chosen secret's label in the header (1.2) unless it is "default". */
  encrypt(plaintext: Buffer, secret: VaultSecret = this.encryptionSecret()): string {
    return formatEnvelope(encryptPayload(plaintext, secret.password), secret.id);
  }
}
