/**
 * Evaluates Jinja-style expressions, as Ansible users write them in `when`,
 * `changed_when`, `failed_when`, `until` and `assert: that:`, and inside `{{ ... }}`
 * when the content is not Handlebars (`{{ item.name | upper }}`).
 *
 * Parsing is in expression-parser.ts (ASTs cached per source text). Evaluation never
 * uses eval/new Function: it walks the AST. Undefined names and attributes evaluate
 * to an `Undefined` value that is an error as soon as it is used, except by the
 * `defined`/`undefined` tests and the `default`/`mandatory` filters, so
 * `a.b.c is defined` and `a.b.c | default(1)` work when `a` or `a.b` is missing.
 */
import { TemplateCallable } from './callable.js';
import { engineLimitMessage, TemplateError } from './errors.js';
import { parseExpression, type Node } from './expression-parser.js';
import { applyFilter } from './filters.js';
import { findGlobal, type Scope } from './globals.js';
import { runTest } from './is-tests.js';
import { callMethod } from './methods.js';
import { defined, joinPath, member, Undefined } from './undefined.js';
import { compare, contains, equals, toText, truthy, typeName, type Mapping } from './values.js';

export { parseExpression, type Node } from './expression-parser.js';
export type { Scope } from './globals.js';

/** Path of the value of `a if cond` when cond is false (Jinja templates print it as nothing). */
export const INLINE_IF_WITHOUT_ELSE = 'if-expression';

/** A scope over a variables object (own properties only; lazy getters are honoured). */
export function scopeOf(vars: Record<string, unknown>): Scope {
  return (name) => member(vars, name, '');
}

const paths = new WeakMap<Node, string>();

/** The source-like name of a node, for messages: `hostvars['db'].ansible_host`. */
function pathOf(node: Node): string {
  let p = paths.get(node);
  if (p !== undefined) return p;
  switch (node.type) {
    case 'name':
      p = node.name;
      break;
    case 'getattr':
      p = joinPath(pathOf(node.object), node.name);
      break;
    case 'getitem':
      p = node.index.type === 'literal' && (typeof node.index.value === 'string' || typeof node.index.value === 'number') ? joinPath(pathOf(node.object), node.index.value) : `${pathOf(node.object)}[...]`;
      break;
    case 'call':
      p = `${pathOf(node.callee)}(...)`;
      break;
    case 'filter':
      p = `${pathOf(node.input)} | ${node.name}`;
      break;
    default:
      p = 'expression';
  }
  paths.set(node, p);
  return p;
}

function number(value: unknown, op: string): number {
  const v = defined(value);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TemplateError(`unsupported operand type for ${op}: '${typeName(v)}'${typeof v === 'string' ? " (convert with '| int' or '| float' first)" : ''}`);
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  const x = defined(a);
  const y = defined(b);
  switch (op) {
    case '~':
      return toText(x) + toText(y);
    case '+':
      if (typeof x === 'string' && typeof y === 'string') return x + y;
      if (Array.isArray(x) && Array.isArray(y)) return [...x, ...y];
      if (typeof x === 'string' || typeof y === 'string') {
        throw new TemplateError(`unsupported operand types for +: '${typeName(x)}' and '${typeName(y)}' (use '~' to join as text)`);
      }
      return number(x, '+') + number(y, '+');
    case '*':
      if (typeof x === 'string' && Number.isInteger(y)) return x.repeat(Math.max(0, y as number));
      if (Array.isArray(x) && Number.isInteger(y)) return Array.from({ length: Math.max(0, y as number) }, () => x).flat();
      return number(x, '*') * number(y, '*');
    case '-':
      return number(x, '-') - number(y, '-');
    case '**':
      return number(x, '**') ** number(y, '**');
  }
  const d = number(y, op);
  if (d === 0) throw new TemplateError(`division by zero in '${op}'`);
  const n = number(x, op);
  if (op === '/') return n / d;
  if (op === '//') return Math.floor(n / d);
  // Python's modulo takes the sign of the divisor.
  return ((n % d) + d) % d;
}

function compareOp(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case '<':
      return compare(a, b, op) < 0;
    case '<=':
      return compare(a, b, op) <= 0;
    case '>':
      return compare(a, b, op) > 0;
    default:
      return compare(a, b, op) >= 0;
  }
}

