/**
 * The vault options every command that reads files shares (ansible-playbook's names):
 * --vault-id, --vault-password-file, --ask-vault-pass; and turning them into a Vault
 * whose decrypted values (and the passwords themselves) go to the secret masker.
 */
import { Option, type Command } from 'commander';
import type { SecretRegistry } from '../log/redact.js';
import { VaultError } from '../vault/errors.js';
import { loadVaultSecrets, type VaultSecret } from '../vault/secrets.js';
import { Vault } from '../vault/vault.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { promptSecret } from './prompt.js';

export interface VaultFlags {
  vaultId: string[];
  vaultPasswordFile: string[];
  askVaultPass: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addVaultOptions(command: Command): Command {
  return command
    .option('--vault-id <id>', 'a vault secret: LABEL@FILE, LABEL@prompt, or FILE (repeatable)', collect, [])
    .option('--vault-password-file <file>', 'vault password file, or an executable script printing it (repeatable; also ANSIBLE_VAULT_PASSWORD_FILE)', collect, [])
    .addOption(new Option('--vault-pass-file <file>').hideHelp().argParser(collect).default([]))
    .option('-J, --ask-vault-pass', 'ask for the vault password', false)
    .addOption(new Option('--ask-vault-password').hideHelp().default(false));
}

/** Merge the hidden aliases (ansible accepts both spellings) into the documented names. */
export function vaultFlagsOf(flags: VaultFlags & { vaultPassFile?: string[]; askVaultPassword?: boolean }): VaultFlags {
  return {
    vaultId: flags.vaultId ?? [],
    vaultPasswordFile: [...(flags.vaultPasswordFile ?? []), ...(flags.vaultPassFile ?? [])],
    askVaultPass: Boolean(flags.askVaultPass || flags.askVaultPassword),
  };
}

const NO_TERMINAL = 'give the vault password with --vault-password-file FILE or --vault-id LABEL@FILE instead';

/** Read the secrets the flags name (prompting when asked). Problems are CLI errors (exit 5). */
export async function readVaultSecrets(flags: VaultFlags, options: { confirm?: boolean; ignoreEnvironment?: boolean } = {}): Promise<VaultSecret[]> {
  try {
    return await loadVaultSecrets({
      vaultIds: flags.vaultId,
      passwordFiles: flags.vaultPasswordFile,
      askVaultPass: flags.askVaultPass,
      prompt: (label) => promptSecret(label, NO_TERMINAL),
      ...(options.confirm ? { confirm: true } : {}),
      ...(options.ignoreEnvironment ? { env: {} } : {}),
    });
  } catch (err) {
    if (err instanceof VaultError) throw new CliError(err.message, EXIT.BAD_OPTIONS);
    throw err;
  }
}

/** A Vault for a run: every password and every decrypted value is masked in output and logs. */
export async function openRunVault(flags: VaultFlags, secrets: SecretRegistry): Promise<Vault> {
  const loaded = await readVaultSecrets(flags);
  for (const s of loaded) secrets.add(s.password.toString('utf8'));
  return new Vault(loaded, (plaintext) => {
    secrets.add(plaintext);
    // Also as it reads inside JSON text (quotes, backslashes, control characters escaped).
    secrets.add(JSON.stringify(plaintext).slice(1, -1));
    // A multi-line secret (a key, a certificate) may be shown one line at a time.
    if (plaintext.includes('\n')) for (const line of plaintext.split(/\r?\n/)) secrets.add(line.trim());
  });
}
