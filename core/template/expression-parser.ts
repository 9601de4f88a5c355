/**
 * Recursive-descent parser for Jinja-style expressions, with Jinja's precedence
 * (lowest first):
 *
 *   a if cond else b  →  or  →  and  →  not  →  comparisons (== != < <= > >= in, not in;
 *   chained)  →  + -  →  ~  →  * / // %  →  **  →  unary - +  →  primary with postfix
 *   (.attr [index] [a:b] (call)) and then filters `| f(args)` and tests `is [not] t(args)`.
 *
 * So `out.stdout | length > 0` is `(out.stdout | length) > 0`, and
 * `not x is defined` is `not (x is defined)`, as in Jinja. Filter and test names are
 * checked here, so a typo is reported with its column before anything runs.
 */
import { closest } from '../util/suggest.js';
import { ExpressionSyntaxError } from './errors.js';
import { tokenize, type Token } from './expression-lexer.js';
import { filterNames, findFilter } from './filters.js';
import { findTest, testNames } from './is-tests.js';

export type Node =
  | { type: 'literal'; value: unknown }
  | { type: 'name'; name: string; pos: number }
  | { type: 'list'; items: Node[] }
  | { type: 'dict'; entries: Array<[Node, Node]> }
  | { type: 'getattr'; object: Node; name: string; pos: number }
  | { type: 'getitem'; object: Node; index: Node; pos: number }
  | { type: 'slice'; object: Node; start?: Node; stop?: Node; step?: Node; pos: number }
  | { type: 'call'; callee: Node; args: Node[]; kwargs: Array<[string, Node]>; pos: number }
  | { type: 'filter'; input: Node; name: string; args: Node[]; kwargs: Array<[string, Node]>; pos: number }
  | { type: 'test'; input: Node; name: string; args: Node[]; kwargs: Array<[string, Node]>; negated: boolean; pos: number }
  | { type: 'not'; operand: Node }
  | { type: 'neg' | 'pos'; operand: Node; pos: number }
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'binary'; op: '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~'; left: Node; right: Node; pos: number }
  | { type: 'compare'; first: Node; rest: Array<{ op: CompareOp; operand: Node; pos: number }> }
  | { type: 'cond'; test: Node; then: Node; else?: Node };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

const CONSTANTS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);

class Parser {
  private i = 0;
  private readonly tokens: Token[];

  constructor(private readonly src: string) {
    this.tokens = tokenize(src);
  }

  parse(): Node {
    if (this.peek().type === 'eof') this.fail('empty expression', this.peek());
    const node = this.expression();
    const t = this.peek();
    if (t.type !== 'eof') this.fail(`unexpected ${describe(t)}`, t);
    return node;
  }

