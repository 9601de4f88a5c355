/**
 * The isolated Handlebars environment tsplay renders with.
 *
 * Undefined variables: Handlebars' `strict` mode does not fit. It throws on the
 * reference itself, so `{{#if x}}` and `{{default x "kvm"}}` fail on a missing `x`, and
 * helper arguments get `assumeObjects` treatment (`{{#unless a.b.c}}` with `a` missing
 * is a TypeError: handlebars-lang/handlebars.js#1063, #1138). Instead, a small
 * JavaScriptCompiler subclass (the documented extension point) changes two things in the
 * generated code:
 *  - every variable lookup goes through `resolvePath` (undefined.ts), which returns an
 *    `Undefined` value naming the path instead of `undefined`;
 *  - every `{{value}}` output goes through `handlebarsText` (or `pythonText` for a
 *    Jinja-style template, see TextStyle), which throws on an `Undefined` and prints
 *    lists/mappings as JSON (or Python) instead of `[object Object]`.
 * Helpers then decide: filters reject undefined arguments (naming the variable) except
 * `default`/`mandatory`; `{{#if}}`/`{{#unless}}` treat undefined as false.
 *
 * Lookups see own properties only (getters included), like Handlebars' default
 * prototype-access protection.
 */
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { evalNode, parseExpression } from './expression.js';
import { TemplateError } from './errors.js';
import { applyFilter, filterNames, findFilter } from './filters.js';
import type { Scope } from './globals.js';
import { defined, isUndefined, member, resolvePath, Undefined } from './undefined.js';
import { pythonText } from './python-text.js';
import { compare, equals, isMapping, truthy, typeName } from './values.js';

/**
 * Handlebars itself is loaded on first use, synchronously (it is CommonJS): most runs render
 * only plain `{{ var }}` and Jinja templates, which never need it (plain-template.ts,
 * jinja.ts), and loading it is a noticeable part of a run's start-up.
 */
const requireFromHere = createRequire(import.meta.url);
let loaded: typeof Handlebars | undefined;
function handlebars(): typeof Handlebars {
  loaded ??= requireFromHere('handlebars') as typeof Handlebars;
  return loaded;
}

type HelperOptions = Handlebars.HelperOptions & { data?: Record<string, unknown>; name?: string };
type Helper = (this: unknown, ...args: any[]) => unknown;

/** Helper names tsplay uses internally; the scanner rewrites templates to call them. */
export const EXPR_HELPER = '__tsplay_expr';
export const CAPTURE_HELPER = '__tsplay_capture';
const RUNTIME = '__tsplay_rt';

/** Where `{{__tsplay_capture (x)}}` leaves the native value of a single-mustache template. */
export interface CaptureBox {
  value?: unknown;
  set: boolean;
}

/**
 * What a Handlebars template prints for a value: strings as they are, null as nothing,
 * lists and mappings as compact JSON rather than `[object Object]`, booleans `true`/`false`.
 */
export function handlebarsText(value: unknown): string {
  const v = defined(value);
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return JSON.stringify(v);
}

/**
 * How a template compiled by Handlebars prints values: `handlebars` for Handlebars forms
 * (helpers, blocks, .hbs files), `python` for Jinja-style mustaches that only needed
 * Handlebars to be parsed (`x={{ flag | bool }}`), which print as Jinja does (python-text.ts).
 */
export type TextStyle = 'handlebars' | 'python';

function runtimeFor(text: (value: unknown) => string) {
  return {
    resolve: (parent: unknown, parts: string[], prefix: string, line: number) => {
      const value = resolvePath(parent, parts, prefix);
      if (value instanceof Undefined && line) value.line = line;
      return value;
    },
    str: (value: unknown) => (value === undefined ? '' : text(value)),
  };
}

const RUNTIMES: Record<TextStyle, ReturnType<typeof runtimeFor>> = { handlebars: runtimeFor(handlebarsText), python: runtimeFor(pythonText) };

// ---- the compiler subclass -----------------------------------------------------------------

interface CompilerInternals {
  source: { currentLocation?: { start: { line: number } } };
  popStack(): unknown;
  push(expr: unknown): unknown;
  pushSource(src: unknown): void;
  appendToBuffer(src: unknown): unknown;
  aliasable(name: string): unknown;
}

