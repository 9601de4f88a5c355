/**
 * Functions callable by name in expressions: `range(3)`, `dict(a=1)`,
 * `lookup('env', 'HOME')`, `query('vars', 'x')`. Lookups run in the controller and
 * never execute anything (no `pipe`): env, file, vars, and the `items`/`list` shapes.
 */
import { readFileSync } from 'node:fs';
import { Namespace } from './callable.js';
import { MAX_LOOP_ITERATIONS, TemplateError } from './errors.js';
import { renderJinjaFile } from './jinja-file.js';
import { LOOP_LOOKUPS } from './loop-lookups.js';
import { searchFile, type SearchFolder } from './search-path.js';
import { ansibleTemplateVars } from './template-vars.js';
import { defined, isUndefined } from './undefined.js';
import { isMapping, toText, type Mapping } from './values.js';

/** Looks a variable up by name; returns an `Undefined` when there is none. */
export type Scope = (name: string) => unknown;

type GlobalFn = (args: unknown[], kwargs: Mapping, scope: Scope) => unknown;

function range(args: unknown[]): number[] {
  const n = args.map((a) => Number(defined(a)));
  if (!n.length || n.length > 3 || n.some((x) => !Number.isInteger(x))) throw new TemplateError('range() takes 1 to 3 integer arguments');
  const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (step === 0) throw new TemplateError('range() step must not be zero');
  const out: number[] = [];
  const limit = MAX_LOOP_ITERATIONS;
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (out.length >= limit) throw new TemplateError(`range() longer than ${limit} items`);
    out.push(i);
  }
  return out;
}

function findControllerFile(plugin: string, folder: SearchFolder, term: string, scope: Scope): string {
  const { path, searched } = searchFile(scope, folder, term);
  if (!path) throw new TemplateError(`lookup('${plugin}'): could not find '${term}' (searched ${searched.join(', ')})`);
  return path;
}

