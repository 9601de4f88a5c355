/**
 * Task lists to model nodes: tasks (one module plus keywords), blocks, include_tasks
 * (kept for the executor, which loads the file when it is reached) and import_tasks
 * (expanded now, wrapped in a block that carries the import's keywords), and handlers.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { LoadContext } from './context.js';
import { KeyValueError, parseKeyValue, splitArgs } from './kv.js';
import { keywordHint, ENTITY_NOUN, META_ACTIONS, shortAction } from './keywords.js';
import type { Block, Handler, IncludeTasks, LoopSpec, RoleContext, SourceLocation, Task, TaskBase, TaskNode } from './model.js';
import { commonKeywords, isTemplate, toConditions, toIntegerOrTemplate, toMapping, toNames, toText } from './normalize.js';
import { keywordsOf } from './schema-file.js';
import { describeValue } from './schema-validate.js';
import { closest } from '../util/suggest.js';
import { Cursor } from './yaml-source.js';

export interface TaskScope {
  /** Directory of the file being read: relative imports and includes start here. */
  dir: string;
  /** Set for a role's tasks and handlers. */
  role?: RoleContext;
  /** The role's directory: import_tasks also looks in its tasks/. */
  roleDir?: string;
  /** Files being imported, outermost first (an import of one of them is a cycle). */
  imports: readonly string[];
}

/** Modules Ansible treats as free-form, for when the caller cannot tell us (no registry). */
const FREE_FORM_FALLBACK = new Set(['command', 'shell', 'raw', 'script']);

const NO_MODULE =
  "task has no module: expected one of the modules such as 'command', 'shell', 'copy', 'file' or 'debug' (tsplay doc --list shows them all)";

const quoted = (s: string) => `'${s}'`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fieldsOf(c: Cursor): Record<string, unknown> {
  return (c.isMapping() ? c.value : {}) as Record<string, unknown>;
}

function findKey(c: Cursor, action: string): string | undefined {
  return c.keys().find((k) => shortAction(k) === action);
}

