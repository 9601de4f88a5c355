/**
 * The host a ModuleTester case runs on: this machine (a LocalTransport) or any transport a
 * test passes, e.g. a lab host over SSH. Everything here goes through `Transport.exec`
 * with plain POSIX commands, so the same starting state, snapshots and file checks work on
 * both: a case never reads the local disk when it tests a remote host.
 */
import { ConnectionManager } from '../executor/connections.js';
import { LocalTransport } from '../transport/local.js';
import { quote } from '../transport/shell-quote.js';
import type { ExecResult, Transport } from '../transport/transport.js';

/** A file of a case's starting state: text or bytes, or a mapping with mode, a directory or a link. */
export type FileSpec =
  | string
  | Buffer
  | { content?: string | Buffer; mode?: string | number; dir?: false; link?: undefined }
  | { dir: true; mode?: string | number }
  | { link: string };

/** What a file must look like after the run: text, `null` (absent), or content and/or mode. */
export type FileExpectation = string | null | { content?: string; mode?: string };

/**
 * A host a test may use, opened lazily. `connectHost('opctl', { ansible_host: '198.18.0.10',
 * ansible_user: 'root', ansible_ssh_private_key_file: KEY })` takes Ansible's connection
 * variables, exactly as an inventory gives them.
 */
export function connectHost(name: string, vars: Record<string, unknown> = {}): Transport {
  return new ConnectionManager({}).get(name, vars);
}

export function localHost(): Transport {
  return new LocalTransport('localhost');
}

/** Runs a command that must succeed; the error names the host, the command and its output. */
export async function mustRun(transport: Transport, command: string, what: string, stdin?: Buffer): Promise<ExecResult> {
  const r = await transport.exec(command, stdin ? { stdin } : {});
  if (r.rc !== 0) {
    throw new Error(`${what} failed on ${transport.host} (exit ${r.rc}): ${(r.stderr || r.stdout).trim() || 'no output'}\n  command: ${command}`);
  }
  return r;
}

/** A fresh scratch directory on the host (mktemp), removed by `removeRoot`. */
export async function makeRoot(transport: Transport): Promise<string> {
  const r = await mustRun(transport, 'mktemp -d "${TMPDIR:-/tmp}/tsplay-modtest.XXXXXXXX"', 'creating a scratch directory');
  return r.stdout.trim();
}

export async function removeRoot(transport: Transport, root: string): Promise<void> {
  // Only what makeRoot made: a path under a tmp directory named tsplay-modtest.*.
  if (!/\/tsplay-modtest\.[A-Za-z0-9]+$/.test(root)) throw new Error(`refusing to remove ${root}: not a ModuleTester scratch directory`);
  await transport.exec(`chmod -R u+rwX ${quote(root)} 2>/dev/null; rm -rf -- ${quote(root)}`);
}

/** `rel` inside `root`, or `rel` itself when it is absolute. */
export function resolveIn(root: string, rel: string): string {
  return rel.startsWith('/') ? rel : `${root}/${rel}`;
}

function modeWord(mode: string | number): string {
  return typeof mode === 'number' ? mode.toString(8) : mode;
}

/** Create the case's files (parents included) on the host, in order. */
export async function writeFiles(transport: Transport, root: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [rel, spec] of Object.entries(files)) {
    const path = quote(resolveIn(root, rel));
    const parent = `mkdir -p -- "$(dirname -- ${path})"`;
    if (typeof spec === 'object' && !Buffer.isBuffer(spec) && 'link' in spec && spec.link !== undefined) {
      await mustRun(transport, `${parent} && ln -s -- ${quote(spec.link)} ${path}`, `creating link ${rel}`);
    } else if (typeof spec === 'object' && !Buffer.isBuffer(spec) && 'dir' in spec && spec.dir) {
      const chmod = spec.mode !== undefined ? ` && chmod ${quote(modeWord(spec.mode))} ${path}` : '';
      await mustRun(transport, `mkdir -p -- ${path}${chmod}`, `creating directory ${rel}`);
    } else {
      const content = typeof spec === 'string' || Buffer.isBuffer(spec) ? spec : (spec as { content?: string | Buffer }).content ?? '';
      const mode = typeof spec === 'object' && !Buffer.isBuffer(spec) ? (spec as { mode?: string | number }).mode : undefined;
      const chmod = mode !== undefined ? ` && chmod ${quote(modeWord(mode))} ${path}` : '';
      await mustRun(transport, `${parent} && cat > ${path}${chmod}`, `writing ${rel}`, Buffer.from(content));
    }
  }
}

/** Run the case's setup commands in `root` (with $ROOT set), each of which must succeed. */
export async function runSetup(transport: Transport, root: string, commands: readonly string[]): Promise<void> {
  for (const command of commands) {
    await mustRun(transport, `cd ${quote(root)} && ROOT=${quote(root)} && export ROOT && ${command}`, `setup command '${command}'`);
  }
}

/**
 * Everything observable about `paths` and what is below them, one line per entry: type,
 * mode, owner, size, modification time (nanoseconds), link target and a SHA-256 of each
 * file's content. Two equal snapshots mean nothing there was written, renamed, chmod'ed or
 * touched. Missing paths are listed as missing.
 */
export async function snapshot(transport: Transport, paths: readonly string[]): Promise<string[]> {
  const words = paths.map((p) => quote(p)).join(' ');
  const script = [
    `for p in ${words}; do`,
    '  if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo "missing $p"; continue; fi',
    // A directory's own mtime is left out: a temp file made and removed again (an atomic
    // write that failed validation) changes it, yet nothing in the directory changed.
    `  find "$p" ! -type d -print0 | LC_ALL=C sort -z | xargs -0 -r stat -c '%n|%F|%a|%u:%g|%s|%y|%N'`,
    `  find "$p" -type d -print0 | LC_ALL=C sort -z | xargs -0 -r stat -c '%n|%F|%a|%u:%g'`,
    `  find "$p" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum`,
    'done',
  ].join('\n');
  const r = await mustRun(transport, script, 'taking a snapshot of the touched paths');
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** The lines that differ between two snapshots, for a message a person can act on. */
export function snapshotDifference(before: readonly string[], after: readonly string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [...before.filter((l) => !b.has(l)).map((l) => `- ${l}`), ...after.filter((l) => !a.has(l)).map((l) => `+ ${l}`)];
}

/** A path's mode and, for a file, its content (null for a directory); null when it does not exist. */
export async function readHostFile(transport: Transport, path: string): Promise<{ content: Buffer | null; mode: string } | null> {
  const q = quote(path);
  const r = await transport.exec(`if [ ! -e ${q} ]; then exit 3; fi; stat -L -c %a ${q} && if [ -d ${q} ]; then exit 4; fi; cat -- ${q}`);
  if (r.rc === 3) return null;
  if (r.rc !== 0 && r.rc !== 4) throw new Error(`cannot read ${path} on ${transport.host}: ${r.stderr.trim()}`);
  const nl = r.stdoutBuffer.indexOf(0x0a);
  const mode = r.stdoutBuffer.subarray(0, nl).toString().padStart(4, '0');
  return { mode, content: r.rc === 4 ? null : r.stdoutBuffer.subarray(nl + 1) };
}
