/**
 * Reading and writing the small text config files that `ini_set`, `ifcfg` and `sysctl`
 * edit. One round trip reads the content AND what the edit needs around it (mode/owner,
 * whether the parent directory exists); in check mode the content an earlier task would
 * have written (or the fact that a package an earlier task installs would provide the file)
 * takes the place of what is on the host, so predictions chain from task to task.
 */
import { failIfTruncated } from './path-state.js';
import type { DiffEntry, ModuleContext } from '../../core/modules/api.js';
import { chmodCommand, chownCommand } from '../../core/transport/operands.js';

export interface FileAttributes {
  /** Octal permission bits as a number (0o644). */
  mode: number;
  uid: string;
  gid: string;
  user: string;
  group: string;
}

export interface ConfigFileState {
  path: string;
  /**
   * The content to edit: the host's, or in check mode what earlier tasks would leave. Null:
   * missing. For a file a package would provide (`fromPackage`), only what earlier tasks of
   * this check run set in it (null before the first of them).
   */
  content: Buffer | null;
  /** Check mode: missing on the host, but a package an earlier task would install provides it. */
  fromPackage: boolean;
  /** Attributes of the file on the host (null when it is not there yet). */
  attrs: FileAttributes | null;
  /** Whether the parent directory exists on the host (a new file may need `mkdir -p`). */
  parentExists: boolean;
}

/** The one-round-trip read script: a header line, then the raw bytes of the file. */
export function readScript(path: string, quote: (w: string) => string): string {
  const q = quote(path);
  return [
    `p=${q}`,
    'if [ -e "$p" ]; then',
    `  if [ -d "$p" ]; then echo "$p is a directory, not a file" >&2; exit 4; fi`,
    `  a=$(stat -L -c '%a %u %g %U %G' -- "$p") || exit 5`,
    `  printf 'present %s\\n' "$a"`,
    '  exec cat -- "$p"',
    'fi',
    'd=$(dirname -- "$p")',
    'if [ -d "$d" ]; then echo "absent 1"; exit 0; fi',
    // A missing parent is made with mkdir -p, which fails below a file: say so now, in check
    // mode too, rather than predict a change the real run cannot make.
    'while [ ! -e "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do d=$(dirname -- "$d"); done',
    'if [ -e "$d" ] && [ ! -d "$d" ]; then echo "$d is not a directory" >&2; exit 6; fi',
    'echo "absent 0"',
  ].join('\n');
}

/** Parse the read script's output; throws on a malformed header (a bug, not user input). */
export function parseReadOutput(stdout: Buffer): { content: Buffer | null; attrs: FileAttributes | null; parentExists: boolean } {
  const nl = stdout.indexOf(0x0a);
  const header = stdout.subarray(0, nl === -1 ? stdout.length : nl).toString('utf8');
  const words = header.split(' ');
  if (words[0] === 'absent') return { content: null, attrs: null, parentExists: words[1] === '1' };
  if (words[0] !== 'present' || words.length < 6) throw new Error(`unexpected output from the file read script: ${JSON.stringify(header)}`);
  const [, mode, uid, gid, user, group] = words as [string, string, string, string, string, string];
  return {
    content: stdout.subarray(nl + 1),
    attrs: { mode: parseInt(mode, 8), uid, gid, user, group },
    parentExists: true,
  };
}

/**
 * Check mode keeps what tasks set in a file whose packaged content is unknown here, apart
 * from the file predictions, which stay 'exists' so other modules still know that the
 * content is not known.
 */
const PACKAGE_OVERLAY_NS = 'config-file-overlay';

/**
 * Read `path` in one round trip. `preamble` is a shell snippet run first in the same
 * command that prints exactly one line (e.g. the live value of a sysctl key); that line is
 * returned as `preambleLine`.
 */
