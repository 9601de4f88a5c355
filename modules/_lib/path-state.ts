/**
 * Everything the file-handling modules need to know about paths on the host, read with ONE
 * shell command per batch of paths: type, mode, owner/group (names and ids), size, times,
 * link target, optional checksum, canonical path, the parent directory's type, and (for a
 * single path) the content. Output fields are NUL-separated, so no file name or link target
 * can be misparsed, and the module compares everything in the controller.
 *
 * In check mode, the state is overlaid with what earlier tasks of this run would have done
 * (see `recordPrediction`), so a dry run predicts what a real run does.
 */
import { MAX_DIFF_BYTES } from './diff.js';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ModuleContext } from '../../core/modules/api.js';
import type { ExecResult } from '../../core/transport/transport.js';
import { RemoteCommandError } from '../../core/transport/remote-shell.js';
import { pathOperand } from '../../core/transport/operands.js';
import { quote } from '../../core/transport/shell-quote.js';

export type PathKind = 'file' | 'directory' | 'link' | 'fifo' | 'socket' | 'char' | 'block' | 'other' | 'absent';
export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** One entry below a directory (for `recurse`). */
export interface TreeEntry {
  path: string;
  /** find's %y: f, d, l, p, s, c, b. */
  type: string;
  mode: number;
  owner: string;
  group: string;
  uid: number;
  gid: number;
}

export interface PathState {
  path: string;
  kind: PathKind;
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  size?: number;
  mtime?: number;
  atime?: number;
  ctime?: number;
  inode?: number;
  dev?: number;
  nlink?: number;
  blocks?: number;
  blockSize?: number;
  /** Device major/minor numbers (character and block devices). */
  deviceType?: [number, number];
  /** For a symbolic link (not followed): where it points, as stored. */
  linkTarget?: string;
  /** Canonical absolute path with every link resolved (`readlink -m`), when asked for. */
  realPath?: string;
  checksum?: string;
  readable?: boolean;
  writable?: boolean;
  executable?: boolean;
  /** Kind of the parent directory (`dirname path`). */
  parentKind: PathKind;
  /** `file --mime` output split, when asked for and `file` exists on the host. */
  mimeType?: string;
  charset?: string;
  /** `lsattr` flags, when asked for and available. */
  attrFlags?: string;
  /** The file's bytes (single-path reads with `content: true`); null when not a readable regular file. */
  content?: Buffer | null;
  /** Check mode: an earlier task would have created this file, but its content is unknown. */
  contentUnknown?: boolean;
  /** Everything below a directory, with `tree: true`. */
  tree?: TreeEntry[];
}

export interface StatOptions {
  /** Report the link target's properties instead of the link's (stat -L). */
  follow?: boolean;
  checksum?: ChecksumAlgorithm;
  realPath?: boolean;
  /** Read the content too (only with a single path). */
  content?: boolean;
  /** List everything below the (single) path, for `recurse` (find -printf). */
  tree?: boolean;
  mime?: boolean;
  attributes?: boolean;
}

const STAT_FIELDS = 17;
/** `stat -c %F` names of file types, as the host's stat prints them. */
export const STAT_KINDS: Record<string, PathKind> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
  fifo: 'fifo',
  socket: 'socket',
  'character special file': 'char',
  'block special file': 'block',
};

/** Command lines stay far below Linux's 128 KiB limit for one argument (sh -c, sudo, sshd). */
const MAX_SCRIPT_BYTES = 96 * 1024;

/**
 * Per path, builtins only (plus readlink for links and the optional file/lsattr/readlink -m):
 * existence, link target, canonical path, access, the parent's kind, mime type, attributes.
 * The stat(1) fields and checksums of all paths then come from ONE stat and ONE sha1sum
 * call per batch, so a 500-file tree costs two processes, not a thousand.
 */
