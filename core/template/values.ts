/**
 * Value semantics shared by filters, tests, Handlebars helpers and the expression
 * evaluator: Jinja/Python truthiness, equality, ordering, membership and text
 * conversion. One definition so `{{#if x}}` and `when: x` can never disagree.
 */
import { pythonRepr } from '../util/python-repr.js';
import { TemplateError } from './errors.js';
import { defined, Undefined } from './undefined.js';

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Undefined) && !Buffer.isBuffer(value);
}

/** Python's type names, which is what Ansible users see in error messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (value instanceof Undefined || value === undefined) return 'Undefined';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'object':
      return 'dict';
    default:
      return typeof value;
  }
}

/** Jinja truthiness: empty string, list and mapping are false, as are 0 and null. */
export function truthy(value: unknown): boolean {
  const v = defined(value);
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * Python's `str()` of a value, as Jinja's `~`, `string`, `join` and `%s` make text of it:
 * strings as they are, `None`, `True`/`False`, numbers as Python prints them, lists and
 * mappings as Python's repr (`['a', 1]`, `{'k': True}`). What a `{{ }}` prints into text
 * is `pythonText` (python-text.ts), which differs only for None (nothing, as Ansible's
 * finalize); Handlebars templates print JSON-like (handlebars-env.ts).
 */
export function toText(value: unknown): string {
  const v = defined(value);
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return pythonRepr(v);
}

/** Python equality: deep for lists and mappings, `1 == 1.0`, `True == 1`. */
export function equals(a: unknown, b: unknown): boolean {
  const x = defined(a);
  const y = defined(b);
  if (x === y) return true;
  if ((typeof x === 'number' || typeof x === 'boolean') && (typeof y === 'number' || typeof y === 'boolean')) return Number(x) === Number(y);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((item, i) => equals(item, y[i]));
  if (isMapping(x) && isMapping(y)) {
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    return kx.length === ky.length && kx.every((k) => Object.prototype.hasOwnProperty.call(y, k) && equals(x[k], y[k]));
  }
  return false;
}

/** -1, 0 or 1, or a clear error for values Python cannot order (str vs int). */
export function compare(a: unknown, b: unknown, op = '<'): number {
  const x = defined(a);
  const y = defined(b);
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(x) && numeric(y)) return Math.sign(Number(x) - Number(y));
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compare(x[i], y[i], op);
      if (c !== 0) return c;
    }
    return Math.sign(x.length - y.length);
  }
  const hint = (typeof x === 'string' && numeric(y)) || (numeric(x) && typeof y === 'string') ? " (convert with '| int' or '| float' first)" : '';
  throw new TemplateError(`'${op}' not supported between '${typeName(x)}' and '${typeName(y)}'${hint}`);
}

/** Python `item in container`: substring, list member or mapping key. */
export function contains(container: unknown, item: unknown): boolean {
  const c = defined(container);
  const i = defined(item);
  if (typeof c === 'string') {
    if (typeof i !== 'string') throw new TemplateError(`'in <string>' requires a string as left operand, not '${typeName(i)}'`);
    return c.includes(i);
  }
  if (Array.isArray(c)) return c.some((x) => equals(x, i));
  if (isMapping(c)) return typeof i === 'string' || typeof i === 'number' ? Object.prototype.hasOwnProperty.call(c, String(i)) : false;
  throw new TemplateError(`argument of type '${typeName(c)}' is not iterable`);
}

/** Items of something iterable (list, string characters, mapping keys), for filters. */
export function iterate(value: unknown, what: string): unknown[] {
  const v = defined(value);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  throw new TemplateError(`${what} expects a list, got '${typeName(v)}'`);
}

/** A mapping whose key order is sorted, recursively (`to_nice_json`'s sort_keys). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep(value[k]);
    return out;
  }
  return value;
}
