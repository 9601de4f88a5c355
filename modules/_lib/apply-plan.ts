/**
 * Carry out a file plan - directories to create, files to write, attributes to set - in ONE
 * round trip per batch: one shell script, with every file's bytes concatenated on stdin.
 * Each file is written like `ctx.writeFile` does (temp file in the same directory, byte
 * count check, mode/owner, optional backup and `validate`, then rename), so an interrupted
 * run never leaves a half-written file. In check mode nothing runs: the plan is recorded as
 * predictions for later tasks.
 */
import { posix } from 'node:path';
import type { ModuleContext } from '../../core/modules/api.js';
import { RemoteCommandError } from '../../core/transport/remote-shell.js';
import { chmodCommand, chownCommand, ownerSpec as chownSpec, pathOperand } from '../../core/transport/operands.js';
import { backupCommand } from '../../core/transport/remote-shell.js';
import { quote, splitArgs } from '../../core/transport/shell-quote.js';
import type { StreamedInput } from '../../core/transport/transport.js';
import { recordPrediction, type PredictedPath } from './path-state.js';

export interface Attributes {
  /** chmod argument (octal or symbolic). */
  chmod?: string;
  owner?: string;
  group?: string;
  /** The mode this results in, for check-mode predictions. */
  resultMode?: number;
}

export interface MkdirOp extends Attributes {
  path: string;
  /** Create missing parents too (mkdir -p); attributes apply to `path` only. */
  parents?: boolean;
}

/** A controller file sent as it is read (large `copy` sources): never held in memory whole. */
export interface ControllerFile {
  file: string;
  size: number;
}

export interface WriteOp extends Attributes {
  path: string;
  /** The bytes to write, sent on stdin (a large controller file is streamed)... */
  data: Buffer | ControllerFile;
  /** ...or a file on the host to copy them from (copy's remote_src); `data` is then empty. */
  fromHostPath?: string;
  backup?: boolean;
  /** Ansible's `validate`: a command with `%s`, run on the temp file before it replaces `path`. */
  validate?: string;
}

export interface AttrOp extends Attributes {
  path: string;
  recurse?: boolean;
  /** Change a symbolic link itself, not its target (chown -h). */
  noDereference?: boolean;
  /** Kind of the path, for check-mode predictions. */
  kind: PredictedPath['kind'];
}

export interface FilePlan {
  mkdirs?: MkdirOp[];
  writes?: WriteOp[];
  attrs?: AttrOp[];
}

export interface PlanResult {
  /** Backup file per written path (only paths that existed and asked for `backup`). */
  backups: Record<string, string>;
}

const VALIDATE_FAILED = 96;
const BLOCK = 65536;
const MAX_SCRIPT_BYTES = 96 * 1024;

export class ValidationError extends Error {
  override name = 'ValidationError';
}

function ownerSpec(a: Attributes): string | undefined {
  return chownSpec(a.owner, a.group);
}

function attrLines(target: string, a: Attributes, flags = ''): string[] {
  const lines: string[] = [];
  const spec = ownerSpec(a);
  // chown first: changing the owner may clear setuid/setgid bits that chmod then sets.
  if (spec) lines.push(`${chownCommand(spec, target, flags)} || exit 1`);
  if (a.chmod) lines.push(`${chmodCommand(a.chmod, target, flags.replace('-h ', ''))} || exit 1`);
  return lines;
}

/** `validate` with its `%s` replaced by the temp file "$t"; words quoted, no shell involved. */
export function validateCommand(validate: string): string {
  if (!validate.includes('%s')) throw new ValidationError(`validate must contain %s (the file to check): ${validate}`);
  return splitArgs(validate)
    .map((word) => word.split('%s').map((piece) => (piece === '' ? '' : quote(piece))).join('"$t"'))
    .join(' ');
}

