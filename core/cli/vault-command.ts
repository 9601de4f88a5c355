/**
 * `tsplay vault`: ansible-vault's encrypt, decrypt, view, edit, create, encrypt_string and
 * rekey, with its flags. Files are replaced atomically (temporary file + rename); `edit`
 * keeps the plaintext only in a private temporary directory and always removes it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { split as shellSplit } from 'shlex';
import { isVaultText } from '../vault/envelope.js';
import { VaultError } from '../vault/errors.js';
import type { VaultSecret } from '../vault/secrets.js';
import { Vault } from '../vault/vault.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { promptSecret } from './prompt.js';
import { readVaultSecrets, vaultFlagsOf, type VaultFlags } from './vault-options.js';

export interface VaultCommandFlags extends VaultFlags {
  output?: string;
  encryptVaultId?: string;
  newVaultId?: string;
  newVaultPasswordFile?: string;
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
}

type Io = { stdout: (s: string | Buffer) => void; stderr: (s: string) => void };
const io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Vault errors are the user's to fix: `ERROR! message`, exit 1 (ansible-vault's code). */
async function guarded(fn: () => Promise<void>): Promise<number> {
  try {
    await fn();
    return EXIT.OK;
  } catch (err) {
    if (err instanceof VaultError) throw new CliError(err.message, EXIT.ERROR);
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string' && e.path) throw new CliError(`${e.path}: ${e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'permission denied' : e.message}`, EXIT.ERROR);
    throw err;
  }
}

/** Secrets to decrypt with: those the flags name, or a prompt when none are named (as ansible-vault). */
async function decryptingVault(flags: VaultFlags): Promise<Vault> {
  const secrets = await readVaultSecrets(withDefaultPrompt(flags));
  return new Vault(secrets);
}

/** For encrypting: the flags' secrets, or a new password asked twice. */
async function encryptingSecret(flags: VaultCommandFlags): Promise<VaultSecret> {
  const named = hasSecretFlags(flags);
  // A password typed for encrypting is asked twice (ansible-vault's "New Vault password").
  const secrets = await readVaultSecrets(named ? vaultFlagsOf(flags) : { vaultId: [], vaultPasswordFile: [], askVaultPass: true }, { confirm: true });
  return new Vault(secrets).encryptionSecret(flags.encryptVaultId);
}

function hasSecretFlags(flags: VaultFlags): boolean {
  const f = vaultFlagsOf(flags);
  return f.vaultId.length > 0 || f.vaultPasswordFile.length > 0 || f.askVaultPass || Boolean(process.env.ANSIBLE_VAULT_PASSWORD_FILE || process.env.ANSIBLE_VAULT_IDENTITY_LIST);
}

function withDefaultPrompt(flags: VaultFlags): VaultFlags {
  const f = vaultFlagsOf(flags);
  return hasSecretFlags(flags) ? f : { ...f, askVaultPass: true };
}

/** All of stdin (a stream read: readFileSync(0) fails with EAGAIN on a non-blocking pipe). */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readInput(file: string): Promise<Buffer> {
  return file === '-' ? readStdin() : readFileSync(file);
}

/** A file rewritten in place is the link's target (the link stays a link), as ansible-vault does. */
function realFile(file: string): string {
  return file === '-' ? file : realpathSync(file);
}

function writeOutput(target: string, data: Buffer | string): void {
  if (target === '-') io.stdout(data);
  else writeFileAtomic(target, data, { mode: 0o600 });
}

function checkOutput(files: string[], flags: VaultCommandFlags): void {
  if (flags.output !== undefined && files.length > 1) throw new CliError('at most one input file may be used with --output', EXIT.BAD_OPTIONS);
}

export function vaultEncrypt(files: string[], flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    checkOutput(files, flags);
    const inputs = files.length ? files : ['-'];
    if (inputs.includes('-') && process.stdin.isTTY) io.stderr('Reading plaintext input from stdin\n');
    const secret = await encryptingSecret(flags);
    const vault = new Vault([secret]);
    for (const file of inputs) {
      const data = await readInput(file);
      if (isVaultText(data)) throw new VaultError(`${file === '-' ? 'the input' : file} is already vault-encrypted`, 'format');
      writeOutput(flags.output ?? realFile(file), vault.encrypt(data, secret));
    }
    io.stderr('Encryption successful\n');
  });
}

