/**
 * Task lists to model nodes: tasks (one module plus keywords), blocks, include_tasks
 * (kept for the executor, which loads the file when it is reached) and import_tasks
 * (expanded now, wrapped in a block that carries the import's keywords).
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { LoadContext } from './context.js';
import { isFile } from './files.js';
import { shortAction } from './keywords.js';
import type { Block, IncludeTasks, LoopSpec, RoleContext, Task, TaskBase, TaskNode } from './model.js';
import { checkLiteralArgs } from './check-args.js';
import { actionCall, checkMeta, isAction, moduleCall, unknownTaskKey, withArgsKeyword } from './module-call.js';
import { commonKeywords, isTemplate, toConditions, toIntegerOrTemplate, toMapping, toNames, toText } from './normalize.js';
import { keywordsOf } from './schema-file.js';
import { Cursor } from './yaml-source.js';
import { lookupNames } from '../template/globals.js';
import type { RoleExpander } from './roles.js';
import { importRole, includeRole } from './role-tasks.js';

export interface TaskScope {
  /** Directory of the file being read: relative imports and includes start here. */
  dir: string;
  /** Set for a role's tasks and handlers. */
  role?: RoleContext;
  /** The role's directory: import_tasks also looks in its tasks/. */
  roleDir?: string;
  /** Files being imported, outermost first (an import of one of them is a cycle). */
  imports: readonly string[];
  /** The play's role expander: import_role adds its role (and handlers) through it. */
  roles?: RoleExpander;
  /** Directory of the playbook (roles/ is searched there). */
  playDir?: string;
}

const NO_MODULE =
  "task has no module: expected one of the modules such as 'command', 'shell', 'copy', 'file' or 'debug' (tsplay doc --list shows them all)";

const quoted = (s: string) => `'${s}'`;

export function fieldsOf(c: Cursor): Record<string, unknown> {
  return (c.isMapping() ? c.value : {}) as Record<string, unknown>;
}

export function findKey(c: Cursor, action: string): string | undefined {
  return c.keys().find((k) => shortAction(k) === action);
}

/** Fields every task, block and include has. */
export function baseOf(c: Cursor, scope: TaskScope): TaskBase {
  const v = fieldsOf(c);
  const base: TaskBase = { loc: c.loc(), when: toConditions(v.when), ...commonKeywords(c) };
  const name = toText(v.name);
  if (name !== undefined) base.name = name;
  if (scope.role) base.role = scope.role;
  return base;
}

export function buildTaskList(ctx: LoadContext, list: Cursor, scope: TaskScope): TaskNode[] {
  const out: TaskNode[] = [];
  for (const entry of list.items()) {
    const node = buildTaskEntry(ctx, entry, scope);
    if (node) out.push(node);
  }
  return out;
}

function buildTaskEntry(ctx: LoadContext, c: Cursor, scope: TaskScope): TaskNode | undefined {
  if (!c.isMapping()) return undefined; // the schema said what is wrong
  if (c.has('block')) return buildBlock(ctx, c, scope);
  const include = findKey(c, 'include_tasks');
  if (include) return buildInclude(ctx, c, include, scope);
  const imported = findKey(c, 'import_tasks');
  if (imported) return importTasks(ctx, c, imported, scope);
  const roleImport = findKey(c, 'import_role');
  if (roleImport) return importRole(ctx, c, roleImport, scope);
  const roleInclude = findKey(c, 'include_role');
  if (roleInclude) return includeRole(ctx, c, roleInclude, scope);
  const playbook = findKey(c, 'import_playbook');
  if (playbook) {
    c.report(ctx.problems, 'import_playbook can only be used at the top level of a playbook (a list entry beside the plays), not among tasks', c.keyLoc(playbook));
    return undefined;
  }
  return buildTask(ctx, c, scope, 'task');
}

function buildBlock(ctx: LoadContext, c: Cursor, scope: TaskScope): Block {
  return {
    kind: 'block',
    ...baseOf(c, scope),
    block: buildTaskList(ctx, c.child('block'), scope),
    rescue: buildTaskList(ctx, c.child('rescue'), scope),
    always: buildTaskList(ctx, c.child('always'), scope),
  };
}