function readLookupFile(plugin: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TemplateError(`lookup('${plugin}'): could not read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readControllerFile(term: string, scope: Scope, lstrip: boolean, rstrip: boolean): string {
  let text = readLookupFile('file', findControllerFile('file', 'files', term, scope));
  if (rstrip) text = text.replace(/\s+$/, '');
  if (lstrip) text = text.replace(/^\s+/, '');
  return text;
}

/**
 * lookup('template', 'x.j2'): the file (searched like lookup('file'), in templates/)
 * rendered as Jinja with the current variables, as Ansible's template lookup does.
 */
function renderTemplateLookup(term: string, kw: Mapping, scope: Scope): string {
  const path = findControllerFile('template', 'templates', term, scope);
  const source = readLookupFile('template', path);
  const extra = { ...ansibleTemplateVars(term, path), ...(isMapping(kw.template_vars) ? kw.template_vars : {}) };
  const inner: Scope = (name) => (Object.prototype.hasOwnProperty.call(extra, name) ? extra[name] : scope(name));
  return renderJinjaFile(source, inner, path, {
    ...(kw.trim_blocks !== undefined ? { trimBlocks: Boolean(kw.trim_blocks) } : {}),
    ...(kw.lstrip_blocks !== undefined ? { lstripBlocks: Boolean(kw.lstrip_blocks) } : {}),
  });
}

/**
 * lookup('inventory_hostnames', pattern): the hosts a pattern names, in inventory order,
 * from the `groups` variable. Parts separated by `:` or `,` are groups or host names
 * (`*` wildcards allowed); `!part` removes, `&part` intersects, as in host patterns.
 */
function inventoryHostnames(pattern: string, scope: Scope): string[] {
  const groups = scope('groups');
  if (!isMapping(groups)) return [];
  const all = (Array.isArray(groups.all) ? groups.all : []).map(String);
  const named = (part: string): string[] => {
    const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const hit = new Set<string>();
    for (const [group, members] of Object.entries(groups)) if (re.test(group) && Array.isArray(members)) members.forEach((h) => hit.add(String(h)));
    for (const h of all) if (re.test(h)) hit.add(h);
    return all.filter((h) => hit.has(h));
  };
  let chosen = new Set<string>();
  for (const raw of pattern.split(/[:,]/).map((p) => p.trim()).filter(Boolean)) {
    if (raw.startsWith('!')) named(raw.slice(1)).forEach((h) => chosen.delete(h));
    else if (raw.startsWith('&')) chosen = new Set(named(raw.slice(1)).filter((h) => chosen.has(h)));
    else named(raw).forEach((h) => chosen.add(h));
  }
  return all.filter((h) => chosen.has(h));
}

/** Each lookup plugin returns a list of results, one per term (Ansible's contract). */
const LOOKUPS: Record<string, (terms: unknown[], kwargs: Mapping, scope: Scope) => unknown[]> = {
  env: (terms, kw) => terms.map((t) => process.env[String(t)] ?? (kw.default !== undefined ? kw.default : '')),
  file: (terms, kw, scope) => terms.map((t) => readControllerFile(String(t), scope, Boolean(kw.lstrip), kw.rstrip !== false)),
  template: (terms, kw, scope) => terms.map((t) => renderTemplateLookup(String(t), kw, scope)),
  vars: (terms, kw, scope) =>
    terms.map((t) => {
      const v = scope(String(t));
      if (isUndefined(v)) {
        if ('default' in kw) return kw.default;
        throw new TemplateError(`lookup('vars'): no variable named '${String(t)}'`, { variable: String(t) });
      }
      return v;
    }),
  items: (terms) => terms.flat(),
  list: (terms) => terms,
  indexed_items: (terms) => terms.flat().map((x, i) => [i, x]),
  dict: (terms) => terms.flatMap((t) => Object.entries((isMapping(t) ? t : {}) as Mapping).map(([key, value]) => ({ key, value }))),
  inventory_hostnames: (terms, _kw, scope) => inventoryHostnames(terms.map((t) => String(t)).join(','), scope),
  ...LOOP_LOOKUPS,
};

/** Names of the lookups (each also a `with_<name>` loop). */
export function lookupNames(): string[] {
  return Object.keys(LOOKUPS);
}

function runLookup(args: unknown[], kwargs: Mapping, scope: Scope, wantList: boolean): unknown {
  const [plugin, ...terms] = args.map((a) => defined(a));
  return runLookupPlugin(String(plugin ?? ''), terms, kwargs, scope, wantList);
}

/** Run lookup `plugin` over `terms` (also what `with_<plugin>:` loops use). */
export function runLookupPlugin(plugin: string, terms: unknown[], kwargs: Mapping, scope: Scope, wantList: boolean): unknown {
  const name = plugin.replace(/^ansible\.builtin\./, '');
  const fn = Object.prototype.hasOwnProperty.call(LOOKUPS, name) ? LOOKUPS[name] : undefined;
  if (!fn) throw new TemplateError(`lookup plugin '${plugin}' is not supported (available: ${Object.keys(LOOKUPS).join(', ')})`);
  const { wantlist, ...rest } = kwargs;
  const results = fn(terms, rest, scope);
  if (wantList || wantlist) return results;
  // Ansible joins several results with commas unless asked for a list.
  return results.length === 1 ? results[0] : results.map((r) => toText(r)).join(',');
}

const GLOBALS: Record<string, GlobalFn> = {
  range: (args) => range(args),
  dict: (args, kwargs) => {
    const out: Mapping = {};
    for (const a of args) {
      const v = defined(a);
      const pairs = isMapping(v) ? Object.entries(v) : Array.isArray(v) ? v : [];
      for (const pair of pairs) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new TemplateError('dict() expects a mapping or a list of [key, value] pairs');
        out[String(pair[0])] = pair[1];
      }
    }
    return Object.assign(out, kwargs);
  },
  namespace: (args, kwargs) => new Namespace(Object.assign({}, ...args.map((a) => (isMapping(a) ? a : {})), kwargs)),
  lookup: (args, kwargs, scope) => runLookup(args, kwargs, scope, false),
  query: (args, kwargs, scope) => runLookup(args, kwargs, scope, true),
  q: (args, kwargs, scope) => runLookup(args, kwargs, scope, true),
};

export function findGlobal(name: string): GlobalFn | undefined {
  return Object.prototype.hasOwnProperty.call(GLOBALS, name) ? GLOBALS[name] : undefined;
}

export function globalNames(): string[] {
  return Object.keys(GLOBALS);
}
