/**
 * Loading playbooks, tasks files and vars files: parse (with positions), validate against
 * the JSON Schema, check what the schema cannot (modules, handlers, files), and build the
 * model in model.ts. Nothing runs and nothing is templated here. Every mistake in every file
 * is collected and thrown together as one PlaybookError; `tsplay run --syntax-check` is
 * exactly `loadPlaybook`.
 */
import { dirname, resolve } from 'node:path';
import { LoadContext, type LoadOptions } from './context.js';
import { Problems } from './errors.js';
import type { Block, Handler, Playbook, SourceLocation, TaskNode } from './model.js';
import { RoleExpander, type RoleFileOptions } from './roles.js';
import { buildPlays } from './plays.js';
import { validateFile } from './schema-validate.js';
import { buildTaskList } from './tasks.js';
import { Cursor, SourceFile } from './yaml-source.js';
import type { Vault } from '../vault/vault.js';

export type { LoadOptions } from './context.js';
export { PlaybookError, type Problem } from './errors.js';

/** Load, validate and expand a playbook (import_playbook, roles, import_tasks). */
export async function loadPlaybook(file: string, options: LoadOptions): Promise<Playbook> {
  const path = resolve(file);
  const ctx = new LoadContext(options);
  const source = ctx.open(path, 'playbook', undefined, 'playbook');
  const plays = source ? buildPlays(ctx, source, [path]) : [];
  ctx.problems.throwIfAny();
  return { file, plays };
}

/**
 * A tasks file named by include_tasks, loaded when the include is reached. Role context,
 * when and tags come from the include itself (the executor's scope), not from here.
 */
export async function loadTaskFile(file: string, options: LoadOptions): Promise<TaskNode[]> {
  const path = resolve(file);
  const ctx = new LoadContext(options);
  const source = ctx.open(path, 'tasksFile', undefined, 'tasks file');
  const tasks = source ? buildTaskList(ctx, Cursor.root(source), { dir: dirname(path), imports: [path] }) : [];
  ctx.problems.throwIfAny();
  return tasks;
}

/**
 * A vars file (vars_files): a mapping of variable names to values. A vault-encrypted file
 * is decrypted with `vault`, and its values are registered as secrets.
 */
export async function loadVarsFile(file: string, vault?: Vault): Promise<Record<string, unknown>> {
  const problems = new Problems();
  const source = SourceFile.read(resolve(file), problems, undefined, 'vars file', vault);
  if (source && source.data !== undefined) {
    if (source.data === null) source.data = {};
    validateFile(source, 'varsFile', problems, { isModule: () => false });
    if (source.encrypted) vault?.reveal(source.data);
  }
  problems.throwIfAny();
  return source!.data as Record<string, unknown>;
}

/**
 * A role named by include_role, loaded when the include is reached: its tasks as a block
 * carrying the role, and its handlers. `parentRoleDir` is the role whose tasks include it.
 */
export async function loadRole(
  name: string,
  files: RoleFileOptions,
  at: SourceLocation,
  playDir: string,
  parentRoleDir: string | undefined,
  options: LoadOptions,
): Promise<{ block: Block; handlers: Handler[] }> {
  const ctx = new LoadContext(options);
  const roles = new RoleExpander(ctx, playDir);
  const entry = { name, params: {}, base: { when: [], tags: [], vars: {} }, loc: at };
  const block = roles.applyRole(entry, parentRoleDir ? [parentRoleDir] : [], files, (message, loc) => ctx.problems.add(loc ?? at, message));
  ctx.problems.throwIfAny();
  return { block: block!, handlers: roles.handlers };
}