/** `with_<lookup>` keys tsplay can loop with (every lookup it has). */
export function isLookupLoop(key: string): boolean {
  return key.startsWith('with_') && lookupNames().includes(key.slice('with_'.length));
}

export function loopOf(ctx: LoadContext, c: Cursor): LoopSpec | undefined {
  const v = fieldsOf(c);
  const keys = c.keys().filter((k) => k === 'loop' || isLookupLoop(k));
  if (keys.length > 1) c.report(ctx.problems, `use only one of ${keys.map(quoted).join(' and ')}: each makes the task loop`, c.keyLoc(keys[1]!));
  const key = keys[0];
  if (!key) return undefined;
  const control = toMapping(v.loop_control);
  const spec: LoopSpec = {
    items: v[key],
    flatten: key === 'with_items',
    wrapString: key !== 'loop',
    loopVar: typeof control.loop_var === 'string' ? control.loop_var : 'item',
  };
  // with_items and with_list keep their own path (flatten / listify); other lookups run as such.
  if (key !== 'loop' && key !== 'with_items' && key !== 'with_list') spec.lookup = key.slice('with_'.length);
  if (control.extended === true || control.extended === 'yes') spec.extended = true;
  if (typeof control.index_var === 'string') spec.indexVar = control.index_var;
  const label = toText(control.label);
  if (label !== undefined) spec.label = label;
  if (typeof control.pause === 'number') spec.pause = control.pause;
  return spec;
}

function fileNameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const file = toMapping(value).file;
  return typeof file === 'string' ? file : undefined;
}

function buildInclude(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope): IncludeTasks | undefined {
  const file = fileNameOf(fieldsOf(c)[key]);
  if (!file) return undefined;
  const node: IncludeTasks = { kind: 'include_tasks', ...baseOf(c, scope), file, baseDir: scope.dir };
  const loop = loopOf(ctx, c);
  if (loop) node.loop = loop;
  // The file is read when the include is reached, but a fixed name can be checked now:
  // a typo in it, or a mistake inside it, should not wait for the run to get there.
  if (!isTemplate(file)) {
    const path = isAbsolute(file) ? file : resolve(scope.dir, file);
    if (!isFile(path)) c.report(ctx.problems, `include_tasks: file '${file}' not found in ${scope.dir}`, c.child(key).loc());
    else checkIncludedFile(ctx, path, scope.role);
  }
  return node;
}

/** Validate a statically named include_tasks file (once; includes may recurse legally). */
function checkIncludedFile(ctx: LoadContext, path: string, role: RoleContext | undefined): void {
  if (ctx.includesChecked.has(path)) return;
  ctx.includesChecked.add(path);
  const source = ctx.open(path, 'tasksFile', undefined, 'tasks file');
  if (!source) return;
  // Which handlers exist depends on the play that reaches the include: no notify check here.
  const notifyUses = ctx.notifyUses;
  ctx.notifyUses = undefined;
  buildTaskList(ctx, Cursor.root(source), { dir: dirname(path), imports: [path], ...(role ? { role } : {}) });
  ctx.notifyUses = notifyUses;
}

function importCycle(imports: readonly string[], path: string): string {
  const base = dirname(imports[0] ?? path);
  const show = (f: string) => relative(base, f) || f;
  const start = imports.indexOf(path);
  return [...imports.slice(start), path].map(show).join(' -> ');
}

/** Find, check and load the file an import_tasks names; undefined when it cannot be used. */
export function importedFile(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope, kind: 'tasksFile' | 'handlersFile'): { path: string; root: Cursor } | undefined {
  const file = fileNameOf(fieldsOf(c)[key]);
  if (!file) return undefined;
  const at = c.child(key).loc();
  if (isTemplate(file)) {
    c.report(ctx.problems, "import_tasks is inserted when the playbook loads, so its file name cannot use variables; use include_tasks to choose the file at run time", at);
    return undefined;
  }
  const candidates = isAbsolute(file) ? [file] : [resolve(scope.dir, file), ...(scope.roleDir ? [resolve(scope.roleDir, 'tasks', file)] : [])];
  const path = candidates.find(isFile);
  if (!path) {
    const dirs = [...new Set(candidates.map(dirname))].join(', ');
    c.report(ctx.problems, `import_tasks: file '${file}' not found (looked in ${dirs})`, at);
    return undefined;
  }
  if (scope.imports.includes(path)) {
    c.report(ctx.problems, `import cycle: ${importCycle(scope.imports, path)}`, at);
    return undefined;
  }
  const source = ctx.open(path, kind, at, 'tasks file');
  return source ? { path, root: Cursor.root(source) } : undefined;
}

