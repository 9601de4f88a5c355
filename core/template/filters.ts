/**
 * Ansible's filters, implemented once and used by both template styles:
 * Handlebars helpers (`{{default x "kvm"}}`) and expression pipes (`x | default('kvm')`).
 *
 * A filter receives its input, then arguments bound by position or keyword to the names
 * in `params` (as Python does: `regex_replace('a', 'b', ignorecase=true)`), with the
 * Handlebars hash (`ignorecase=true`) playing the role of keyword arguments.
 * Undefined inputs are an error naming the variable, except for filters that exist to
 * deal with them (`default`, `mandatory`).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import YAML from 'yaml';
import { quote as shellQuote } from '../transport/shell-quote.js';
import { compilePythonRegex, groupSelector, replacer } from '../util/python-regex.js';
import { TemplateError } from './errors.js';
import { findTest, runTest, templateErrorFromRegex } from './is-tests.js';
import { pyyamlDump } from './pyyaml-dump.js';
import { noteFilterResult } from './string-filter-text.js';
import { defined, isUndefined, member, Undefined } from './undefined.js';
import { asciiJson, pythonJson } from '../util/python-json.js';
import { pythonRepr } from '../util/python-repr.js';
import { compare, equals, isMapping, iterate, sortKeysDeep, toText, truthy, typeName, type Mapping } from './values.js';

type Params = Record<string, unknown>;

export interface FilterSpec {
  /** Parameter names after the input, in positional order; all may be given by keyword. */
  params?: string[];
  /** How many of `params` are required. */
  required?: number;
  /** Extra positional arguments allowed (collected in `rest`). */
  rest?: boolean;
  /** Keyword-only parameters. */
  kwOnly?: string[];
  /** The input may be undefined (it is passed as an `Undefined`). */
  acceptsUndefined?: boolean;
  fn(input: unknown, p: Params, rest: unknown[]): unknown;
}

// ---- helpers ---------------------------------------------------------------------------

function str(value: unknown, filter: string): string {
  const v = defined(value);
  if (typeof v === 'string') return v;
  if (v === null) throw new TemplateError(`filter '${filter}' expects a string, got None`);
  return toText(v);
}

function list(value: unknown, filter: string): unknown[] {
  return iterate(value, `filter '${filter}'`);
}

function mapping(value: unknown, filter: string): Mapping {
  const v = defined(value);
  if (!isMapping(v)) throw new TemplateError(`filter '${filter}' expects a mapping, got '${typeName(v)}'`);
  return v;
}

/** `attribute='a.b'` lookups used by sort/map/selectattr/sum... */
function attr(item: unknown, attribute: unknown): unknown {
  if (attribute === undefined || attribute === null) return item;
  let v = item;
  let path = '';
  for (const part of String(attribute).split('.')) {
    v = member(v, part, path || 'item');
    path = path ? `${path}.${part}` : `item.${part}`;
  }
  return v;
}

function stableKey(value: unknown): string {
  return typeof value === 'string' ? `s:${value}` : JSON.stringify(sortKeysDeep(value)) ?? 'undefined';
}

function caseFold(value: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof value === 'string' ? value.toLowerCase() : value;
}

/** Python's str.split: no separator splits on runs of whitespace and drops empties. */
export function pySplit(s: string, sep?: unknown, maxsplit?: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest) {
      if (max >= 0 && out.length === max) {
        out.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const separator = String(sep);
  if (!separator) throw new TemplateError('split: empty separator');
  const parts = s.split(separator);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(separator)];
}

/** Python's posixpath.basename/dirname (`/a/b/` has basename `''`, unlike Node's). */
function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
function pyDirname(p: string): string {
  let head = p.slice(0, p.lastIndexOf('/') + 1);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return head;
}
function pySplitext(p: string): [string, string] {
  const base = pyBasename(p);
  const dot = base.lastIndexOf('.');
  // Leading dots (".bashrc") are part of the name, not an extension.
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return [p, ''];
  const cut = p.length - (base.length - dot);
  return [p.slice(0, cut), p.slice(cut)];
}

/**
 * Python's round() (which Jinja's 'common' method is), decided on the float's exact decimal
 * expansion: `2.675 | round(2)` is 2.67 (the float is 2.67499...), and a true half goes to
 * the even neighbour (`2.5 | round` is 2).
 */
function pythonRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || digits < 0 || digits > 40) {
    const f = 10 ** digits;
    return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
  }
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point + 1 + digits).replace('.', '');
  const rest = exact.slice(point + 1 + digits);
  const tie = /^50*$/.test(rest);
  const up = tie ? Number(kept[kept.length - 1]) % 2 === 1 : rest[0]! >= '5';
  const scaled = BigInt(kept) + (up ? 1n : 0n);
  return (Math.sign(x) || 1) * (Number(scaled) / 10 ** digits);
}

