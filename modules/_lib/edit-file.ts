/**
 * The read-modify-write cycle of `lineinfile` and `blockinfile`: ONE command reads the
 * file's content together with its type, mode, owner and canonical path; the edit happens
 * in the controller; ONE command writes the result (atomically, through symbolic links to
 * the real file as Ansible does) with the attributes, or just fixes the attributes.
 */
import { posix } from 'node:path';
import type { DiffEntry, ModuleContext, ModuleResult } from '../../core/modules/api.js';
import { applyPlan, type FilePlan } from './apply-plan.js';
import { contentDiff } from './diff.js';
import { compareAttrs, creationAttrs, type DesiredAttrs } from './file-attrs.js';
import { statPath, type PathState } from './path-state.js';

export interface FileForEdit {
  state: PathState;
  /** The current bytes; null when the file does not exist. */
  content: Buffer | null;
}

export async function readForEdit(ctx: ModuleContext<unknown>, path: string): Promise<FileForEdit> {
  // Links are followed: the real file is read, compared and written (a dangling link reads as missing).
  const state = await statPath(ctx, path, { content: true, realPath: true, follow: true });
  if (state.kind === 'directory') ctx.fail(`Path ${path} is a directory !`, { rc: 256 });
  if (state.kind !== 'absent' && state.kind !== 'file') ctx.fail(`Path ${path} is not a regular file (${state.kind})`);
  // Check mode: an earlier task creates this file but we cannot know its content; edit an empty one.
  if (state.contentUnknown) return { state, content: Buffer.alloc(0) };
  return { state, content: state.kind === 'absent' ? null : (state.content ?? null) };
}

export interface FinishSpec {
  path: string;
  file: FileForEdit;
  after: Buffer;
  contentChanged: boolean;
  msg: string;
  attrs: DesiredAttrs;
  backup: boolean;
  validate?: string;
}

export async function finishEdit(ctx: ModuleContext<unknown>, spec: FinishSpec): Promise<ModuleResult> {
  const { file } = spec;
  const exists = file.content !== null;
  const target = file.state.realPath ?? spec.path;
  const plan: FilePlan = {};
  const cmp = exists ? compareAttrs({ ...file.state, path: spec.path }, spec.attrs) : undefined;
  const op = cmp ? cmp.op : creationAttrs(spec.attrs, false);
  if (spec.contentChanged) {
    if (!exists && file.state.parentKind !== 'directory') plan.mkdirs = [{ path: posix.dirname(target), parents: true }];
    plan.writes = [{ path: target, data: spec.after, ...op, backup: spec.backup && exists, ...(spec.validate ? { validate: spec.validate } : {}) }];
  } else if (cmp?.changed) {
    plan.attrs = [{ path: target, kind: 'file', ...op }];
  }
  let msg = spec.msg;
  if (cmp?.changed) msg = msg ? `${msg} and ownership, perms or SE linux context changed` : 'ownership, perms or SE linux context changed';
  const changed = spec.contentChanged || Boolean(cmp?.changed);
  const { backups } = changed ? await applyPlan(ctx, plan) : { backups: {} as Record<string, string> };
  const diff: DiffEntry[] = [];
  if (ctx.diff) {
    diff.push(contentDiff(spec.path, file.content, spec.contentChanged ? spec.after : file.content));
    if (cmp?.diff) diff.push(cmp.diff);
  }
  const result: ModuleResult = { changed, msg };
  const backup = backups[target];
  if (backup) result.backup_file = backup;
  if (diff.length) result.diff = diff;
  return result;
}
