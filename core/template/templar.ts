/**
 * Renders `{{ }}` templates in playbook values and template files.
 *
 * Each distinct template is prepared once and cached: scanned for Jinja-style
 * mustaches (mustache-scan.ts), parsed and checked (handlebars-ast.ts), then either
 * reduced to text-and-variable segments or compiled by Handlebars (handlebars-env.ts).
 * Text with plain `{{ var }}` mustaches only goes straight to those segments
 * (plain-template.ts), so Handlebars is loaded only by a template that needs it.
 * A value that is exactly one `{{ ... }}` keeps its native type (list, number,
 * mapping, boolean), and text it gives that reads as a list, mapping or boolean becomes
 * that data, as in Ansible (readBack); anything else renders to a string. Values print
 * into text as Jinja prints them (`True`, `['a', 1]`: python-text.ts), except in
 * Handlebars forms (helpers, blocks, .hbs files), which print JSON-like.
 */
import { engineLimitMessage, TemplateError } from './errors.js';
import { evalNode, parseExpression, scopeOf } from './expression.js';
import { prepareAst, type Segment } from './handlebars-ast.js';
import { CAPTURE_HELPER, EXPR_HELPER, HandlebarsEnvironment, handlebarsText, type CaptureBox, type TextStyle } from './handlebars-env.js';
import { escapeTemplateBackslashes } from './escape-backslashes.js';
import { compileJinja, hasJinjaSyntax, renderJinja } from './jinja.js';
import { renderJinjaFile } from './jinja-file.js';
import { scanTemplate, type ScanResult } from './mustache-scan.js';
import { plainTemplate, type PlainTemplate } from './plain-template.js';
import { looksLikeData, parsePythonLiteral } from './python-literal.js';
import { pythonText } from './python-text.js';
import { isStringFilterText } from './string-filter-text.js';
import type { Scope } from './globals.js';
import { defined, member, resolvePath, Undefined } from './undefined.js';
import { UnsafeText } from './unsafe.js';
import { isMapping } from './values.js';

type Vars = Record<string, unknown>;
type TextOf = (value: unknown) => string;

const TEXT_OF: Record<TextStyle, TextOf> = { python: pythonText, handlebars: handlebarsText };

/**
 * Ansible's concat step (ansible_eval_concat) on the value of a template that is one
 * `{{ expr }}`: text that starts with `{` or `[`, or is `True`/`False`, is read as a Python
 * literal (JSON's true/false/null included) and becomes that list, mapping or boolean; text
 * Python cannot read stays text, as does text a string-type filter returned
 * (string-filter-text.ts). Other values pass unchanged.
 */
function readBack(value: unknown): unknown {
  if (typeof value !== 'string' || !looksLikeData(value) || isStringFilterText(value)) return value;
  const parsed = parsePythonLiteral(value);
  return parsed ? parsed.value : value;
}

interface Compiled {
  /** The value of a single-mustache template, natively typed. */
  native?: (vars: Vars) => unknown;
  text: (vars: Vars) => string;
}

const CACHE_LIMIT = 50_000;
const JINJA_STATEMENT = /\{%[-+]?\s*(if|elif|else|endif|for|endfor|set|raw|endraw|macro|block|include|import|filter|with)\b/;

/** A `.hbs` file is Handlebars only: Jinja statements there are a mistake worth naming. */
function rejectJinjaStatements(template: string): void {
  if (!template.includes('{%')) return;
  const m = JINJA_STATEMENT.exec(template);
  if (m) {
    const line = template.slice(0, m.index).split('\n').length;
    throw new TemplateError(
      `Jinja statements such as '{% ${m[1]} %}' are not supported in a Handlebars (.hbs) template: use Handlebars blocks ({{#if cond}}...{{/if}}, {{#each list}}...{{/each}}), or name the file .j2 to write Jinja`,
      { line },
    );
  }
}

/** How a template file is read: by its extension, then by its content (see docs/templating.md). */
export type TemplateSyntax = 'jinja' | 'handlebars' | 'auto';

export function syntaxOfFile(path: string): TemplateSyntax {
  if (/\.(j2|jinja2?|jn2)$/i.test(path)) return 'jinja';
  if (/\.(hbs|handlebars)$/i.test(path)) return 'handlebars';
  return 'auto';
}

export interface TemplateFile {
  /** The file, for messages and for `{% include %}` relative to it. */
  path: string;
  /** Jinja's trim_blocks (Ansible's default: true) and lstrip_blocks (default: false). */
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Variables only this template sees (ansible_managed, template_path...), over `vars`. */
  templateVars?: Vars;
}

/** Handlebars' parse errors span four lines (with a caret); keep the first and last. */
function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError) return engineLimitMessage(err);
  if (!message.startsWith('Parse error')) return message;
  const lines = message.split('\n');
  const last = lines[lines.length - 1]!;
  const got = /got '([^']+)'$/.exec(last)?.[1];
  const what = got === 'EOF' ? 'unexpected end of template (is a block such as {{#if}} not closed?)' : got ? `unexpected ${got} token` : last;
  return `Handlebars ${lines[0]!.replace(/:$/, '').toLowerCase()}: ${what}`;
}

