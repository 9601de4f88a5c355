/**
 * Plays and `import_playbook`: each play becomes a `Play` with its task sections, its roles
 * expanded and its handlers (role handlers first, then the play's own, as Ansible orders
 * them). Imported playbooks are expanded in place, relative to the importing file.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { closest } from '../util/suggest.js';
import type { LoadContext } from './context.js';
import { isFile } from './files.js';
import { buildHandlerList } from './handlers.js';
import type { Handler, Play } from './model.js';
import { commonKeywords, isTemplate, toBoolean, toMapping, toTags, toText } from './normalize.js';
import { RoleExpander } from './roles.js';
import { shortAction } from './keywords.js';
import { buildTaskList, type TaskScope } from './tasks.js';
import { Cursor, type SourceFile } from './yaml-source.js';

/** All plays of a playbook file; `imports` is the chain of playbook files being read. */
export function buildPlays(ctx: LoadContext, source: SourceFile, imports: readonly string[]): Play[] {
  const plays: Play[] = [];
  for (const entry of Cursor.root(source).items()) {
    if (!entry.isMapping()) continue; // reported by the schema
    const importKey = entry.keys().find((k) => shortAction(k) === 'import_playbook');
    if (importKey) plays.push(...importPlaybook(ctx, entry, importKey, imports));
    else plays.push(buildPlay(ctx, entry));
  }
  return plays;
}

function importPlaybook(ctx: LoadContext, c: Cursor, key: string, imports: readonly string[]): Play[] {
  const v = c.value as Record<string, unknown>;
  const file = toText(v[key]);
  if (file === undefined) return [];
  const at = c.child(key).loc();
  if (isTemplate(file)) {
    c.report(ctx.problems, 'import_playbook is expanded when the playbook loads, so its file name cannot use variables', at);
    return [];
  }
  const path = isAbsolute(file) ? file : resolve(dirname(c.file), file);
  if (!isFile(path)) {
    c.report(ctx.problems, `import_playbook: file '${file}' not found in ${dirname(path)}`, at);
    return [];
  }
  if (imports.includes(path)) {
    const base = dirname(imports[0]!);
    const chain = [...imports.slice(imports.indexOf(path)), path].map((f) => relative(base, f) || f);
    c.report(ctx.problems, `import cycle: ${chain.join(' -> ')}`, at);
    return [];
  }
  const source = ctx.open(path, 'playbook', at, 'playbook');
  if (!source) return [];
  const plays = buildPlays(ctx, source, [...imports, path]);
  // Like Ansible: the import's vars override the imported plays' vars; its tags add up.
  const vars = toMapping(v.vars);
  const tags = toTags(v.tags);
  return plays.map((p) => ({ ...p, vars: { ...p.vars, ...vars }, tags: [...new Set([...p.tags, ...tags])] }));
}

function hostsOf(value: unknown): string {
  if (Array.isArray(value)) return value.map((h) => String(h).trim()).join(':');
  return toText(value) ?? '';
}

function serialOf(value: unknown): Array<number | string> | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const sizes = items.filter((s): s is number | string => typeof s === 'number' || typeof s === 'string');
  return sizes.length ? sizes : undefined;
}

function varsFilesOf(value: unknown): Array<string | string[]> {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): Array<string | string[]> => {
    if (typeof entry === 'string') return [entry];
    if (Array.isArray(entry)) {
      const names = entry.filter((n): n is string => typeof n === 'string');
      return names.length ? [names] : [];
    }
    return [];
  });
}

function buildPlay(ctx: LoadContext, c: Cursor): Play {
  const v = c.value as Record<string, unknown>;
  const baseDir = dirname(c.file);
  const hosts = hostsOf(v.hosts);
  ctx.notifyUses = [];
  const roles = new RoleExpander(ctx, baseDir);
  const scope: TaskScope = { dir: baseDir, imports: [c.file], roles, playDir: baseDir };
  const play: Play = {
    loc: c.loc(),
    name: toText(v.name) ?? hosts,
    hosts,
    gatherFacts: toBoolean(v.gather_facts) ?? ctx.options.gathering !== 'explicit',
    ...(ctx.options.gathering === 'smart' ? { gatherOnce: true } : {}),
    varsFiles: varsFilesOf(v.vars_files),
    strategy: v.strategy === 'free' ? 'free' : 'linear',
    ...commonKeywords(c),
    preTasks: buildTaskList(ctx, c.child('pre_tasks'), scope),
    roleTasks: roles.expand(c.child('roles')),
    tasks: buildTaskList(ctx, c.child('tasks'), scope),
    postTasks: buildTaskList(ctx, c.child('post_tasks'), scope),
    handlers: [],
    baseDir,
  };
  play.handlers = [...roles.handlers, ...buildHandlerList(ctx, c.child('handlers'), scope)];
  const serial = serialOf(v.serial);
  if (serial) play.serial = serial;
  if (typeof v.max_fail_percentage === 'number') play.maxFailPercentage = v.max_fail_percentage;
  const forceHandlers = toBoolean(v.force_handlers);
  if (forceHandlers !== undefined) play.forceHandlers = forceHandlers;
  checkNotify(ctx, play.handlers);
  ctx.notifyUses = undefined;
  return play;
}

/** Every literal `notify:` name must reach a handler of the play (a typo would silently do nothing). */
function checkNotify(ctx: LoadContext, handlers: Handler[]): void {
  const names = new Set<string>();
  for (const h of handlers) {
    if (h.name !== undefined) names.add(h.name);
    for (const topic of h.listen) names.add(topic);
  }
  // A templated handler name could match anything: then nothing can be checked.
  if ([...names].some(isTemplate)) return;
  for (const use of ctx.notifyUses ?? []) {
    if (names.has(use.name)) continue;
    const hint = closest(use.name, names);
    const message = names.size
      ? `notify '${use.name}' matches no handler of this play${hint ? ` - did you mean '${hint}'?` : names.size <= 6 ? ` (handlers: ${[...names].map((n) => `'${n}'`).join(', ')})` : ''}`
      : `notify '${use.name}': this play has no handlers (add one under 'handlers:' with name: ${use.name})`;
    ctx.problems.add(use.loc, message, use.excerpt);
  }
}
