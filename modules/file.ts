/**
 * `file`: make a path be a file, directory, symbolic or hard link, or absent, with the
 * wanted mode/owner/group. One stat command reports the path, its missing ancestors, the
 * link source and (for `recurse`) everything below; the controller decides; one script acts.
 */
import { posix } from 'node:path';
import { defineModule, type DiffEntry, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { chmodCommand, chownCommand, ownerSpec } from '../core/transport/operands.js';
import { quote } from '../core/transport/shell-quote.js';
import { requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { applyPlan, type AttrOp, type MkdirOp } from './_lib/apply-plan.js';
import { stateDiff } from './_lib/diff.js';
import { attrResult, attrSchema, compareAttrs, creationAttrs, parseAttrs, type AttrArgs, type DesiredAttrs } from './_lib/file-attrs.js';
import { chmodArgument, formatMode, resultingMode } from './_lib/file-mode.js';
import { recordPrediction, statPathThen, statPaths, type PathKind, type PathState, type TreeEntry } from './_lib/path-state.js';

type State = 'file' | 'directory' | 'link' | 'hard' | 'absent' | 'touch';

interface FileArgs extends AttrArgs {
  path?: string;
  state?: State;
  src?: string;
  recurse: boolean;
  force: boolean;
  follow: boolean;
  modification_time?: string;
  access_time?: string;
}

const ALIASES = { path: ['dest', 'name'] };

/** Ansible's names for what a path currently is. */
function stateName(kind: PathKind): string {
  if (kind === 'directory' || kind === 'file' || kind === 'link' || kind === 'absent') return kind;
  return kind === 'other' ? 'file' : kind;
}

function stateHeader(path: string): string {
  return `${path} (state)`;
}

/** Ancestors of an absolute or relative path, nearest first, excluding '/' and '.'. */
function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let p = posix.dirname(path); p !== '/' && p !== '.' && p !== posix.dirname(p); p = posix.dirname(p)) out.push(p);
  return out;
}

function result(path: string, state: string, changed: boolean, diff: Array<DiffEntry | undefined>, extra: Record<string, unknown> = {}): ModuleResult {
  const entries = diff.filter((d): d is DiffEntry => d !== undefined);
  return { changed, path, state, ...extra, ...(entries.length ? { diff: entries } : {}) };
}

async function absent(ctx: ModuleContext<FileArgs>, s: PathState): Promise<ModuleResult> {
  if (s.kind === 'absent') return result(s.path, 'absent', false, []);
  const diff = stateDiff(s.path, { state: stateName(s.kind) }, { state: 'absent' }, stateHeader(s.path));
  if (ctx.check) recordPrediction(ctx, s.path, { kind: 'absent' });
  else {
    const res = await ctx.run(`rm -rf -- ${quote(s.path)}`);
    if (res.rc !== 0) ctx.fail(`could not remove ${s.path}: ${res.stderr.trim()}`);
  }
  return result(s.path, 'absent', true, [diff]);
}

/** Entries below a directory whose mode/owner/group differ from what `recurse` asks. */
function entriesToChange(s: PathState, desired: DesiredAttrs): TreeEntry[] {
  return (s.tree ?? []).filter((e) => {
    if (e.type === 'l') return false; // chmod/chown -R leave symbolic links alone
    if (desired.mode && resultingMode(e.mode, desired.mode, e.type === 'd') !== e.mode) return true;
    if (desired.owner && desired.owner !== e.owner && desired.owner !== String(e.uid)) return true;
    return Boolean(desired.group && desired.group !== e.group && desired.group !== String(e.gid));
  });
}

/** --diff for recurse: which entries below change, before and after (first few listed). */
function treeDiff(root: string, entries: TreeEntry[], desired: DesiredAttrs): DiffEntry {
  const shown = entries.slice(0, 20);
  const more = entries.length > shown.length ? [`... and ${entries.length - shown.length} more\n`] : [];
  const line = (e: TreeEntry, mode: number, owner: string, group: string) => `${e.path}: ${formatMode(mode)} ${owner}:${group}\n`;
  return {
    before: [...shown.map((e) => line(e, e.mode, e.owner, e.group)), ...more].join(''),
    after: [
      ...shown.map((e) => line(e, desired.mode ? resultingMode(e.mode, desired.mode, e.type === 'd') : e.mode, desired.owner ?? e.owner, desired.group ?? e.group)),
      ...more,
    ].join(''),
    beforeHeader: `${root} (recurse)`,
    afterHeader: `${root} (recurse)`,
  };
}

