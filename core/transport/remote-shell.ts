/**
 * Shell snippets that every transport shares: become wrapping, environment, reading and
 * atomically writing files. Built only from `exec`, so the SSH and local transports behave
 * the same, and each operation costs exactly one round trip.
 */
import { createHash } from 'node:crypto';
import type { BecomeSpec, ExecOptions, ExecResult, StreamedInput, Transport } from './transport.js';
import { chmodCommand, chownCommand, ownerSpec } from './operands.js';
import { quote } from './shell-quote.js';
import { becomeCommand, ExecInput, type BecomePlan } from './become.js';
import { maxOutputBytes } from './capped-output.js';

/** Prefix `K=V` exports (quoted) to a command. Keys must be valid shell identifiers. */
export function withEnv(command: string, env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return command;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid environment variable name '${key}'`);
    parts.push(`${key}=${quote(value)}`);
  }
  return `export ${parts.join(' ')}; ${command}`;
}

/** A command line ready for `sh -c`, with its input and, under become, what sudo's stderr will show. */
export interface PreparedExec {
  command: string;
  stdin?: Buffer | StreamedInput;
  become?: BecomePlan;
}

/** Apply environment and become to a command. Transports feed it through an `ExecInput`. */
export function prepareExec(command: string, options: ExecOptions = {}): PreparedExec {
  const cmd = withEnv(command, options.env);
  const stdin = options.stdin === undefined ? undefined : typeof options.stdin === 'string' ? Buffer.from(options.stdin) : options.stdin;
  const prepared: PreparedExec = { command: cmd };
  if (stdin !== undefined) prepared.stdin = stdin;
  if (options.become) {
    const wrapped = becomeCommand(cmd, options.become);
    prepared.command = wrapped.command;
    prepared.become = wrapped.plan;
  }
  return prepared;
}

/** A fresh stdin/stderr driver for one attempt at running `prepared`. */
export function execInput(prepared: PreparedExec): ExecInput {
  return new ExecInput(prepared.stdin, prepared.become);
}

export interface WriteFileOptions {
  /** Octal string ('0644') or symbolic mode accepted by chmod. */
  mode?: string;
  owner?: string;
  group?: string;
  /** Keep a timestamped copy of the old file (`dest.<date>.<random>~`); its path is returned. */
  backup?: boolean;
  become?: BecomeSpec;
}

export interface WriteFileResult {
  backupFile?: string;
}

/**
 * Copy the file at quoted path `q` to a new backup `$b` (`PATH.DATE.RANDOM~`). mktemp makes
 * the name unpredictable and creates the file exclusively (0600, ours), so a name or symbolic
 * link planted in advance in a shared directory is never followed or overwritten; cp then
 * fills that file and -p gives it the original's mode, owner and times.
 */
export function backupCommand(q: string): string {
  return `b=$(mktemp -- ${q}."$(date +%Y-%m-%d@%H:%M:%S)".XXXXXXXX~) || exit 1; cp -p -- ${q} "$b" || { rm -f -- "$b"; exit 1; }`;
}

/**
 * The atomic write script. Data arrives on stdin into a temp file in the destination's
 * directory; only if the byte count matches do we set mode/owner and rename over the
 * destination. A dropped connection therefore leaves the old file untouched, and the
 * trap removes the temp file on any exit path (including SIGHUP from a closing session).
 * Without an explicit mode/owner, the existing file's are kept (GNU --reference).
 */
export function atomicWriteScript(dest: string, size: number, options: WriteFileOptions = {}): string {
  const q = quote(dest);
  const lines = [
    'set -u',
    `d=$(dirname -- ${q})`,
    `t=$(mktemp -- "$d/.tsplay-tmp.XXXXXXXX") || exit 97`,
    `trap 'rm -f -- "$t"' EXIT HUP INT TERM PIPE`,
    `cat > "$t" || exit 98`,
    `[ "$(wc -c < "$t")" -eq ${size} ] || { echo "tsplay: short write to ${dest.replace(/[^\w./-]/g, '?')}" >&2; exit 99; }`,
    `if [ -e ${q} ]; then chown --reference=${q} -- "$t" 2>/dev/null; chmod --reference=${q} -- "$t"; else chmod 0644 -- "$t"; fi`,
  ];
  if (options.mode) lines.push(`${chmodCommand(options.mode, '"$t"')} || exit 1`);
  const spec = ownerSpec(options.owner, options.group);
  if (spec) lines.push(`${chownCommand(spec, '"$t"')} || exit 1`);
  if (options.backup) {
    lines.push(`if [ -e ${q} ]; then ${backupCommand(q)}; echo "$b"; fi`);
  }
  lines.push(`mv -f -- "$t" ${q} || exit 1`, 'trap - EXIT');
  return lines.join('\n');
}

export class RemoteCommandError extends Error {
  override name = 'RemoteCommandError';
  constructor(
    message: string,
    readonly result: ExecResult,
  ) {
    super(message);
  }
}

/** Write `data` to `dest` atomically in one round trip. Throws RemoteCommandError. */
export async function writeFileAtomic(
  transport: Transport,
  dest: string,
  data: string | Buffer,
  options: WriteFileOptions = {},
): Promise<WriteFileResult> {
  const bytes = Buffer.from(data);
  const execOptions: ExecOptions = { stdin: bytes };
  if (options.become) execOptions.become = options.become;
  const res = await transport.exec(atomicWriteScript(dest, bytes.length, options), execOptions);
  if (res.rc !== 0) {
    throw new RemoteCommandError(`could not write ${dest}: ${res.stderr.trim() || `exit ${res.rc}`}`, res);
  }
  const backupFile = res.stdout.trim();
  return backupFile ? { backupFile } : {};
}

/** Read a file; `null` when it does not exist. Other failures throw. One round trip. */
export async function readFile(transport: Transport, path: string, become?: BecomeSpec): Promise<Buffer | null> {
  const q = quote(path);
  const res = await transport.exec(`if [ -e ${q} ]; then cat -- ${q}; else exit 3; fi`, become ? { become } : {});
  if (res.rc === 3) return null;
  if (res.rc !== 0) throw new RemoteCommandError(`could not read ${path}: ${res.stderr.trim() || `exit ${res.rc}`}`, res);
  // A file is content, not a log: never hand back a copy with its middle cut out.
  if (res.truncated?.stdout) {
    throw new RemoteCommandError(`could not read ${path}: it is larger than tsplay reads into memory (${maxOutputBytes()} bytes; TSPLAY_MAX_OUTPUT)`, res);
  }
  return res.stdoutBuffer;
}

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
