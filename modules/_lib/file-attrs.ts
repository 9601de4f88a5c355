/**
 * Ansible's common file arguments (`mode`, `owner`, `group`): parse them once, compare with
 * a path's current state in the controller, and produce exactly the chmod/chown needed.
 */
import type { DiffEntry, JsonSchema, ModuleContext } from '../../core/modules/api.js';
import { NOT_AN_OPTION } from '../../core/modules/validate-args.js';
import type { Attributes } from './apply-plan.js';
import { stateDiff } from './diff.js';
import { chmodArgument, formatMode, ModeError, parseMode, resultingMode, type ModeArg, type ParsedMode } from './file-mode.js';
import type { PathState } from './path-state.js';

export interface AttrArgs {
  mode?: ModeArg;
  owner?: string;
  group?: string;
}

export interface DesiredAttrs {
  mode?: ParsedMode;
  owner?: string;
  group?: string;
}

/**
 * An owner or group: never an option (chown would read `--reference=/etc/shadow` as one) and
 * no ':' (it would turn an owner into owner:group). Empty means "leave it alone".
 */
export function ownerSchema(description: string): JsonSchema {
  return { type: 'string', pattern: `${NOT_AN_OPTION}[^:]*$`, description };
}

/** Schema properties for the common file arguments. */
export const attrSchema: Record<string, JsonSchema> = {
  mode: {
    type: ['string', 'number'],
    description: "Octal ('0644'), a number (the mode value, as YAML 1.1 reads 0644), or symbolic ('u=rw,g=r,o=r', 'u+x').",
  },
  owner: ownerSchema("User name or uid that should own the file (not starting with '-', no ':')."),
  group: ownerSchema("Group name or gid that should own the file (not starting with '-', no ':')."),
};

export function parseAttrs(ctx: ModuleContext<unknown>, args: AttrArgs, allowPreserve = false): DesiredAttrs {
  const out: DesiredAttrs = {};
  if (args.mode !== undefined && args.mode !== null && args.mode !== '') {
    try {
      out.mode = parseMode(args.mode);
    } catch (err) {
      if (err instanceof ModeError) ctx.fail(err.message);
      throw err;
    }
    if (out.mode.kind === 'preserve' && !allowPreserve) ctx.fail("mode 'preserve' is only valid with copy and template");
  }
  if (args.owner) out.owner = String(args.owner);
  if (args.group) out.group = String(args.group);
  return out;
}

function sameUser(name: string, id: number | undefined, wanted: string): boolean {
  return wanted === name || (id !== undefined && wanted === String(id));
}

export interface AttrComparison {
  changed: boolean;
  /** Only what differs, ready for apply-plan. */
  op: Attributes;
  diff?: DiffEntry;
}

/**
 * Compare `desired` with an existing path. `preserveFrom` supplies the mode for
 * `mode: preserve` (the source file's mode).
 */
export function compareAttrs(state: PathState, desired: DesiredAttrs, preserveFrom?: number): AttrComparison {
  const op: Attributes = {};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const isDir = state.kind === 'directory';
  if (desired.mode && state.mode !== undefined) {
    const spec: ParsedMode | undefined =
      desired.mode.kind === 'preserve' ? (preserveFrom !== undefined ? { kind: 'octal', mode: preserveFrom } : undefined) : desired.mode;
    if (spec) {
      const target = resultingMode(state.mode, spec, isDir);
      if (target !== (state.mode & 0o7777)) {
        op.chmod = spec.kind === 'octal' ? formatMode(spec.mode) : chmodArgument(spec);
        op.resultMode = target;
        before.mode = formatMode(state.mode);
        after.mode = formatMode(target);
      }
    }
  }
  if (desired.owner && !sameUser(state.owner ?? '', state.uid, desired.owner)) {
    op.owner = desired.owner;
    before.owner = state.owner;
    after.owner = desired.owner;
  }
  if (desired.group && !sameUser(state.group ?? '', state.gid, desired.group)) {
    op.group = desired.group;
    before.group = state.group;
    after.group = desired.group;
  }
  const changed = op.chmod !== undefined || op.owner !== undefined || op.group !== undefined;
  const diff = changed ? stateDiff(state.path, before, after) : undefined;
  return diff ? { changed, op, diff } : { changed, op };
}

/** Attributes for a file this task creates: everything asked for applies. */
export function creationAttrs(desired: DesiredAttrs, isDir: boolean, preserveFrom?: number): Attributes {
  const op: Attributes = {};
  const base = isDir ? 0o755 : 0o644;
  const spec: ParsedMode | undefined =
    desired.mode?.kind === 'preserve' ? (preserveFrom !== undefined ? { kind: 'octal', mode: preserveFrom } : undefined) : desired.mode;
  if (spec) {
    op.resultMode = resultingMode(base, spec, isDir);
    op.chmod = spec.kind === 'octal' ? formatMode(spec.mode) : formatMode(op.resultMode);
  }
  if (desired.owner) op.owner = desired.owner;
  if (desired.group) op.group = desired.group;
  return op;
}

/** Values Ansible returns for a path after the task: mode, owner, group, uid, gid, size. */
export function attrResult(state: PathState, applied: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const mode = applied.resultMode ?? state.mode;
  if (mode !== undefined) out.mode = formatMode(mode);
  const owner = applied.owner ?? state.owner;
  const group = applied.group ?? state.group;
  if (owner !== undefined) out.owner = owner;
  if (group !== undefined) out.group = group;
  if (state.uid !== undefined && !applied.owner) out.uid = state.uid;
  if (state.gid !== undefined && !applied.group) out.gid = state.gid;
  return out;
}