async function directory(ctx: ModuleContext<FileArgs>, s: PathState, ancestors: PathState[], desired: DesiredAttrs): Promise<ModuleResult> {
  const a = ctx.args;
  if (s.kind !== 'absent' && s.kind !== 'directory') ctx.fail(`${s.path} already exists as a ${stateName(s.kind)}`);
  if (s.kind === 'absent') {
    // Like Ansible, every directory we create (missing parents too) gets the mode/owner/group.
    const missing = [s, ...ancestors.filter((p, i) => p.kind === 'absent' && ancestors.slice(0, i).every((q) => q.kind === 'absent'))];
    const blocking = ancestors.find((p) => p.kind !== 'absent' && p.kind !== 'directory');
    if (blocking && missing.length > ancestors.indexOf(blocking)) ctx.fail(`cannot create ${s.path}: ${blocking.path} is a ${stateName(blocking.kind)}`);
    const op = creationAttrs(desired, true);
    const mkdirs: MkdirOp[] = missing.reverse().map((m) => ({ path: m.path, ...op }));
    await applyPlan(ctx, { mkdirs });
    const diff = stateDiff(s.path, { state: 'absent' }, { state: 'directory' }, stateHeader(s.path));
    return result(s.path, 'directory', true, [diff], { mode: formatMode(op.resultMode ?? 0o755), ...(a.owner ? { owner: a.owner } : {}), ...(a.group ? { group: a.group } : {}) });
  }
  const cmp = compareAttrs(s, desired);
  const attrs: AttrOp[] = [];
  const below = a.recurse ? entriesToChange(s, desired) : [];
  const treeChanged = below.length > 0;
  if (a.recurse) {
    if (treeChanged) {
      const op: AttrOp = { path: s.path, kind: 'directory', recurse: true };
      if (desired.mode) op.chmod = chmodArgument(desired.mode);
      if (desired.owner) op.owner = desired.owner;
      if (desired.group) op.group = desired.group;
      if (cmp.op.resultMode !== undefined) op.resultMode = cmp.op.resultMode;
      attrs.push(op);
    }
  }
  if (!treeChanged && cmp.changed) attrs.push({ path: s.path, kind: 'directory', ...cmp.op });
  await applyPlan(ctx, { attrs });
  const diffs: Array<DiffEntry | undefined> = [cmp.diff];
  if (treeChanged) diffs.push(treeDiff(s.path, below, desired));
  return result(s.path, 'directory', cmp.changed || treeChanged, diffs, attrResult(s, cmp.op));
}

/** The commands that touch a path and give it `op`'s owner, group and mode. */
function touchScript(path: string, op: { owner?: string; group?: string; chmod?: string }, timesFlag = ''): string {
  const q = quote(path);
  const lines = [`touch ${timesFlag}-- ${q} || exit 1`];
  const spec = ownerSpec(op.owner, op.group);
  if (spec) lines.push(`${chownCommand(spec, q)} || exit 1`);
  if (op.chmod) lines.push(`${chmodCommand(op.chmod, q)} || exit 1`);
  return lines.join('\n');
}

/**
 * Decide and report state=touch from the path's state `s`. `acted` is the outcome when the
 * touch already ran in the same command as the stat (touchInOneTrip); otherwise this runs it.
 */