export function vaultDecrypt(files: string[], flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    checkOutput(files, flags);
    const inputs = files.length ? files : ['-'];
    if (inputs.includes('-') && process.stdin.isTTY) io.stderr('Reading ciphertext input from stdin\n');
    const vault = await decryptingVault(flags);
    for (const file of inputs) {
      const { plaintext } = vault.decrypt(await vaultText(file), file === '-' ? 'the input' : file);
      writeOutput(flags.output ?? realFile(file), plaintext);
    }
    io.stderr('Decryption successful\n');
  });
}

export function vaultView(files: string[], flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    const vault = await decryptingVault(flags);
    for (const file of files) io.stdout(vault.decrypt(await vaultText(file), file).plaintext);
  });
}

/** The text of a file that must be vault data (a clear message when it is not). */
async function vaultText(file: string): Promise<string> {
  const data = await readInput(file);
  if (!isVaultText(data)) throw new VaultError(`${file === '-' ? 'the input' : file} is not vault-encrypted (no $ANSIBLE_VAULT header)`, 'format');
  return data.toString('latin1');
}

export function vaultEdit(file: string, flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    if (!existsSync(file)) throw new VaultError(`${file} does not exist; make it with tsplay vault create ${file}`, 'format');
    const vault = await decryptingVault(flags);
    // Re-encrypt with the secret that opened it (ansible-vault keeps the vault id too).
    const { plaintext, secret } = vault.decrypt(await vaultText(file), file);
    editPlaintext(file, plaintext, (edited) => writeFileAtomic(realFile(file), new Vault([secret]).encrypt(edited, secret), { keepMode: true }));
  });
}

export function vaultCreate(file: string, flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    if (existsSync(file)) throw new VaultError(`${file} exists; edit it with tsplay vault edit ${file}`, 'format');
    const secret = await encryptingSecret(flags);
    editPlaintext(file, Buffer.alloc(0), (edited) => writeFileAtomic(file, new Vault([secret]).encrypt(edited, secret), { mode: 0o600 }), true);
  });
}

/**
 * Put `plaintext` in a 0600 file inside a fresh 0700 directory, run $EDITOR on it, and call
 * `save` with the result when it changed (or always, with `saveEmpty` for create). The
 * plaintext file is overwritten and removed whatever happens.
 */
function editPlaintext(file: string, plaintext: Buffer, save: (edited: Buffer) => void, saveAlways = false): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-'));
  chmodSync(dir, 0o700);
  const temp = join(dir, basename(file));
  // The editor shares our terminal; a Ctrl-C meant for it must not kill us before cleanup.
  const ignore = () => {};
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  for (const s of signals) process.on(s, ignore);
  try {
    writeFileSync(temp, plaintext, { mode: 0o600, flag: 'wx' });
    const [command, ...args] = shellSplit(process.env.EDITOR || process.env.VISUAL || 'vi');
    if (!command) throw new VaultError('$EDITOR is empty; set it to your editor', 'format');
    const result = spawnSync(command, [...args, temp], { stdio: 'inherit' });
    if (result.error) throw new VaultError(`could not run the editor '${command}': ${result.error.message}`, 'format');
    if (result.status !== 0) throw new VaultError(`the editor '${command}' failed (${result.signal ?? `exit ${result.status}`}); ${file} is unchanged`, 'format');
    const edited = readFileSync(temp);
    if (saveAlways || !edited.equals(plaintext)) save(edited);
  } finally {
    try {
      const size = statSync(temp).size;
      writeFileSync(temp, Buffer.alloc(size)); // overwrite before unlinking, as ansible-vault shreds
    } catch {
      // never written, or already gone
    }
    rmSync(dir, { recursive: true, force: true });
    for (const s of signals) process.off(s, ignore);
  }
}

