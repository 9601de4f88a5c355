/**
 * Vault errors are meant for the user: the message says which file (and line, when known)
 * and what to do. Callers print `message`, never the stack. The message never contains a
 * password or decrypted text.
 */
export type VaultErrorKind =
  /** The text is not vault data, or its envelope/payload is damaged. */
  | 'format'
  /** No secret was given at all. */
  | 'no-secret'
  /** Secrets were given, but none of them decrypts the data. */
  | 'wrong-secret'
  /** A password file, script or prompt could not provide a secret. */
  | 'secret-source'
  /** Encrypting needs one secret, and several (or none) were given. */
  | 'encrypt-secret';

export class VaultError extends Error {
  override name = 'VaultError';
  constructor(
    message: string,
    readonly kind: VaultErrorKind,
    /** For damaged data: the line of the vault text (1-based) where the damage shows. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** How to give tsplay a vault secret; appended to "no secret" messages. */
export const SECRET_OPTIONS_HINT = 'pass --vault-password-file FILE, --vault-id [LABEL@]FILE|prompt or --ask-vault-pass (or set ANSIBLE_VAULT_PASSWORD_FILE)';