async function touch(ctx: ModuleContext<FileArgs>, s: PathState, desired: DesiredAttrs, acted?: { rc: number; stderr: string }): Promise<ModuleResult> {
  const a = ctx.args;
  if (s.kind === 'absent' && s.parentKind !== 'directory') ctx.fail(`Error, could not touch target: ${posix.dirname(s.path)} does not exist`);
  if (acted && acted.rc !== 0) ctx.fail(`could not touch ${s.path}: ${acted.stderr.trim()}`);
  const preserve = a.modification_time === 'preserve' && a.access_time === 'preserve';
  const existing = s.kind !== 'absent';
  const cmp = existing ? compareAttrs(s, desired) : undefined;
  const op = cmp ? cmp.op : creationAttrs(desired, false);
  const touches = !existing || !preserve;
  // Ansible's touch always changes the times, so it always reports changed.
  const changed = touches || Boolean(cmp?.changed);
  if (ctx.check) {
    if (!existing) ctx.predicted.setFile(s.path, Buffer.alloc(0));
    if (changed) recordPrediction(ctx, s.path, { kind: 'file', ...(op.resultMode !== undefined ? { mode: op.resultMode } : {}), ...(op.owner ? { owner: op.owner } : {}), ...(op.group ? { group: op.group } : {}) });
  } else if (changed && !acted) {
    // `touch -a`/`-m` leave the preserved timestamp alone.
    const flags = !existing ? '' : a.access_time === 'preserve' ? '-m ' : a.modification_time === 'preserve' ? '-a ' : '';
    const res = await ctx.run(touchScript(s.path, op, flags));
    if (res.rc !== 0) ctx.fail(`could not touch ${s.path}: ${res.stderr.trim()}`);
  }
  const diff = existing ? cmp?.diff : stateDiff(s.path, { state: 'absent' }, { state: 'file' }, stateHeader(s.path));
  return result(s.path, 'file', changed, [diff], attrResult(existing ? s : { ...s, mode: 0o644 }, op));
}

/**
 * state=touch with neither time preserved changes the path whatever its state, so the
 * stat and the touch go in one command (the commonest use, a log file, is then one round
 * trip, not two). The owner/group/mode are applied unconditionally, which leaves the same
 * result as applying only the differences, with two exceptions that take the two-step
 * path: a symbolic mode (its result depends on the mode read) and a chown without an
 * octal mode (chown clears setuid/setgid bits even when the owner does not change).
 */
function touchesInOneTrip(ctx: ModuleContext<FileArgs>, desired: DesiredAttrs, follow: boolean): boolean {
  const a = ctx.args;
  if (ctx.check || !follow || a.modification_time === 'preserve' || a.access_time === 'preserve') return false;
  return desired.mode?.kind === 'octal' || (!desired.mode && !desired.owner && !desired.group);
}

async function touchInOneTrip(ctx: ModuleContext<FileArgs>, path: string, desired: DesiredAttrs): Promise<ModuleResult> {
  const { state, rc, stderr } = await statPathThen(ctx, path, { follow: true }, touchScript(path, creationAttrs(desired, false)));
  return touch(ctx, state, desired, { rc, stderr });
}

async function plainFile(ctx: ModuleContext<FileArgs>, s: PathState, desired: DesiredAttrs): Promise<ModuleResult> {
  if (s.kind === 'absent') ctx.fail(`file (${s.path}) is absent, cannot continue (use state: touch to create an empty file, or copy)`);
  if (s.kind === 'directory') ctx.fail(`file (${s.path}) is a directory, cannot continue (use state: directory)`);
  const cmp = compareAttrs(s, desired);
  if (cmp.changed) await applyPlan(ctx, { attrs: [{ path: s.path, kind: 'file', ...cmp.op }] });
  return result(s.path, 'file', cmp.changed, [cmp.diff], attrResult(s, cmp.op));
}

