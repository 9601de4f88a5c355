/**
 * Which module a task runs and with what arguments, in all of Ansible's forms: the module
 * key with a mapping or a `k=v` string, `args:` merged in, `action:` / `local_action:`,
 * and `meta:`. Also the message for a key that is neither a keyword nor a module.
 */
import type { LoadContext } from './context.js';
import { KeyValueError, parseKeyValue, splitArgs } from './kv.js';
import { ENTITY_NOUN, keywordHint, META_ACTIONS, shortAction } from './keywords.js';
import type { SourceLocation } from './model.js';
import { toMapping } from './normalize.js';
import { describeValue } from './schema-validate.js';
import { closest } from '../util/suggest.js';
import type { Cursor } from './yaml-source.js';

/** Modules Ansible treats as free-form, for when the caller cannot tell us (no registry). */
const FREE_FORM_FALLBACK = new Set(['command', 'shell', 'raw', 'script']);

const quoted = (s: string) => `'${s}'`;

function fieldsOf(c: Cursor): Record<string, unknown> {
  return (c.isMapping() ? c.value : {}) as Record<string, unknown>;
}

export interface ModuleCall {
  module: string;
  moduleLoc: SourceLocation;
  args: Record<string, unknown> | string;
}

export function isAction(ctx: LoadContext, key: string): boolean {
  return shortAction(key) === 'meta' || ctx.isModule(key);
}

export function unknownTaskKey(ctx: LoadContext, entity: 'task' | 'handler', key: string, hasModule: boolean): string {
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

/** `action: copy src=a dest=b` or `action: {module: copy, src: a}` (and local_action). */
export function actionCall(ctx: LoadContext, c: Cursor, key: string): ModuleCall | undefined {
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

export function moduleCall(ctx: LoadContext, c: Cursor, module: string): ModuleCall {
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
export function withArgsKeyword(ctx: LoadContext, c: Cursor, call: ModuleCall): ModuleCall {
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

export function checkMeta(ctx: LoadContext, c: Cursor, call: ModuleCall): void {
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
