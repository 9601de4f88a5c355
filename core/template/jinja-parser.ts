/**
 * Builds the statement tree of a Jinja template from the lexer's pieces. Every expression
 * (in `{{ }}`, `{% if %}`, `{% for %}`, `{% set %}`...) is parsed by the one expression
 * parser (expression-parser.ts), so filters, tests and their error messages are the same
 * as in `when:` conditions. Errors give the line and column in the template:
 * `unclosed '{% for %}' opened at line 3, column 1 (expected '{% endfor %}')`.
 *
 * Supported statements: if/elif/else/endif, for (tuple targets, `if` filter, `recursive`,
 * else), set (expression, tuple, `ns.attr`, block with optional filters), macro, call,
 * filter, include, with. Not supported (a clear error): extends/block/import/from,
 * break/continue and do (Ansible does not enable those extensions either).
 */
import { ExpressionSyntaxError, TemplateError } from './errors.js';
import { tokenize, type Token } from './expression-lexer.js';
import { parseExpression, type Node } from './expression-parser.js';
import { lexTemplate, type LexToken, type SourceMap, type WhitespaceOptions } from './jinja-lexer.js';

/** Statement blocks nested deeper than this are refused (Jinja's own limit is Python's stack). */
export const MAX_STATEMENT_NESTING = 100;

/** The name under which `{% filter %}` and `{% set x | f %}` pass their body to the filters. */
export const BODY_NAME = '__tsplay_body';

export interface Param {
  name: string;
  default?: Node;
}

export type JNode =
  | { type: 'text'; value: string }
  | { type: 'output'; expr: Node; pos: number }
  | { type: 'if'; branches: Array<{ test: Node; body: JNode[] }>; else?: JNode[]; pos: number }
  | { type: 'for'; targets: string[]; iter: Node; filter?: Node; recursive: boolean; body: JNode[]; else?: JNode[]; pos: number }
  | { type: 'set'; targets: string[]; expr: Node; pos: number }
  | { type: 'set-attr'; object: string; attr: string; expr: Node; pos: number }
  | { type: 'set-block'; target: string; filter?: Node; body: JNode[]; pos: number }
  | { type: 'macro'; name: string; params: Param[]; body: JNode[]; pos: number }
  | { type: 'call-block'; params: Param[]; call: Node; body: JNode[]; pos: number }
  | { type: 'filter-block'; filter: Node; body: JNode[]; pos: number }
  | { type: 'include'; template: Node; ignoreMissing: boolean; withContext: boolean; pos: number }
  | { type: 'with'; assigns: Array<[string, Node]>; body: JNode[]; pos: number };

const END_OF: Record<string, string> = {
  if: 'endif',
  for: 'endfor',
  set: 'endset',
  macro: 'endmacro',
  call: 'endcall',
  filter: 'endfilter',
  with: 'endwith',
};

const UNSUPPORTED: Record<string, string> = {
  extends: 'template inheritance is not supported: use {% include %} or macros',
  block: 'template inheritance ({% block %}) is not supported: use {% include %} or macros',
  import: '{% import %} is not supported: define the macro in this template or use {% include %}',
  from: '{% from ... import %} is not supported: define the macro in this template or use {% include %}',
  break: '{% break %} needs the loopcontrols extension, which Ansible does not enable: use a filter in the for ({% for x in xs if cond %})',
  continue: '{% continue %} needs the loopcontrols extension, which Ansible does not enable: use a filter in the for ({% for x in xs if cond %})',
  do: '{% do %} needs the do extension, which Ansible does not enable: use {% set %}',
  autoescape: '{% autoescape %} is not supported (templates are never HTML-escaped)',
};

type TagToken = Exclude<LexToken, { type: 'text' }>;

interface Statement {
  keyword: string;
  /** The text after the keyword, and where it starts in the source. */
  rest: string;
  restPos: number;
  pos: number;
}

