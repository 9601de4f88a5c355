/**
 * Jinja/Ansible tests: the right-hand side of `x is defined`, `result is changed`,
 * `ver is version('1.2', '>=')`, and the names `select`/`selectattr` take.
 * Only `defined` and `undefined` accept an undefined value; every other test on an
 * undefined value is an error naming the variable.
 */
import { compilePythonRegex, RegexError } from '../util/python-regex.js';
import { TemplateError } from './errors.js';
import { defined, isUndefined, Undefined } from './undefined.js';
import { compare, contains, equals, isMapping, typeName, truthy, type Mapping } from './values.js';

export interface TestSpec {
  /** Number of arguments after the tested value: [min, max]. */
  arity: [number, number];
  acceptsUndefined?: boolean;
  fn(value: unknown, args: unknown[], kwargs: Mapping): boolean;
}

function taskResult(value: unknown, test: string): Mapping {
  const v = defined(value);
  if (!isMapping(v)) throw new TemplateError(`the '${test}' test expects a registered task result (a mapping), got '${typeName(v)}'`);
  return v;
}

const anyResult = (r: Mapping, key: string): boolean =>
  Boolean(r[key]) || (Array.isArray(r.results) && r.results.some((x) => isMapping(x) && Boolean(x[key])));

function failed(value: unknown, test: string): boolean {
  return anyResult(taskResult(value, test), 'failed');
}

function regexTest(kind: 'match' | 'search' | 'fullmatch') {
  return (value: unknown, args: unknown[], kw: Mapping): boolean => {
    const re = compilePythonRegex(String(defined(args[0])), { ignorecase: Boolean(kw.ignorecase), multiline: Boolean(kw.multiline) });
    const s = String(defined(value));
    const m = re.exec(s);
    if (!m) return false;
    if (kind === 'search') return true;
    // Python's re.match anchors at the start only; fullmatch at both ends.
    return m.index === 0 && (kind === 'match' || m[0].length === s.length);
  };
}