export function vaultRekey(files: string[], flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    if (files.length === 0) throw new CliError('tsplay vault rekey needs at least one file', EXIT.BAD_OPTIONS);
    const vault = await decryptingVault(flags);
    const newSecret = (await readVaultSecrets({ vaultId: [newVaultSlug(flags)], vaultPasswordFile: [], askVaultPass: false }, { confirm: true, ignoreEnvironment: true }))[0]!;
    const next = new Vault([newSecret]);
    for (const file of files) {
      const { plaintext } = vault.decrypt(await vaultText(file), file);
      writeFileAtomic(realFile(file), next.encrypt(plaintext, newSecret), { keepMode: true });
    }
    io.stderr('Rekey successful\n');
  });
}

/**
 * The new secret of a rekey: --new-vault-id LABEL@SOURCE as --vault-id; a bare label with
 * --new-vault-password-file FILE (or a prompt); nothing at all: ask for a new password.
 */
function newVaultSlug(flags: VaultCommandFlags): string {
  const id = flags.newVaultId;
  if (id?.includes('@')) {
    if (flags.newVaultPasswordFile) throw new CliError('give the new secret once: --new-vault-id LABEL@FILE, or --new-vault-id LABEL with --new-vault-password-file FILE', EXIT.BAD_OPTIONS);
    return id;
  }
  const label = id || 'default';
  if (flags.newVaultPasswordFile) return `${label}@${flags.newVaultPasswordFile}`;
  return label === 'default' ? 'default@prompt_ask_vault_pass' : `${label}@prompt`;
}

/** ansible-vault's YAML for one encrypted string: `name: !vault |` and the text indented 10. */
export function formatVaultString(vaultText: string, name?: string): string {
  const lines = [name ? `${name}: !vault |` : '!vault |', ...vaultText.trimEnd().split('\n').map((l) => `${' '.repeat(10)}${l}`)];
  return lines.join('\n');
}

export function vaultEncryptString(strings: string[], flags: VaultCommandFlags): Promise<number> {
  return guarded(async () => {
    const args = strings.filter((s) => s !== '-');
    const fromStdin = strings.includes('-') || (args.length === 0 && !flags.prompt) || flags.stdinName !== undefined;
    if (flags.prompt && fromStdin) throw new CliError('--prompt cannot be used while reading the string from stdin', EXIT.BAD_OPTIONS);
    const items: Array<{ text: Buffer; name?: string; from: string }> = [];
    if (flags.prompt) {
      const text = await promptSecret('String to encrypt (hidden)', 'pass the string as an argument or on stdin instead');
      if (!text) throw new CliError('the string entered was empty, not encrypting', EXIT.BAD_OPTIONS);
      items.push({ text: Buffer.from(text, 'utf8'), from: 'the prompt' });
    }
    if (fromStdin) {
      if (process.stdin.isTTY) io.stderr('Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)\n');
      const text = await readStdin();
      if (text.length === 0) throw new CliError('stdin was empty, not encrypting', EXIT.BAD_OPTIONS);
      items.push({ text, ...(flags.stdinName ? { name: flags.stdinName } : {}), from: 'stdin' });
    }
    const names = flags.name ?? [];
    if (names.length && args.length > names.length) io.stderr(`[WARNING]: ${args.length} strings but ${names.length} --name options; the last ${args.length - names.length} have no name\n`);
    args.forEach((text, i) => {
      if (text === '') throw new CliError('an empty string was given, not encrypting', EXIT.BAD_OPTIONS);
      items.push({ text: Buffer.from(text, 'utf8'), ...(names[i] ? { name: names[i] } : {}), from: 'the command line' });
    });
    const secret = await encryptingSecret(flags);
    const vault = new Vault([secret]);
    const out = items.map((item) => formatVaultString(vault.encrypt(item.text, secret), item.name));
    writeOutput(flags.output ?? '-', `${out.join('\n')}\n`);
    io.stderr('Encryption successful\n');
  });
}
