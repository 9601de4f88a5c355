/**
 * Finds the `{{ ... }}` of a template and decides, one by one, whether each is
 * Handlebars or a Jinja-style expression pasted from Ansible:
 *
 *   {{name}} {{default x "kvm"}} {{#each items}}    → Handlebars, unchanged
 *   {{ item.name | upper }} {{ a if b else c }}      → expression
 *   {{#if x is defined and y > 1}}                   → Handlebars block, expression condition
 *
 * A mustache is Handlebars when it parses as Handlebars and is a plain variable or a
 * call of a known helper; otherwise, if it parses as an expression, it is rewritten to
 * `{{__tsplay_expr "<source>"}}` (or `(__tsplay_expr ...)` as a block condition).
 * It also reports whether the whole template is a single mustache, whose value then
 * keeps its native type.
 */
import { TemplateError } from './errors.js';
import { escapeExpressionStrings } from './escape-backslashes.js';
import { parseExpression } from './expression-parser.js';
import { EXPR_HELPER } from './handlebars-env.js';

export interface HandlebarsSyntax {
  parse(source: string): hbs.AST.Program;
  isHelper(name: string): boolean;
}

export type Single = { kind: 'expr'; expr: string } | { kind: 'hbs'; inner: string };

export interface ScanResult {
  /** Handlebars source, with expression mustaches rewritten. */
  source: string;
  /** Set when the template is exactly one value mustache (whitespace around allowed). */
  single?: Single;
  /**
   * The whitespace around that single mustache (`"{{ x }}\n"` → `['', '\n']`). Ansible keeps
   * it when the value is text (a file built from `content: "{{ x }}\n"` ends with a newline)
   * and drops it when the value is a list, mapping, number or boolean.
   */
  around?: [before: string, after: string];
  /** True when the template is text and value mustaches only: no blocks, comments or raw blocks. */
  valuesOnly?: boolean;
}

/** Index just past the `}}` closing the mustache whose content starts at `from`, honouring quotes and braces. */
function closingBraces(template: string, from: number, close: string): number {
  let quote: string | undefined;
  let depth = 0;
  for (let k = from; k < template.length; k++) {
    const c = template[k]!;
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (template.startsWith(close, k)) return k + close.length;
  }
  return -1;
}

function parsesAsExpression(src: string): boolean {
  try {
    parseExpression(src);
    return true;
  } catch {
    return false;
  }
}

function expressionError(src: string): string {
  try {
    parseExpression(src);
    return '';
  } catch (err) {
    if (err instanceof RangeError) return 'the expression nests too deeply (thousands of levels)';
    return (err as Error).message;
  }
}

/** Handlebars string literal for `src` (the lexer only unescapes `\"`). */
function hbsString(src: string): string {
  return `"${src.replace(/"/g, '\\"')}"`;
}

type Kind = 'hbs' | 'expr';

/**
 * True when Handlebars cannot parse `{{content}}` as a value mustache, known without loading
 * it: a `|` outside its string and `[segment]` literals is a block-parameter delimiter to its
 * lexer, which a plain mustache never accepts (`{{ x | default(1) }}`, Ansible's most common
 * form). Content with a backslash is left to Handlebars: its literals treat escapes
 * differently from Jinja's.
 */
function pipeOutsideLiterals(content: string): boolean {
  if (content.includes('\\')) return false;
  let close: string | undefined;
  for (const c of content) {
    if (close) {
      if (c === close) close = undefined;
    } else if (c === '"' || c === "'") close = c;
    else if (c === '[') close = ']';
    else if (c === '|') return true;
  }
  return false;
}

function notHandlebars(content: string): Kind {
  // Not Handlebars. The expression parser's message is the readable one to report.
  if (parsesAsExpression(content)) return 'expr';
  const shown = content.length > 60 ? `${content.slice(0, 59)}…` : content;
  throw new TemplateError(`cannot parse {{ ${shown} }}: ${expressionError(content)}`);
}

function classifyValue(content: string, hb: HandlebarsSyntax): Kind {
  if (pipeOutsideLiterals(content)) return notHandlebars(content);
  let program: hbs.AST.Program;
  try {
    program = hb.parse(`{{${content}}}`);
  } catch {
    return notHandlebars(content);
  }
  const m = program.body[0] as hbs.AST.MustacheStatement | undefined;
  if (!m || program.body.length !== 1 || m.type !== 'MustacheStatement') return 'hbs';
  const path = m.path as hbs.AST.PathExpression;
  const hasArgs = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
  // Literals (`{{ true }}`, `{{ 'a' }}`, `{{ [1, 2] }}`) mean values, not Handlebars' literal paths.
  const literalHead = path.type !== 'PathExpression' || content.startsWith('[');
  if (!literalHead && !hasArgs) return 'hbs';
  if (!literalHead && path.parts.length === 1 && hb.isHelper(path.parts[0]!)) return 'hbs';
  return parsesAsExpression(content) ? 'expr' : 'hbs';
}