function createCompiler(Base: any): any {
  function TsplayCompiler(this: unknown) {}
  TsplayCompiler.prototype = Object.create(Base.prototype);
  // Child programs (block bodies) are compiled with `new this.compiler()`.
  TsplayCompiler.prototype.compiler = TsplayCompiler;
  TsplayCompiler.prototype.resolvePath = function (this: CompilerInternals, type: string, parts: string[], start: number) {
    if (start >= parts.length) return;
    const prefix = type === 'data' ? '@' : parts.slice(0, start).join('.');
    const parent = this.popStack();
    const line = this.source.currentLocation?.start.line ?? 0;
    this.push([this.aliasable(`helpers.${RUNTIME}.resolve`), '(', parent, ', ', JSON.stringify(parts.slice(start)), ', ', JSON.stringify(prefix), ', ', String(line), ')']);
  };
  TsplayCompiler.prototype.append = function (this: CompilerInternals) {
    this.pushSource(this.appendToBuffer([this.aliasable(`helpers.${RUNTIME}.str`), '(', this.popStack(), ')']));
  };
  TsplayCompiler.prototype.appendEscaped = TsplayCompiler.prototype.append;
  return TsplayCompiler;
}

// ---- helpers ---------------------------------------------------------------------------------

/** Errors from a helper carry the template line of the call (Handlebars passes `options.loc`). */
function atLine<T>(options: HelperOptions | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const line = (options as { loc?: { start?: { line?: number } } } | undefined)?.loc?.start?.line;
    if (err instanceof TemplateError && err.line === undefined && line) err.line = line;
    throw err;
  }
}

function splitOptions(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  const options = args[args.length - 1] as HelperOptions;
  return { params: args.slice(0, -1), options };
}

function filterHelper(name: string): Helper {
  return function (...args: unknown[]) {
    const { params, options } = splitOptions(args);
    return atLine(options, () => {
      if (!params.length) throw new TemplateError(`helper '${name}' needs an input: {{${name} value ...}}`);
      return applyFilter(name, params[0], params.slice(1), { ...(options.hash ?? {}) });
    });
  };
}

/** `{{#if}}` and `{{#unless}}`: Jinja truthiness, and a missing variable is false. */
function condition(value: unknown): boolean {
  return !isUndefined(value) && truthy(value);
}

/**
 * Names in a Jinja expression inside a template: block parameters (passed as hash
 * arguments by the scanner), then the current context (`{{#each users}}`: the user),
 * then the root variables.
 */
function blockScope(context: unknown, options: HelperOptions): Scope {
  const root = options.data?.root;
  const layers = [options.hash as unknown, context !== root && isMapping(context) ? context : undefined].filter((l) => isMapping(l) && Object.keys(l).length > 0);
  if (!layers.length) return (name) => member(root, name, '');
  return (name) => {
    for (const layer of layers) {
      const v = member(layer, name, '');
      if (!(v instanceof Undefined)) return v;
    }
    return member(root, name, '');
  };
}

function variadic(name: string, fn: (values: unknown[]) => unknown, min: number): Helper {
  return (...args: unknown[]) => {
    const { params, options } = splitOptions(args);
    return atLine(options, () => {
      if (params.length < min) throw new TemplateError(`helper '${name}' needs at least ${min} argument${min === 1 ? '' : 's'}`);
      return fn(params.map((p) => defined(p)));
    });
  };
}