export async function readConfigFile(ctx: ModuleContext<unknown>, path: string): Promise<ConfigFileState>;
export async function readConfigFile(ctx: ModuleContext<unknown>, path: string, preamble: string): Promise<ConfigFileState & { preambleLine: string }>;
export async function readConfigFile(ctx: ModuleContext<unknown>, path: string, preamble?: string): Promise<ConfigFileState & { preambleLine?: string }> {
  const script = preamble === undefined ? readScript(path, ctx.quote) : `${preamble}\n${readScript(path, ctx.quote)}`;
  const res = await ctx.run(script);
  if (res.rc !== 0) {
    const why = res.stderr.trim() || `exit status ${res.rc}`;
    ctx.fail(`cannot read ${path} on ${ctx.host.name}: ${why}`, { path, rc: res.rc });
  }
  failIfTruncated(ctx, res, path);
  let stdout = res.stdoutBuffer;
  let preambleLine: string | undefined;
  if (preamble !== undefined) {
    const nl = stdout.indexOf(0x0a);
    preambleLine = stdout.subarray(0, nl === -1 ? stdout.length : nl).toString('utf8');
    stdout = stdout.subarray(nl + 1);
  }
  const read = parseReadOutput(stdout);
  const state: ConfigFileState & { preambleLine?: string } = { path, content: read.content, fromPackage: false, attrs: read.attrs, parentExists: read.parentExists };
  if (preambleLine !== undefined) state.preambleLine = preambleLine;
  if (ctx.check) {
    const predicted = ctx.predicted.file(path);
    if (Buffer.isBuffer(predicted)) {
      state.content = predicted;
    } else if (predicted === 'absent') {
      state.content = null;
    } else if (predicted === 'exists' && state.content === null) {
      state.fromPackage = true;
      state.content = ctx.predicted.get<Buffer>(PACKAGE_OVERLAY_NS, path) ?? null;
      // The package creates the directory too.
      state.parentExists = true;
    }
  }
  return state;
}

export interface AttributeWish {
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
}

/** Validate a `mode` argument: octal digits only ('0644', '644', '1777'). */
export function parseMode(mode: string): number | null {
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(mode.trim());
  return m ? parseInt(m[1]!, 8) : null;
}

export function checkModeArgument(ctx: ModuleContext<unknown>, mode: string | undefined): void {
  if (mode !== undefined && parseMode(mode) === null) {
    ctx.fail(`argument 'mode' must be octal permissions such as '0644' (got ${JSON.stringify(mode)}); symbolic modes are not supported`);
  }
}

/** What would change in mode/owner/group of an existing file ("mode 0600 -> 0640"). */
export function attributeChanges(attrs: FileAttributes, wish: AttributeWish): string[] {
  const out: string[] = [];
  const octal = (n: number): string => `0${n.toString(8).padStart(3, '0')}`;
  const mode = wish.mode === undefined ? null : parseMode(wish.mode);
  if (mode !== null && mode !== attrs.mode) out.push(`mode ${octal(attrs.mode)} -> ${octal(mode)}`);
  if (wish.owner !== undefined && wish.owner !== attrs.user && wish.owner !== attrs.uid) out.push(`owner ${attrs.user} -> ${wish.owner}`);
  if (wish.group !== undefined && wish.group !== attrs.group && wish.group !== attrs.gid) out.push(`group ${attrs.group} -> ${wish.group}`);
  return out;
}

/** Apply mode/owner/group to an existing file whose content stays (one command). */
export async function applyAttributes(ctx: ModuleContext<unknown>, path: string, wish: AttributeWish): Promise<void> {
  if (ctx.check) return;
  const q = ctx.quote(path);
  const cmds: string[] = [];
  if (wish.mode !== undefined) cmds.push(chmodCommand(wish.mode, q));
  if (wish.owner !== undefined || wish.group !== undefined) {
    cmds.push(chownCommand(`${wish.owner ?? ''}${wish.group !== undefined ? `:${wish.group}` : ''}`, q));
  }
  if (cmds.length === 0) return;
  const res = await ctx.run(cmds.join(' && '));
  if (res.rc !== 0) ctx.fail(`cannot set ${describeWish(wish)} on ${path} on ${ctx.host.name}: ${res.stderr.trim() || `exit status ${res.rc}`}`);
}

