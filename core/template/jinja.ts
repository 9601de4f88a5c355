/**
 * Renders Jinja templates (`{% if %}`, `{% for %}`, `{% set %}`, macros, includes...) with
 * the same expression evaluator, filters and tests as `when:` and `{{ x | upper }}`:
 * there is one filter set. Parsing is in jinja-lexer.ts / jinja-parser.ts; this file walks
 * the statement tree.
 *
 * Semantics follow Jinja as Ansible configures it: trim_blocks on, lstrip_blocks off
 * (both settable), undefined variables are errors (StrictUndefined), `None` prints as
 * nothing, other values print as Python does (`True`, `['a']`), a `{% set %}` inside a
 * for loop stays in that iteration, `namespace()` carries values out of loops, and the
 * final newlines a template ends with are kept (Ansible's preserve_trailing_newlines).
 *
 * Limits, so a template cannot hang or exhaust the controller: statements nest at most
 * MAX_STATEMENT_NESTING deep, macros and includes call each other at most
 * MAX_CALL_DEPTH deep, one render runs at most MAX_LOOP_ITERATIONS loop iterations (the
 * same bound as range()), and output beyond JavaScript's string limit gives the engine's
 * "result is too large" message.
 */
import { Namespace, TemplateCallable } from './callable.js';
import { engineLimitMessage, MAX_LOOP_ITERATIONS, TemplateError } from './errors.js';
import { evalNode, INLINE_IF_WITHOUT_ELSE, type Node, type Scope } from './expression.js';
import { normaliseSource, SourceMap, type WhitespaceOptions } from './jinja-lexer.js';
import { BODY_NAME, parseTemplate, type JNode, type Param } from './jinja-parser.js';
import { pythonText } from './python-text.js';
import { defined, Undefined } from './undefined.js';
import { iterate, truthy, typeName, type Mapping } from './values.js';

/** The keyword under which {% call %} hands its body to the macro (not a valid name in templates). */
const CALLER = '\0caller';

/** Macros calling macros, and includes including includes, at most this deep. */
export const MAX_CALL_DEPTH = 100;

export interface JinjaOptions extends Partial<WhitespaceOptions> {
  /**
   * Finds a template named by `{% include %}`: its text and path, or undefined when there
   * is none. Without it, `{% include %}` is an error.
   */
  loadInclude?: (name: string) => { source: string; path: string } | undefined;
}

export interface CompiledJinja {
  nodes: JNode[];
  map: SourceMap;
  /** Newlines the original text ends with (Ansible restores them after rendering). */
  trailingNewlines: number;
}

