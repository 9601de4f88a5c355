/**
 * Put one file's bytes at a destination the way `copy` and `template` do: a destination
 * ending in `/` or naming an existing directory receives the file under the source's base
 * name; the content is only sent when the host's checksum differs; mode/owner/group are
 * compared and fixed in the same single action. Round trips: one read, at most one write
 * (plus one content read for `--diff` when the content changes).
 *
 * The result has the keys Ansible's copy action returns in each case, check mode included
 * (see the comments below), so a registered result reads the same under both tools.
 */
import { posix } from 'node:path';
import type { DiffEntry, ModuleContext, ModuleResult } from '../../core/modules/api.js';
import { applyPlan, type ControllerFile, type FilePlan } from './apply-plan.js';
import { contentDiff } from './diff.js';
import { attrResult, compareAttrs, creationAttrs, type DesiredAttrs } from './file-attrs.js';
import { checksumOf, readFiles, statPaths, type TooLargeToDiff } from './path-state.js';

export interface InstallSpec {
  /** The bytes to install (a large controller file is streamed, with its checksum given)... */
  data: Buffer | (ControllerFile & { checksum: string });
  /** ...or a file already on the host (copy's remote_src), with its checksum and size. */
  hostSource?: { path: string; checksum: string; size: number };
  dest: string;
  /** Base name used when `dest` is a directory; undefined for `content:` (a directory dest is then an error). */
  basename?: string;
  /** Shown as the diff's "after" header (the source file, or 'dynamically generated'). */
  sourceLabel: string;
  attrs: DesiredAttrs;
  /** The source file's mode, for `mode: preserve`. */
  preserveMode?: number;
  backup: boolean;
  force: boolean;
  validate?: string;
}

export async function installFile(ctx: ModuleContext<unknown>, spec: InstallSpec): Promise<ModuleResult> {
  const trailingSlash = spec.dest.endsWith('/');
  if (spec.basename === undefined && trailingSlash) ctx.fail(`can not use content with a dir as dest (${spec.dest})`);
  const destPath = trailingSlash ? spec.dest.replace(/\/+$/, '') || '/' : spec.dest;
  const inside = spec.basename !== undefined ? posix.join(destPath, spec.basename) : undefined;
  // Links are followed, as Ansible's os.path checks do: a link to a file is compared (and its
  // target's attributes fixed); a different content replaces the link itself.
  const states = await statPaths(ctx, inside ? [destPath, inside] : [destPath], { checksum: 'sha1', follow: true });
  const destState = states[0]!;

  let target = destState;
  const plan: FilePlan = {};
  if (trailingSlash || destState.kind === 'directory') {
    if (inside === undefined) ctx.fail(`can not use content with a dir as dest (${spec.dest} is a directory)`);
    target = states[1]!;
    if (destState.kind === 'absent') {
      // Ansible creates a destination ending in '/' (and its parents).
      plan.mkdirs = [{ path: destPath, parents: true }];
      target = { path: inside, kind: 'absent', parentKind: 'directory' };
    } else if (destState.kind !== 'directory') {
      ctx.fail(`destination ${spec.dest} ends with '/' but ${destPath} is not a directory`);
    }
  }
  if (target.kind === 'directory') ctx.fail(`destination ${target.path} is a directory; give a file path, or end dest with '/' to copy into it`);
  if (target.kind === 'absent' && target.parentKind !== 'directory' && !plan.mkdirs) {
    ctx.fail(`Destination directory ${posix.dirname(target.path)} does not exist`);
  }

  const checksum = spec.hostSource?.checksum ?? (Buffer.isBuffer(spec.data) ? checksumOf(spec.data) : spec.data.checksum);
  const exists = target.kind !== 'absent';
  const size = spec.hostSource?.size ?? (Buffer.isBuffer(spec.data) ? spec.data.length : spec.data.size);
  const base = { dest: target.path, checksum, size, state: 'file' };
  // Ansible's copy action answers an existing file with force: no before it looks any further:
  // its result names the destination only (no checksum, size or attributes).
  if (exists && !spec.force) return { changed: false, dest: target.path };

  const contentChanged = !exists || target.contentUnknown === true || target.checksum !== checksum;
  const attrs = exists ? compareAttrs(target, spec.attrs, spec.preserveMode) : undefined;
  const attrOp = attrs ? attrs.op : creationAttrs(spec.attrs, false, spec.preserveMode);
  const changed = contentChanged || Boolean(attrs?.changed);
  if (contentChanged) {
    plan.writes = [
      {
        path: target.path,
        data: Buffer.isBuffer(spec.data) ? spec.data : { file: spec.data.file, size: spec.data.size },
        ...(spec.hostSource ? { fromHostPath: spec.hostSource.path } : {}),
        ...attrOp,
        backup: spec.backup,
        ...(spec.validate ? { validate: spec.validate } : {}),
      },
    ];
  } else if (attrs?.changed) {
    plan.attrs = [{ path: target.path, kind: 'file', ...attrOp }];
  }

  // Read the old content for --diff before the write replaces it.
  const diff: DiffEntry[] = [];
  if (ctx.diff && contentChanged) {
    const wanted = [...(exists ? [target.path] : []), ...(spec.hostSource ? [spec.hostSource.path] : [])];
    const contents = wanted.length ? await readFiles(ctx, wanted) : new Map<string, Buffer | null | TooLargeToDiff>();
    const after = spec.hostSource ? (contents.get(spec.hostSource.path) ?? null) : Buffer.isBuffer(spec.data) ? spec.data : { size: spec.data.size };
    diff.push(contentDiff(target.path, exists ? (contents.get(target.path) ?? null) : null, after, spec.sourceLabel));
  }
  if (attrs?.diff) diff.push(attrs.diff);

  const { backups } = changed ? await applyPlan(ctx, plan) : { backups: {} as Record<string, string> };
  // In check mode a content change is all Ansible's copy action reports (it stops before the
  // copy module that would add dest, checksum, size and attributes): `changed` and the diff.
  // A registered result then has the same keys as there (`out.size` is undefined in both).
  if (ctx.check && contentChanged) return { changed: true, ...(diff.length ? { diff } : {}) };
  const result: ModuleResult = { changed, ...base, ...attrResult(target.kind === 'absent' ? { ...target, mode: 0o644 } : target, attrOp) };
  if (backups[target.path]) result.backup_file = backups[target.path];
  if (diff.length) result.diff = diff;
  return result;
}
