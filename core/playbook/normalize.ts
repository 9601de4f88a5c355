/**
 * Short forms to model values (`tags: a,b` → ['a', 'b'], `when: x` → ['x'], `yes` → true).
 * The schema has already reported values of the wrong type; these helpers just skip them,
 * so one mistake gives one message.
 */
import type { CommonKeywords } from './model.js';
import type { Cursor } from './yaml-source.js';

const TRUE_WORDS = new Set(['yes', 'true', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'off']);

export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

/** A strict boolean (yes/no strings accepted, as YAML 1.1 users expect). */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const w = value.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return undefined;
}

/** A boolean, or a template string decided per host at run time. */
export function toBooleanOrTemplate(value: unknown): boolean | string | undefined {
  return toBoolean(value) ?? (isTemplate(value) ? value : undefined);
}

export function toIntegerOrTemplate(value: unknown): number | string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return isTemplate(value) ? value : undefined;
}

export function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `tags: a, b` / `tags: [a, b]` / `tags: 3` → ['a', 'b'] / ['a', 'b'] / ['3']. */
export function toTags(value: unknown): string[] {
  const words = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  if (Array.isArray(value)) return value.map(words).map((s) => s.trim()).filter(Boolean);
  return words(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `when:` and friends: one condition or a list; every entry must hold. */
export function toConditions(value: unknown): Array<string | boolean> {
  const ok = (v: unknown): v is string | boolean => typeof v === 'string' || typeof v === 'boolean';
  if (Array.isArray(value)) return value.filter(ok);
  return ok(value) ? [value] : [];
}

export function toNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

export function toMapping(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

/**
 * The keywords plays, blocks, tasks and role entries share. Only keys present with a
 * usable value are set: absent means "inherit" to the executor.
 */
export function commonKeywords(c: Cursor): CommonKeywords {
  const v = (c.value ?? {}) as Record<string, unknown>;
  const out: CommonKeywords = { tags: toTags(v.tags), vars: toMapping(v.vars) };
  const become = toBooleanOrTemplate(v.become);
  if (become !== undefined) out.become = become;
  const becomeUser = toText(v.become_user);
  if (becomeUser !== undefined) out.becomeUser = becomeUser;
  const checkMode = toBooleanOrTemplate(v.check_mode);
  if (checkMode !== undefined) out.checkMode = checkMode;
  const diff = toBooleanOrTemplate(v.diff);
  if (diff !== undefined) out.diff = diff;
  const noLog = toBooleanOrTemplate(v.no_log);
  if (noLog !== undefined) out.noLog = noLog;
  const ignoreErrors = toBooleanOrTemplate(v.ignore_errors);
  if (ignoreErrors !== undefined) out.ignoreErrors = ignoreErrors;
  if (v.environment !== null && typeof v.environment === 'object' && !Array.isArray(v.environment)) out.environment = { ...(v.environment as object) };
  else if (isTemplate(v.environment)) out.environment = v.environment;
  const anyErrorsFatal = toBoolean(v.any_errors_fatal);
  if (anyErrorsFatal !== undefined) out.anyErrorsFatal = anyErrorsFatal;
  const delegateTo = toText(v.delegate_to);
  if (delegateTo !== undefined) out.delegateTo = delegateTo;
  const runOnce = toBooleanOrTemplate(v.run_once);
  if (runOnce !== undefined) out.runOnce = runOnce;
  const remoteUser = toText(v.remote_user);
  if (remoteUser !== undefined) out.remoteUser = remoteUser;
  const connection = toText(v.connection);
  if (connection !== undefined) out.connection = connection;
  if (typeof v.timeout === 'number' || isTemplate(v.timeout)) out.timeout = v.timeout as number | string;
  return out;
}
