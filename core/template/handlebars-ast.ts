/**
 * One pass over a parsed Handlebars template, before it is compiled:
 *  - an unknown helper (`{{uper name}}`) is an error now, with a suggestion, rather
 *    than a confusing failure at render time;
 *  - a variable that happens to share a helper's name (`{{count}}`, `{{hash}}`, `{{d}}`)
 *    is looked up as a variable: without arguments no filter makes sense, but
 *    Handlebars would call the helper;
 *  - the helpers the template uses are collected (only those are passed per render);
 *  - a template made only of text and plain variables (`{{root}}/etc/{{name}}`, the
 *    vast majority in playbooks) is reduced to segments rendered without Handlebars.
 */
import { closest } from '../util/suggest.js';
import { TemplateError } from './errors.js';

type AST = hbs.AST.Node & Record<string, any>;

/** Text, or the path of a variable to print. */
export type Segment = string | { parts: string[]; line: number };

export interface PreparedTemplate {
  usedHelpers: Set<string>;
  /** Set when the template is only text and plain variables. */
  segments?: Segment[];
}

function isPlainPath(path: AST): boolean {
  return path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length > 0 && !/^(\.|this\b)/.test(path.original);
}

/** Lines match the user's template; columns may not (expression mustaches are rewritten). */
function location(node: AST): string {
  return node.loc ? `line ${node.loc.start.line}` : 'template';
}

export function prepareAst(root: hbs.AST.Program, helperNames: ReadonlySet<string>): PreparedTemplate {
  const used = new Set<string>();
  const blockParams: string[][] = [];
  const inBlockParams = (name: string) => blockParams.some((bp) => bp.includes(name));

  /** `{{name}}` / `(name)` without arguments: a variable, even if a helper has that name. */
  const asVariable = (path: AST) => {
    if (isPlainPath(path) && helperNames.has(path.parts[0]) && !inBlockParams(path.parts[0])) {
      // A `this.`-scoped path is never a helper call (Handlebars' scopedId rule).
      path.original = `this.${path.original}`;
    }
  };

  /**
   * The head of a mustache, block or subexpression. Handlebars calls a helper for a
   * subexpression even without arguments, so `(name)` must name a helper; a mustache
   * without arguments is a variable.
   */
  const call = (node: AST, kind: 'mustache' | 'block' | 'sexpr') => {
    const path = node.path as AST;
    const hasArgs = node.params.length > 0 || (node.hash && node.hash.pairs.length > 0);
    if (path.type !== 'PathExpression') return; // literal heads are looked up by name
    const name = path.parts[0] as string;
    const simple = path.parts.length === 1 && !path.data && path.depth === 0 && !/^(\.|this\b)/.test(path.original);
    const helper = simple && helperNames.has(name) && !inBlockParams(name);
    if (helper && (hasArgs || kind !== 'mustache')) {
      used.add(name);
    } else if (hasArgs || kind === 'sexpr') {
      const hint = simple ? closest(name, helperNames) : undefined;
      throw new TemplateError(`unknown helper '${path.original}' at ${location(node)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    } else if (kind === 'mustache') {
      asVariable(path);
    }
  };

  const expression = (node: AST | undefined) => {
    if (!node) return;
    if (node.type === 'SubExpression') {
      call(node, 'sexpr');
      node.params.forEach(expression);
      node.hash?.pairs.forEach((p: AST) => expression(p.value));
    }
  };

  const walkProgram = (prog: AST | undefined) => {
    if (!prog) return;
    blockParams.push(prog.blockParams ?? []);
    for (const stmt of prog.body as AST[]) statement(stmt);
    blockParams.pop();
  };

  const statement = (node: AST) => {
    switch (node.type) {
      case 'MustacheStatement':
        call(node, 'mustache');
        node.params.forEach(expression);
        node.hash?.pairs.forEach((p: AST) => expression(p.value));
        break;
      case 'BlockStatement':
        call(node, 'block');
        node.params.forEach(expression);
        node.hash?.pairs.forEach((p: AST) => expression(p.value));
        walkProgram(node.program);
        walkProgram(node.inverse);
        break;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        throw new TemplateError(`partials ({{> ${node.name?.original ?? ''}}}) are not supported, at ${location(node)}`);
      case 'DecoratorBlock':
      case 'Decorator':
        throw new TemplateError(`decorators are not supported, at ${location(node)}`);
      default:
        break;
    }
  };

  walkProgram(root as unknown as AST);

  const segments = simpleSegments(root);
  return segments ? { usedHelpers: used, segments } : { usedHelpers: used };
}

function simpleSegments(program: hbs.AST.Program): Segment[] | undefined {
  const segments: Segment[] = [];
  for (const stmt of program.body as AST[]) {
    if (stmt.type === 'ContentStatement') segments.push(stmt.value);
    else if (stmt.type === 'CommentStatement') continue;
    else if (stmt.type === 'MustacheStatement' && !stmt.params.length && !(stmt.hash?.pairs.length > 0) && stmt.path.type === 'PathExpression' && !stmt.path.data && stmt.path.depth === 0) {
      segments.push({ parts: stmt.path.parts, line: stmt.loc?.start.line ?? 0 });
    } else return undefined;
  }
  return segments;
}