function slice(value: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const v = defined(value);
  if (typeof v !== 'string' && !Array.isArray(v)) throw new TemplateError(`'${typeName(v)}' cannot be sliced`);
  const items: unknown[] = typeof v === 'string' ? [...v] : v;
  const n = items.length;
  const st = step === undefined || step === null ? 1 : number(step, 'slice');
  if (st === 0) throw new TemplateError('slice step cannot be zero');
  const clamp = (x: unknown, dflt: number): number => {
    if (x === undefined || x === null) return dflt;
    let i = number(x, 'slice');
    if (i < 0) i += n;
    return st > 0 ? Math.min(Math.max(i, 0), n) : Math.min(Math.max(i, -1), n - 1);
  };
  const from = clamp(start, st > 0 ? 0 : n - 1);
  const to = clamp(stop, st > 0 ? n : -1);
  const out: unknown[] = [];
  for (let i = from; st > 0 ? i < to : i > to; i += st) out.push(items[i]);
  return typeof v === 'string' ? out.join('') : out;
}

/**
 * The path of a node with computed indexes filled in (`hostvars[host].ip` →
 * `hostvars.web1.ip`). Only used to word an error, so re-evaluating indexes is fine.
 */
function dynamicPath(node: Node, scope: Scope): string {
  switch (node.type) {
    case 'getattr':
      return joinPath(dynamicPath(node.object, scope), node.name);
    case 'getitem': {
      let index: unknown;
      try {
        index = evalNode(node.index, scope);
      } catch {
        index = undefined;
      }
      const base = dynamicPath(node.object, scope);
      return typeof index === 'string' || typeof index === 'number' ? joinPath(base, index) : `${base}[...]`;
    }
    default:
      return pathOf(node);
  }
}

/** `object.key` / `object[key]`; an `Undefined` (naming the path) when there is nothing. */
function lookup(objectNode: Node, key: string | number, scope: Scope): unknown {
  const object = evalNode(objectNode, scope);
  const found = member(object, key, pathOf(objectNode));
  if (found instanceof Undefined && !(object instanceof Undefined) && pathOf(objectNode).includes('[...]')) {
    return member(object, key, dynamicPath(objectNode, scope));
  }
  return found;
}

function kwargsOf(pairs: Array<[string, Node]>, scope: Scope): Mapping {
  const out: Mapping = {};
  for (const [k, n] of pairs) out[k] = defined(evalNode(n, scope));
  return out;
}

