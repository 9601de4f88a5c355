/**
 * Changing files on a host the way the built-ins do, for module authors: one read (content,
 * type, mode, owner and the real path behind symbolic links), the change computed in the
 * controller, one atomic write (temp file + rename, through the transport, with the task's
 * become) that also sets mode/owner/group and keeps a backup when asked. In check mode
 * nothing is written and the result predicts exactly; with --diff the result has the diff.
 */
import type { ModuleContext, ModuleResult } from '../modules/api.js';
import { finishEdit, readForEdit, type FileForEdit } from '../../modules/_lib/edit-file.js';
import { parseAttrs } from '../../modules/_lib/file-attrs.js';
import { installFile as install } from '../../modules/_lib/install-file.js';

export type { FileForEdit } from '../../modules/_lib/edit-file.js';

/** Ansible's common file arguments. `mode`: '0644', 0o644, or symbolic ('u=rw,g=r,o='). */
export interface FileAttributes {
  mode?: string | number;
  owner?: string;
  group?: string;
}

export interface WriteOptions extends FileAttributes {
  /** Keep a timestamped copy of the old file (its path is returned as `backup_file`). */
  backup?: boolean;
  /** A command that must accept the new file before it replaces the old one; `%s` is its path. */
  validate?: string;
}

/**
 * Read a file for editing: its bytes (`content: null` when it does not exist) and its
 * state. A directory or a special file fails the task with a clear message. In check mode
 * a file an earlier task would create reads as empty.
 */
export function readFileForEdit(ctx: ModuleContext<unknown>, path: string): Promise<FileForEdit> {
  return readForEdit(ctx, path);
}

/**
 * Write the edited bytes (when `after` differs) and fix mode/owner/group, in one command;
 * returns the task's result: `changed`, `msg`, `backup_file`, and the diff when --diff.
 */
export function writeEditedFile(
  ctx: ModuleContext<unknown>,
  path: string,
  file: FileForEdit,
  after: Buffer | string,
  options: WriteOptions & { msg?: string; contentChanged?: boolean } = {},
): Promise<ModuleResult> {
  const bytes = Buffer.from(after);
  return finishEdit(ctx, {
    path,
    file,
    after: bytes,
    // A missing file is created, unless the caller knows the edit leaves it missing.
    contentChanged: options.contentChanged ?? (file.content === null || !file.content.equals(bytes)),
    msg: options.msg ?? '',
    attrs: parseAttrs(ctx, options),
    backup: options.backup ?? false,
    ...(options.validate ? { validate: options.validate } : {}),
  });
}

/**
 * Edit a file in one read and at most one write: `edit` gets the current bytes (`null` when
 * the file is missing; call `ctx.fail` there if it must exist) and returns the new content.
 *
 *   return editFile(ctx, path, (before) => ensureLine(before, { line: 'x=1' }).content, { mode: '0644' });
 */
export async function editFile(
  ctx: ModuleContext<unknown>,
  path: string,
  edit: (before: Buffer | null) => Buffer | string | { content: Buffer | string; msg?: string } | Promise<Buffer | string | { content: Buffer | string; msg?: string }>,
  options: WriteOptions = {},
): Promise<ModuleResult> {
  const file = await readFileForEdit(ctx, path);
  const out = await edit(file.content);
  const { content, msg } = typeof out === 'string' || Buffer.isBuffer(out) ? { content: out, msg: undefined } : out;
  return writeEditedFile(ctx, path, file, content, { ...options, ...(msg !== undefined ? { msg } : {}) });
}

export interface InstallFileOptions extends WriteOptions {
  /** Where the file goes. A path ending in '/' or naming a directory receives `basename` inside it. */
  dest: string;
  content: Buffer | string;
  /** The file's name when `dest` is a directory (without it, a directory dest is an error). */
  basename?: string;
  /** The diff's "after" header: where the content came from. Default 'dynamically generated'. */
  label?: string;
  /** false: leave an existing file alone (Ansible's force: no). Default true. */
  force?: boolean;
}

/**
 * Make `dest` hold exactly `content` with the given attributes (what `template` and `copy
 * content:` do): the bytes are sent only when the host's checksum differs. Returns the
 * task's result (`changed`, `dest`, `checksum`, `mode`, `owner`, `group`, `backup_file`, diff);
 * in check mode a content change returns only `changed` and the diff, as Ansible's copy does.
 */
export function installFile(ctx: ModuleContext<unknown>, o: InstallFileOptions): Promise<ModuleResult> {
  return install(ctx, {
    data: Buffer.from(o.content),
    dest: o.dest,
    ...(o.basename !== undefined ? { basename: o.basename } : {}),
    sourceLabel: o.label ?? 'dynamically generated',
    attrs: parseAttrs(ctx, o),
    backup: o.backup ?? false,
    force: o.force ?? true,
    ...(o.validate ? { validate: o.validate } : {}),
  });
}
