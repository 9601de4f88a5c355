/**
 * The value of a lookup that found nothing, shared by Handlebars templates and bare
 * expressions. Looking things up never throws: `a.b.c` with `a` missing yields an
 * `Undefined` that remembers the path. Only *using* it throws (string conversion, a
 * filter, a comparison), with a message naming the variable. That is what lets
 * `default`, `is defined` and `{{#if}}` accept missing values while every other use is
 * an error, as with Ansible's StrictUndefined.
 */
import { TemplateError } from './errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `a` + `b` → `a.b`; `a` + `0` → `a[0]`; `a` + `web-1` → `a['web-1']`. */
export function joinPath(base: string, key: string | number): string {
  if (base === '@') return `@${key}`; // Handlebars data variables: @index, @root
  if (typeof key === 'number' || /^\d+$/.test(key)) return `${base}[${key}]`;
  if (!base) return String(key);
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export class Undefined {
  /** Template line of the lookup (Handlebars templates), for messages. */
  line: number | undefined;

  constructor(
    /** Full path of what was looked up, such as `hostvars['db'].ansible_host`. */
    readonly path: string,
    /** Why it is undefined, when that is not obvious from the path ("'a' is null"). */
    readonly cause?: string,
    /** Replaces the whole message (e.g. `first` of an empty list). */
    readonly customMessage?: string,
  ) {}

  /** Looking further into an undefined value keeps the original cause. */
  child(key: string | number): Undefined {
    return new Undefined(joinPath(this.path, key), this.cause ?? `'${this.path}' is undefined`);
  }

  error(): TemplateError {
    const message = this.customMessage ?? `'${this.path}' is undefined${this.cause ? `: ${this.cause}` : ''}`;
    return new TemplateError(message, { variable: this.path, ...(this.line !== undefined ? { line: this.line } : {}) });
  }

  // Any attempt to turn it into text or JSON is a use of an undefined value.
  toString(): never {
    throw this.error();
  }
  [Symbol.toPrimitive](): never {
    throw this.error();
  }
  toJSON(): never {
    throw this.error();
  }
}

export function isUndefined(value: unknown): value is Undefined | undefined {
  return value === undefined || value instanceof Undefined;
}

/** Throw if `value` is undefined; otherwise return it. `what` names a JS-undefined value. */
export function defined<T>(value: T | Undefined, what = 'value'): T {
  if (value instanceof Undefined) throw value.error();
  if (value === undefined) throw new TemplateError(`${what} is undefined`);
  return value;
}

/**
 * `parent[key]` for template lookups. Only own properties are visible (getters included:
 * lazily templated variables are getters), which keeps prototype members such as
 * `constructor` out of reach. `path` is the path of `parent`, for messages.
 */
export function member(parent: unknown, key: string | number, path: string): unknown {
  if (parent instanceof Undefined) return parent.child(key);
  if (parent === null || parent === undefined) {
    return new Undefined(joinPath(path, key), `'${path}' is ${parent === null ? 'null' : 'undefined'}`);
  }
  if (typeof parent === 'object' || typeof parent === 'string') {
    let k: string | number = key;
    // Negative indexes count from the end, as in Python.
    if (Array.isArray(parent) || typeof parent === 'string') {
      const n = typeof key === 'number' ? key : /^-?\d+$/.test(key) ? Number(key) : NaN;
      if (Number.isInteger(n)) k = n < 0 ? parent.length + n : n;
    }
    if (Object.prototype.hasOwnProperty.call(parent, k)) {
      const value = (parent as Record<string | number, unknown>)[k];
      if (value !== undefined) return value;
    }
  }
  const kind = Array.isArray(parent) ? 'list' : typeof parent === 'object' ? 'mapping' : typeof parent;
  const what = typeof key === 'number' || /^-?\d+$/.test(String(key)) ? `index ${key}` : `key '${key}'`;
  const atRoot = path === '' || path === '@';
  return new Undefined(joinPath(path, key), atRoot ? undefined : `'${path}' (${kind}) has no ${what}`);
}

/** Follow `parts` from `root`, naming the result `prefix.parts...` in messages. */
export function resolvePath(root: unknown, parts: ReadonlyArray<string>, prefix = ''): unknown {
  let value = root;
  let path = prefix;
  for (const part of parts) {
    value = member(value, part, path);
    path = joinPath(path, part);
  }
  return value;
}