/** True when `template` uses Jinja statements or comments (and so needs this renderer). */
export function hasJinjaSyntax(template: string): boolean {
  if (!template.includes('{%') && !template.includes('{#')) return false;
  return JINJA_TAG.test(template) || /\{#[\s\S]*?#\}/.test(template);
}
const JINJA_TAG = /\{%[-+]?\s*(?:if|elif|else|endif|for|endfor|set|endset|raw|endraw|macro|endmacro|call|endcall|filter|endfilter|include|import|from|extends|block|endblock|with|endwith|break|continue|do|autoescape)\b/;

const whitespaceDefaults: WhitespaceOptions = { trimBlocks: true, lstripBlocks: false };

const HEADER = '#jinja2:';
const HEADER_KEYS: Record<string, 'trimBlocks' | 'lstripBlocks' | 'keepTrailingNewline'> = {
  trim_blocks: 'trimBlocks',
  lstrip_blocks: 'lstripBlocks',
  keep_trailing_newline: 'keepTrailingNewline',
};

/**
 * Ansible's first-line override, `#jinja2: trim_blocks: False, lstrip_blocks: True`: the
 * line is removed and its settings apply to this template.
 */
function readHeader(source: string): { body: string; settings: Partial<Record<'trimBlocks' | 'lstripBlocks' | 'keepTrailingNewline', boolean>> } {
  if (!source.startsWith(HEADER)) return { body: source, settings: {} };
  const eol = source.indexOf('\n');
  const line = source.slice(HEADER.length, eol < 0 ? source.length : eol);
  const settings: Partial<Record<'trimBlocks' | 'lstripBlocks' | 'keepTrailingNewline', boolean>> = {};
  for (const pair of line.split(',')) {
    const colon = pair.indexOf(':');
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    const setting = HEADER_KEYS[key];
    if (colon < 0 || !setting || !/^(True|False)$/.test(value)) {
      throw new TemplateError(`cannot read the '#jinja2:' override '${pair.trim()}' at line 1 (supported: ${Object.keys(HEADER_KEYS).map((k) => `${k}: True|False`).join(', ')})`, { line: 1 });
    }
    settings[setting] = value === 'True';
  }
  return { body: eol < 0 ? '' : source.slice(eol + 1), settings };
}

export function compileJinja(source: string, options: Partial<WhitespaceOptions> = {}): CompiledJinja {
  const { body, settings } = readHeader(source);
  const { keepTrailingNewline = false, ...overrides } = settings;
  const ws = { ...whitespaceDefaults, ...options, ...overrides };
  const src = normaliseSource(body, keepTrailingNewline);
  const map = new SourceMap(src, body === source ? 0 : 1);
  try {
    return { nodes: parseTemplate(src, ws, map), map, trailingNewlines: /\n*$/.exec(source)![0].length };
  } catch (err) {
    if (err instanceof RangeError) throw new TemplateError(engineLimitMessage(err));
    throw err;
  }
}

interface RenderState {
  options: JinjaOptions;
  iterations: number;
  callDepth: number;
}

class Frame {
  readonly vars = new Map<string, unknown>();
  constructor(
    readonly parent: Frame | undefined,
    readonly base: Scope,
  ) {}

  readonly scope: Scope = (name) => {
    for (let f: Frame | undefined = this; f; f = f.parent) if (f.vars.has(name)) return f.vars.get(name);
    return this.base(name);
  };
}

/** Render a compiled template; `scope` gives the variables. Top-level renders keep the final newlines. */
export function renderJinja(compiled: CompiledJinja, scope: Scope, options: JinjaOptions = {}): string {
  const state: RenderState = { options, iterations: 0, callDepth: 0 };
  try {
    let out = renderNodes(compiled.nodes, new Frame(undefined, scope), compiled, state);
    const have = /\n*$/.exec(out)![0].length;
    if (compiled.trailingNewlines > have) out += '\n'.repeat(compiled.trailingNewlines - have);
    return out;
  } catch (err) {
    if (err instanceof RangeError) throw new TemplateError(engineLimitMessage(err));
    throw err;
  }
}

function renderNodes(nodes: JNode[], frame: Frame, tpl: CompiledJinja, state: RenderState): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += node.value;
      continue;
    }
    try {
      out += renderNode(node, frame, tpl, state);
    } catch (err) {
      if (err instanceof TemplateError && err.line === undefined) err.line = tpl.map.at(node.pos).line;
      throw err;
    }
  }
  return out;
}

function evalAt(expr: Node, frame: Frame): unknown {
  return evalNode(expr, frame.scope);
}

function renderNode(node: Exclude<JNode, { type: 'text' }>, frame: Frame, tpl: CompiledJinja, state: RenderState): string {
  switch (node.type) {
    case 'output': {
      const value = evalAt(node.expr, frame);
      // `{{ 'x' if cond }}` prints nothing when cond is false, as in Ansible.
      if (value instanceof Undefined && value.path === INLINE_IF_WITHOUT_ELSE) return '';
      return pythonText(value);
    }
    case 'if': {
      for (const b of node.branches) if (truthy(evalAt(b.test, frame))) return renderNodes(b.body, frame, tpl, state);
      return node.else ? renderNodes(node.else, frame, tpl, state) : '';
    }
    case 'for':
      return renderFor(node, defined(evalAt(node.iter, frame), 'the list of the for loop'), frame, tpl, state, 0);
    case 'set': {
      const value = defined(evalAt(node.expr, frame));
      assign(frame, node.targets, value);
      return '';
    }
    case 'set-attr': {
      const ns = frame.scope(node.object);
      if (!(ns instanceof Namespace)) {
        throw new TemplateError(`cannot set '${node.object}.${node.attr}': only a namespace() can be changed this way ('${node.object}' is ${ns instanceof Undefined ? 'undefined' : `a '${typeName(ns)}'`})`);
      }
      (ns as unknown as Mapping)[node.attr] = defined(evalAt(node.expr, frame));
      return '';
    }
    case 'set-block': {
      const body = renderNodes(node.body, new Frame(frame, frame.base), tpl, state);
      frame.vars.set(node.target, node.filter ? withBody(node.filter, body, frame) : body);
      return '';
    }
    case 'filter-block':
      return pythonText(withBody(node.filter, renderNodes(node.body, new Frame(frame, frame.base), tpl, state), frame));
    case 'with': {
      const inner = new Frame(frame, frame.base);
      for (const [name, expr] of node.assigns) inner.vars.set(name, defined(evalAt(expr, inner)));
      return renderNodes(node.body, inner, tpl, state);
    }
    case 'macro':
      frame.vars.set(node.name, makeMacro(node.name, node.params, node.body, frame, tpl, state));
      return '';
    case 'call-block': {
      // The macro receives `caller` as Jinja passes it: an extra argument, not a variable of this scope.
      const caller = makeMacro('caller', node.params, node.body, frame, tpl, state);
      const call = node.call as Extract<Node, { type: 'call' }>;
      const macro = evalAt(call.callee, frame);
      if (!(macro instanceof TemplateCallable)) throw new TemplateError('{% call %} needs a macro: {% call name(args) %}...{% endcall %}');
      const args = call.args.map((a) => defined(evalAt(a, frame)));
      const kwargs: Mapping = { [CALLER]: caller };
      for (const [k, v] of call.kwargs) kwargs[k] = defined(evalAt(v, frame));
      return pythonText(macro.call(args, kwargs));
    }
    case 'include':
      return renderInclude(node, frame, state);
  }
}

