/**
 * `import_role` and `include_role` tasks. import_role is static: the role (or the files
 * named by `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`) becomes a block now,
 * carrying the task's keywords, its handlers joining the play's. include_role is dynamic:
 * it stays an `IncludeRole` node that the executor loads when reached (templated names,
 * loops, `apply`, `public`); a fixed role name is still checked now.
 */
import type { LoadContext } from './context.js';
import type { Block, IncludeRole, TaskBase } from './model.js';
import { isTemplate, toBoolean, toMapping, toText } from './normalize.js';
import { RoleExpander, type RoleEntry, type RoleFileOptions } from './roles.js';
import { baseOf, fieldsOf, loopOf, type TaskScope } from './tasks.js';
import type { Cursor } from './yaml-source.js';
import { closest } from '../util/suggest.js';

const COMMON_OPTIONS = ['name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'allow_duplicates', 'public', 'rolespec_validate'];
const INCLUDE_ONLY = ['apply'];

interface Parsed {
  name: string;
  files: RoleFileOptions;
  public?: boolean;
  apply?: Record<string, unknown>;
}

function parseOptions(ctx: LoadContext, c: Cursor, key: string, action: 'import_role' | 'include_role'): Parsed | undefined {
  const raw = fieldsOf(c)[key];
  const at = c.child(key).loc();
  const v = typeof raw === 'string' ? { name: raw } : toMapping(raw);
  const allowed = action === 'include_role' ? [...COMMON_OPTIONS, ...INCLUDE_ONLY] : COMMON_OPTIONS;
  let ok = true;
  for (const k of Object.keys(v)) {
    if (allowed.includes(k)) continue;
    const hint = k === 'apply' ? " ('apply' is for include_role; on import_role put the keywords on the task itself)" : closest(k, allowed) ? ` - did you mean '${closest(k, allowed)}'?` : ` (valid: ${allowed.join(', ')})`;
    c.report(ctx.problems, `unknown ${action} option '${k}'${hint}`, at);
    ok = false;
  }
  const name = toText(v.name);
  if (name === undefined || name.trim() === '') {
    c.report(ctx.problems, `${action} needs 'name' (the role to run): ${action}: { name: ROLE }`, at);
    return undefined;
  }
  if (!ok) return undefined;
  const files: RoleFileOptions = {};
  const text = (k: string) => toText(v[k]);
  if (text('tasks_from') !== undefined) files.tasksFrom = text('tasks_from')!;
  if (text('vars_from') !== undefined) files.varsFrom = text('vars_from')!;
  if (text('defaults_from') !== undefined) files.defaultsFrom = text('defaults_from')!;
  if (text('handlers_from') !== undefined) files.handlersFrom = text('handlers_from')!;
  const parsed: Parsed = { name, files };
  const pub = toBoolean(v.public);
  if (pub !== undefined) parsed.public = pub;
  if (v.apply !== undefined) parsed.apply = toMapping(v.apply);
  return parsed;
}

function entryFor(name: string, base: Omit<TaskBase, 'loc'>, c: Cursor): RoleEntry {
  return { name, params: {}, base, loc: c.loc() };
}

/** import_role: the role's tasks as a block with the import task's keywords. */
export function importRole(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope): Block | undefined {
  const parsed = parseOptions(ctx, c, key, 'import_role');
  if (!parsed) return undefined;
  const templated = [parsed.name, ...Object.values(parsed.files)].find(isTemplate);
  if (templated) {
    c.report(ctx.problems, `import_role is expanded when the playbook loads, so its role and file names cannot use variables ('${templated}'); use include_role`, c.child(key).loc());
    return undefined;
  }
  for (const k of ['loop', 'with_items', 'with_list'].filter((k) => c.has(k))) {
    c.report(ctx.problems, 'import_role cannot loop (it is inserted when the playbook loads); use include_role to loop over a role', c.keyLoc(k));
    return undefined;
  }
  const { loc: _loc, ...base } = baseOf(c, scope);
  delete base.role;
  const roles = scope.roles ?? new RoleExpander(ctx, scope.playDir ?? scope.dir);
  const chain = scope.roleDir ? [scope.roleDir] : [];
  return roles.applyRole(entryFor(parsed.name, base, c), chain, parsed.files, (message, loc) => c.report(ctx.problems, message, loc));
}

/** include_role: kept for the executor; a fixed role name is checked now. */
export function includeRole(ctx: LoadContext, c: Cursor, key: string, scope: TaskScope): IncludeRole | undefined {
  const parsed = parseOptions(ctx, c, key, 'include_role');
  if (!parsed) return undefined;
  const base = baseOf(c, scope);
  delete base.role;
  const node: IncludeRole = { kind: 'include_role', ...base, roleName: parsed.name, ...parsed.files, public: parsed.public ?? false };
  if (scope.role) node.role = scope.role;
  if (scope.roleDir) node.parentRoleDir = scope.roleDir;
  if (parsed.apply) {
    const { loc: _l, ...applied } = baseOf(c.child(key).child('apply'), scope);
    delete applied.role;
    node.apply = applied;
  }
  const loop = loopOf(ctx, c);
  if (loop) node.loop = loop;
  const fixed = ![parsed.name, ...Object.values(parsed.files)].some(isTemplate);
  if (fixed) {
    // Check the role and its files exist now; the executor loads them again when reached.
    const checker = new RoleExpander(ctx, scope.playDir ?? scope.dir);
    const { loc: _loc, ...noKeywords } = { loc: undefined, when: [], tags: [], vars: {} };
    const notifyUses = ctx.notifyUses;
    ctx.notifyUses = undefined;
    checker.applyRole(entryFor(parsed.name, noKeywords, c), scope.roleDir ? [scope.roleDir] : [], parsed.files, (message, loc) => c.report(ctx.problems, message, loc));
    ctx.notifyUses = notifyUses;
  }
  return node;
}