/** Fields every task, block and include has. */
function baseOf(c: Cursor, scope: TaskScope): TaskBase {
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

function loopOf(ctx: LoadContext, c: Cursor): LoopSpec | undefined {
  const v = fieldsOf(c);
  const keys = ['loop', 'with_items', 'with_list'].filter((k) => c.has(k));
  if (keys.length > 1) c.report(ctx.problems, `use only one of ${keys.map(quoted).join(' and ')}: each makes the task loop`, c.keyLoc(keys[1]!));
  const key = keys[0];
  if (!key) return undefined;
  const control = toMapping(v.loop_control);
  const spec: LoopSpec = {
    items: v[key],
    flatten: key === 'with_items',
    loopVar: typeof control.loop_var === 'string' ? control.loop_var : 'item',
  };
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
function importedFile(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope, kind: 'tasksFile' | 'handlersFile'): { path: string; root: Cursor } | undefined {
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

function isAction(ctx: LoadContext, key: string): boolean {
  return shortAction(key) === 'meta' || ctx.isModule(key);
}

function unknownTaskKey(ctx: LoadContext, entity: 'task' | 'handler', key: string, hasModule: boolean): string {
  const hint = keywordHint(entity, key);
  if (hint) return hint;
  const similar = ctx.options.suggestModules(key).filter((s) => s !== key);
  if (similar.length) return `unknown module '${key}' - did you mean ${similar.map(quoted).join(' or ')}?`;
  if (hasModule) return `unknown ${ENTITY_NOUN[entity]} '${key}'`;
  return `unknown module '${key}': no built-in or custom module has this name (custom modules go in a modules/ folder beside the playbook, or in a -M directory)`;
}

function checkShortForm(ctx: LoadContext, c: Cursor, text: string, at: SourceLocation): void {
  try {
    splitArgs(text);
  } catch (err) {
    if (err instanceof KeyValueError) c.report(ctx.problems, err.message, at);
    else throw err;
  }
}

interface ModuleCall {
  module: string;
  moduleLoc: SourceLocation;
  args: Record<string, unknown> | string;
}

/** `action: copy src=a dest=b` or `action: {module: copy, src: a}` (and local_action). */
function actionCall(ctx: LoadContext, c: Cursor, key: string): ModuleCall | undefined {
  const value = fieldsOf(c)[key];
  const at = c.keyLoc(key);
  let module: string;
  let args: Record<string, unknown> | string;
  if (typeof value === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(value);
    if (!m) return undefined;
    module = m[1]!;
    args = m[2]!;
    checkShortForm(ctx, c, args, at);
  } else {
    const mapping = toMapping(value);
    if (typeof mapping.module !== 'string') return undefined; // reported by the schema
    module = mapping.module;
    delete mapping.module;
    args = mapping;
  }
  if (!isAction(ctx, module)) {
    const similar = ctx.options.suggestModules(module);
    c.report(ctx.problems, `unknown module '${module}' in '${key}'${similar.length ? ` - did you mean ${similar.map(quoted).join(' or ')}?` : ''}`, at);
    return undefined;
  }
  return { module, moduleLoc: at, args };
}

function moduleCall(ctx: LoadContext, c: Cursor, module: string): ModuleCall {
  const raw = fieldsOf(c)[module];
  const moduleLoc = c.keyLoc(module);
  if (raw === null || raw === undefined) return { module, moduleLoc, args: {} };
  if (typeof raw === 'string') {
    checkShortForm(ctx, c, raw, moduleLoc);
    return { module, moduleLoc, args: raw };
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return { module, moduleLoc, args: { ...(raw as object) } };
  c.report(ctx.problems, `arguments of '${module}' must be a mapping or a 'key=value' string, found ${describeValue(raw)}`, moduleLoc);
  return { module, moduleLoc, args: {} };
}

function freeFormOf(ctx: LoadContext, module: string): string | undefined {
  if (ctx.options.freeFormOf) return ctx.options.freeFormOf(module);
  return FREE_FORM_FALLBACK.has(shortAction(module)) ? '_raw_params' : undefined;
}

/** `args:` adds to the module's arguments; those given on the module key win (as in Ansible). */
function withArgsKeyword(ctx: LoadContext, c: Cursor, call: ModuleCall): ModuleCall {
  if (!c.has('args')) return call;
  const extra = toMapping(fieldsOf(c).args);
  if (typeof call.args !== 'string') return { ...call, args: { ...extra, ...call.args } };
  try {
    // A `k=v` string cannot hold a mapping: parse it now, with the module's free-form rule.
    return { ...call, args: { ...extra, ...parseKeyValue(call.args, freeFormOf(ctx, call.module)) } };
  } catch (err) {
    if (err instanceof KeyValueError) return call; // already reported by checkShortForm
    throw err;
  }
}

function checkMeta(ctx: LoadContext, c: Cursor, call: ModuleCall): void {
  if (shortAction(call.module) !== 'meta') return;
  if (typeof call.args !== 'string') {
    c.report(ctx.problems, `meta takes one action name, e.g. 'meta: flush_handlers' (one of: ${META_ACTIONS.join(', ')})`, call.moduleLoc);
    return;
  }
  const action = call.args.trim();
  if ((META_ACTIONS as readonly string[]).includes(action)) return;
  const hint = closest(action, META_ACTIONS);
  c.report(ctx.problems, `unknown meta action '${action}'${hint ? ` - did you mean '${hint}'?` : ''} (supported: ${META_ACTIONS.join(', ')})`, call.moduleLoc);
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

function buildTask(ctx: LoadContext, c: Cursor, scope: TaskScope, entity: 'task' | 'handler'): Task | undefined {
  const v = fieldsOf(c);
  const keywords = keywordsOf(entity);
  const extra = c.keys().filter((k) => !keywords.includes(k));
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

function buildHandler(ctx: LoadContext, c: Cursor, scope: TaskScope): Handler | undefined {
  const task = buildTask(ctx, c, scope, 'handler');
  if (!task) return undefined;
  const listen = toNames(fieldsOf(c).listen);
  if (task.name === undefined && listen.length === 0) c.report(ctx.problems, "a handler needs a 'name' (or 'listen') so that tasks can notify it");
  // Ansible also lets tasks notify a role's handler as "role : handler".
  if (scope.role && task.name !== undefined) listen.push(`${scope.role.name} : ${task.name}`);
  return { ...task, listen };
}

/** import_tasks among handlers: every imported task becomes a handler with the import's keywords. */
function importHandlers(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope): Handler[] {
  const found = importedFile(ctx, c, key, scope, 'handlersFile');
  if (!found) return [];
  const handlers = buildHandlerList(ctx, found.root, { ...scope, dir: dirname(found.path), imports: [...scope.imports, found.path] });
  return handlers.map((h) => inheritInto(h, baseOf(c, scope)));
}

/**
 * Handlers have no enclosing block in the model, so keywords of what brought them in
 * (an import, a role entry) are applied to each handler: conditions and tags add up,
 * vars merge under the handler's own, other keywords fill in where the handler has none.
 */
export function inheritInto(handler: Handler, outer: Omit<TaskBase, 'loc'> & { loc?: SourceLocation }): Handler {
  const out: Handler = { ...handler, when: [...outer.when, ...handler.when], tags: [...new Set([...outer.tags, ...handler.tags])], vars: { ...outer.vars, ...handler.vars } };
  const fill = ['become', 'becomeUser', 'checkMode', 'diff', 'noLog', 'ignoreErrors', 'environment', 'anyErrorsFatal', 'delegateTo', 'runOnce', 'remoteUser'] as const;
  for (const key of fill) {
    if (out[key] === undefined && outer[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = outer[key];
  }
  return out;
}

export function buildHandlerList(ctx: LoadContext, list: Cursor, scope: TaskScope): Handler[] {
  const out: Handler[] = [];
  for (const c of list.items()) {
    if (!c.isMapping()) continue;
    const imported = findKey(c, 'import_tasks');
    if (imported) {
      out.push(...importHandlers(ctx, c, imported, scope));
      continue;
    }
    if (c.has('block')) {
      c.report(ctx.problems, 'a handler cannot be a block: make each handler a single task (several handlers may listen to the same topic)', c.keyLoc('block'));
      continue;
    }
    const include = findKey(c, 'include_tasks');
    if (include) {
      c.report(ctx.problems, 'include_tasks cannot be a handler: use import_tasks among handlers, or several handlers with the same listen topic', c.keyLoc(include));
      continue;
    }
    const handler = buildHandler(ctx, c, scope);
    if (handler) out.push(handler);
  }
  return out;
}