function describeWish(wish: AttributeWish): string {
  return Object.entries(wish)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/**
 * Write new content atomically (check mode: record the prediction). Creates the parent
 * directory when the file is new and its directory is missing, as Ansible's ini_file does.
 */
export async function writeConfigFile(
  ctx: ModuleContext<unknown>,
  state: ConfigFileState,
  content: string | Buffer,
  options: AttributeWish & { backup?: boolean } = {},
): Promise<{ backupFile?: string }> {
  if (ctx.check && state.fromPackage) {
    ctx.predicted.set(PACKAGE_OVERLAY_NS, state.path, Buffer.from(content));
    return {};
  }
  if (!ctx.check && !state.parentExists) {
    const res = await ctx.run(`mkdir -p -- "$(dirname -- ${ctx.quote(state.path)})"`);
    if (res.rc !== 0) ctx.fail(`cannot create the directory of ${state.path} on ${ctx.host.name}: ${res.stderr.trim()}`);
  }
  const writeOptions: { mode?: string; owner?: string; group?: string; backup?: boolean } = {};
  if (options.mode !== undefined) writeOptions.mode = options.mode;
  if (options.owner !== undefined) writeOptions.owner = options.owner;
  if (options.group !== undefined) writeOptions.group = options.group;
  if (options.backup) writeOptions.backup = true;
  return ctx.writeFile(state.path, content, writeOptions);
}

/** Remove a file (check mode: record that it would be gone). */
export async function removeConfigFile(ctx: ModuleContext<unknown>, path: string): Promise<void> {
  if (ctx.check) {
    ctx.predicted.setFile(path, 'absent');
    return;
  }
  const res = await ctx.run(`rm -f -- ${ctx.quote(path)}`);
  if (res.rc !== 0) ctx.fail(`cannot remove ${path} on ${ctx.host.name}: ${res.stderr.trim() || `exit status ${res.rc}`}`);
  ctx.facts.invalidate(`file:${path}`);
}

/** A `--diff` entry for a file's content, in Ansible's header style. */
export function contentDiff(state: ConfigFileState, before: string, after: string): DiffEntry {
  if (state.fromPackage) {
    return {
      before,
      after,
      beforeHeader: `${state.path} (content; created by an earlier task, e.g. a package it installs: not known in check mode)`,
      afterHeader: `${state.path} (content; what tsplay sets in it)`,
    };
  }
  const note = state.content === null ? '; new file' : '';
  return { before, after, beforeHeader: `${state.path} (content${note})`, afterHeader: `${state.path} (content)` };
}

/** Message suffix for a change predicted on a package-provided file. */
export const FROM_PACKAGE_NOTE = 'the file is created by an earlier task, e.g. a package it installs';

/**
 * Text view of a file's bytes that can be turned back into the same bytes. Valid UTF-8 is
 * edited as text; anything else (a Latin-1 comment, say) is edited as a byte string, with
 * new values inserted as their UTF-8 bytes, so the untouched bytes survive exactly.
 */
export interface DecodedText {
  text: string;
  /** Convert a value from the playbook into the same representation as `text`. */
  fromUser(value: string): string;
  /** Back to bytes. */
  encode(text: string): Buffer;
  /** Turn text of this representation into something printable (for diffs/messages). */
  display(text: string): string;
}

export function decodeText(bytes: Buffer | null): DecodedText {
  const buf = bytes ?? Buffer.alloc(0);
  const utf8 = buf.toString('utf8');
  if (Buffer.from(utf8, 'utf8').equals(buf)) {
    return { text: utf8, fromUser: (v) => v, encode: (t) => Buffer.from(t, 'utf8'), display: (t) => t };
  }
  return {
    text: buf.toString('latin1'),
    fromUser: (v) => Buffer.from(v, 'utf8').toString('latin1'),
    encode: (t) => Buffer.from(t, 'latin1'),
    display: (t) => Buffer.from(t, 'latin1').toString('utf8'),
  };
}
