/**
 * Literal module arguments checked against the module's JSON Schema while the playbook
 * loads, so `--syntax-check` and the start of every run report `copy: srcc=a` at its
 * file:line:column, with every other problem, before any host is contacted. A value with a
 * template (`{{ }}`) cannot be known yet: it, and whatever depends on it, is left to the
 * check after rendering that every task gets at run time (core/executor/run-module.ts).
 */
import type { LoadContext } from './context.js';
import { shortAction } from './keywords.js';
import { argumentMapping, argumentOffsets, KeyValueError } from './kv.js';
import type { SourceLocation } from './model.js';
import type { ModuleCall } from './module-call.js';
import type { Cursor } from './yaml-source.js';
import { checkArgs, type ArgumentIssue } from '../modules/validate-args.js';

const TEMPLATE = /\{\{|\{%/;

/** Schema keywords whose outcome depends on other values of the same arguments. */
const COMBINATOR = /\/(anyOf|oneOf|if|then|else|not|dependencies|dependentSchemas)(\/|$)/;

/** Paths of every templated value (and of every value under a templated key). */
function templatedPaths(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (typeof value === 'string') {
    if (TEMPLATE.test(value)) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => templatedPaths(v, [...path, String(i)], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (TEMPLATE.test(k)) out.push([...path, k]);
      else templatedPaths(v, [...path, k], out);
    }
  }
  return out;
}

const startsWith = (path: readonly string[], prefix: readonly string[]) => prefix.length <= path.length && prefix.every((s, i) => path[i] === s);

/** Would this issue still be there whatever the templates render to? */
function certain(issue: ArgumentIssue, templated: string[][]): boolean {
  if (!templated.length) return true;
  const at = issue.key !== undefined ? [...issue.path, issue.key] : issue.path;
  if (templated.some((t) => startsWith(at, t))) return false;
  // anyOf/if/...: which branch applies may depend on a value not known yet.
  if (COMBINATOR.test(issue.error.schemaPath) || ['anyOf', 'oneOf', 'not', 'if'].includes(issue.error.keyword)) return false;
  return true;
}

/** Where each top-level argument was written: its key, and the cursor of its value when it is YAML. */
interface Written {
  key: SourceLocation;
  value: Cursor | SourceLocation;
}

function mappingPositions(c: Cursor, into: Map<string, Written>): void {
  for (const k of c.keys()) into.set(k, { key: c.keyLoc(k), value: c.child(k) });
}

/** `copy: src=a dest=b` (or `action: copy src=a`): each key's position inside the string. */
function stringPositions(c: Cursor, text: string, freeForm: string | undefined, into: Map<string, Written>): void {
  const full = c.value;
  if (typeof full !== 'string') return;
  const base = full.length - text.length; // `action: copy src=a`: the arguments follow the module name
  let offsets: Map<string, number>;
  try {
    offsets = argumentOffsets(text, freeForm);
  } catch (err) {
    if (err instanceof KeyValueError) return; // reported by the loader already
    throw err;
  }
  for (const [k, offset] of offsets) {
    const loc = c.source.locateInString(c.path, base + offset);
    into.set(k === '_raw_params' && freeForm ? freeForm : k, { key: loc, value: loc });
  }
}

/** Check the literal arguments of one task; `key` is the module key or `action`/`local_action`. */
export function checkLiteralArgs(ctx: LoadContext, c: Cursor, key: string, call: ModuleCall, direct: ModuleCall): void {
  const signature = ctx.options.moduleSignature?.(call.module);
  if (!signature || shortAction(call.module) === 'meta') return;
  let args: Record<string, unknown>;
  try {
    args = argumentMapping(call.args, signature.freeForm);
  } catch (err) {
    if (err instanceof KeyValueError) return; // unbalanced quotes: already reported
    throw err;
  }
  // `copy: "{{ copy_args }}"`: the whole argument set comes from a template.
  if (!signature.freeForm && typeof args._raw_params === 'string' && TEMPLATE.test(args._raw_params)) return;
  const templated = templatedPaths(args);
  const issues = checkArgs(signature, args).issues.filter((i) => certain(i, templated));
  if (!issues.length) return;

  const written = new Map<string, Written>();
  if (c.has('args') && c.child('args').isMapping()) mappingPositions(c.child('args'), written);
  const at = c.child(key);
  if (typeof direct.args === 'string') stringPositions(at, direct.args, signature.freeForm, written);
  else if (at.isMapping()) mappingPositions(at, written);

  for (const issue of issues) {
    const loc = locate(issue, written, call.moduleLoc);
    c.report(ctx.problems, `${call.module}: ${issue.message}`, loc);
  }
}

function locate(issue: ArgumentIssue, written: Map<string, Written>, moduleLoc: SourceLocation): SourceLocation {
  const [top, ...rest] = issue.path;
  if (top === undefined) {
    // An unsupported argument: its key. A missing one, or a rule about the whole set: the module.
    return (issue.key !== undefined && written.get(issue.key)?.key) || moduleLoc;
  }
  const w = written.get(top);
  if (!w) return moduleLoc;
  if (!('path' in w.value)) return w.value; // inside a k=v string: the word
  let cursor = w.value;
  for (const seg of rest) cursor = cursor.child(Array.isArray(cursor.value) ? Number(seg) : seg);
  return issue.key !== undefined ? cursor.keyLoc(issue.key) : cursor.loc();
}