function functionText(o: StatOptions): string {
  const lines = [
    '_s() {',
    '  printf "@\\000"',
    '  if [ -e "$1" ]; then printf e; elif [ -L "$1" ]; then printf l; fi; printf "\\000"',
    '  if [ -L "$1" ]; then readlink -- "$1"; fi; printf "\\000"',
    o.realPath ? '  readlink -m -- "$1"; printf "\\000"' : '  printf "\\000"',
    '  [ -r "$1" ] && printf r; [ -w "$1" ] && printf w; [ -x "$1" ] && printf x; printf "\\000"',
    '  if [ -d "$2" ]; then printf directory; elif [ -e "$2" ]; then printf other; else printf absent; fi; printf "\\000"',
    o.mime
      ? '  if [ -e "$1" ] && command -v file >/dev/null 2>&1; then file -b --mime -- "$1" 2>/dev/null; fi; printf "\\000"'
      : '  printf "\\000"',
    o.attributes
      ? '  if [ -e "$1" ] && command -v lsattr >/dev/null 2>&1; then lsattr -d -- "$1" 2>/dev/null; fi; printf "\\000"'
      : '  printf "\\000"',
    '}',
  ];
  return lines.join('\n');
}

const STAT_FORMAT = '%n\\0%F\\0%a\\0%u\\0%g\\0%U\\0%G\\0%s\\0%Y\\0%X\\0%Z\\0%i\\0%d\\0%h\\0%b\\0%B\\0%t\\0%T\\0';

/** The script for one batch: a record per path, then one stat and one checksum pass over all. */
function batchScript(head: string, batch: readonly string[], o: StatOptions): string {
  const words = batch.map((p) => quote(p)).join(' ');
  const lines = [head, ...batch.map((p) => `_s ${quote(p)} ${quote(posix.dirname(p))}`)];
  // Missing paths make stat complain (ignored) and print nothing; an empty field ends the records.
  lines.push(`stat ${o.follow ? '-L ' : ''}--printf '${STAT_FORMAT}' -- ${words} 2>/dev/null; printf '\\000'`);
  if (o.checksum) {
    // Only readable regular files: a fifo would block, a directory is an error.
    lines.push(`set --; for p in ${words}; do [ -f "$p" ] && [ -r "$p" ] && set -- "$@" "$p"; done`, `[ $# -gt 0 ] && ${o.checksum}sum -- "$@" 2>/dev/null`);
  }
  lines.push(`printf '\\000'`);
  return lines.join('\n');
}

/** Shell scripts (one per batch that fits in a command line) that report on `paths`. */
export function statCommands(paths: readonly string[], o: StatOptions = {}): string[] {
  if ((o.content || o.tree) && paths.length < 1) throw new Error('statCommands: content and tree need a path');
  if (o.content && paths.length !== 1) throw new Error('statCommands: content can only be read for a single path');
  const head = functionText(o);
  const batches: string[][] = [];
  let batch: string[] = [];
  let size = head.length + 512;
  for (const p of paths) {
    // Each path appears in its record call, the stat call and the checksum loop.
    const cost = 4 * quote(p).length + quote(posix.dirname(p)).length + 8;
    if (batch.length && size + cost > MAX_SCRIPT_BYTES) {
      batches.push(batch);
      batch = [];
      size = head.length + 512;
    }
    batch.push(p);
    size += cost;
  }
  if (batch.length) batches.push(batch);
  const scripts = batches.map((b) => batchScript(head, b, o));
  if (o.tree) {
    // The tree belongs to the first path; it goes in the last script so it follows every record.
    // find has no `--`: pathOperand keeps a path like '-delete' from being an expression;
    // %P (the path below the start) is joined back to the path as given in parseStatOutput.
    const q = quote(paths[0]!);
    scripts[scripts.length - 1] += `\nprintf 'tree\\000'; if [ -d ${q} ] && [ ! -L ${q} ]; then find ${pathOperand(paths[0]!)} -mindepth 1 -printf '%y\\0%m\\0%u\\0%g\\0%U\\0%G\\0%P\\0'; fi`;
  }
  if (o.content) {
    const q = quote(paths[0]!);
    scripts[0] += `\nif [ -f ${q} ] && [ -r ${q} ]; then printf 'content\\000'; exec cat -- ${q}; elif [ -f ${q} ]; then printf 'unreadable\\000'; else printf 'nocontent\\000'; fi`;
  }
  return scripts;
}