/** Evaluate a filter chain (`{% filter upper %}`, `{% set x | trim %}`) with the body as its input. */
function withBody(filter: Node, body: string, frame: Frame): unknown {
  const inner = new Frame(frame, frame.base);
  inner.vars.set(BODY_NAME, body);
  return defined(evalAt(filter, inner));
}

function assign(frame: Frame, targets: string[], value: unknown): void {
  if (targets.length === 1) {
    frame.vars.set(targets[0]!, value);
    return;
  }
  const values = iterate(value, 'unpacking');
  if (values.length !== targets.length) {
    throw new TemplateError(`cannot unpack ${values.length} value${values.length === 1 ? '' : 's'} into ${targets.length} names (${targets.join(', ')})`);
  }
  targets.forEach((t, k) => frame.vars.set(t, values[k]));
}

function renderFor(node: Extract<JNode, { type: 'for' }>, iterable: unknown, frame: Frame, tpl: CompiledJinja, state: RenderState, depth0: number): string {
  let items = iterate(iterable, 'a for loop');
  if (node.filter) {
    const test = new Frame(frame, frame.base);
    items = items.filter((item) => {
      assign(test, node.targets, item);
      return truthy(evalAt(node.filter!, test));
    });
  }
  if (!items.length) return node.else ? renderNodes(node.else, frame, tpl, state) : '';
  const length = items.length;
  let out = '';
  let lastChanged: { value: unknown } | undefined;
  const recurse = node.recursive
    ? (args: unknown[]) => {
        if (args.length !== 1) throw new TemplateError('loop() in a recursive for takes one list');
        return renderFor(node, defined(args[0]), frame, tpl, state, depth0 + 1);
      }
    : undefined;
  // One cycle() and changed() per loop: they read the current iteration.
  let index0 = 0;
  const cycle = new TemplateCallable('loop.cycle', (args) => {
    if (!args.length) throw new TemplateError('loop.cycle() needs at least one value');
    return args[index0 % args.length];
  });
  const changed = new TemplateCallable('loop.changed', (args) => {
    const now = { value: args };
    const differs = !lastChanged || JSON.stringify(lastChanged.value) !== JSON.stringify(now.value);
    lastChanged = now;
    return differs;
  });
  for (; index0 < length; index0++) {
    if (++state.iterations > MAX_LOOP_ITERATIONS) {
      throw new TemplateError(`the template runs more than ${MAX_LOOP_ITERATIONS.toLocaleString('en-US')} loop iterations`);
    }
    const inner = new Frame(frame, frame.base);
    const item = items[index0];
    assign(inner, node.targets, item);
    const attributes: Mapping = {
      index: index0 + 1,
      index0,
      revindex: length - index0,
      revindex0: length - index0 - 1,
      first: index0 === 0,
      last: index0 === length - 1,
      length,
      depth: depth0 + 1,
      depth0,
      previtem: index0 > 0 ? items[index0 - 1] : new Undefined('loop.previtem', 'this is the first iteration'),
      nextitem: index0 < length - 1 ? items[index0 + 1] : new Undefined('loop.nextitem', 'this is the last iteration'),
      cycle,
      changed,
    };
    const loop = new TemplateCallable('loop', recurse ?? notRecursive, attributes);
    inner.vars.set('loop', loop);
    out += renderNodes(node.body, inner, tpl, state);
  }
  return out;
}