function yamlOptions(p: Params): { indent?: number; sortKeys: boolean; width?: number } {
  return { ...(p.indent !== undefined ? { indent: Number(p.indent) } : {}), sortKeys: p.sort_keys !== false, ...(p.width !== undefined ? { width: Number(p.width) } : {}) };
}

const HASHES: Record<string, string> = { md5: 'md5', sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', blake2b: 'blake2b512', blake2s: 'blake2s256' };

function digest(value: unknown, algorithm: string): string {
  const algo = HASHES[algorithm];
  if (!algo) throw new TemplateError(`hash: unsupported algorithm '${algorithm}' (use one of ${Object.keys(HASHES).join(', ')})`);
  return createHash(algo).update(str(value, 'hash')).digest('hex');
}

function toInt(value: unknown, fallback: unknown, base: unknown): unknown {
  const v = defined(value);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : fallback;
  if (typeof v === 'string') {
    const s = v.trim().replace(/_/g, '');
    const b = base === undefined ? 10 : Number(base);
    const prefixed = /^([+-]?)0([xob])([0-9a-f]+)$/i.exec(s);
    if (prefixed && (b === 16 || b === 8 || b === 2 || b === 0)) {
      const n = parseInt(prefixed[3]!, { x: 16, o: 8, b: 2 }[prefixed[2]!.toLowerCase() as 'x' | 'o' | 'b']);
      return prefixed[1] === '-' ? -n : n;
    }
    const digits = b === 10 ? /^[+-]?\d+$/ : b === 16 ? /^[+-]?[0-9a-f]+$/i : b === 8 ? /^[+-]?[0-7]+$/ : b === 2 ? /^[+-]?[01]+$/ : /^[+-]?[0-9a-z]+$/i;
    if (digits.test(s)) return parseInt(s, b);
    // Jinja's int filter falls back to float parsing: "12.7" → 12.
    if (b === 10 && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Math.trunc(Number(s));
  }
  return fallback;
}

function toFloat(value: unknown, fallback: unknown): unknown {
  const v = defined(value);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v)) return Number(v);
  if (typeof v === 'string' && /^\s*[+-]?(inf|infinity|nan)\s*$/i.test(v)) return Number(v.trim().toLowerCase().replace(/^([+-]?)inf(inity)?$/, '$1Infinity').replace(/^[+-]?nan$/, 'NaN'));
  return fallback;
}

/** Ansible's `bool` filter: true for yes/on/1/true (any case) and 1. */
export function toBool(value: unknown): boolean {
  const v = defined(value);
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true', 'y'].includes(v.trim().toLowerCase());
  return false;
}

function combine(dicts: unknown[], recursive: boolean, listMerge: string): Mapping {
  const merge = (a: Mapping, b: Mapping): Mapping => {
    const out: Mapping = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const prev = out[k];
      if (recursive && isMapping(prev) && isMapping(v)) out[k] = merge(prev, v);
      else if (Array.isArray(prev) && Array.isArray(v)) {
        out[k] = listMerge === 'keep' ? prev : listMerge === 'append' ? [...prev, ...v] : listMerge === 'prepend' ? [...v, ...prev] : v;
      } else out[k] = v;
    }
    return out;
  };
  if (!['replace', 'keep', 'append', 'prepend'].includes(listMerge)) throw new TemplateError(`combine: list_merge must be replace, keep, append or prepend, not '${listMerge}'`);
  return dicts.flat().reduce<Mapping>((acc, d) => merge(acc, mapping(d, 'combine')), {});
}

function flatten(items: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (skipNulls && (item === null || item === 'None')) continue;
    if (Array.isArray(item) && (levels === undefined || levels > 0)) out.push(...flatten(item, levels === undefined ? undefined : levels - 1, skipNulls));
    else out.push(item);
  }
  return out;
}

/** Python %-formatting for the `format` filter: %s %d %i %f %r %x %%, with width/precision. */
function percentFormat(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(/%([-+ 0]*)(\d+)?(?:\.(\d+))?([sdifrxX%])/g, (_m, flags: string, width?: string, precision?: string, conv?: string) => {
    if (conv === '%') return '%';
    if (i >= args.length) throw new TemplateError(`format: not enough arguments for format string ${JSON.stringify(template)}`);
    const arg = defined(args[i++]);
    let s: string;
    switch (conv) {
      case 'd':
      case 'i':
        s = String(Math.trunc(Number(arg)));
        break;
      case 'f':
        s = Number(arg).toFixed(precision === undefined ? 6 : Number(precision));
        break;
      case 'x':
      case 'X':
        s = Math.trunc(Number(arg)).toString(16);
        if (conv === 'X') s = s.toUpperCase();
        break;
      case 'r':
        s = pythonRepr(arg);
        break;
      default:
        s = toText(arg);
        if (precision !== undefined) s = s.slice(0, Number(precision));
    }
    if (width && s.length < Number(width)) s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width), flags.includes('0') && conv !== 's' ? '0' : ' ');
    return s;
  });
}