/** import_tasks: the imported tasks, in a block carrying the import's when/tags/vars/... */
function importTasks(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope): Block | undefined {
  const found = importedFile(ctx, c, key, scope, 'tasksFile');
  if (!found) return undefined;
  const tasks = buildTaskList(ctx, found.root, { ...scope, dir: dirname(found.path), imports: [...scope.imports, found.path] });
  return { kind: 'block', ...baseOf(c, scope), block: tasks, rescue: [], always: [] };
}

function recordNotify(ctx: LoadContext, c: Cursor): void {
  const uses = ctx.notifyUses;
  if (!uses || !c.has('notify')) return;
  const notify = c.child('notify');
  const entries = Array.isArray(notify.value) ? notify.items() : [notify];
  for (const entry of entries) {
    if (typeof entry.value !== 'string' || isTemplate(entry.value)) continue;
    const loc = entry.loc();
    uses.push({ name: entry.value, loc, excerpt: c.source.excerpt(loc.line) });
  }
}

export function buildTask(ctx: LoadContext, c: Cursor, scope: TaskScope, entity: 'task' | 'handler'): Task | undefined {
  const v = fieldsOf(c);
  const keywords = keywordsOf(entity);
  const extra = c.keys().filter((k) => !keywords.includes(k) && !isLookupLoop(k));
  const modules = extra.filter((k) => isAction(ctx, k));
  const unknown = extra.filter((k) => !isAction(ctx, k));
  const actions = ['action', 'local_action'].filter((k) => c.has(k));
  for (const key of unknown) c.report(ctx.problems, unknownTaskKey(ctx, entity, key, modules.length + actions.length > 0), c.keyLoc(key));

  const calls = [...actions, ...modules];
  if (calls.length > 1) {
    c.report(ctx.problems, `task has more than one module: ${calls.map(quoted).join(' and ')}; a task runs exactly one module (split it into separate tasks)`, c.keyLoc(calls[1]!));
    return undefined;
  }
  if (calls.length === 0) {
    if (unknown.length === 0) c.report(ctx.problems, NO_MODULE);
    return undefined;
  }
  const first = calls[0]!;
  const direct = actions.length ? actionCall(ctx, c, first) : moduleCall(ctx, c, first);
  if (!direct) return undefined;
  const call = withArgsKeyword(ctx, c, direct);
  checkMeta(ctx, c, call);
  checkLiteralArgs(ctx, c, first, call, direct);
  recordNotify(ctx, c);

  const task: Task = { kind: 'task', ...baseOf(c, scope), module: call.module, moduleLoc: call.moduleLoc, args: call.args, notify: toNames(v.notify) };
  const loop = loopOf(ctx, c);
  if (loop) task.loop = loop;
  if (typeof v.register === 'string') task.register = v.register;
  if (c.has('changed_when')) task.changedWhen = toConditions(v.changed_when);
  if (c.has('failed_when')) task.failedWhen = toConditions(v.failed_when);
  if (c.has('until')) task.until = toConditions(v.until);
  const retries = toIntegerOrTemplate(v.retries);
  if (retries !== undefined) task.retries = retries;
  const delay = toIntegerOrTemplate(v.delay);
  if (delay !== undefined) task.delay = delay;
  if (first === 'local_action') {
    if (c.has('delegate_to')) c.report(ctx.problems, "local_action already runs on the controller: remove 'delegate_to' (or use 'action')", c.keyLoc('delegate_to'));
    task.delegateTo = 'localhost';
  }
  return task;
}