function notRecursive(): never {
  throw new TemplateError("loop() can only be called in a for loop marked 'recursive'");
}

function makeMacro(name: string, params: Param[], body: JNode[], defined_in: Frame, tpl: CompiledJinja, state: RenderState): TemplateCallable {
  return new TemplateCallable(`macro '${name}'`, (args, allKwargs) => {
    const { [CALLER]: caller, ...kwargs } = allKwargs;
    if (args.length > params.length) throw new TemplateError(`macro '${name}' takes ${params.length} argument${params.length === 1 ? '' : 's'}, got ${args.length}`);
    const unknown = Object.keys(kwargs).filter((k) => !params.some((p) => p.name === k));
    if (unknown.length) throw new TemplateError(`macro '${name}' has no parameter '${unknown[0]}' (parameters: ${params.map((p) => p.name).join(', ') || 'none'})`);
    if (++state.callDepth > MAX_CALL_DEPTH) throw new TemplateError(`macro '${name}' calls itself more than ${MAX_CALL_DEPTH} levels deep`);
    try {
      const inner = new Frame(defined_in, defined_in.base);
      params.forEach((p, k) => {
        if (k < args.length) inner.vars.set(p.name, args[k]);
        else if (Object.prototype.hasOwnProperty.call(kwargs, p.name)) inner.vars.set(p.name, kwargs[p.name]);
        else if (p.default) inner.vars.set(p.name, defined(evalAt(p.default, inner)));
        else inner.vars.set(p.name, new Undefined(p.name, `no value was given for parameter '${p.name}' of macro '${name}'`));
      });
      // The body of a {% call %} block, as `caller()` inside the macro.
      if (caller instanceof TemplateCallable) inner.vars.set('caller', caller);
      return renderNodes(body, inner, tpl, state);
    } finally {
      state.callDepth--;
    }
  });
}

const includeCache = new Map<string, CompiledJinja>();
const INCLUDE_CACHE_LIMIT = 1000;

function renderInclude(node: Extract<JNode, { type: 'include' }>, frame: Frame, state: RenderState): string {
  const names = defined(evalAt(node.template, frame));
  const candidates = (Array.isArray(names) ? names : [names]).map((n) => {
    if (typeof n !== 'string') throw new TemplateError(`{% include %} needs a template name, got '${typeName(n)}'`);
    return n;
  });
  const load = state.options.loadInclude;
  if (!load) throw new TemplateError('{% include %} is only available in template files (template module, lookup("template"))');
  let found: { source: string; path: string } | undefined;
  for (const name of candidates) if ((found = load(name))) break;
  if (!found) {
    if (node.ignoreMissing) return '';
    throw new TemplateError(`{% include %}: template ${candidates.map((c) => `'${c}'`).join(', ')} not found (searched the role's templates/, the playbook's templates/ and the including template's directory)`);
  }
  const key = `${found.path}\0${state.options.trimBlocks}\0${state.options.lstripBlocks}\0${found.source}`;
  let compiled = includeCache.get(key);
  try {
    if (!compiled) {
      compiled = compileJinja(found.source, state.options);
      if (includeCache.size >= INCLUDE_CACHE_LIMIT) includeCache.clear();
      includeCache.set(key, compiled);
    }
    if (++state.callDepth > MAX_CALL_DEPTH) throw new TemplateError(`{% include %} nests more than ${MAX_CALL_DEPTH} levels deep (does a template include itself?)`);
    try {
      // Jinja drops an included template's final newline, and Ansible does not restore it.
      const scope = node.withContext ? frame.scope : frame.base;
      return renderNodes(compiled.nodes, new Frame(undefined, scope), compiled, state);
    } finally {
      state.callDepth--;
    }
  } catch (err) {
    if (err instanceof TemplateError && !err.message.includes(' (in ')) throw err.addContext(found.path, found.source);
    throw err;
  }
}
