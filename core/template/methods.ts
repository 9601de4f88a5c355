/**
 * The Python methods Ansible users call inside expressions:
 * `ansible_hostname.split('.')[0]`, `item.startswith('eth')`, `mydict.keys()`,
 * `result.get('rc', 0)`. A small allow-list per type; nothing else is callable.
 */
import { TemplateError } from './errors.js';
import { applyFilter, pySplit } from './filters.js';
import { defined } from './undefined.js';
import { contains, equals, isMapping, iterate, toText, typeName, type Mapping } from './values.js';

type Method = (self: never, args: unknown[], kwargs: Mapping) => unknown;

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) return left && right ? s.trim() : left ? s.trimStart() : s.trimEnd();
  const set = new Set(String(chars));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.has(s[a]!)) a++;
  if (right) while (b > a && set.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}

const prefixes = (arg: unknown): string[] => (Array.isArray(arg) ? arg.map(String) : [String(defined(arg))]);

const STRING_METHODS: Record<string, Method> = {
  lower: (s: string) => s.toLowerCase(),
  upper: (s: string) => s.toUpperCase(),
  title: (s: string) => applyFilter('title', s),
  capitalize: (s: string) => applyFilter('capitalize', s),
  strip: (s: string, [chars]) => stripChars(s, chars, true, true),
  lstrip: (s: string, [chars]) => stripChars(s, chars, true, false),
  rstrip: (s: string, [chars]) => stripChars(s, chars, false, true),
  split: (s: string, [sep, maxsplit], kw) => pySplit(s, sep ?? kw.sep, maxsplit ?? kw.maxsplit),
  splitlines: (s: string) => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
  startswith: (s: string, [p]) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s: string, [p]) => prefixes(p).some((x) => s.endsWith(x)),
  replace: (s: string, [a, b, count]) => applyFilter('replace', s, count === undefined ? [a, b] : [a, b, count]),
  find: (s: string, [sub]) => s.indexOf(String(defined(sub))),
  count: (s: string, [sub]) => s.split(String(defined(sub))).length - 1,
  join: (s: string, [items]) => iterate(items, "str.join").map((x) => toText(x)).join(s),
  isdigit: (s: string) => /^\d+$/.test(s),
  isalpha: (s: string) => /^[A-Za-z]+$/.test(s),
  isalnum: (s: string) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s: string) => /^\s+$/.test(s),
  islower: (s: string) => /[a-z]/.test(s) && s === s.toLowerCase(),
  isupper: (s: string) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  zfill: (s: string, [w]) => (s.startsWith('-') || s.startsWith('+') ? s[0] + s.slice(1).padStart(Number(w) - 1, '0') : s.padStart(Number(w), '0')),
};

const MAPPING_METHODS: Record<string, Method> = {
  keys: (m: Mapping) => Object.keys(m),
  values: (m: Mapping) => Object.values(m),
  items: (m: Mapping) => Object.entries(m),
  get: (m: Mapping, [key, fallback]) => {
    const k = String(defined(key));
    return Object.prototype.hasOwnProperty.call(m, k) && m[k] !== undefined ? m[k] : (fallback ?? null);
  },
};

const LIST_METHODS: Record<string, Method> = {
  index: (l: unknown[], [x]) => {
    const i = l.findIndex((y) => equals(x, y));
    if (i < 0) throw new TemplateError(`${JSON.stringify(x)} is not in list`);
    return i;
  },
  count: (l: unknown[], [x]) => l.filter((y) => equals(x, y)).length,
  __contains__: (l: unknown[], [x]) => contains(l, x),
};

/** Call `self.name(args)`; throws a clear error if the type has no such method. */
export function callMethod(self: unknown, name: string, args: unknown[], kwargs: Mapping, path: string): unknown {
  const table = typeof self === 'string' ? STRING_METHODS : Array.isArray(self) ? LIST_METHODS : isMapping(self) ? MAPPING_METHODS : undefined;
  const method = table && Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (!method) throw new TemplateError(`'${path}' (${typeName(self)}) has no method '${name}'`);
  return method(self as never, args.map((a) => defined(a)), kwargs);
}