/** A tokenised statement argument with bracket depth, for splitting at top-level words. */
interface Part {
  token: Token;
  depth: number;
}

class TemplateParser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: LexToken[],
    private readonly map: SourceMap,
  ) {}

  parseAll(): JNode[] {
    const body = this.parseBody([]);
    if (this.i < this.tokens.length) {
      const t = this.tokens[this.i] as TagToken;
      throw this.map.error(`unexpected '{% ${this.statement(t).keyword} %}' (no block is open)`, t.pos);
    }
    return body;
  }

  /** Nodes up to (not including) a statement whose keyword is in `stops`. */
  private parseBody(stops: string[]): JNode[] {
    const out: JNode[] = [];
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i]!;
      if (t.type === 'text') {
        out.push({ type: 'text', value: t.value });
        this.i++;
      } else if (t.type === 'output') {
        out.push({ type: 'output', expr: this.output(t), pos: t.pos });
        this.i++;
      } else {
        const st = this.statement(t);
        if (stops.includes(st.keyword)) return out;
        this.i++;
        out.push(this.parseStatement(st));
      }
    }
    return out;
  }

  private statement(t: TagToken): Statement {
    const lead = /^\s*/.exec(t.content)![0].length;
    const keyword = /^[A-Za-z_]\w*/.exec(t.content.slice(lead))?.[0] ?? '';
    if (!keyword) throw this.map.error(`expected a statement name after '{%', got ${JSON.stringify(t.content.trim().slice(0, 20))}`, t.contentPos + lead);
    const restStart = lead + keyword.length;
    return { keyword, rest: t.content.slice(restStart), restPos: t.contentPos + restStart, pos: t.pos };
  }

  /** Parse the body of a block statement up to its end tag; intermediate tags are returned. */
  private block(opener: Statement, stops: string[]): { body: JNode[]; stop: Statement } {
    if (++this.depth > MAX_STATEMENT_NESTING) {
      throw this.map.error(`statements nest more than ${MAX_STATEMENT_NESTING} levels deep`, opener.pos);
    }
    const body = this.parseBody(stops);
    this.depth--;
    if (this.i >= this.tokens.length) {
      const { line, column } = this.map.at(opener.pos);
      const end = END_OF[opener.keyword];
      throw new TemplateError(`unclosed '{% ${opener.keyword} %}' opened at line ${line}, column ${column}: expected '{% ${end} %}' before the end of the template`, { line });
    }
    const stop = this.statement(this.tokens[this.i++] as TagToken);
    if (stop.rest.trim() && stop.keyword !== 'elif') {
      throw this.map.error(`'{% ${stop.keyword} %}' takes nothing after its name, got ${JSON.stringify(stop.rest.trim())}`, stop.restPos);
    }
    return { body, stop };
  }

  private parseStatement(st: Statement): JNode {
    const stray = Object.entries(END_OF).find(([, end]) => end === st.keyword);
    if (stray || st.keyword === 'else' || st.keyword === 'elif') {
      throw this.map.error(`unexpected '{% ${st.keyword} %}'${stray ? ` (no '{% ${stray[0]} %}' is open)` : ' (outside an if or for)'}`, st.pos);
    }
    switch (st.keyword) {
      case 'if':
        return this.parseIf(st);
      case 'for':
        return this.parseFor(st);
      case 'set':
        return this.parseSet(st);
      case 'macro':
        return this.parseMacro(st);
      case 'call':
        return this.parseCall(st);
      case 'filter': {
        const filter = this.filterChain(st.rest, st.restPos, 'a filter name after {% filter');
        const { body } = this.block(st, ['endfilter']);
        return { type: 'filter-block', filter, body, pos: st.pos };
      }
      case 'include':
        return this.parseInclude(st);
      case 'with':
        return this.parseWith(st);
      case 'raw':
      case 'endraw':
        throw this.map.error(`unexpected '{% ${st.keyword} %}'`, st.pos);
    }
    const why = UNSUPPORTED[st.keyword];
    throw this.map.error(why ?? `unknown statement '{% ${st.keyword} %}' (statements: if, for, set, macro, call, filter, include, with, raw)`, st.pos);
  }

  private parseIf(st: Statement): JNode {
    const branches: Array<{ test: Node; body: JNode[] }> = [];
    let test = this.expression(st.rest, st.restPos, "a condition after 'if'");
    for (;;) {
      const { body, stop } = this.block(st, ['elif', 'else', 'endif']);
      branches.push({ test, body });
      if (stop.keyword === 'elif') {
        test = this.expression(stop.rest, stop.restPos, "a condition after 'elif'");
        continue;
      }
      if (stop.keyword === 'else') {
        const rest = this.block(st, ['endif']);
        return { type: 'if', branches, else: rest.body, pos: st.pos };
      }
      return { type: 'if', branches, pos: st.pos };
    }
  }

  private parseFor(st: Statement): JNode {
    const parts = this.parts(st.rest, st.restPos);
    const inAt = parts.findIndex((p) => p.depth === 0 && p.token.type === 'name' && p.token.value === 'in');
    if (inAt < 0) throw this.map.error("expected 'in' in '{% for x in list %}'", st.restPos);
    const targets = this.targets(parts.slice(0, inAt), st.restPos, 'for');
    let endOfIter = st.rest.length;
    let recursive = false;
    const last = parts[parts.length - 1];
    if (last && last.depth === 0 && last.token.type === 'name' && last.token.value === 'recursive' && parts.length - 1 > inAt + 1) {
      recursive = true;
      endOfIter = last.token.pos;
    }
    const ifAt = parts.findIndex((p, k) => k > inAt && p.depth === 0 && p.token.type === 'name' && p.token.value === 'if' && p.token.pos < endOfIter);
    const iterEnd = ifAt >= 0 ? parts[ifAt]!.token.pos : endOfIter;
    const iterStart = parts[inAt]!.token.pos + 2;
    const iter = this.expression(st.rest.slice(iterStart, iterEnd), st.restPos + iterStart, "a list after 'in'");
    let filter: Node | undefined;
    if (ifAt >= 0) {
      const fStart = parts[ifAt]!.token.pos + 2;
      filter = this.expression(st.rest.slice(fStart, endOfIter), st.restPos + fStart, "a condition after 'if'");
    }
    const { body, stop } = this.block(st, ['else', 'endfor']);
    const node: JNode = { type: 'for', targets, iter, recursive, body, pos: st.pos, ...(filter ? { filter } : {}) };
    if (stop.keyword === 'else') node.else = this.block(st, ['endfor']).body;
    return node;
  }

  private parseSet(st: Statement): JNode {
    const parts = this.parts(st.rest, st.restPos);
    const eqAt = parts.findIndex((p) => p.depth === 0 && p.token.type === 'op' && p.token.value === '=');
    if (eqAt < 0) {
      // Block set: {% set x %}...{% endset %}, optionally {% set x | upper %}.
      const pipeAt = parts.findIndex((p) => p.depth === 0 && p.token.type === 'op' && p.token.value === '|');
      const nameParts = pipeAt < 0 ? parts : parts.slice(0, pipeAt);
      const [target] = this.targets(nameParts, st.restPos, 'set');
      if (nameParts.length !== 1) throw this.map.error("a block {% set %} assigns one name: {% set x %}...{% endset %}", st.restPos);
      const filter = pipeAt < 0 ? undefined : this.filterChain(st.rest.slice(parts[pipeAt]!.token.pos + 1), st.restPos + parts[pipeAt]!.token.pos + 1, 'a filter name');
      const { body } = this.block(st, ['endset']);
      return { type: 'set-block', target: target!, body, pos: st.pos, ...(filter ? { filter } : {}) };
    }
    const exprStart = parts[eqAt]!.token.pos + 1;
    const expr = this.expression(st.rest.slice(exprStart), st.restPos + exprStart, "a value after '='");
    const left = parts.slice(0, eqAt);
    if (left.length === 3 && left[1]!.token.value === '.' && left[0]!.token.type === 'name' && left[2]!.token.type === 'name') {
      return { type: 'set-attr', object: left[0]!.token.value as string, attr: left[2]!.token.value as string, expr, pos: st.pos };
    }
    return { type: 'set', targets: this.targets(left, st.restPos, 'set'), expr, pos: st.pos };
  }

  private parseMacro(st: Statement): JNode {
    const m = /^\s*([A-Za-z_]\w*)\s*\(/.exec(st.rest);
    if (!m) throw this.map.error('expected a macro name and its parameters: {% macro name(a, b=1) %}', st.restPos);
    const params = this.params(st.rest.slice(m[0].length - 1), st.restPos + m[0].length - 1, 'macro');
    const { body } = this.block(st, ['endmacro']);
    return { type: 'macro', name: m[1]!, params, body, pos: st.pos };
  }

  private parseCall(st: Statement): JNode {
    let rest = st.rest;
    let restPos = st.restPos;
    let params: Param[] = [];
    const lead = /^\s*/.exec(rest)![0].length;
    if (rest[lead] === '(') {
      const close = this.matchingParen(rest, lead, restPos);
      params = this.params(rest.slice(lead, close + 1), restPos + lead, 'call');
      rest = rest.slice(close + 1);
      restPos += close + 1;
    }
    const call = this.expression(rest, restPos, 'a macro call after {% call');
    if (call.type !== 'call') throw this.map.error('{% call %} needs a macro call: {% call list_of(users) %}', restPos);
    const { body } = this.block(st, ['endcall']);
    return { type: 'call-block', params, call, body, pos: st.pos };
  }

  private parseInclude(st: Statement): JNode {
    let rest = st.rest;
    let withContext = true;
    let ignoreMissing = false;
    const ctx = /\s+(with|without)\s+context\s*$/.exec(rest);
    if (ctx) {
      withContext = ctx[1] === 'with';
      rest = rest.slice(0, ctx.index);
    }
    const missing = /\s+ignore\s+missing\s*$/.exec(rest);
    if (missing) {
      ignoreMissing = true;
      rest = rest.slice(0, missing.index);
    }
    const template = this.expression(rest, st.restPos, 'a template name after include');
    return { type: 'include', template, ignoreMissing, withContext, pos: st.pos };
  }

  private parseWith(st: Statement): JNode {
    const assigns: Array<[string, Node]> = [];
    const src = st.rest.trim() ? `__with(${st.rest})` : '';
    if (src) {
      let call: Node;
      try {
        call = parseExpression(src);
      } catch (err) {
        throw this.syntax(err, st.restPos - '__with('.length);
      }
      if (call.type !== 'call' || call.args.length) throw this.map.error('{% with %} takes assignments: {% with a = 1, b = x %}', st.restPos);
      assigns.push(...call.kwargs);
    }
    const { body } = this.block(st, ['endwith']);
    return { type: 'with', assigns, body, pos: st.pos };
  }

  // ---- pieces ----

  /** `{{ expr }}`; a Handlebars helper call (`{{default x "a"}}`) gets a hint, since it is not Jinja. */
  private output(t: TagToken): Node {
    try {
      return this.expression(t.content, t.contentPos, 'an expression inside {{ }}');
    } catch (err) {
      const helper = /^\s*([A-Za-z_]\w*)\s+(?!(?:and|or|if|else|in|is|not)\b)["'\w(]/.exec(t.content);
      if (!(err instanceof TemplateError) || !helper) throw err;
      const hint = `{{ }} in a Jinja template holds an expression: write x | ${helper[1]}(...) rather than the Handlebars form {{${helper[1]} x ...}}`;
      throw new TemplateError(`${err.reason} (${hint})`, err.line !== undefined ? { line: err.line } : {});
    }
  }

  /** Parse `src` (which starts at `pos` in the template) as one expression. */
  private expression(src: string, pos: number, what: string): Node {
    if (!src.trim()) throw this.map.error(`expected ${what}`, pos);
    try {
      return parseExpression(src);
    } catch (err) {
      throw this.syntax(err, pos);
    }
  }

  /** `upper`, `indent(4) | trim`: parsed as filters applied to the block's body. */
  private filterChain(src: string, pos: number, what: string): Node {
    if (!src.trim()) throw this.map.error(`expected ${what}`, pos);
    const prefix = `${BODY_NAME} | `;
    try {
      return parseExpression(prefix + src);
    } catch (err) {
      throw this.syntax(err, pos - prefix.length);
    }
  }

  private syntax(err: unknown, pos: number) {
    if (err instanceof ExpressionSyntaxError) return this.map.error(err.detail, pos + err.column - 1);
    if (err instanceof RangeError) return this.map.error('the expression nests too deeply (thousands of levels)', pos);
    return err;
  }

  private parts(src: string, pos: number): Part[] {
    let tokens: Token[];
    try {
      tokens = tokenize(src);
    } catch (err) {
      throw this.syntax(err, pos);
    }
    const out: Part[] = [];
    let depth = 0;
    for (const token of tokens) {
      if (token.type === 'eof') break;
      if (token.type === 'op' && (token.value === ')' || token.value === ']' || token.value === '}')) depth--;
      out.push({ token, depth });
      if (token.type === 'op' && (token.value === '(' || token.value === '[' || token.value === '{')) depth++;
    }
    return out;
  }

  /** `x`, `k, v`, `(k, v)`: the names a for or set assigns. */
  private targets(parts: Part[], pos: number, what: string): string[] {
    const inner = parts.length >= 2 && parts[0]!.token.value === '(' && parts[parts.length - 1]!.token.value === ')' ? parts.slice(1, -1) : parts;
    const names: string[] = [];
    inner.forEach((p, k) => {
      const ok = k % 2 === 0 ? p.token.type === 'name' : p.token.type === 'op' && p.token.value === ',';
      if (!ok) throw this.map.error(`expected a variable name in '{% ${what} %}', got ${JSON.stringify(String(p.token.value))}`, pos + p.token.pos);
      if (k % 2 === 0) names.push(p.token.value as string);
    });
    if (!names.length) throw this.map.error(`expected a variable name after '${what}'`, pos);
    return names;
  }

  private matchingParen(src: string, open: number, pos: number): number {
    let depth = 0;
    for (const p of this.parts(src.slice(open), pos + open)) {
      if (p.token.type !== 'op') continue;
      if (p.token.value === '(') depth++;
      else if (p.token.value === ')' && --depth === 0) return open + p.token.pos;
    }
    throw this.map.error("expected ')' to close the parameter list", pos + open);
  }

  /** `(a, b=1)`: parameter names with optional defaults, parsed as a call's arguments. */
  private params(src: string, pos: number, what: string): Param[] {
    let call: Node;
    try {
      call = parseExpression(`__params${src}`);
    } catch (err) {
      throw this.syntax(err, pos - '__params'.length);
    }
    if (call.type !== 'call') throw this.map.error(`expected the ${what}'s parameters in parentheses`, pos);
    const params: Param[] = [];
    for (const a of call.args) {
      if (a.type !== 'name') throw this.map.error(`a ${what} parameter must be a name (or name=default)`, pos);
      params.push({ name: a.name });
    }
    for (const [name, def] of call.kwargs) params.push({ name, default: def });
    return params;
  }
}

export function parseTemplate(src: string, options: WhitespaceOptions, map: SourceMap): JNode[] {
  return new TemplateParser(lexTemplate(src, options, map), map).parseAll();
}