function withContext(err: unknown, where: string | undefined, template: string): TemplateError {
  const te = err instanceof TemplateError ? err : new TemplateError(errorMessage(err), { cause: err });
  return te.addContext(where, template);
}

/** `vars` plus `top`, copying property descriptors so lazily templated variables stay lazy. */
function withVars(vars: Vars, top: Vars): Vars {
  return Object.assign(Object.defineProperties({}, Object.getOwnPropertyDescriptors(vars)), top);
}

/** Variables of `top` first, then of `vars`. */
function overlayScope(top: Vars, vars: Vars): Scope {
  return (name) => (Object.prototype.hasOwnProperty.call(top, name) ? top[name] : member(vars, name, ''));
}

function renderSegments(segments: Segment[], vars: Vars, textOf: TextOf): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'string') out += s;
    else {
      const value = resolvePath(vars, s.parts);
      if (value instanceof Undefined) value.line = s.line;
      out += textOf(value);
    }
  }
  return out;
}

/** Newlines `text` ends with. */
function trailingNewlines(text: string): number {
  return /\n*$/.exec(text)![0].length;
}

/**
 * What Jinja and Ansible make of a template's final newlines: Jinja drops the template's
 * last newline, then Ansible appends newlines until the result ends with as many as the
 * template did (preserve_trailing_newlines). So `"{{ s }}\n"` with `s` = `"x\n"` gives
 * `"x\n"`, not `"x\n\n"`; `rendered` is the template rendered with its last newline.
 */
function jinjaNewlines(rendered: string, templateNewlines: number): string {
  if (templateNewlines === 0 || !rendered.endsWith('\n')) return rendered;
  const out = rendered.slice(0, -1);
  const have = trailingNewlines(out);
  return templateNewlines > have ? out + '\n'.repeat(templateNewlines - have) : out;
}

/**
 * A single mustache with whitespace around it (`"{{ x }}\n"`), as ansible-core 2.14 renders it
 * (compared side by side in test/compat). Jinja first drops the final newline: when nothing
 * else is left around the expression, its value keeps its type (`content: "{{ port }}\n"`
 * writes `8080` with no newline); text keeps the whitespace, with the final newlines
 * restored (`content: "{{ s }}\n"` ends with one newline even when `s` already did). Any
 * other whitespace makes text, except that a list or mapping followed by whitespace comes
 * back as data (Ansible's concat reads `[1, 2] ` back); leading whitespace always makes text.
 * With only the final newline after it (one value for Jinja), text that reads as data becomes
 * that data (readBack) when `readsBack`, i.e. the mustache is Jinja, not a Handlebars helper.
 */
function keepAround(native: (vars: Vars) => unknown, [before, after]: [string, string], print: TextOf, readsBack: boolean): Compiled {
  const newlines = trailingNewlines(after);
  const textOf = (value: unknown) => jinjaNewlines(before + print(value) + after, newlines);
  const afterJinja = after.endsWith('\n') ? after.slice(0, -1) : after;
  return {
    native: (vars) => {
      const value = native(vars);
      if (before !== '') return textOf(value);
      if (typeof value === 'string') {
        const data = readsBack && afterJinja === '' ? readBack(value) : value;
        return data === value ? textOf(value) : data;
      }
      if (afterJinja === '' || Array.isArray(value) || isMapping(value)) return value;
      return textOf(value);
    },
    text: (vars) => textOf(native(vars)),
  };
}

/** A template of text and values only (no Handlebars blocks), whose text follows Jinja's final-newline rule. */
function withJinjaNewlines(compiled: Compiled, template: string): Compiled {
  const newlines = trailingNewlines(template);
  if (newlines === 0) return compiled;
  return { text: (vars) => jinjaNewlines(compiled.text(vars), newlines) };
}

/** A template that is one Jinja `{{ }}` and nothing else: its value as data (readBack), its text as printed. */
function singleValue(native: (vars: Vars) => unknown, textOf: TextOf): Compiled {
  return { native: (vars) => readBack(native(vars)), text: (vars) => textOf(native(vars)) };
}

/** What compileScanned makes of the same template through Handlebars (plain-template.ts says why it is the same). */
function compilePlain(plain: PlainTemplate, textOf: TextOf): Compiled {
  if (!plain.single) {
    const segments = plain.segments;
    return { text: (vars) => renderSegments(segments, vars, textOf) };
  }
  const parts = plain.single.parts;
  const native = (vars: Vars) => defined(resolvePath(vars, parts));
  return plain.around ? keepAround(native, plain.around, textOf, true) : singleValue(native, textOf);
}

