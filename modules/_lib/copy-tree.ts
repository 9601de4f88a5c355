/**
 * `copy` of a directory (from the controller, or on the host with remote_src): list the
 * source, stat every destination path in one round trip, compare checksums and attributes
 * in the controller, then create directories and send (or, on the host, cp) only the files
 * that differ - all in one more round trip.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { posix } from 'node:path';
import type { DiffEntry, ModuleContext, ModuleResult } from '../../core/modules/api.js';
import { applyPlan, type AttrOp, type MkdirOp, type WriteOp } from './apply-plan.js';
import { contentDiff } from './diff.js';
import { compareAttrs, creationAttrs, type DesiredAttrs } from './file-attrs.js';
import { checksumOf, readFiles, statPaths, type TooLargeToDiff } from './path-state.js';

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

/** A file to copy: bytes from the controller, or a path on the host (remote_src). */
export interface SourceFile {
  rel: string;
  mode: number;
  /** Controller path or host path, for messages and diff headers. */
  label: string;
  read?: () => Buffer;
  host?: { path: string; checksum: string };
}

export interface TreeSource {
  /** The source directory, for messages and the result. */
  label: string;
  /** Its base name: the directory created inside dest unless only its contents are copied. */
  name: string;
  dirs: string[];
  files: SourceFile[];
}

export interface TreeSpec {
  source: TreeSource;
  /** `src` ended with '/': copy the directory's contents rather than the directory. */
  contentsOnly: boolean;
  dest: string;
  attrs: DesiredAttrs;
  directoryMode?: DesiredAttrs['mode'];
  backup: boolean;
  force: boolean;
}

/** A controller directory as a tree source; vault-encrypted files are decrypted when `decrypt`. */
export function localSource(ctx: ModuleContext<unknown>, dir: string, decrypt = true): TreeSource {
  let tree: LocalTree;
  try {
    tree = walkLocal(dir);
  } catch (err) {
    return ctx.fail(`could not read the source directory ${dir}: ${(err as Error).message}`);
  }
  return {
    label: dir,
    name: basename(dir),
    dirs: tree.dirs,
    files: tree.files.map((f) => ({
      rel: f.rel,
      mode: f.mode,
      label: f.abs,
      read: () => {
        try {
          return ctx.readControllerFile(f.abs, { decrypt });
        } catch (err) {
          return ctx.fail(`could not read ${f.abs}: ${(err as Error).message}`);
        }
      },
    })),
  };
}

/** A directory on the host as a tree source (copy's remote_src): one listing, one checksum pass. */
export async function hostSource(ctx: ModuleContext<unknown>, dir: string): Promise<TreeSource> {
  const root = dir.replace(/\/+$/, '') || '/';
  const [top] = await statPaths(ctx, [root], { tree: true });
  const entries = top!.tree ?? [];
  const rel = (p: string) => p.slice(root.length + (root === '/' ? 0 : 1));
  const fileEntries = entries.filter((e) => e.type === 'f' || e.type === 'l');
  const sums = fileEntries.length ? await statPaths(ctx, fileEntries.map((e) => e.path), { checksum: 'sha1', follow: true }) : [];
  const files: SourceFile[] = [];
  fileEntries.forEach((e, i) => {
    const st = sums[i]!;
    // Symbolic links are followed (cp copies their target); links to directories or to nothing are skipped.
    if (st.kind !== 'file' || st.checksum === undefined) return;
    files.push({ rel: rel(e.path), mode: st.mode ?? e.mode, label: e.path, host: { path: e.path, checksum: st.checksum } });
  });
  return {
    label: root,
    name: posix.basename(root),
    dirs: entries.filter((e) => e.type === 'd').map((e) => rel(e.path)).sort(),
    files,
  };
}

export async function copyTree(ctx: ModuleContext<unknown>, spec: TreeSpec): Promise<ModuleResult> {
  const { source } = spec;
  const destBase = spec.dest.replace(/\/+$/, '') || '/';
  const root = spec.contentsOnly ? destBase : posix.join(destBase, source.name);
  const dirPaths = [root, ...source.dirs.map((d) => posix.join(root, d))];
  const filePaths = source.files.map((f) => posix.join(root, f.rel));
  const states = await statPaths(ctx, [...dirPaths, ...filePaths], { checksum: 'sha1', follow: true });
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
  const labels = new Map<string, SourceFile>();
  for (let i = 0; i < source.files.length; i++) {
    const f = source.files[i]!;
    const s = fileStates[i]!;
    if (s.kind === 'directory') ctx.fail(`cannot copy ${f.label} to ${s.path}: it is a directory`);
    const exists = s.kind !== 'absent';
    if (exists && !spec.force) continue;
    const data = f.read ? f.read() : Buffer.alloc(0);
    const checksum = f.host ? f.host.checksum : checksumOf(data);
    const contentChanged = !exists || s.contentUnknown === true || s.checksum !== checksum;
    const cmp = exists ? compareAttrs(s, spec.attrs, f.mode) : undefined;
    const op = cmp ? cmp.op : creationAttrs(spec.attrs, false, f.mode);
    if (contentChanged) {
      writes.push({ path: s.path, data, ...(f.host ? { fromHostPath: f.host.path } : {}), ...op, backup: spec.backup });
      labels.set(s.path, f);
      if (exists) changedExisting.push(s.path);
    } else if (cmp?.changed) {
      attrs.push({ path: s.path, kind: 'file', ...op });
    }
    if (cmp?.diff) diff.push(cmp.diff);
  }

  const changed = mkdirs.length + writes.length + attrs.length > 0;
  if (ctx.diff && writes.length) {
    const hostSources = writes.filter((w) => w.fromHostPath !== undefined).map((w) => w.fromHostPath!);
    const wanted = [...changedExisting, ...hostSources];
    const contents = wanted.length ? await readFiles(ctx, wanted) : new Map<string, Buffer | null | TooLargeToDiff>();
    diff.unshift(
      ...writes.map((w) =>
        contentDiff(w.path, contents.get(w.path) ?? null, w.fromHostPath !== undefined ? (contents.get(w.fromHostPath) ?? null) : Buffer.isBuffer(w.data) ? w.data : null, labels.get(w.path)!.label),
      ),
    );
  }
  const { backups } = changed ? await applyPlan(ctx, { mkdirs, writes, attrs }) : { backups: {} };
  const result: ModuleResult = { changed, dest: root, src: source.label, state: 'directory' };
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