async function link(ctx: ModuleContext<FileArgs>, s: PathState, src: PathState, hard: boolean, desired: DesiredAttrs): Promise<ModuleResult> {
  const a = ctx.args;
  const wanted = a.src!;
  const state = hard ? 'hard' : 'link';
  if (hard && src.kind === 'absent') ctx.fail(`src file does not exist: ${src.path}`);
  if (hard && src.kind === 'directory') ctx.fail(`cannot hard link a directory: ${src.path}`);
  if (!hard && src.kind === 'absent' && !a.force) {
    ctx.fail(`src file does not exist, use "force: true" if you really want to create the link: ${src.path}`);
  }
  let same = false;
  if (s.kind === 'link') same = !hard && s.linkTarget === wanted;
  else if (s.kind === 'file' && hard) same = s.inode === src.inode && s.dev === src.dev;
  if (!same && s.kind !== 'absent') {
    if (s.kind === 'directory') {
      if (hard) ctx.fail(`${s.path} is a directory; a hard link cannot replace it`);
      if (!a.force) ctx.fail(`refusing to convert from directory to symlink for ${s.path} (use force: true for an empty directory)`);
    } else if (s.kind !== 'link' && !(hard && s.kind === 'file' && a.force) && !a.force) {
      ctx.fail(`refusing to convert from ${stateName(s.kind)} to ${hard ? 'hard link' : 'symlink'} for ${s.path} (use force: true)`);
    }
  }
  if (s.kind === 'absent' && s.parentKind !== 'directory') ctx.fail(`Error while linking: ${posix.dirname(s.path)} does not exist`);
  const owners: DesiredAttrs = {};
  if (desired.owner) owners.owner = desired.owner;
  if (desired.group) owners.group = desired.group;
  // A symlink's own owner can change (chown -h); its mode cannot (Linux ignores it).
  const cmp = same ? compareAttrs(s, hard ? desired : owners) : undefined;
  const changed = !same || Boolean(cmp?.changed);
  const before: Record<string, unknown> = { state: stateName(s.kind) };
  if (s.kind === 'link') before.src = s.linkTarget;
  const diff = same ? cmp?.diff : stateDiff(s.path, before, { state, src: wanted }, stateHeader(s.path));
  if (!changed) return result(s.path, state, false, [], { src: wanted });
  if (ctx.check) {
    recordPrediction(ctx, s.path, { kind: hard ? 'hard' : 'link', ...(hard ? {} : { linkTarget: wanted }), ...(desired.owner ? { owner: desired.owner } : {}), ...(desired.group ? { group: desired.group } : {}) });
    return result(s.path, state, true, [diff], { src: wanted });
  }
  const q = quote(s.path);
  const lines = ['set -u'];
  if (!same) {
    if (s.kind === 'directory') lines.push(`rmdir -- ${q} || { echo "the directory ${s.path.replace(/[^\w./-]/g, '?')} is not empty, refusing to convert it" >&2; exit 1; }`);
    // Make the link under a temporary name, then rename it over the path: never a moment
    // without it. The name is inside a directory mktemp creates (unpredictable, 0700, ours):
    // in a shared directory nobody can plant that name, or a link at it, in advance.
    const dir = quote(posix.join(posix.dirname(s.path), '.tsplay-link.XXXXXXXX'));
    lines.push(
      `d=$(mktemp -d -- ${dir}) || exit 1`,
      `trap 'rm -rf -- "$d"' EXIT HUP INT TERM`,
      `ln ${hard ? '' : '-s '}-- ${quote(hard ? src.path : wanted)} "$d/l" || exit 1`,
      `mv -fT -- "$d/l" ${q} || exit 1`,
    );
  }
  const spec = ownerSpec(desired.owner, desired.group);
  if (spec) lines.push(`${chownCommand(spec, q, hard ? '' : '-h ')} || exit 1`);
  if (hard && desired.mode) lines.push(`${chmodCommand(chmodArgument(desired.mode), q)} || exit 1`);
  const res = await ctx.run(lines.join('\n'));
  if (res.rc !== 0) ctx.fail(`could not link ${s.path} to ${wanted}: ${res.stderr.trim()}`);
  return result(s.path, state, true, [diff], { src: wanted });
}

