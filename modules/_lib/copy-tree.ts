/**
 * `copy` of a controller directory: walk the source, stat every destination path in one
 * round trip, compare checksums and attributes in the controller, then create directories
 * and send only the files that differ - all in one more round trip.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { posix } from 'node:path';
import type { DiffEntry, ModuleContext, ModuleResult } from '../../core/modules/api.js';
import { applyPlan, type AttrOp, type MkdirOp, type WriteOp } from './apply-plan.js';
import { contentDiff } from './diff.js';
import { compareAttrs, creationAttrs, type DesiredAttrs } from './file-attrs.js';
import { checksumOf, readFiles, statPaths } from './path-state.js';

export interface LocalTree {
  /** Relative directory paths, parents before children. */
  dirs: string[];
  files: Array<{ rel: string; abs: string; mode: number }>;
}

/** List a controller directory, following symbolic links (Ansible's local_follow) without looping. */
export function walkLocal(root: string): LocalTree {
  const tree: LocalTree = { dirs: [], files: [] };
  const seen = new Set<string>([realpathSync(root)]);
  const visit = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = statSync(childAbs);
      if (st.isDirectory()) {
        const real = realpathSync(childAbs);
        if (seen.has(real)) continue;
        seen.add(real);
        tree.dirs.push(childRel);
        visit(childAbs, childRel);
      } else if (st.isFile()) {
        tree.files.push({ rel: childRel, abs: childAbs, mode: st.mode & 0o7777 });
      }
    }
  };
  visit(root, '');
  return tree;
}

export interface TreeSpec {
  /** Controller path of the source directory. */
  localDir: string;
  /** `src` as written: a trailing '/' copies the directory's contents rather than the directory. */
  srcArg: string;
  dest: string;
  attrs: DesiredAttrs;
  directoryMode?: DesiredAttrs['mode'];
  backup: boolean;
  force: boolean;
}

export async function copyTree(ctx: ModuleContext<unknown>, spec: TreeSpec): Promise<ModuleResult> {
  let tree: LocalTree;
  try {
    tree = walkLocal(spec.localDir);
  } catch (err) {
    ctx.fail(`could not read the source directory ${spec.localDir}: ${(err as Error).message}`);
  }
  const destBase = spec.dest.replace(/\/+$/, '') || '/';
  const root = spec.srcArg.endsWith('/') ? destBase : posix.join(destBase, basename(spec.localDir));
  const dirPaths = [root, ...tree.dirs.map((d) => posix.join(root, d))];
  const filePaths = tree.files.map((f) => posix.join(root, f.rel));
  const states = await statPaths(ctx, [...dirPaths, ...filePaths], { checksum: 'sha1' });
  const dirStates = states.slice(0, dirPaths.length);
  const fileStates = states.slice(dirPaths.length);

  const mkdirs: MkdirOp[] = [];
  const attrs: AttrOp[] = [];
  const writes: WriteOp[] = [];
  const diff: DiffEntry[] = [];
  const dirCreate = creationAttrs({ ...(spec.directoryMode ? { mode: spec.directoryMode } : {}), ...owners(spec.attrs) }, true);
  dirStates.forEach((s, i) => {
    if (s.kind === 'absent') mkdirs.push({ path: s.path, ...dirCreate, ...(i === 0 ? { parents: true } : {}) });
    else if (s.kind !== 'directory') ctx.fail(`cannot copy a directory to ${s.path}: it exists and is not a directory`);
    else {
      // directory_mode only applies to directories we create (as in Ansible); ownership applies to all.
      const cmp = compareAttrs(s, owners(spec.attrs));
      if (cmp.changed) {
        attrs.push({ path: s.path, kind: 'directory', ...cmp.op });
        if (cmp.diff) diff.push(cmp.diff);
      }
    }
  });
  const changedExisting: string[] = [];
  for (let i = 0; i < tree.files.length; i++) {
    const f = tree.files[i]!;
    const s = fileStates[i]!;
    if (s.kind === 'directory') ctx.fail(`cannot copy ${f.abs} to ${s.path}: it is a directory`);
    const exists = s.kind !== 'absent';
    if (exists && !spec.force) continue;
    let data: Buffer;
    try {
      data = readFileSync(f.abs);
    } catch (err) {
      ctx.fail(`could not read ${f.abs}: ${(err as Error).message}`);
    }
    const contentChanged = !exists || s.contentUnknown === true || s.checksum !== checksumOf(data);
    const cmp = exists ? compareAttrs(s, spec.attrs, f.mode) : undefined;
    const op = cmp ? cmp.op : creationAttrs(spec.attrs, false, f.mode);
    if (contentChanged) {
      writes.push({ path: s.path, data, ...op, backup: spec.backup });
      if (exists) changedExisting.push(s.path);
    } else if (cmp?.changed) {
      attrs.push({ path: s.path, kind: 'file', ...op });
    }
    if (cmp?.diff) diff.push(cmp.diff);
  }

  const changed = mkdirs.length + writes.length + attrs.length > 0;
  if (ctx.diff && writes.length) {
    const before = changedExisting.length ? await readFiles(ctx, changedExisting) : new Map<string, Buffer | null>();
    diff.unshift(...writes.map((w) => contentDiff(w.path, before.get(w.path) ?? null, w.data, spec.localDir)));
  }
  const { backups } = changed ? await applyPlan(ctx, { mkdirs, writes, attrs }) : { backups: {} };
  const result: ModuleResult = { changed, dest: root, src: spec.localDir, state: 'directory' };
  if (Object.keys(backups).length) result.backup_files = backups;
  if (diff.length) result.diff = diff;
  return result;
}

function owners(a: DesiredAttrs): DesiredAttrs {
  const out: DesiredAttrs = {};
  if (a.owner) out.owner = a.owner;
  if (a.group) out.group = a.group;
  return out;
}