/** The number of paths a script from `statCommands` reports on. */
export function pathsInScript(script: string): number {
  return script.match(/^_s /gm)?.length ?? 0;
}

function stripNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

/** `sha1sum` output: "HASH  NAME", or "\HASH  NAME" with \\ and \n escaped in NAME. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const escaped = raw.startsWith('\\');
    const line = escaped ? raw.slice(1) : raw;
    const m = /^([0-9a-f]+) [ *](.*)$/s.exec(line);
    if (!m) continue;
    const name = escaped ? m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : m[2]!;
    sums.set(name, m[1]!);
  }
  return sums;
}

/** Parse the output of `statCommands` (pure; unit-tested). */
export function parseStatOutput(out: Buffer, paths: readonly string[], o: StatOptions = {}): PathState[] {
  let pos = 0;
  const next = (): string => {
    const end = out.indexOf(0, pos);
    if (end < 0) throw new Error('truncated stat output');
    const field = out.subarray(pos, end).toString('utf8');
    pos = end + 1;
    return field;
  };
  const records = paths.map((path) => {
    if (next() !== '@') throw new Error(`unexpected stat output for ${path}`);
    const [exists, linkTarget, realPath, access, parent, mime, attrs] = Array.from({ length: 7 }, next);
    return { path, exists: exists!, linkTarget: linkTarget!, realPath: realPath!, access: access!, parent: parent!, mime: stripNewline(mime!), attrs: stripNewline(attrs!) };
  });
  const statted = new Map<string, string[]>();
  for (let name = next(); name !== ''; name = next()) statted.set(name, Array.from({ length: STAT_FIELDS }, next));
  const sums = parseChecksums(next());

  const states = records.map((r) => {
    const state: PathState = { path: r.path, kind: 'absent', parentKind: (r.parent as PathKind) || 'absent' };
    const f = statted.get(r.path);
    const present = o.follow ? r.exists === 'e' : r.exists !== '';
    if (present && f) {
      state.kind = STAT_KINDS[f[0]!] ?? 'other';
      state.mode = parseInt(f[1]!, 8);
      state.uid = Number(f[2]);
      state.gid = Number(f[3]);
      state.owner = f[4]!;
      state.group = f[5]!;
      state.size = Number(f[6]);
      state.mtime = Number(f[7]);
      state.atime = Number(f[8]);
      state.ctime = Number(f[9]);
      state.inode = Number(f[10]);
      state.dev = Number(f[11]);
      state.nlink = Number(f[12]);
      state.blocks = Number(f[13]);
      state.blockSize = Number(f[14]);
      state.deviceType = [parseInt(f[15]!, 16), parseInt(f[16]!, 16)];
      state.readable = r.access.includes('r');
      state.writable = r.access.includes('w');
      state.executable = r.access.includes('x');
    } else if (present) {
      throw new Error(`could not stat ${r.path}`);
    }
    if (r.linkTarget) state.linkTarget = stripNewline(r.linkTarget);
    if (o.realPath && r.realPath) state.realPath = stripNewline(r.realPath);
    const sum = sums.get(r.path);
    if (sum && present) state.checksum = sum;
    if (r.mime) {
      const [type, ...params] = r.mime.split(';').map((x) => x.trim());
      state.mimeType = type!;
      const cs = params.find((x) => x.startsWith('charset='));
      if (cs) state.charset = cs.slice('charset='.length);
    }
    if (r.attrs) state.attrFlags = r.attrs.split(/\s/)[0]!;
    return state;
  });
  if (o.tree) {
    if (next() !== 'tree') throw new Error('missing tree listing');
    const tree: TreeEntry[] = [];
    const root = paths[0]!;
    while (pos < out.length) {
      const [type, mode, owner, group, uid, gid, below] = Array.from({ length: 7 }, next);
      const path = `${root.endsWith('/') ? root : `${root}/`}${below!}`;
      tree.push({ type: type!, mode: parseInt(mode!, 8), owner: owner!, group: group!, uid: Number(uid), gid: Number(gid), path });
    }
    states[0]!.tree = tree;
  }
  if (o.content) {
    const marker = next();
    const only = states[0]!;
    if (marker === 'content') only.content = Buffer.from(out.subarray(pos));
    else if (marker === 'unreadable') throw new UnreadableError(only.path);
    else only.content = null;
  }
  return states;
}