/** Apply a test for select/reject/selectattr/rejectattr; a missing attribute never matches. */
function matches(value: unknown, testArgs: unknown[]): boolean {
  if (!testArgs.length) return !isUndefined(value) && truthy(value);
  const [name, ...args] = testArgs;
  const testName = String(defined(name));
  if (!findTest(testName)) throw new TemplateError(`no test named '${testName}'`);
  if (isUndefined(value) && testName !== 'defined' && testName !== 'undefined') return false;
  return runTest(testName, value, args);
}

// ---- the filters -----------------------------------------------------------------------

const FILTERS: Record<string, FilterSpec> = {
  default: {
    params: ['default_value', 'boolean'],
    acceptsUndefined: true,
    fn: (v, p) => (isUndefined(v) || (p.boolean && !truthy(v)) ? (p.default_value ?? '') : v),
  },
  mandatory: {
    params: ['msg'],
    acceptsUndefined: true,
    fn: (v, p) => {
      if (v instanceof Undefined || v === undefined) {
        const name = v instanceof Undefined ? v.path : 'value';
        throw new TemplateError(p.msg !== undefined ? String(p.msg) : `mandatory variable '${name}' is not defined`, { variable: name });
      }
      return v;
    },
  },
  ternary: { params: ['true_val', 'false_val', 'none_val'], required: 2, fn: (v, p) => (v === null && 'none_val' in p ? p.none_val : truthy(v) ? p.true_val : p.false_val) },

  // text
  lower: { fn: (v) => str(v, 'lower').toLowerCase() },
  upper: { fn: (v) => str(v, 'upper').toUpperCase() },
  capitalize: { fn: (v) => ((s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase())(str(v, 'capitalize')) },
  title: { fn: (v) => str(v, 'title').replace(/[A-Za-z]+('[A-Za-z]+)?/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()) },
  trim: {
    params: ['chars'],
    fn: (v, p) => {
      const s = str(v, 'trim');
      if (p.chars === undefined || p.chars === null) return s.trim();
      const set = new Set(String(p.chars));
      let a = 0;
      let b = s.length;
      while (a < b && set.has(s[a]!)) a++;
      while (b > a && set.has(s[b - 1]!)) b--;
      return s.slice(a, b);
    },
  },
  replace: {
    params: ['old', 'new', 'count'],
    required: 2,
    fn: (v, p) => {
      const s = str(v, 'replace');
      const parts = s.split(String(p.old));
      const count = p.count === undefined || p.count === null ? -1 : Number(p.count);
      if (count < 0 || parts.length <= count + 1) return parts.join(String(p.new));
      return parts.slice(0, count + 1).join(String(p.new)) + String(p.old) + parts.slice(count + 1).join(String(p.old));
    },
  },
  split: { params: ['sep', 'maxsplit'], fn: (v, p) => pySplit(str(v, 'split'), p.sep, p.maxsplit) },
  join: {
    params: ['d', 'attribute'],
    fn: (v, p) => list(v, 'join').map((x) => toText(attr(x, p.attribute))).join(p.d === undefined ? '' : toText(p.d)),
  },
  indent: {
    params: ['width', 'first', 'blank'],
    fn: (v, p) => {
      const pad = typeof p.width === 'string' ? p.width : ' '.repeat(p.width === undefined ? 4 : Number(p.width));
      const lines = str(v, 'indent').split('\n');
      return lines.map((l, i) => ((i > 0 || p.first) && (l || p.blank) ? pad + l : l)).join('\n');
    },
  },
  format: { rest: true, fn: (v, _p, rest) => percentFormat(str(v, 'format'), rest) },
  string: { fn: (v) => toText(v) },
  quote: { fn: (v) => shellQuote(v === null ? '' : str(v, 'quote')) },
  urlencode: { fn: (v) => urlencode(defined(v)) },
  regex_replace: {
    params: ['regex', 'replace', 'ignorecase', 'multiline', 'count'],
    required: 1,
    fn: (v, p) => {
      const count = p.count === undefined ? 0 : Number(p.count);
      const re = compilePythonRegex(String(p.regex), { ignorecase: Boolean(p.ignorecase), multiline: Boolean(p.multiline), global: true });
      const expand = replacer(p.replace === undefined ? '' : String(p.replace));
      let n = 0;
      return str(v, 'regex_replace').replace(re, (...m: unknown[]) => (count > 0 && n++ >= count ? (m[0] as string) : expand(...(m as [string, ...unknown[]]))));
    },
  },
  regex_search: {
    params: ['regex'],
    required: 1,
    rest: true,
    kwOnly: ['ignorecase', 'multiline'],
    fn: (v, p, groups) => {
      const m = compilePythonRegex(String(p.regex), { ignorecase: Boolean(p.ignorecase), multiline: Boolean(p.multiline) }).exec(str(v, 'regex_search'));
      if (!m) return null;
      if (!groups.length) return m[0];
      return groups.map((g) => {
        const sel = groupSelector(String(g));
        return typeof sel === 'number' ? (m[sel] ?? null) : (m.groups?.[sel] ?? null);
      });
    },
  },
  regex_findall: {
    params: ['regex', 'ignorecase', 'multiline'],
    required: 1,
    fn: (v, p) => {
      const re = compilePythonRegex(String(p.regex), { ignorecase: Boolean(p.ignorecase), multiline: Boolean(p.multiline), global: true });
      // Python's findall: whole matches without groups, the group with one, tuples with several.
      return [...str(v, 'regex_findall').matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
    },
  },
  regex_escape: { fn: (v) => str(v, 'regex_escape').replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&') },

  // data formats
  // json.dumps as Ansible calls it: `, ` and `: ` separators (`,` at line ends when indented)
  // and ensure_ascii, so non-ASCII text is written as \uXXXX.
  to_json: {
    params: ['indent', 'sort_keys'],
    fn: (v, p) => {
      const value = p.sort_keys ? sortKeysDeep(defined(v)) : defined(v);
      return p.indent === undefined || p.indent === null ? pythonJson(value, { ensureAscii: true }) : asciiJson(JSON.stringify(value, null, Number(p.indent)));
    },
  },
  to_nice_json: {
    params: ['indent', 'sort_keys'],
    fn: (v, p) => asciiJson(JSON.stringify(p.sort_keys === false ? defined(v) : sortKeysDeep(defined(v)), null, p.indent === undefined ? 4 : Number(p.indent))),
  },
  // PyYAML's output, as Ansible writes it (pyyaml-dump.ts).
  to_yaml: {
    params: ['indent'],
    kwOnly: ['default_flow_style', 'sort_keys', 'width'],
    fn: (v, p) => pyyamlDump(v, { ...yamlOptions(p), defaultFlowStyle: p.default_flow_style === undefined ? null : (p.default_flow_style as boolean | null) }),
  },
  to_nice_yaml: {
    params: ['indent'],
    kwOnly: ['sort_keys', 'width', 'default_flow_style'],
    fn: (v, p) => pyyamlDump(v, { ...yamlOptions(p), indent: p.indent === undefined ? 4 : Number(p.indent), defaultFlowStyle: p.default_flow_style === undefined ? false : (p.default_flow_style as boolean | null) }),
  },
  from_json: {
    fn: (v) => {
      try {
        return JSON.parse(str(v, 'from_json'));
      } catch (err) {
        throw new TemplateError(`from_json: ${(err as Error).message}`);
      }
    },
  },
  from_yaml: {
    fn: (v) => {
      const doc = YAML.parseDocument(str(v, 'from_yaml'));
      if (doc.errors.length) throw new TemplateError(`from_yaml: ${doc.errors[0]!.message}`);
      return doc.toJS();
    },
  },
  from_yaml_all: {
    fn: (v) => {
      const docs = YAML.parseAllDocuments(str(v, 'from_yaml_all'));
      const all = Array.isArray(docs) ? docs : [];
      const bad = all.find((d) => d.errors.length);
      if (bad) throw new TemplateError(`from_yaml_all: ${bad.errors[0]!.message}`);
      return all.map((d) => d.toJS());
    },
  },
  b64encode: { params: ['encoding'], fn: (v, p) => Buffer.from(str(v, 'b64encode'), encoding(p.encoding)).toString('base64') },
  b64decode: { params: ['encoding'], fn: (v, p) => Buffer.from(str(v, 'b64decode'), 'base64').toString(encoding(p.encoding)) },

  // paths
  basename: { fn: (v) => pyBasename(str(v, 'basename')) },
  dirname: { fn: (v) => pyDirname(str(v, 'dirname')) },
  splitext: { fn: (v) => pySplitext(str(v, 'splitext')) },
  // Python's os.path.relpath(path, start): relative paths are taken from the working
  // directory, the same path is '.'.
  relpath: { params: ['start'], fn: (v, p) => posix.relative(posix.resolve(str(p.start ?? '.', 'relpath')), posix.resolve(str(v, 'relpath'))) || '.' },
  // Python's ntpath, for Windows paths handled on the controller.
  win_basename: { fn: (v) => ntSplit(str(v, 'win_basename'))[1] },
  win_dirname: { fn: (v) => ntSplit(str(v, 'win_dirname'))[0] },
  // Python's os.path.join: an absolute component starts over.
  path_join: {
    fn: (v) =>
      (Array.isArray(v) ? v : [v]).map((x) => str(x, 'path_join')).reduce((acc, part) => (part.startsWith('/') || !acc ? part : acc.endsWith('/') ? acc + part : `${acc}/${part}`), ''),
  },

  // numbers and types
  bool: { fn: (v) => toBool(v) },
  int: { params: ['default', 'base'], fn: (v, p) => toInt(v, p.default ?? 0, p.base) },
  float: { params: ['default'], fn: (v, p) => toFloat(v, p.default ?? 0) },
  abs: { fn: (v) => Math.abs(Number(defined(v))) },
  round: {
    params: ['precision', 'method'],
    fn: (v, p) => {
      const digits = p.precision === undefined ? 0 : Number(p.precision);
      const method = String(p.method ?? 'common');
      if (method === 'common') return pythonRound(Number(defined(v)), digits);
      const f = 10 ** digits;
      const n = Number(defined(v)) * f;
      return (method === 'ceil' ? Math.ceil(n) : Math.floor(n)) / f;
    },
  },
  type_debug: { acceptsUndefined: true, fn: (v) => typeName(v) },

  // lists and mappings
  length: {
    fn: (v) => {
      const x = defined(v);
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      if (isMapping(x)) return Object.keys(x).length;
      throw new TemplateError(`filter 'length': object of type '${typeName(x)}' has no length`);
    },
  },
  first: {
    fn: (v) => {
      const items = list(v, 'first');
      return items.length ? items[0] : new Undefined('first', undefined, 'no first item, the sequence was empty');
    },
  },
  last: {
    fn: (v) => {
      const items = list(v, 'last');
      return items.length ? items[items.length - 1] : new Undefined('last', undefined, 'no last item, the sequence was empty');
    },
  },
  list: { fn: (v) => [...list(v, 'list')] },
  reverse: { fn: (v) => (typeof defined(v) === 'string' ? [...(v as string)].reverse().join('') : [...list(v, 'reverse')].reverse()) },
  unique: {
    params: ['case_sensitive', 'attribute'],
    fn: (v, p) => {
      const seen = new Set<string>();
      return list(v, 'unique').filter((x) => {
        const key = stableKey(caseFold(attr(x, p.attribute), Boolean(p.case_sensitive)));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    },
  },
  sort: {
    params: ['reverse', 'case_sensitive', 'attribute'],
    fn: (v, p) => {
      const key = (x: unknown) => caseFold(attr(x, p.attribute), Boolean(p.case_sensitive));
      const sorted = [...list(v, 'sort')].sort((a, b) => compare(key(a), key(b), 'sort'));
      return p.reverse ? sorted.reverse() : sorted;
    },
  },
  min: {
    params: ['attribute', 'case_sensitive'],
    fn: (v, p) => {
      const items = list(v, 'min');
      const key = (x: unknown) => caseFold(attr(x, p.attribute), Boolean(p.case_sensitive));
      return items.length ? items.reduce((a, b) => (compare(key(b), key(a), 'min') < 0 ? b : a)) : new Undefined('min', undefined, 'min of an empty sequence');
    },
  },
  max: {
    params: ['attribute', 'case_sensitive'],
    fn: (v, p) => {
      const items = list(v, 'max');
      const key = (x: unknown) => caseFold(attr(x, p.attribute), Boolean(p.case_sensitive));
      return items.length ? items.reduce((a, b) => (compare(key(b), key(a), 'max') > 0 ? b : a)) : new Undefined('max', undefined, 'max of an empty sequence');
    },
  },
  sum: {
    params: ['attribute', 'start'],
    fn: (v, p) => {
      const items = list(v, 'sum').map((x) => defined(attr(x, p.attribute)));
      const start = p.start ?? 0;
      if (Array.isArray(start)) return items.reduce<unknown[]>((acc, x) => acc.concat(x as unknown[]), [...start]);
      return items.reduce<number>((acc, x) => {
        if (typeof x !== 'number' && typeof x !== 'boolean') throw new TemplateError(`sum: unsupported operand type '${typeName(x)}' (convert with '| map("int")' first)`);
        return acc + Number(x);
      }, Number(start));
    },
  },
  flatten: { params: ['levels', 'skip_nulls'], fn: (v, p) => flatten(list(v, 'flatten'), p.levels === undefined || p.levels === null ? undefined : Number(p.levels), p.skip_nulls !== false) },
  zip: { rest: true, fn: (v, _p, rest) => ((lists) => lists[0]!.slice(0, Math.min(...lists.map((l) => l.length))).map((_x, i) => lists.map((l) => l[i])))([list(v, 'zip'), ...rest.map((r) => list(r, 'zip'))]) },
  zip_longest: {
    rest: true,
    kwOnly: ['fillvalue'],
    fn: (v, p, rest) => {
      const lists = [list(v, 'zip_longest'), ...rest.map((r) => list(r, 'zip_longest'))];
      const fill = p.fillvalue === undefined ? null : p.fillvalue;
      return Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_x, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
    },
  },
  // itertools.product: every combination, the last list varying fastest.
  product: {
    rest: true,
    kwOnly: ['repeat'],
    fn: (v, p, rest) => {
      const base = [list(v, 'product'), ...rest.map((r) => list(r, 'product'))];
      const lists = Array.from({ length: p.repeat === undefined ? 1 : Number(p.repeat) }, () => base).flat();
      return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((combo) => l.map((x) => [...combo, x])), [[]]);
    },
  },
  difference: { params: ['other'], required: 1, fn: (v, p) => dedupe(list(v, 'difference').filter((x) => !list(p.other, 'difference').some((y) => equals(x, y)))) },
  intersect: { params: ['other'], required: 1, fn: (v, p) => dedupe(list(v, 'intersect').filter((x) => list(p.other, 'intersect').some((y) => equals(x, y)))) },
  union: { params: ['other'], required: 1, fn: (v, p) => dedupe([...list(v, 'union'), ...list(p.other, 'union')]) },
  symmetric_difference: {
    params: ['other'],
    required: 1,
    fn: (v, p) => {
      const a = list(v, 'symmetric_difference');
      const b = list(p.other, 'symmetric_difference');
      return dedupe([...a.filter((x) => !b.some((y) => equals(x, y))), ...b.filter((y) => !a.some((x) => equals(x, y)))]);
    },
  },
  dict2items: {
    params: ['key_name', 'value_name'],
    fn: (v, p) => Object.entries(mapping(v, 'dict2items')).map(([k, x]) => ({ [String(p.key_name ?? 'key')]: k, [String(p.value_name ?? 'value')]: x })),
  },
  items2dict: {
    params: ['key_name', 'value_name'],
    fn: (v, p) => {
      const out: Mapping = {};
      for (const item of list(v, 'items2dict')) {
        const m = mapping(item, 'items2dict');
        const k = String(p.key_name ?? 'key');
        if (!(k in m)) throw new TemplateError(`items2dict: an item has no '${k}' key: ${JSON.stringify(m)}`);
        out[String(m[k])] = m[String(p.value_name ?? 'value')];
      }
      return out;
    },
  },
  items: { fn: (v) => Object.entries(mapping(v, 'items')) },
  // Jinja's own filters that Ansible templates use.
  dictsort: {
    params: ['case_sensitive', 'by', 'reverse'],
    fn: (v, p) => {
      const by = p.by === undefined ? 'key' : String(p.by);
      if (by !== 'key' && by !== 'value') throw new TemplateError("dictsort: 'by' must be 'key' or 'value'");
      const at = by === 'key' ? 0 : 1;
      const key = (e: [string, unknown]) => caseFold(e[at], Boolean(p.case_sensitive));
      const sorted = Object.entries(mapping(v, 'dictsort')).sort((a, b) => compare(key(a), key(b), 'dictsort'));
      return p.reverse ? sorted.reverse() : sorted;
    },
  },
  safe: { fn: (v) => defined(v) },
  attr: { params: ['name'], required: 1, fn: (v, p) => member(defined(v), String(p.name), 'value') },
  batch: {
    params: ['linecount', 'fill_with'],
    required: 1,
    fn: (v, p) => {
      const size = Number(p.linecount);
      if (!Number.isInteger(size) || size < 1) throw new TemplateError('batch: linecount must be a positive integer');
      const items = list(v, 'batch');
      const out: unknown[][] = [];
      for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
      const last = out[out.length - 1];
      if (last && p.fill_with !== undefined) while (last.length < size) last.push(p.fill_with);
      return out;
    },
  },
  groupby: {
    params: ['attribute', 'default', 'case_sensitive'],
    required: 1,
    fn: (v, p) => {
      const groups = new Map<string, { grouper: unknown; list: unknown[] }>();
      const keyOf = (x: unknown) => {
        const k = attr(x, p.attribute);
        return k instanceof Undefined && p.default !== undefined ? p.default : defined(k);
      };
      const items = [...list(v, 'groupby')].sort((a, b) => compare(caseFold(keyOf(a), Boolean(p.case_sensitive)), caseFold(keyOf(b), Boolean(p.case_sensitive)), 'groupby'));
      for (const item of items) {
        const k = keyOf(item);
        const id = stableKey(caseFold(k, Boolean(p.case_sensitive)));
        if (!groups.has(id)) groups.set(id, { grouper: k, list: [] });
        groups.get(id)!.list.push(item);
      }
      // Jinja's (grouper, list) tuples: usable as `for key, members in ...` and as `.grouper`/`.list`.
      return [...groups.values()].map((g) => Object.assign([g.grouper, g.list], { grouper: g.grouper, list: g.list }));
    },
  },
  center: {
    params: ['width'],
    fn: (v, p) => {
      const s = str(v, 'center');
      const width = p.width === undefined ? 80 : Number(p.width);
      if (s.length >= width) return s;
      // Python's str.center puts the odd space on the right unless the text length is odd.
      const total = width - s.length;
      const left = Math.floor(total / 2) + (total % 2 && width % 2 ? 1 : 0);
      return ' '.repeat(left) + s + ' '.repeat(total - left);
    },
  },
  wordcount: { fn: (v) => (str(v, 'wordcount').match(/\w+/g) ?? []).length },
  truncate: {
    params: ['length', 'killwords', 'end', 'leeway'],
    fn: (v, p) => {
      const s = str(v, 'truncate');
      const length = p.length === undefined ? 255 : Number(p.length);
      const end = p.end === undefined ? '...' : String(p.end);
      const leeway = p.leeway === undefined ? 5 : Number(p.leeway);
      if (s.length <= length + leeway) return s;
      if (p.killwords) return s.slice(0, length - end.length) + end;
      const cut = s.slice(0, length - end.length);
      const space = cut.lastIndexOf(' ');
      return (space >= 0 ? cut.slice(0, space) : cut) + end;
    },
  },
  combine: {
    rest: true,
    kwOnly: ['recursive', 'list_merge'],
    fn: (v, p, rest) => combine([defined(v), ...rest], Boolean(p.recursive), String(p.list_merge ?? 'replace')),
  },
  subelements: {
    params: ['subelements', 'skip_missing'],
    required: 1,
    fn: (v, p) => {
      const out: unknown[] = [];
      for (const item of list(v, 'subelements')) {
        const sub = attr(item, p.subelements);
        if (isUndefined(sub)) {
          if (p.skip_missing) continue;
          throw (sub as Undefined).error();
        }
        for (const s of list(sub, 'subelements')) out.push([item, s]);
      }
      return out;
    },
  },
  extract: {
    params: ['container', 'morekeys'],
    required: 1,
    fn: (v, p) => {
      let out = member(p.container, String(defined(v)), 'container');
      const more = p.morekeys === undefined ? [] : Array.isArray(p.morekeys) ? p.morekeys : [p.morekeys];
      for (const k of more) out = member(out, String(k), 'container');
      return out;
    },
  },
  map: {
    rest: true,
    kwOnly: ['attribute', 'default'],
    fn: (v, p, rest) => {
      const items = list(v, 'map');
      if (p.attribute !== undefined) return items.map((x) => ((r) => (isUndefined(r) && 'default' in p ? p.default : r))(attr(x, p.attribute)));
      if (!rest.length) throw new TemplateError("map: give a filter name (map('upper')) or attribute='name'");
      const [name, ...args] = rest;
      return items.map((x) => applyFilter(String(name), x, args));
    },
  },
  select: { rest: true, fn: (v, _p, rest) => list(v, 'select').filter((x) => matches(x, rest)) },
  reject: { rest: true, fn: (v, _p, rest) => list(v, 'reject').filter((x) => !matches(x, rest)) },
  selectattr: { params: ['attribute'], required: 1, rest: true, fn: (v, p, rest) => list(v, 'selectattr').filter((x) => matches(attr(x, p.attribute), rest)) },
  rejectattr: { params: ['attribute'], required: 1, rest: true, fn: (v, p, rest) => list(v, 'rejectattr').filter((x) => !matches(attr(x, p.attribute), rest)) },

  // hashes
  hash: { params: ['hashtype'], fn: (v, p) => digest(v, String(p.hashtype ?? 'sha1')) },
  checksum: { fn: (v) => digest(v, 'sha1') },
  md5: { fn: (v) => digest(v, 'md5') },
  sha1: { fn: (v) => digest(v, 'sha1') },
};

/**
 * Jinja's urlencode: text is percent-encoded keeping `/` (Python's `quote`); a mapping or a
 * list of pairs becomes a query string (`k=v&...`, spaces as `+`, `/` encoded too).
 */
function urlencode(v: unknown): string {
  const quote = (s: string, forQuery: boolean) => {
    let out = '';
    for (const byte of Buffer.from(s, 'utf8')) {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9_.~-]/.test(c) || (!forQuery && c === '/')) out += c;
      else if (forQuery && c === ' ') out += '+';
      else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  };
  if (typeof v === 'string') return quote(v, false);
  const pairs = Array.isArray(v) ? (v as unknown[]).map((pair) => list(pair, 'urlencode')) : Object.entries(mapping(v, 'urlencode'));
  return pairs.map(([k, x]) => `${quote(toText(k), true)}=${quote(toText(x), true)}`).join('&');
}

/** Python's ntpath.split (drive letters, `\\` and `/` as separators; no UNC shares). */
function ntSplit(path: string): [head: string, tail: string] {
  const drive = /^[A-Za-z]:/.exec(path)?.[0] ?? '';
  const rest = path.slice(drive.length);
  const cut = Math.max(rest.lastIndexOf('/'), rest.lastIndexOf('\\')) + 1;
  const head = rest.slice(0, cut);
  return [drive + (head.replace(/[\\/]+$/, '') || head), rest.slice(cut)];
}

function dedupe(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((x) => !seen.has(stableKey(x)) && Boolean(seen.add(stableKey(x))));
}

function encoding(name: unknown): BufferEncoding {
  const n = String(name ?? 'utf-8').toLowerCase().replace(/[-_]/g, '');
  if (n === 'utf8') return 'utf8';
  if (n === 'ascii') return 'ascii';
  if (n === 'latin1' || n === 'iso88591') return 'latin1';
  if (n === 'utf16le' || n === 'utf16') return 'utf16le';
  throw new TemplateError(`unsupported encoding '${String(name)}' (use utf-8, ascii, latin-1 or utf-16-le)`);
}

const ALIASES: Record<string, string> = { d: 'default', count: 'length' };

/** Ansible's collection-qualified names (`ansible.builtin.to_json`) name the same filter. */
function canonical(name: string): string {
  const i = name.lastIndexOf('.');
  const short = i >= 0 ? name.slice(i + 1) : name;
  return ALIASES[short] ?? short;
}

export function findFilter(name: string): FilterSpec | undefined {
  const c = canonical(name);
  return Object.prototype.hasOwnProperty.call(FILTERS, c) ? FILTERS[c] : undefined;
}

/** Every name a filter answers to (for helper registration and "did you mean"). */
export function filterNames(): string[] {
  return [...Object.keys(FILTERS), ...Object.keys(ALIASES)];
}

/**
 * Run filter `name` on `input`. `args` are positional, `kwargs` by keyword (the
 * Handlebars hash). Undefined arguments are an error naming the variable.
 */
export function applyFilter(name: string, input: unknown, args: unknown[] = [], kwargs: Mapping = {}): unknown {
  const spec = findFilter(name);
  if (!spec) throw new TemplateError(`no filter named '${name}'`);
  if (!spec.acceptsUndefined && input instanceof Undefined) throw input.error();
  if (input === undefined && !spec.acceptsUndefined) throw new TemplateError(`filter '${name}' needs an input value`);
  const params = spec.params ?? [];
  const p: Params = {};
  const rest: unknown[] = [];
  args.forEach((a, i) => {
    defined(a, `argument ${i + 1} of filter '${name}'`);
    if (i < params.length) p[params[i]!] = a;
    else if (spec.rest) rest.push(a);
    else throw new TemplateError(`filter '${name}' takes at most ${params.length} argument${params.length === 1 ? '' : 's'}, got ${args.length}`);
  });
  for (const [k, a] of Object.entries(kwargs)) {
    if (!params.includes(k) && !spec.kwOnly?.includes(k)) {
      const known = [...params, ...(spec.kwOnly ?? [])];
      throw new TemplateError(`filter '${name}' has no argument '${k}'${known.length ? ` (it takes ${known.join(', ')})` : ''}`);
    }
    if (k in p) throw new TemplateError(`filter '${name}' got argument '${k}' twice`);
    p[k] = defined(a, `argument '${k}' of filter '${name}'`);
  }
  const required = spec.required ?? 0;
  for (let i = 0; i < required; i++) {
    if (!(params[i]! in p)) throw new TemplateError(`filter '${name}' needs argument '${params[i]}'`);
  }
  try {
    const result = spec.fn(input, p, rest);
    noteFilterResult(canonical(name), result);
    return result;
  } catch (err) {
    throw templateErrorFromRegex(err);
  }
}