/** Loose version comparison (Python's LooseVersion): numbers numerically, words lexically. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/(\d+|[a-z]+|\.)/i).filter((p) => p && p !== '.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return Math.sign(p - q);
    if (typeof p === 'number') return 1; // 1.0.1 > 1.0a
    if (typeof q === 'number') return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

const VERSION_OPERATORS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

const cmp = (pred: (c: number) => boolean, op: string): TestSpec => ({ arity: [1, 1], fn: (v, [o]) => pred(compare(v, o, op)) });

const TESTS: Record<string, TestSpec> = {
  defined: { arity: [0, 0], acceptsUndefined: true, fn: (v) => !isUndefined(v) },
  undefined: { arity: [0, 0], acceptsUndefined: true, fn: (v) => isUndefined(v) },
  none: { arity: [0, 0], fn: (v) => defined(v) === null },
  changed: { arity: [0, 0], fn: (v) => anyResult(taskResult(v, 'changed'), 'changed') },
  failed: { arity: [0, 0], fn: (v) => failed(v, 'failed') },
  succeeded: { arity: [0, 0], fn: (v) => !failed(v, 'succeeded') },
  skipped: { arity: [0, 0], fn: (v) => Boolean(taskResult(v, 'skipped').skipped) },
  unreachable: { arity: [0, 0], fn: (v) => Boolean(taskResult(v, 'unreachable').unreachable) },
  string: { arity: [0, 0], fn: (v) => typeof defined(v) === 'string' },
  number: { arity: [0, 0], fn: (v) => typeof defined(v) === 'number' },
  integer: { arity: [0, 0], fn: (v) => Number.isInteger(defined(v)) },
  float: { arity: [0, 0], fn: (v) => typeof defined(v) === 'number' && !Number.isInteger(v) },
  boolean: { arity: [0, 0], fn: (v) => typeof defined(v) === 'boolean' },
  mapping: { arity: [0, 0], fn: (v) => isMapping(defined(v)) },
  sequence: { arity: [0, 0], fn: (v) => Array.isArray(defined(v)) || typeof v === 'string' },
  iterable: { arity: [0, 0], fn: (v) => Array.isArray(defined(v)) || typeof v === 'string' || isMapping(v) },
  truthy: { arity: [0, 0], fn: (v) => truthy(v) },
  falsy: { arity: [0, 0], fn: (v) => !truthy(v) },
  lower: { arity: [0, 0], fn: (v) => String(defined(v)) === String(v).toLowerCase() },
  upper: { arity: [0, 0], fn: (v) => String(defined(v)) === String(v).toUpperCase() },
  even: { arity: [0, 0], fn: (v) => Number(defined(v)) % 2 === 0 },
  odd: { arity: [0, 0], fn: (v) => Math.abs(Number(defined(v)) % 2) === 1 },
  divisibleby: { arity: [1, 1], fn: (v, [n]) => Number(defined(v)) % Number(defined(n)) === 0 },
  match: { arity: [1, 1], fn: regexTest('match') },
  search: { arity: [1, 1], fn: regexTest('search') },
  regex: {
    arity: [1, 2],
    fn: (v, args, kw) => {
      const type = String(args[1] ?? kw.match_type ?? 'search');
      if (type !== 'match' && type !== 'search' && type !== 'fullmatch') throw new TemplateError(`regex test: match_type must be match, search or fullmatch, not '${type}'`);
      return regexTest(type)(v, args, kw);
    },
  },
  version: {
    arity: [1, 2],
    fn: (v, args, kw) => {
      const op = String(args[1] ?? kw.operator ?? 'eq');
      const pred = VERSION_OPERATORS[op];
      if (!pred) throw new TemplateError(`version test: unknown operator '${op}' (use one of ${Object.keys(VERSION_OPERATORS).join(' ')})`);
      return pred(compareVersions(String(defined(v)), String(defined(args[0]))));
    },
  },
  in: { arity: [1, 1], fn: (v, [c]) => contains(c, v) },
  contains: { arity: [1, 1], fn: (v, [x]) => contains(v, x) },
  subset: { arity: [1, 1], fn: (v, [o]) => (defined(v) as unknown[]).every((x) => contains(o, x)) },
  superset: { arity: [1, 1], fn: (v, [o]) => (defined(o) as unknown[]).every((x) => contains(v, x)) },
  sameas: { arity: [1, 1], fn: (v, [o]) => defined(v) === defined(o) },
  eq: { arity: [1, 1], fn: (v, [o]) => equals(v, o) },
  ne: { arity: [1, 1], fn: (v, [o]) => !equals(v, o) },
  lt: cmp((c) => c < 0, '<'),
  le: cmp((c) => c <= 0, '<='),
  gt: cmp((c) => c > 0, '>'),
  ge: cmp((c) => c >= 0, '>='),
};

const ALIASES: Record<string, string> = {
  success: 'succeeded',
  successful: 'succeeded',
  failure: 'failed',
  change: 'changed',
  skip: 'skipped',
  equalto: 'eq',
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  lessthan: 'lt',
  greaterthan: 'gt',
  version_compare: 'version',
};

/** Accepts Ansible's collection-qualified names: `ansible.builtin.version` → `version`. */
function shortName(name: string): string {
  const i = name.lastIndexOf('.');
  return i >= 0 ? name.slice(i + 1) : name;
}

export function findTest(name: string): TestSpec | undefined {
  const short = shortName(name);
  return TESTS[ALIASES[short] ?? short];
}

export function testNames(): string[] {
  return [...Object.keys(TESTS), ...Object.keys(ALIASES).filter((a) => /^\w+$/.test(a))];
}

export function runTest(name: string, value: unknown, args: unknown[] = [], kwargs: Mapping = {}): boolean {
  const spec = findTest(name);
  if (!spec) throw new TemplateError(`no test named '${name}'`);
  if (args.length < spec.arity[0] || args.length > spec.arity[1]) {
    const [min, max] = spec.arity;
    throw new TemplateError(`test '${name}' takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
  if (!spec.acceptsUndefined && value instanceof Undefined) throw value.error();
  for (const a of args) defined(a, `an argument of test '${name}'`);
  try {
    return spec.fn(value, args, kwargs);
  } catch (err) {
    throw templateErrorFromRegex(err);
  }
}

/**
 * Template errors quote the user's text as JSON strings and get the template and its line
 * added on the way out, which only a TemplateError carries; filters share this with tests.
 */
export function templateErrorFromRegex(err: unknown): unknown {
  return err instanceof RegexError ? new TemplateError(err.describe(JSON.stringify), { cause: err }) : err;
}