export class UnreadableError extends Error {
  override name = 'UnreadableError';
  constructor(readonly path: string) {
    super(`${path} is not readable (permission denied); run the task with become: true`);
  }
}

export function checksumOf(data: Buffer, algorithm: ChecksumAlgorithm = 'sha1'): string {
  return createHash(algorithm).update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------
// Check-mode predictions of paths (directories, links, attributes), on top of the
// executor's file-content predictions, so a dry run sees what earlier tasks would do.

const NS = 'tsplay.path';

/** What an earlier task of this run would have made of a path. */
export interface PredictedPath {
  kind: 'file' | 'directory' | 'link' | 'hard' | 'absent';
  mode?: number;
  owner?: string;
  group?: string;
  linkTarget?: string;
  /** Order of predictions, so a newer prediction for a child beats an older removal of its parent. */
  seq: number;
  /** The executor-level file prediction when this was recorded; a different one is newer. */
  fileMark: unknown;
}

function nextSeq(ctx: ModuleContext<unknown>): number {
  const seq = (ctx.predicted.get<number>(NS, '#seq') ?? 0) + 1;
  ctx.predicted.set(NS, '#seq', seq);
  return seq;
}

/**
 * Record, in check mode, what this task would have done to `path`. Writes of content go
 * through `ctx.writeFile` (which records the bytes); call this too, for the kind and the
 * attributes. No-op in a real run.
 */
export function recordPrediction(ctx: ModuleContext<unknown>, path: string, p: Omit<PredictedPath, 'seq' | 'fileMark'>): void {
  if (!ctx.check) return;
  if (p.kind === 'absent') ctx.predicted.setFile(path, 'absent');
  ctx.predicted.set<PredictedPath>(NS, path, { ...p, seq: nextSeq(ctx), fileMark: ctx.predicted.file(path) });
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  let p = posix.dirname(path);
  while (p !== '/' && p !== '.' && p !== posix.dirname(p)) {
    out.push(p);
    p = posix.dirname(p);
  }
  return out;
}

function predictedKind(ctx: ModuleContext<unknown>, path: string): { kind: PathKind; record?: PredictedPath; bytes?: Buffer; exists?: true } | undefined {
  const own = ctx.predicted.get<PredictedPath>(NS, path);
  const file = ctx.predicted.file(path);
  // Our record is current unless another module predicted new content for the path since.
  const ownValid = own !== undefined && own.fileMark === file;
  // An ancestor removed after the newest prediction for this path (and after any later
  // re-creation of a nearer ancestor) takes the path with it. A write by another module
  // below a removed directory would fail in a real run, so absent is right for it too.
  let floor = ownValid ? own.seq : 0;
  for (const a of ancestors(path)) {
    const rec = ctx.predicted.get<PredictedPath>(NS, a);
    if (!rec || ctx.predicted.file(a) !== rec.fileMark) continue;
    if (rec.kind === 'absent' && rec.seq > floor) return { kind: 'absent' };
    floor = Math.max(floor, rec.seq);
  }
  if (ownValid) {
    const kind: PathKind = own.kind === 'hard' ? 'file' : own.kind;
    return Buffer.isBuffer(file) ? { kind, record: own, bytes: file } : { kind, record: own };
  }
  if (Buffer.isBuffer(file)) return own ? { kind: 'file', record: own, bytes: file } : { kind: 'file', bytes: file };
  if (file === 'absent') return { kind: 'absent' };
  if (file === 'exists') return { kind: 'file', exists: true };
  return undefined;
}

function overlay(ctx: ModuleContext<unknown>, s: PathState, o: StatOptions): PathState {
  const parent = predictedKind(ctx, posix.dirname(s.path));
  if (parent) s.parentKind = parent.kind;
  const pred = predictedKind(ctx, s.path);
  if (!pred) return s;
  if (pred.kind === 'absent') {
    return { path: s.path, kind: 'absent', parentKind: s.parentKind, ...(o.content ? { content: null } : {}) };
  }
  const out: PathState = { ...s, kind: pred.kind };
  if (s.kind === 'absent' || s.kind !== pred.kind) {
    // Created by an earlier task: the defaults a creation would give it.
    out.mode = pred.kind === 'directory' ? 0o755 : 0o644;
    delete out.checksum;
    delete out.linkTarget;
    if (o.content) out.content = null;
  }
  if (pred.record?.mode !== undefined) out.mode = pred.record.mode;
  if (pred.record?.owner !== undefined) out.owner = pred.record.owner;
  if (pred.record?.group !== undefined) out.group = pred.record.group;
  if (pred.record?.linkTarget !== undefined) out.linkTarget = pred.record.linkTarget;
  if (pred.bytes) {
    out.size = pred.bytes.length;
    if (o.checksum) out.checksum = checksumOf(pred.bytes, o.checksum);
    if (o.content) out.content = pred.bytes;
  } else if (pred.exists && s.kind === 'absent') {
    out.contentUnknown = true;
  }
  return out;
}

/** Stat `paths` on the host in one round trip per batch; overlaid with predictions in check mode. */
export async function statPaths(ctx: ModuleContext<unknown>, paths: readonly string[], o: StatOptions = {}): Promise<PathState[]> {
  const states: PathState[] = [];
  const scripts = statCommands(paths, o);
  let offset = 0;
  for (const [i, script] of scripts.entries()) {
    const batch = paths.slice(offset, offset + pathsInScript(script));
    offset += batch.length;
    const last = i === scripts.length - 1;
    const batchOptions = { ...o, tree: Boolean(o.tree && last) };
    const res = await ctx.run(script);
    if (res.rc !== 0) {
      throw new RemoteCommandError(`could not inspect ${batch.length === 1 ? batch[0] : `${batch.length} paths`}: ${res.stderr.trim() || `exit ${res.rc}`}`, res);
    }
    const parsed = parseOrFail(ctx, res, batch, batchOptions);
    // The tree listing belongs to the first path of all, wherever the batches split.
    const tree = batchOptions.tree ? parsed[0]!.tree : undefined;
    if (tree) delete parsed[0]!.tree;
    states.push(...parsed);
    if (tree) states[0]!.tree = tree;
  }
  return ctx.check ? states.map((s) => overlay(ctx, s, o)) : states;
}

/**
 * File contents come back on stdout, which the transport caps (TSPLAY_MAX_OUTPUT): a read
 * whose middle was dropped must fail, never be taken for the file.
 */
export function failIfTruncated(ctx: ModuleContext<unknown>, res: ExecResult, what: string): void {
  if (!res.truncated?.stdout) return;
  ctx.fail(`${what}: too large to read into memory (${res.truncated.stdout} bytes over the limit; raise TSPLAY_MAX_OUTPUT)`);
}

function parseOrFail(ctx: ModuleContext<unknown>, res: ExecResult, batch: readonly string[], o: StatOptions): PathState[] {
  failIfTruncated(ctx, res, batch.join(', '));
  try {
    return parseStatOutput(res.stdoutBuffer, batch, o);
  } catch (err) {
    if (err instanceof UnreadableError) ctx.fail(err.message);
    throw new RemoteCommandError(`could not inspect ${batch.join(', ')}: ${(err as Error).message}; stderr: ${res.stderr.trim()}`, res);
  }
}

/**
 * Report on one path, then run `then` in the same command. For operations that act
 * whatever the path's state (file state=touch) yet must report what it was: one round
 * trip instead of two. Not for check mode. `rc` and `stderr` are those of `then`, which
 * must print nothing on stdout.
 */
export async function statPathThen(
  ctx: ModuleContext<unknown>,
  path: string,
  o: StatOptions,
  then: string,
): Promise<{ state: PathState; rc: number; stderr: string }> {
  if (ctx.check) throw new Error('statPathThen acts: it cannot be used in check mode');
  if (o.tree || o.content) throw new Error('statPathThen reports on the path only');
  const [script] = statCommands([path], o);
  const res = await ctx.run(`${script!}\n${then}`);
  return { state: parseOrFail(ctx, res, [path], o)[0]!, rc: res.rc, stderr: res.stderr };
}

/** One path. */
export async function statPath(ctx: ModuleContext<unknown>, path: string, o: StatOptions = {}): Promise<PathState> {
  return (await statPaths(ctx, [path], o))[0]!;
}

/** A file too large to diff: only its size was read. */
export interface TooLargeToDiff {
  size: number;
}

/**
 * Read several regular files in one round trip (for `--diff` of many files). A missing or
 * unreadable file reads as null; a file larger than Ansible's diff limit (MAX_DIFF_BYTES)
 * only as its size, so a diff never pulls a large file into memory. In check mode,
 * predicted content wins.
 */
export async function readFiles(ctx: ModuleContext<unknown>, paths: readonly string[]): Promise<Map<string, Buffer | null | TooLargeToDiff>> {
  const out = new Map<string, Buffer | null | TooLargeToDiff>();
  const remote = ctx.check ? paths.filter((p) => !Buffer.isBuffer(ctx.predicted.file(p)) && ctx.predicted.file(p) !== 'absent') : [...paths];
  if (ctx.check) {
    for (const p of paths) {
      const f = ctx.predicted.file(p);
      if (Buffer.isBuffer(f)) out.set(p, f);
      else if (f === 'absent') out.set(p, null);
    }
  }
  const scripts: string[][] = [[]];
  let size = 0;
  for (const p of remote) {
    const q = quote(p);
    const line = `if [ -f ${q} ] && [ -r ${q} ]; then s=$(wc -c < ${q}); echo $s; [ $s -gt ${MAX_DIFF_BYTES} ] || cat -- ${q}; else echo -1; fi`;
    if (size + line.length > MAX_SCRIPT_BYTES) {
      scripts.push([]);
      size = 0;
    }
    scripts[scripts.length - 1]!.push(line);
    size += line.length + 1;
  }
  let index = 0;
  for (const lines of scripts) {
    if (!lines.length) continue;
    const res = await ctx.run(lines.join('\n'));
    if (res.rc !== 0) throw new RemoteCommandError(`could not read files for --diff: ${res.stderr.trim() || `exit ${res.rc}`}`, res);
    failIfTruncated(ctx, res, lines.length === 1 ? remote[index]! : `${lines.length} files`);
    const buf = res.stdoutBuffer;
    let pos = 0;
    for (let i = 0; i < lines.length; i++) {
      const nl = buf.indexOf(0x0a, pos);
      const size = Number(buf.subarray(pos, nl).toString('ascii').trim());
      pos = nl + 1;
      const path = remote[index++]!;
      if (size < 0) out.set(path, null);
      else if (size > MAX_DIFF_BYTES) out.set(path, { size });
      else {
        out.set(path, Buffer.from(buf.subarray(pos, pos + size)));
        pos += size;
      }
    }
  }
  return out;
}

/**
 * Check mode: whether earlier tasks of this run would have created (true) or removed
 * (false) `path`; undefined when no prediction concerns it.
 */
export function predictedExistence(ctx: ModuleContext<unknown>, path: string): boolean | undefined {
  if (!ctx.check) return undefined;
  const p = predictedKind(ctx, posix.normalize(path));
  return p === undefined ? undefined : p.kind !== 'absent';
}