function readExactly(size: number): string {
  if (size === 0) return ': > "$t"';
  const full = Math.floor(size / BLOCK);
  const rest = size % BLOCK;
  const parts: string[] = [];
  // status=none silences dd's record counts but not its errors: a full disk must say so.
  if (full) parts.push(`dd bs=${BLOCK} count=${full} iflag=fullblock status=none`);
  if (rest) parts.push(`dd bs=${rest} count=1 iflag=fullblock status=none`);
  return `{ ${parts.join(' && ')}; } > "$t" || exit 98`;
}

function sizeOf(data: Buffer | ControllerFile): number {
  return Buffer.isBuffer(data) ? data.length : data.size;
}

function writeLines(op: WriteOp, index: number): string[] {
  const q = quote(op.path);
  // './' for a relative dest such as '-x/f': neither mktemp nor the user's `validate`
  // command (which gets "$t") may read the temp file's name as an option.
  const dir = pathOperand(posix.dirname(op.path));
  const lines = [
    `t=$(mktemp -- ${dir}/.tsplay-tmp.XXXXXXXX) || exit 97`,
    `trap 'rm -f -- "$t"' EXIT HUP INT TERM PIPE`,
    ...(op.fromHostPath !== undefined
      ? [`cp -- ${quote(op.fromHostPath)} "$t" || exit 1`]
      : [
          readExactly(sizeOf(op.data)),
          `[ "$(wc -c < "$t")" -eq ${sizeOf(op.data)} ] || { echo "tsplay: short write to ${op.path.replace(/[^\w./-]/g, '?')}" >&2; exit 99; }`,
        ]),
    `if [ -e ${q} ]; then chown --reference=${q} -- "$t" 2>/dev/null; chmod --reference=${q} -- "$t"; else chmod 0644 -- "$t"; fi`,
    ...attrLines('"$t"', op),
  ];
  if (op.validate) {
    lines.push(
      `v=$(${validateCommand(op.validate)} 2>&1 </dev/null); r=$?`,
      `if [ $r -ne 0 ]; then printf 'rc:%s error:%s' "$r" "$v" >&2; exit ${VALIDATE_FAILED}; fi`,
    );
  }
  if (op.backup) {
    lines.push(`if [ -e ${q} ]; then ${backupCommand(q)}; printf '${index}\\000%s\\000' "$b"; fi`);
  }
  lines.push(`mv -f -- "$t" ${q} || exit 1`, 'trap - EXIT HUP INT TERM PIPE');
  return lines;
}

function mkdirLines(op: MkdirOp): string[] {
  const q = quote(op.path);
  return [`[ -d ${q} ] || mkdir ${op.parents ? '-p ' : ''}-- ${q} || exit 1`, ...attrLines(q, op)];
}

/**
 * Attribute changes, one chmod/chown per distinct change rather than per path: a tree whose
 * 500 files all need mode 0644 costs one chmod with 500 arguments.
 */
function attrGroups(ops: readonly AttrOp[]): string[][] {
  const groups = new Map<string, AttrOp[]>();
  for (const op of ops) {
    const key = JSON.stringify([op.recurse, op.noDereference, op.chmod, ownerSpec(op)]);
    groups.set(key, [...(groups.get(key) ?? []), op]);
  }
  const out: string[][] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const flags = `${first.recurse ? '-R ' : ''}${first.noDereference ? '-h ' : ''}`;
    let words: string[] = [];
    let size = 0;
    const flush = () => {
      if (words.length) out.push(attrLines(words.join(' '), first, flags));
      words = [];
      size = 0;
    };
    for (const op of group) {
      const word = quote(op.path);
      if (size + word.length > MAX_SCRIPT_BYTES / 4) flush();
      words.push(word);
      size += word.length + 1;
    }
    flush();
  }
  return out;
}

interface Batch {
  script: string[];
  stdin: Array<Buffer | ControllerFile>;
  writes: WriteOp[];
}

