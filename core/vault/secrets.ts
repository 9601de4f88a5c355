/**
 * Where vault passwords come from, with ansible-vault's options and rules:
 *
 *   --vault-id LABEL@SOURCE   SOURCE is a file, an executable script, or `prompt`
 *   --vault-id SOURCE         the same with the label "default"
 *   --vault-password-file F   a file or script, label "default"
 *   ANSIBLE_VAULT_PASSWORD_FILE, ANSIBLE_VAULT_IDENTITY_LIST   the same from the environment
 *   --ask-vault-pass          prompt once, label "default"
 *
 * A plain file's content is the password (surrounding whitespace removed). An executable
 * file is run and its standard output is the password; a script whose name ends in
 * `-client` (`vault-keyring-client.py`) is a client script and gets `--vault-id LABEL`,
 * exit code 2 meaning "no secret for that label". Secrets keep this order: --vault-id
 * values, then password files, then the prompt, as Ansible builds them.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname } from 'node:path';
import { VaultError } from './errors.js';

export const DEFAULT_VAULT_ID = 'default';

export interface VaultSecret {
  /** The label (vault id); "default" when none was given. */
  readonly id: string;
  readonly password: Buffer;
  /** Where it came from, for messages ("file ~/.vault_pass", "prompt"); never the password. */
  readonly source: string;
}

export interface SecretSourceOptions {
  /** --vault-id values, in order. */
  vaultIds?: string[];
  /** --vault-password-file values, in order. */
  passwordFiles?: string[];
  /** --ask-vault-pass. */
  askVaultPass?: boolean;
  /** Environment to read ANSIBLE_VAULT_PASSWORD_FILE / ANSIBLE_VAULT_IDENTITY_LIST from. */
  env?: NodeJS.ProcessEnv;
  /** Ask on the terminal without echo; `label` is the prompt without ": ". */
  prompt(label: string): Promise<string>;
  /** Prompts are for a new password (encrypt, rekey): ask twice and compare. */
  confirm?: boolean;
}

/** Split `label@source` (a source without `@` has the default label), as ansible's CLI does. */
export function splitVaultId(value: string): { id: string; source: string } {
  const at = value.indexOf('@');
  if (at < 0) return { id: DEFAULT_VAULT_ID, source: value };
  const id = value.slice(0, at);
  const source = value.slice(at + 1);
  if (!source) throw new VaultError(`--vault-id '${value}': nothing after '@'; give LABEL@FILE or LABEL@prompt`, 'secret-source');
  return { id: id || DEFAULT_VAULT_ID, source };
}

/** The --vault-id slugs to load, in Ansible's order, from options and environment. */
export function vaultIdSlugs(o: Omit<SecretSourceOptions, 'prompt' | 'confirm'>): string[] {
  const env = o.env ?? process.env;
  const slugs = [...(o.vaultIds ?? [])];
  const envIds = env.ANSIBLE_VAULT_IDENTITY_LIST;
  if (envIds) slugs.push(...envIds.split(',').map((s) => s.trim()).filter(Boolean));
  const files = [...(o.passwordFiles ?? [])];
  if (env.ANSIBLE_VAULT_PASSWORD_FILE) files.push(env.ANSIBLE_VAULT_PASSWORD_FILE);
  for (const f of files) slugs.push(`${DEFAULT_VAULT_ID}@${f}`);
  if (o.askVaultPass) slugs.push(`${DEFAULT_VAULT_ID}@prompt_ask_vault_pass`);
  return slugs;
}

/** Read every configured secret (prompting when asked to). Any source that fails is an error. */
export async function loadVaultSecrets(o: SecretSourceOptions): Promise<VaultSecret[]> {
  const secrets: VaultSecret[] = [];
  for (const slug of vaultIdSlugs(o)) {
    const { id, source } = splitVaultId(slug);
    if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
      const labelled = source === 'prompt';
      const labels = o.confirm
        ? labelled ? [`New vault password (${id})`, `Confirm new vault password (${id})`] : ['New Vault password', 'Confirm New Vault password']
        : [labelled ? `Vault password (${id})` : 'Vault password'];
      secrets.push({ id, password: await promptPassword(o, labels), source: 'prompt' });
      continue;
    }
    secrets.push({ id, password: await readPasswordSource(source, id), source: `file ${source}` });
  }
  return secrets;
}

async function promptPassword(o: SecretSourceOptions, labels: string[]): Promise<Buffer> {
  const first = (await o.prompt(labels[0]!)).trim();
  if (labels[1] !== undefined && (await o.prompt(labels[1])).trim() !== first) {
    throw new VaultError('the vault passwords entered do not match', 'secret-source');
  }
  if (!first) throw new VaultError('an empty vault password was entered', 'secret-source');
  return Buffer.from(first, 'utf8');
}

/** `~/x` and `~` as the user's home, as ansible expands them (the shell does not in `prod@~/x`). */
function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? homedir() + file.slice(1) : file;
}

/** A password file's content, or a password script's output. */
export async function readPasswordSource(source: string, id: string): Promise<Buffer> {
  const file = expandHome(source);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VaultError(`the vault password file ${file} ${code === 'ENOENT' ? 'was not found' : `cannot be read (${code ?? (err as Error).message})`}`, 'secret-source');
  }
  if (!isFile) throw new VaultError(`the vault password file ${file} is not a regular file`, 'secret-source');
  if (isExecutable(file)) return runPasswordScript(file, id);
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new VaultError(`could not read the vault password file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'secret-source');
  }
  const password = Buffer.from(data.toString('utf8').trim(), 'utf8');
  if (password.length === 0) throw new VaultError(`the vault password file ${file} is empty`, 'secret-source');
  return password;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Ansible's rule: `NAME-client` or `NAME-client.EXT` is a client script that takes --vault-id. */
export function isClientScript(file: string): boolean {
  const name = basename(file);
  return name.slice(0, name.length - extname(name).length).endsWith('-client');
}

/** Run a password script; its stdout (without trailing line breaks) is the password. */
function runPasswordScript(file: string, id: string): Promise<Buffer> {
  const client = isClientScript(file);
  const args = client ? ['--vault-id', id] : [];
  return new Promise((resolve, reject) => {
    // stdin stays the terminal: a script may ask for a passphrase itself (gpg, pass).
    const child = spawn(file, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new VaultError(`could not run the vault password script ${file}: ${e.message}; if it is not a script, remove its executable bit`, 'secret-source')));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const detail = stderr ? `: ${stderr.split('\n').slice(-3).join(' ')}` : '';
      if (client && code === 2) return reject(new VaultError(`the vault password client script ${file} has no secret for vault id '${id}'${detail}`, 'secret-source'));
      if (code !== 0) return reject(new VaultError(`the vault password script ${file} failed (${signal ? `signal ${signal}` : `exit ${code}`})${detail}`, 'secret-source'));
      const text = Buffer.concat(out).toString('utf8').replace(/^[\r\n]+|[\r\n]+$/g, '');
      if (!text) return reject(new VaultError(`the vault password script ${file} printed an empty password`, 'secret-source'));
      resolve(Buffer.from(text, 'utf8'));
    });
  });
}