export default defineModule<FileArgs>({
  name: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: withAliases(
      {
        path: { type: 'string', description: 'Required. Path on the host.' },
        state: { enum: ['file', 'directory', 'link', 'hard', 'absent', 'touch'], description: 'What the path should be. Default: its current kind, or file.' },
        src: { type: 'string', description: 'Target of the link (state link or hard). Relative symlink targets are relative to the link.' },
        ...attrSchema,
        recurse: { type: 'boolean', default: false, description: 'With state directory: set mode/owner/group on everything below too.' },
        force: { type: 'boolean', default: false, description: 'Replace a file or empty directory with a link; create a symlink to a missing src.' },
        follow: { type: 'boolean', default: true, description: 'Act on the target of a symbolic link (state file, directory, touch).' },
        modification_time: { enum: ['preserve', 'now'], description: "With state touch: 'preserve' keeps the time (touch is then idempotent)." },
        access_time: { enum: ['preserve', 'now'], description: "With state touch: 'preserve' keeps the access time." },
      },
      ALIASES,
    ),
  },
  docs: {
    short: 'Manage files, directories, links and their attributes',
    description: [
      'Ensures a path is a directory, a file, a symbolic or hard link, or absent, and sets its mode, owner and',
      "group. `mode` takes octal ('0755') or symbolic ('u=rwX,g=rX,o=') forms. With `state: directory`, missing",
      'parent directories are created with the same attributes; `recurse: true` applies them to the whole',
      "tree. `state: touch` creates an empty file or updates the times (always reported changed, as in",
      "Ansible, unless both times are 'preserve').",
      '',
      'One command reads the path (and, for links, the source; for recurse, the tree); one command acts.',
      'state=touch (which changes every time) reads and touches in one command, except with a',
      'symbolic mode, or an owner/group without an octal mode (chown clears setuid bits).',
    ].join('\n'),
    examples: [
      '- name: A directory tree with parents',
      '  file:',
      '    path: /etc/demo/conf.d',
      '    state: directory',
      '    mode: "0755"',
      '',
      '- name: Hand the data directory to its service user, recursively',
      '  file:',
      '    path: /var/lib/nova',
      '    state: directory',
      '    owner: nova',
      '    group: nova',
      '    recurse: true',
      '',
      '- name: Symbolic link',
      '  file:',
      '    src: /etc/neutron/plugins/ml2/ml2_conf.ini',
      '    dest: /etc/neutron/plugin.ini',
      '    state: link',
      '',
      '- name: Make sure a file exists without touching its times',
      '  file:',
      '    path: /var/log/demo.log',
      '    state: touch',
      '    modification_time: preserve',
      '    access_time: preserve',
      '',
      '- name: Remove a file or a whole directory',
      '  file:',
      '    path: /tmp/build',
      '    state: absent',
      '',
    ].join('\n'),
    returns: {
      path: 'The path acted on.',
      state: 'Its state after the task.',
      mode: "Mode after the task ('0755').",
      owner: 'Owner after the task.',
      group: 'Group after the task.',
      src: 'Link target (state link or hard).',
    },
    notes: ['A symbolic link has no mode of its own on Linux: `mode` is ignored for state link.'],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'path', ALIASES.path);
    const path = a.path!.length > 1 ? a.path!.replace(/\/+$/, '') : a.path!;
    const desired = parseAttrs(ctx, a);
    if ((a.state === 'link' || a.state === 'hard') && !a.src) ctx.fail(`src is required for state ${a.state}`);
    if (a.src !== undefined && a.state !== undefined && a.state !== 'link' && a.state !== 'hard') {
      ctx.fail(`src is only used with state link or hard (state is ${a.state})`);
    }
    if (a.recurse && a.state !== undefined && a.state !== 'directory') ctx.fail('recurse only works with state directory');
    const linkish = a.state === 'link' || a.state === 'hard';
    const srcPath = a.src !== undefined ? (a.src.startsWith('/') || a.state === 'hard' ? a.src : posix.join(posix.dirname(path), a.src)) : undefined;
    const follow = a.follow && !linkish && a.state !== 'absent';
    const ancestors = a.state === 'directory' || (a.state === undefined && a.recurse) ? ancestorsOf(path) : [];
    if (a.state === 'touch' && touchesInOneTrip(ctx, desired, follow)) return touchInOneTrip(ctx, path, desired);
    const paths = [path, ...(srcPath !== undefined ? [srcPath] : []), ...ancestors];
    const states = await statPaths(ctx, paths, { follow, tree: a.recurse });
    const s = states[0]!;
    const src = srcPath !== undefined ? states[1]! : undefined;
    const ancestorStates = states.slice(srcPath !== undefined ? 2 : 1);
    // Ansible's default: the path's current kind (links followed), directory with recurse, else file.
    const state: State = a.state ?? (a.recurse || s.kind === 'directory' ? 'directory' : 'file');
    switch (state) {
      case 'absent':
        return absent(ctx, s);
      case 'directory':
        return directory(ctx, s, ancestorStates, desired);
      case 'touch':
        return touch(ctx, s, desired);
      case 'link':
      case 'hard':
        if (!src) return ctx.fail(`src is required for state ${state}`);
        return link(ctx, s, src, state === 'hard', desired);
      case 'file':
        return plainFile(ctx, s, desired);
    }
  },
});