function buildHelpers(hb: typeof Handlebars): Record<string, unknown> {
  const builtin = hb.helpers as Record<string, Helper>;
  const each = builtin.each!;
  const withHelper = builtin.with!;
  const blockHelperMissing = builtin.blockHelperMissing!;
  const helpers: Record<string, unknown> = {
    [RUNTIME]: RUNTIMES.handlebars,
    helperMissing: builtin.helperMissing,
    blockHelperMissing(this: unknown, context: unknown, options: HelperOptions) {
      // `{{#flag}}...{{/flag}}` on a missing variable renders the inverse, like `#if`.
      return blockHelperMissing.call(this, context instanceof Undefined ? undefined : context, options);
    },
    if(this: unknown, ...args: unknown[]) {
      const { params, options } = splitOptions(args);
      if (params.length !== 1) throw new TemplateError(`{{#if}} takes exactly one condition, got ${params.length} (write an expression: {{#if a and b}})`);
      return condition(params[0]) ? options.fn(this) : options.inverse(this);
    },
    unless(this: unknown, ...args: unknown[]) {
      const { params, options } = splitOptions(args);
      if (params.length !== 1) throw new TemplateError(`{{#unless}} takes exactly one condition, got ${params.length}`);
      return condition(params[0]) ? options.inverse(this) : options.fn(this);
    },
    each(this: unknown, context: unknown, options: HelperOptions) {
      return each.call(this, atLine(options, () => defined(context, 'the list given to {{#each}}')), options);
    },
    with(this: unknown, context: unknown, options: HelperOptions) {
      return withHelper.call(this, atLine(options, () => defined(context, 'the value given to {{#with}}')), options);
    },
    // {{{{raw}}}}...{{{{/raw}}}}: the content is printed as written.
    raw(this: unknown, options: HelperOptions) {
      return options.fn(this);
    },
    lookup(obj: unknown, key: unknown, options: HelperOptions) {
      if (options === undefined) throw new TemplateError('lookup takes an object and a key: {{lookup hostvars host}}');
      const k = defined(key, 'the key given to lookup');
      if (typeof k !== 'string' && typeof k !== 'number') throw new TemplateError(`lookup: a key must be a string or number, got '${typeName(k)}'`);
      if (obj instanceof Undefined) return obj.child(k);
      const found = member(obj, k, '');
      if (found instanceof Undefined) return new Undefined(String(k), `the ${typeName(obj)} given to lookup has no key '${k}'`);
      return found;
    },
    // Comparisons and logic for block conditions: {{#if (eq state "present")}}.
    eq: variadic('eq', ([a, b]) => equals(a, b), 2),
    ne: variadic('ne', ([a, b]) => !equals(a, b), 2),
    lt: variadic('lt', ([a, b]) => compare(a, b, '<') < 0, 2),
    le: variadic('le', ([a, b]) => compare(a, b, '<=') <= 0, 2),
    gt: variadic('gt', ([a, b]) => compare(a, b, '>') > 0, 2),
    ge: variadic('ge', ([a, b]) => compare(a, b, '>=') >= 0, 2),
    and: variadic('and', (vs) => vs.every((v) => truthy(v)), 1),
    or: variadic('or', (vs) => vs.some((v) => truthy(v)), 1),
    not: variadic('not', ([v]) => !truthy(v), 1),
    // A Jinja-style expression the scanner found in the template: {{ x | upper }}.
    [EXPR_HELPER](this: unknown, src: string, options: HelperOptions) {
      return atLine(options, () => evalNode(parseExpression(src), blockScope(this, options)));
    },
    [CAPTURE_HELPER](value: unknown, options: HelperOptions) {
      const box = options.data?.[CAPTURE_HELPER] as CaptureBox | undefined;
      if (!box) throw new TemplateError('internal: native capture used outside a single-value template');
      box.value = defined(value === undefined ? null : value);
      box.set = true;
      return '';
    },
  };
  for (const name of filterNames()) {
    if (!(name in helpers) && findFilter(name)) helpers[name] = filterHelper(name);
  }
  return helpers;
}

export class HandlebarsEnvironment {
  /** The isolated Handlebars instance (exposed so tests can spy on `compile`). */
  readonly hb: typeof Handlebars;
  private readonly helpers: Record<string, unknown>;
  private readonly knownHelpers: Record<string, boolean>;
  /** Names callable as helpers in templates (filters, block helpers, comparisons). */
  readonly helperNames: ReadonlySet<string>;

  constructor() {
    this.hb = handlebars().create();
    (this.hb as any).JavaScriptCompiler = createCompiler((this.hb as any).JavaScriptCompiler);
    this.helpers = buildHelpers(this.hb);
    // Helpers are passed per render (only those a template uses): Handlebars wraps every
    // registered helper on every top-level call, which is most of the cost of a render.
    for (const name of Object.keys(this.hb.helpers)) this.hb.unregisterHelper(name);
    this.knownHelpers = Object.fromEntries(Object.keys(this.helpers).filter((n) => n !== RUNTIME).map((n) => [n, true]));
    this.helperNames = new Set(Object.keys(this.knownHelpers).filter((n) => n !== 'helperMissing' && n !== 'blockHelperMissing'));
  }

  isHelper(name: string): boolean {
    return this.helperNames.has(name);
  }

  parse(source: string): hbs.AST.Program {
    return this.hb.parse(source);
  }

  compile(ast: hbs.AST.Program): Handlebars.TemplateDelegate {
    return this.hb.compile(ast as unknown as string, { noEscape: true, knownHelpers: this.knownHelpers as CompileOptions['knownHelpers'], data: true });
  }

  /** The helpers object to pass when rendering a template that uses `names`. */
  helpersFor(names: Iterable<string>, style: TextStyle = 'handlebars'): RuntimeHelpers {
    const out: Record<string, unknown> = {
      [RUNTIME]: RUNTIMES[style],
      helperMissing: this.helpers.helperMissing,
      blockHelperMissing: this.helpers.blockHelperMissing,
    };
    for (const n of names) if (this.helpers[n] !== undefined) out[n] = this.helpers[n];
    // The runtime entry is an object, not a function: Handlebars passes such entries through.
    return out as RuntimeHelpers;
  }
}

type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;
/** What Handlebars' `helpers` runtime option is typed as. */
export type RuntimeHelpers = NonNullable<Handlebars.RuntimeOptions['helpers']>;