const BLOCK_CONDITION = /^(#|else\s+)(if|unless|each|with)\s+([\s\S]*?)(\s+as\s+\|[^|]*\|)?\s*$/;

/**
 * Block parameters in scope (`{{#each users as |user|}}`) are passed to the expression
 * helper as hash arguments (`user=user`): helpers cannot see block parameters otherwise.
 */
function scopeArgs(blockParams: string[][]): string {
  const names = [...new Set(blockParams.flat())];
  return names.map((n) => ` ${n}=${n}`).join('');
}

function expressionCall(src: string, blockParams: string[][]): string {
  return `${EXPR_HELPER} ${hbsString(src)}${scopeArgs(blockParams)}`;
}

/** `{{#if <cond>}}`: keep Handlebars when the condition is one Handlebars argument. */
function rewriteBlock(content: string, hb: HandlebarsSyntax, blockParams: string[][]): string | undefined {
  const m = BLOCK_CONDITION.exec(content);
  if (!m) return undefined;
  const [, opener, helper, condition, asParams = ''] = m;
  try {
    const program = hb.parse(`{{#${helper} ${condition}${asParams}}}{{/${helper}}}`);
    const block = program.body[0] as hbs.AST.BlockStatement;
    if (block.params.length === 1 && !(block.hash?.pairs.length ?? 0)) return undefined;
  } catch {
    // not Handlebars: try it as an expression below
  }
  if (!parsesAsExpression(condition!)) return undefined;
  return `${opener}${helper} (${expressionCall(condition!, blockParams)})${asParams}`;
}

/** `escapeBackslashes`: the template is a playbook value (escape-backslashes.ts). */
export function scanTemplate(template: string, hb: HandlebarsSyntax, options: { escapeBackslashes?: boolean } = {}): ScanResult {
  let out = '';
  let i = 0;
  let values = 0;
  let others = 0;
  let single: Single | undefined;
  let textOutside = '';
  let singleAt: [number, number] = [0, 0];
  const blockParams: string[][] = [];
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      out += template.slice(i);
      textOutside += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    textOutside += template.slice(i, open);
    // Escaped `\{{`: Handlebars prints it literally; keep it and move on.
    if (open > 0 && template[open - 1] === '\\' && template[open - 2] !== '\\') {
      out += '{{';
      textOutside += '{{';
      i = open + 2;
      continue;
    }
    let end: number;
    if (template.startsWith('{{{{', open)) {
      // Raw block {{{{raw}}}} ... {{{{/raw}}}}: copied through untouched.
      const name = /^\{\{\{\{\s*([^\s}]+)/.exec(template.slice(open))?.[1] ?? '';
      const close = template.indexOf(`{{{{/${name}}}}}`, open);
      end = close < 0 ? template.length : close + name.length + 9;
      others++;
    } else if (template.startsWith('{{!--', open) || template.startsWith('{{~!--', open)) {
      const close = template.indexOf('--', open + 5);
      const closeEnd = close < 0 ? -1 : template.indexOf('}}', close);
      end = closeEnd < 0 ? template.length : closeEnd + 2;
      others++;
    } else if (template.startsWith('{{!', open) || template.startsWith('{{~!', open)) {
      const close = template.indexOf('}}', open);
      end = close < 0 ? template.length : close + 2;
      others++;
    } else {
      const triple = template.startsWith('{{{', open);
      end = closingBraces(template, open + (triple ? 3 : 2), triple ? '}}}' : '}}');
      if (end < 0) {
        const before = template.slice(0, open);
        const line = before.split('\n').length;
        const column = open - before.lastIndexOf('\n');
        const where = line > 1 ? `line ${line}, column ${column}` : `column ${column}`;
        throw new TemplateError(`unclosed '{{' at ${where} (no matching '}}'): ${JSON.stringify(template.slice(open, open + 40).split('\n')[0])}`, { line });
      }
      const inner = template.slice(open + (triple ? 3 : 2), end - (triple ? 3 : 2));
      const stripOpen = inner.startsWith('~') ? '~' : '';
      const stripClose = inner.endsWith('~') && inner.length > 1 ? '~' : '';
      const content = inner.slice(stripOpen.length, inner.length - stripClose.length).trim();
      if (/^[#/^>&*]|^else\b/.test(content)) {
        const rewritten = rewriteBlock(content, hb, blockParams);
        if (/^[#^]/.test(content) && !/^#[>*]/.test(content)) blockParams.push(/\sas\s+\|([^|]*)\|\s*$/.exec(content)?.[1]!.trim().split(/\s+/) ?? []);
        else if (content.startsWith('/')) blockParams.pop();
        out += rewritten === undefined ? template.slice(open, end) : `{{${stripOpen}${rewritten}${stripClose}}}`;
        others++;
      } else {
        const kind = classifyValue(content, hb);
        const expr = kind === 'expr' && options.escapeBackslashes ? escapeExpressionStrings(content) : content;
        out += kind === 'expr' ? `{{${stripOpen}${expressionCall(expr, blockParams)}${stripClose}}}` : template.slice(open, end);
        values++;
        single = kind === 'expr' ? { kind, expr } : { kind, inner: content };
        singleAt = [open, end];
      }
      i = end;
      continue;
    }
    out += template.slice(open, end);
    i = end;
  }
  const isSingle = values === 1 && others === 0 && textOutside.trim() === '' && single !== undefined;
  if (!isSingle) return others === 0 ? { source: out, valuesOnly: true } : { source: out };
  const before = template.slice(0, singleAt[0]);
  const after = template.slice(singleAt[1]);
  return before || after ? { source: out, single: single!, around: [before, after] } : { source: out, single: single! };
}