/** Split the plan into scripts that each fit in one command line (pure; unit-tested). */
export function planScripts(plan: FilePlan): Array<{ script: string; stdin: Buffer | StreamedInput; writes: WriteOp[] }> {
  const batches: Batch[] = [];
  let current: Batch = { script: ['set -u'], stdin: [], writes: [] };
  let size = 0;
  const add = (lines: (index: number) => string[], write?: WriteOp) => {
    let text = lines(current.writes.length).join('\n');
    if (size > 0 && size + text.length > MAX_SCRIPT_BYTES) {
      batches.push(current);
      current = { script: ['set -u'], stdin: [], writes: [] };
      size = 0;
      text = lines(0).join('\n');
    }
    current.script.push(text);
    size += text.length + 1;
    if (write) {
      current.stdin.push(write.data);
      current.writes.push(write);
    }
  };
  for (const op of plan.mkdirs ?? []) add(() => mkdirLines(op));
  for (const op of plan.writes ?? []) add((index) => writeLines(op, index), op);
  for (const lines of attrGroups(plan.attrs ?? [])) add(() => lines);
  if (size > 0) batches.push(current);
  return batches.map((b) => ({
    script: b.script.join('\n'),
    // All in memory already: one buffer. With a controller file among them: streamed in order.
    stdin: b.stdin.every((p) => Buffer.isBuffer(p)) ? Buffer.concat(b.stdin as Buffer[]) : { parts: b.stdin.filter((p) => !Buffer.isBuffer(p) || p.length > 0) },
    writes: b.writes,
  }));
}

function isEmpty(plan: FilePlan): boolean {
  return !plan.mkdirs?.length && !plan.writes?.length && !plan.attrs?.length;
}

/** Execute (or, in check mode, record) the plan. Fails the task with the host's message. */
export async function applyPlan(ctx: ModuleContext<unknown>, plan: FilePlan): Promise<PlanResult> {
  const backups: Record<string, string> = {};
  if (isEmpty(plan)) return { backups };
  try {
    for (const op of plan.writes ?? []) if (op.validate) validateCommand(op.validate);
  } catch (err) {
    ctx.fail((err as Error).message);
  }
  if (ctx.check) {
    for (const op of plan.mkdirs ?? []) recordPrediction(ctx, op.path, predicted('directory', op));
    for (const op of plan.writes ?? []) {
      // A streamed file's content is not kept in memory: later tasks know it exists.
      ctx.predicted.setFile(op.path, op.fromHostPath !== undefined || !Buffer.isBuffer(op.data) ? 'exists' : op.data);
      recordPrediction(ctx, op.path, predicted('file', op));
    }
    for (const op of plan.attrs ?? []) recordPrediction(ctx, op.path, predicted(op.kind, op));
    return { backups };
  }
  for (const batch of planScripts(plan)) {
    const hasInput = Buffer.isBuffer(batch.stdin) ? batch.stdin.length > 0 : batch.stdin.parts.length > 0;
    const res = await ctx.run(batch.script, hasInput ? { stdin: batch.stdin } : {});
    for (const w of batch.writes) ctx.facts.invalidate(`file:${w.path}`);
    if (res.rc === VALIDATE_FAILED) ctx.fail(`failed to validate: ${res.stderr.trim()}`);
    if (res.rc !== 0) {
      const what = batch.writes.length === 1 ? `could not write ${batch.writes[0]!.path}` : 'could not apply the changes';
      throw new RemoteCommandError(`${what}: ${res.stderr.trim() || `exit ${res.rc}`}`, res);
    }
    const fields = res.stdout.split('\0');
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const write = batch.writes[Number(fields[i])];
      if (write) backups[write.path] = fields[i + 1]!;
    }
  }
  return { backups };
}

function predicted(kind: PredictedPath['kind'], a: Attributes): Omit<PredictedPath, 'seq' | 'fileMark'> {
  const p: Omit<PredictedPath, 'seq' | 'fileMark'> = { kind };
  if (a.resultMode !== undefined) p.mode = a.resultMode;
  if (a.owner !== undefined) p.owner = a.owner;
  if (a.group !== undefined) p.group = a.group;
  return p;
}
