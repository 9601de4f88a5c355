/**
 * Handlers: tasks with a name and/or `listen` topics, run when notified. `import_tasks`
 * among handlers makes each imported task a handler; blocks and include_tasks cannot be
 * handlers.
 */
import { dirname } from 'node:path';
import type { LoadContext } from './context.js';
import type { Handler, SourceLocation, TaskBase } from './model.js';
import { toNames } from './normalize.js';
import { baseOf, buildTask, fieldsOf, findKey, importedFile, type TaskScope } from './tasks.js';
import type { Cursor } from './yaml-source.js';

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
  const fill = ['become', 'becomeUser', 'checkMode', 'diff', 'noLog', 'ignoreErrors', 'environment', 'anyErrorsFatal', 'delegateTo', 'runOnce', 'remoteUser', 'connection', 'timeout'] as const;
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