export class Templar {
  private handlebarsEnv?: HandlebarsEnvironment;
  private readonly cache = new Map<string, Compiled>();

  /** Made (and Handlebars loaded) by the first template that needs Handlebars. */
  private get env(): HandlebarsEnvironment {
    this.handlebarsEnv ??= new HandlebarsEnvironment();
    return this.handlebarsEnv;
  }

  /** The scanner's view of Handlebars, made only when the scanner asks it something. */
  private readonly syntax = {
    parse: (source: string) => this.env.parse(source),
    isHelper: (name: string) => this.env.isHelper(name),
  };

  /** The isolated Handlebars instance (tests spy on its `compile`). */
  get handlebars(): HandlebarsEnvironment['hb'] {
    return this.env.hb;
  }

  /** Number of distinct templates prepared so far. */
  get cacheSize(): number {
    return this.cache.size;
  }

  isTemplate(s: string): boolean {
    return s.includes('{{') || hasJinjaSyntax(s);
  }

  /** Render a template to text (`msg:` strings, lookups). */
  renderString(template: string, vars: Vars, where?: string): string {
    try {
      if (!this.isTemplate(template)) return template;
      return this.compiled(template).text(vars);
    } catch (err) {
      throw withContext(err, where, template);
    }
  }

  /**
   * Render a template file (the template module, lookup('template')). `.j2` files are
   * Jinja, `.hbs` files Handlebars; any other name is Jinja when it has `{% %}` or
   * `{# #}` tags, and otherwise reads `{{ }}` as in playbook strings.
   */
  renderFile(source: string, vars: Vars, file: TemplateFile): string {
    const syntax = syntaxOfFile(file.path);
    try {
      if (syntax === 'handlebars') rejectJinjaStatements(source);
      const jinja = syntax === 'jinja' || (syntax === 'auto' && hasJinjaSyntax(source));
      const scope = file.templateVars ? overlayScope(file.templateVars, vars) : scopeOf(vars);
      if (!jinja) {
        if (!source.includes('{{')) return source;
        return this.compiled(source, false, syntax === 'handlebars').text(file.templateVars ? withVars(vars, file.templateVars) : vars);
      }
      return renderJinjaFile(source, scope, file.path, { trimBlocks: file.trimBlocks ?? true, lstripBlocks: file.lstripBlocks ?? false });
    } catch (err) {
      throw withContext(err, file.path, source);
    }
  }

  /**
   * Render every template inside `value` (strings, list items, mapping keys and
   * values). Parts without templates are returned as they are (same object).
   */
  render(value: unknown, vars: Vars, where?: string): unknown {
    return this.renderValue(value, vars, where, '');
  }