/** Evaluate a node; the result may be an `Undefined` (callers decide whether that is ok). */
export function evalNode(node: Node, scope: Scope): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'name':
      return scope(node.name);
    case 'list':
      return node.items.map((n) => defined(evalNode(n, scope)));
    case 'dict': {
      const out: Mapping = {};
      for (const [k, v] of node.entries) out[toText(evalNode(k, scope))] = defined(evalNode(v, scope));
      return out;
    }
    case 'getattr':
      return lookup(node.object, node.name, scope);
    case 'getitem': {
      const index = defined(evalNode(node.index, scope));
      if (typeof index !== 'string' && typeof index !== 'number') throw new TemplateError(`'${pathOf(node.object)}' cannot be indexed by a '${typeName(index)}'`);
      return lookup(node.object, index, scope);
    }
    case 'slice':
      return slice(
        evalNode(node.object, scope),
        node.start && evalNode(node.start, scope),
        node.stop && evalNode(node.stop, scope),
        node.step && evalNode(node.step, scope),
      );
    case 'call':
      return call(node, scope);
    case 'filter':
      return applyFilter(
        node.name,
        evalNode(node.input, scope),
        node.args.map((a) => evalNode(a, scope)),
        kwargsOf(node.kwargs, scope),
      );
    case 'test': {
      const result = runTest(
        node.name,
        evalNode(node.input, scope),
        node.args.map((a) => evalNode(a, scope)),
        kwargsOf(node.kwargs, scope),
      );
      return node.negated ? !result : result;
    }
    case 'not':
      return !truthy(evalNode(node.operand, scope));
    case 'neg':
      return -number(evalNode(node.operand, scope), 'unary -');
    case 'pos':
      return number(evalNode(node.operand, scope), 'unary +');
    case 'and': {
      // Python returns the deciding operand, not a boolean: `x or 'fallback'`.
      const left = defined(evalNode(node.left, scope));
      return truthy(left) ? defined(evalNode(node.right, scope)) : left;
    }
    case 'or': {
      const left = defined(evalNode(node.left, scope));
      return truthy(left) ? left : defined(evalNode(node.right, scope));
    }
    case 'binary':
      return arithmetic(node.op, evalNode(node.left, scope), evalNode(node.right, scope));
    case 'compare': {
      // Chained like Python: a < b < c means a < b and b < c.
      let left = evalNode(node.first, scope);
      for (const { op, operand } of node.rest) {
        const right = evalNode(operand, scope);
        if (!compareOp(op, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'cond':
      if (truthy(evalNode(node.test, scope))) return evalNode(node.then, scope);
      return node.else ? evalNode(node.else, scope) : new Undefined(INLINE_IF_WITHOUT_ELSE, undefined, 'the inline if has no else branch and its condition is false');
  }
}

function call(node: Extract<Node, { type: 'call' }>, scope: Scope): unknown {
  const args = node.args.map((a) => defined(evalNode(a, scope)));
  const kwargs = kwargsOf(node.kwargs, scope);
  const callee = node.callee;
  if (callee.type === 'getattr') {
    const self = defined(evalNode(callee.object, scope));
    const own = member(self, callee.name, '');
    if (own instanceof TemplateCallable) return own.call(args, kwargs);
    return callMethod(self, callee.name, args, kwargs, pathOf(callee.object));
  }
  if (callee.type === 'name') {
    // Template locals (a macro, `caller`, a recursive `loop`) come before the functions.
    const local = scope(callee.name);
    if (local instanceof TemplateCallable) return local.call(args, kwargs);
    const fn = findGlobal(callee.name);
    if (fn) return fn(args, kwargs, scope);
    throw new TemplateError(`'${callee.name}' is not a function (functions: range, dict, lookup, query; filters go after '|')`);
  }
  throw new TemplateError(`'${pathOf(callee)}' is not callable`);
}

/** Evaluate `src` with `vars`. An undefined result is an error naming the variable. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  return defined(evalNode(parseExpression(src), scopeOf(vars)), 'the expression');
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, false: false, no: false, off: false };

/** `{{ x }}` around a condition is accepted (Ansible warns about it but evaluates it). */
function stripDelimiters(cond: string): string {
  const m = /^\{\{(.*)\}\}$/s.exec(cond);
  return m && !m[1]!.includes('{{') && !m[1]!.includes('}}') ? m[1]!.trim() : cond;
}

/**
 * Evaluate a condition (`when`, `changed_when`, `failed_when`, `until`, `assert`).
 * Booleans pass through; a bare yes/no/true/false word is that boolean (YAML 1.2
 * leaves `when: yes` a string). A result that is a string such as "false" — the usual
 * shape of `-e flag=false` — counts by its meaning rather than by being non-empty.
 */
export function evaluateCondition(cond: string | boolean, vars: Record<string, unknown>): boolean {
  if (typeof cond === 'boolean') return cond;
  // YAML can hand us a number (`when: 0`); Python truthiness applies.
  if (typeof cond === 'number') return cond !== 0;
  if (typeof cond !== 'string') throw new TemplateError(`a condition must be a string or a boolean, got '${typeName(cond)}'`);
  const src = stripDelimiters(cond.trim());
  if (!src) throw new TemplateError('empty condition');
  const word = BOOLEAN_WORDS[src.toLowerCase()];
  if (word !== undefined) return word;
  let result: unknown;
  try {
    result = evaluate(src, vars);
  } catch (err) {
    if (err instanceof RangeError) throw new TemplateError(engineLimitMessage(err).replace('the template', 'the condition'));
    throw err;
  }
  if (typeof result === 'string') {
    const meaning = BOOLEAN_WORDS[result.trim().toLowerCase()];
    if (meaning !== undefined) return meaning;
    if (result.trim() === '0' || result.trim() === '1') return result.trim() === '1';
  }
  return truthy(result);
}