  // ---- token helpers ----
  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'op' && t.value === value;
  }
  private isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'name' && t.value === value;
  }
  private skipOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.i++;
    return true;
  }
  private skipName(value: string): boolean {
    if (!this.isName(value)) return false;
    this.i++;
    return true;
  }
  private expectOp(value: string, context: string): Token {
    const t = this.peek();
    if (t.type !== 'op' || t.value !== value) this.fail(`expected '${value}' ${context}, got ${describe(t)}`, t);
    return this.next();
  }
  private fail(message: string, token: Token): never {
    throw new ExpressionSyntaxError(message, this.src, token.pos + 1);
  }

  // ---- grammar ----
  private expression(): Node {
    let node = this.or();
    while (this.skipName('if')) {
      const test = this.or();
      const otherwise = this.skipName('else') ? this.expression() : undefined;
      node = { type: 'cond', test, then: node, ...(otherwise ? { else: otherwise } : {}) };
    }
    return node;
  }

  private or(): Node {
    let node = this.and();
    while (this.skipName('or')) node = { type: 'or', left: node, right: this.and() };
    return node;
  }

  private and(): Node {
    let node = this.not();
    while (this.skipName('and')) node = { type: 'and', left: node, right: this.not() };
    return node;
  }

  private not(): Node {
    if (this.isName('not') && !this.isName('in', 1)) {
      this.next();
      return { type: 'not', operand: this.not() };
    }
    return this.compare();
  }

  private compare(): Node {
    const first = this.additive();
    const rest: Array<{ op: CompareOp; operand: Node; pos: number }> = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value as string)) {
        this.next();
        rest.push({ op: t.value as CompareOp, operand: this.additive(), pos: t.pos });
      } else if (this.isName('in')) {
        this.next();
        rest.push({ op: 'in', operand: this.additive(), pos: t.pos });
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        rest.push({ op: 'not in', operand: this.additive(), pos: t.pos });
      } else if (t.type === 'op' && t.value === '=') {
        this.fail("unexpected '=' (use '==' to compare)", t);
      } else break;
    }
    return rest.length ? { type: 'compare', first, rest } : first;
  }

  private additive(): Node {
    let node = this.concat();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || (t.value !== '+' && t.value !== '-')) return node;
      this.next();
      node = { type: 'binary', op: t.value, left: node, right: this.concat(), pos: t.pos };
    }
  }

  private concat(): Node {
    let node = this.multiplicative();
    while (this.isOp('~')) {
      const t = this.next();
      node = { type: 'binary', op: '~', left: node, right: this.multiplicative(), pos: t.pos };
    }
    return node;
  }

  private multiplicative(): Node {
    let node = this.power();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || !['*', '/', '//', '%'].includes(t.value as string)) return node;
      this.next();
      node = { type: 'binary', op: t.value as '*' | '/' | '//' | '%', left: node, right: this.power(), pos: t.pos };
    }
  }

  private power(): Node {
    let node = this.unary(true);
    while (this.isOp('**')) {
      const t = this.next();
      node = { type: 'binary', op: '**', left: node, right: this.unary(true), pos: t.pos };
    }
    return node;
  }

  private unary(withFilters: boolean): Node {
    const t = this.peek();
    let node: Node;
    if (t.type === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      node = { type: t.value === '-' ? 'neg' : 'pos', operand: this.unary(false), pos: t.pos };
    } else {
      node = this.postfix(this.primary());
    }
    return withFilters ? this.filtersAndTests(node) : node;
  }

  private primary(): Node {
    const t = this.next();
    switch (t.type) {
      case 'number':
        return { type: 'literal', value: t.value };
      case 'string': {
        // Adjacent strings concatenate, as in Python: 'a' 'b' == 'ab'.
        let value = t.value as string;
        while (this.peek().type === 'string') value += this.next().value as string;
        return { type: 'literal', value };
      }
      case 'name': {
        const name = t.value as string;
        if (name in CONSTANTS) return { type: 'literal', value: CONSTANTS[name] };
        if (KEYWORDS.has(name)) this.fail(`unexpected keyword '${name}'`, t);
        return { type: 'name', name, pos: t.pos };
      }
      case 'op':
        if (t.value === '(') {
          if (this.skipOp(')')) return { type: 'list', items: [] }; // empty tuple
          const first = this.expression();
          if (this.skipOp(')')) return first;
          // A tuple: (a, b) is a list here.
          const items = [first];
          while (this.skipOp(',')) {
            if (this.isOp(')')) break;
            items.push(this.expression());
          }
          this.expectOp(')', 'to close the parenthesis');
          return { type: 'list', items };
        }
        if (t.value === '[') {
          const items: Node[] = [];
          while (!this.isOp(']')) {
            items.push(this.expression());
            if (!this.skipOp(',')) break;
          }
          this.expectOp(']', 'to close the list');
          return { type: 'list', items };
        }
        if (t.value === '{') {
          const entries: Array<[Node, Node]> = [];
          while (!this.isOp('}')) {
            const key = this.expression();
            this.expectOp(':', 'after a dictionary key');
            entries.push([key, this.expression()]);
            if (!this.skipOp(',')) break;
          }
          this.expectOp('}', 'to close the dictionary');
          return { type: 'dict', entries };
        }
        return this.fail(`unexpected ${describe(t)}`, t);
      default:
        return this.fail('unexpected end of expression', t);
    }
  }

  private postfix(node: Node): Node {
    for (;;) {
      const t = this.peek();
      if (this.isOp('.')) {
        this.next();
        const key = this.next();
        if (key.type === 'name') node = { type: 'getattr', object: node, name: key.value as string, pos: key.pos };
        else if (key.type === 'number' && Number.isInteger(key.value)) node = { type: 'getitem', object: node, index: { type: 'literal', value: key.value }, pos: key.pos };
        else this.fail(`expected an attribute name after '.', got ${describe(key)}`, key);
      } else if (this.isOp('[')) {
        this.next();
        node = this.subscript(node, t);
      } else if (this.isOp('(')) {
        this.next();
        const { args, kwargs } = this.callArguments();
        node = { type: 'call', callee: node, args, kwargs, pos: t.pos };
      } else return node;
    }
  }

  private subscript(object: Node, open: Token): Node {
    const part = (): Node | undefined => (this.isOp(':') || this.isOp(']') ? undefined : this.expression());
    const start = part();
    if (!this.isOp(':')) {
      if (!start) this.fail('expected an index', this.peek());
      this.expectOp(']', 'to close the index');
      return { type: 'getitem', object, index: start, pos: open.pos };
    }
    this.next();
    const stop = part();
    const step = this.skipOp(':') ? part() : undefined;
    this.expectOp(']', 'to close the slice');
    return { type: 'slice', object, ...(start ? { start } : {}), ...(stop ? { stop } : {}), ...(step ? { step } : {}), pos: open.pos };
  }

  private callArguments(): { args: Node[]; kwargs: Array<[string, Node]> } {
    const args: Node[] = [];
    const kwargs: Array<[string, Node]> = [];
    while (!this.isOp(')')) {
      if (this.peek().type === 'name' && this.isOp('=', 1)) {
        const name = this.next().value as string;
        this.next();
        kwargs.push([name, this.expression()]);
      } else {
        if (kwargs.length) this.fail('positional argument after a keyword argument', this.peek());
        args.push(this.expression());
      }
      if (!this.skipOp(',')) break;
    }
    this.expectOp(')', 'to close the argument list');
    return { args, kwargs };
  }

  /** A dotted name such as `ansible.builtin.to_json` after `|` or `is`. */
  private dottedName(what: string): { name: string; token: Token } {
    const token = this.next();
    if (token.type !== 'name') this.fail(`expected a ${what} name, got ${describe(token)}`, token);
    let name = token.value as string;
    while (this.isOp('.') && this.peek(1).type === 'name') {
      this.next();
      name += `.${this.next().value as string}`;
    }
    return { name, token };
  }

  private filtersAndTests(input: Node): Node {
    let node = input;
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        const { name, token } = this.dottedName('filter');
        if (!findFilter(name)) {
          const hint = closest(name.slice(name.lastIndexOf('.') + 1), filterNames());
          this.fail(`unknown filter '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`, token);
        }
        const { args, kwargs } = this.skipOp('(') ? this.callArguments() : { args: [], kwargs: [] };
        node = { type: 'filter', input: node, name, args, kwargs, pos: token.pos };
      } else if (this.isName('is')) {
        this.next();
        const negated = this.skipName('not');
        const { name, token } = this.dottedName('test');
        if (!findTest(name)) {
          const hint = closest(name.slice(name.lastIndexOf('.') + 1), testNames());
          this.fail(`unknown test '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`, token);
        }
        let args: Node[] = [];
        let kwargs: Array<[string, Node]> = [];
        if (this.skipOp('(')) ({ args, kwargs } = this.callArguments());
        else if (this.startsTestArgument()) args = [this.postfix(this.primary())];
        node = { type: 'test', input: node, name, args, kwargs, negated, pos: token.pos };
      } else return node;
    }
  }

  /** Jinja allows one bare argument: `x is divisibleby 3`, `v is version '1.2'`. */
  private startsTestArgument(): boolean {
    const t = this.peek();
    if (t.type === 'number' || t.type === 'string') return true;
    if (t.type === 'op') return t.value === '[' || t.value === '{';
    return t.type === 'name' && !KEYWORDS.has(t.value as string);
  }
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'end of expression';
  if (t.type === 'string') return `string ${JSON.stringify(t.value)}`;
  return `token '${t.value}'`;
}

const cache = new Map<string, Node>();
const CACHE_LIMIT = 20_000;

/** Parse (once per distinct source: the AST is cached and must not be mutated). */
export function parseExpression(src: string): Node {
  let node = cache.get(src);
  if (!node) {
    node = new Parser(src).parse();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(src, node);
  }
  return node;
}

/** Number of cached ASTs (for tests and benchmarks). */
export function expressionCacheSize(): number {
  return cache.size;
}