  private renderValue(value: unknown, vars: Vars, where: string | undefined, key: string): unknown {
    if (value instanceof UnsafeText) return value.text;
    if (typeof value === 'string') {
      if (!this.isTemplate(value)) return value;
      try {
        const compiled = this.compiled(value);
        return compiled.native ? compiled.native(vars) : compiled.text(vars);
      } catch (err) {
        const at = key ? `${where ? `${where}, ` : ''}key '${key}'` : where;
        throw withContext(err, at, value);
      }
    }
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const r = this.renderValue(value[i], vars, where, key ? `${key}[${i}]` : `[${i}]`);
        if (r !== value[i] && !out) out = value.slice(0, i);
        if (out) out.push(r);
      }
      return out ?? value;
    }
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      let out: Record<string, unknown> | undefined;
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = 0; i < entries.length; i++) {
        const [k, v] = entries[i]!;
        const path = key ? `${key}.${k}` : k;
        const rk = this.isTemplate(k) ? this.renderString(k, vars, `${where ? `${where}, ` : ''}key '${path}'`) : k;
        const rv = this.renderValue(v, vars, where, path);
        if ((rk !== k || rv !== v) && !out) out = Object.fromEntries(entries.slice(0, i));
        if (out) out[rk] = rv;
      }
      return out ?? value;
    }
    return value;
  }

  /**
   * `playbookValue`: a string from a playbook (Ansible escapes its backslashes), not a template file.
   * `handlebarsFile`: a .hbs file, which prints values JSON-like even in plain `{{ x }}`.
   */
  private compiled(template: string, playbookValue = true, handlebarsFile = false): Compiled {
    const key = playbookValue ? template : `\0${handlebarsFile ? 'hbs' : 'file'}\0${template}`;
    let c = this.cache.get(key);
    if (!c) {
      c = this.compile(template, playbookValue, handlebarsFile);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, c);
    }
    return c;
  }

  private compile(template: string, playbookValue: boolean, handlebarsFile: boolean): Compiled {
    if (hasJinjaSyntax(template)) {
      // Statements make it a Jinja template, rendered to text as Ansible does.
      const compiled = compileJinja(playbookValue ? escapeTemplateBackslashes(template) : template);
      return { text: (vars) => renderJinja(compiled, scopeOf(vars)) };
    }
    // Text and plain `{{ var }}` mustaches, the most common kind: read without Handlebars.
    const plain = plainTemplate(template);
    if (plain) {
      const textOf = TEXT_OF[handlebarsFile ? 'handlebars' : 'python'];
      return plain.single ? compilePlain(plain, textOf) : withJinjaNewlines(compilePlain(plain, textOf), template);
    }
    const scan = scanTemplate(template, this.syntax, { escapeBackslashes: playbookValue });
    const { compiled, style, jinjaValue } = this.compileScanned(scan, handlebarsFile);
    if (compiled.native) {
      if (scan.around) return keepAround(compiled.native, scan.around, TEXT_OF[style], jinjaValue);
      return jinjaValue ? singleValue(compiled.native, TEXT_OF[style]) : compiled;
    }
    return scan.valuesOnly ? withJinjaNewlines(compiled, template) : compiled;
  }

  /**
   * The template through the expression engine or Handlebars. `style`: how it prints values
   * (Handlebars forms JSON-like, Jinja-style mustaches as Jinja does); `jinjaValue`: its
   * `native` is the value of one Jinja-style mustache (read back as Ansible does), not of a
   * Handlebars helper call.
   */
  private compileScanned(scan: ScanResult, handlebarsFile: boolean): { compiled: Compiled; style: TextStyle; jinjaValue: boolean } {
    const fileStyle: TextStyle = handlebarsFile ? 'handlebars' : 'python';

    // `{{ expression }}` alone: no Handlebars at all.
    if (scan.single?.kind === 'expr') {
      const ast = parseExpression(scan.single.expr);
      const native = (vars: Vars) => defined(evalNode(ast, scopeOf(vars)), 'the expression');
      return { compiled: { native, text: (vars) => TEXT_OF[fileStyle](native(vars)) }, style: fileStyle, jinjaValue: true };
    }

    let program: hbs.AST.Program;
    try {
      program = this.env.parse(scan.source);
    } catch (err) {
      // Handlebars counts lines of the rewritten source, which keeps the template's lines.
      const at = (err as { lineNumber?: unknown }).lineNumber;
      const line = typeof at === 'number' ? at : Number(/^Parse error on line (\d+)/.exec((err as Error).message ?? '')?.[1]);
      throw new TemplateError(errorMessage(err), { cause: err, ...(line ? { line } : {}) });
    }
    const prepared = prepareAst(program, this.env.helperNames);
    // Helpers, blocks and comments are Handlebars forms; expression mustaches alone are Jinja.
    const handlebarsForm = !scan.valuesOnly || [...prepared.usedHelpers].some((name) => name !== EXPR_HELPER);
    const style: TextStyle = handlebarsFile || handlebarsForm ? 'handlebars' : 'python';
    const textOf = TEXT_OF[style];

    if (prepared.segments) {
      const segments = prepared.segments;
      const variable = segments.find((s) => typeof s !== 'string');
      if (scan.single && variable && typeof variable !== 'string') {
        const native = (vars: Vars) => defined(resolvePath(vars, variable.parts));
        return { compiled: { native, text: (vars) => textOf(native(vars)) }, style, jinjaValue: style === 'python' };
      }
      return { compiled: { text: (vars) => renderSegments(segments, vars, textOf) }, style, jinjaValue: false };
    }

    if (scan.single) {
      // One helper call (or a data variable such as @root.x): capture its value instead of printing it.
      const mustache = program.body.find((n) => n.type === 'MustacheStatement') as hbs.AST.MustacheStatement;
      const hasArgs = mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0;
      const captureProgram = this.env.parse(`{{${CAPTURE_HELPER} ${hasArgs ? `(${scan.single.inner})` : scan.single.inner}}}`);
      const helpers = this.env.helpersFor(prepareAst(captureProgram, this.env.helperNames).usedHelpers);
      const render = this.env.compile(captureProgram);
      const native = (vars: Vars) => {
        const box: CaptureBox = { set: false };
        render(vars, { helpers, data: { [CAPTURE_HELPER]: box } });
        return box.value;
      };
      return { compiled: { native, text: (vars) => handlebarsText(native(vars)) }, style: 'handlebars', jinjaValue: false };
    }

    const helpers = this.env.helpersFor(prepared.usedHelpers, style);
    const render = this.env.compile(program);
    return { compiled: { text: (vars) => render(vars, { helpers }) }, style, jinjaValue: false };
  }
}

export { TemplateError } from './errors.js';
