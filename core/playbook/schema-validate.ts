/**
 * Validates a parsed file against the shipped JSON Schema with ajv (allErrors) and turns
 * each ajv error into a problem at the right file:line:column with a message a person can
 * act on: which key, what it must be, what was found, and a "did you mean" when one fits.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest } from '../util/suggest.js';
import type { Problems } from './errors.js';
import { ENTITY_NOUN, unknownKeyMessage } from './keywords.js';
import { playbookSchema, playbookSchemaText, type Entity, type JsonObject } from './schema-file.js';
import type { PathSegment, SourceFile } from './yaml-source.js';
import { FILE_KINDS, PLAYBOOK_AJV_OPTIONS, fingerprint, loadAjv, loadPrecompiled } from '../util/validator-options.js';

/** The kinds of files the loader reads; each is a definition in the schema. */
export type FileKind = (typeof FILE_KINDS)[number];

const FILE_NOUN: Record<FileKind, string> = {
  playbook: 'a playbook',
  tasksFile: 'a tasks file',
  handlersFile: 'a handlers file',
  roleMeta: 'a role meta/main.yml',
  varsFile: 'a vars file',
};

type Validators = Map<FileKind, ValidateFunction>;

let compiled: Validators | undefined;

/** The build's precompiled validators (scripts/compile-validators.mjs) when they match the schema file. */
function precompiled(): Validators | undefined {
  // From the parent folder so the path also holds in the bundle: see schema-file.ts.
  const mod = loadPrecompiled<Record<string, unknown>>('../playbook/schema/validators.cjs', import.meta.url);
  if (!mod || mod.fingerprint !== fingerprint(playbookSchemaText())) return undefined;
  return new Map(FILE_KINDS.map((kind) => [kind, mod[kind] as ValidateFunction]));
}

function compileWithAjv(): Validators {
  const Ajv = loadAjv();
  // strictTypes would insist on `type` next to every `required` in the if/then dispatch.
  const ajv = new Ajv(PLAYBOOK_AJV_OPTIONS);
  ajv.addSchema(playbookSchema(), 'playbook.schema.json');
  return new Map(
    FILE_KINDS.map((kind) => [kind, kind === 'playbook' ? ajv.getSchema('playbook.schema.json')! : ajv.compile({ $ref: `playbook.schema.json#/definitions/${kind}` })]),
  );
}

function validators(): Validators {
  compiled ??= precompiled() ?? compileWithAjv();
  return compiled;
}

let definitionsByContent: Map<string, string> | undefined;

/**
 * Which `definitions` entry a failing schema is. Matched by content, not identity: the
 * precompiled validators carry their own copies of the schema objects.
 */
function definitionName(schema: JsonObject | undefined): string | undefined {
  if (!schema) return undefined;
  definitionsByContent ??= new Map(Object.entries(playbookSchema().definitions).map(([name, def]) => [JSON.stringify(def), name]));
  return definitionsByContent.get(JSON.stringify(schema));
}

function decodePointer(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Resolve a JSON pointer against the data so list indexes become numbers. */
function typedPath(data: unknown, segs: PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
  let v = data;
  for (const s of segs) {
    const seg = Array.isArray(v) ? Number(s) : s;
    out.push(seg);
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  }
  return out;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const s of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

/** How a found value is shown: `a mapping`, `a list`, `'abc'`, `3`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 37)}...'` : `'${value}'`;
  return String(value);
}

const TYPE_PHRASE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true/false)',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

/** What a schema expects, in words: its title, else its type(s). */
function expected(schema: JsonObject | undefined, error: ErrorObject): string {
  if (schema && typeof schema.title === 'string') return schema.title;
  const types = schema?.type ?? (error.params as { type?: unknown }).type;
  const list = (Array.isArray(types) ? types : typeof types === 'string' ? types.split(',') : []) as string[];
  return list.length ? list.map((t) => TYPE_PHRASE[t] ?? t).join(' or ') : 'valid';
}

/** How the value at `path` is named: `'retries'`, `item 3 of 'tasks'`, `play 2`. */
function subject(path: readonly PathSegment[], kind: FileKind): string {
  const last = path[path.length - 1];
  if (last === undefined) return FILE_NOUN[kind];
  if (typeof last === 'string') return `'${last}'`;
  // Walk out through list indexes to the nearest key: "item 2 of item 1 of 'vars_files'".
  const items: string[] = [];
  let i = path.length - 1;
  for (; i >= 0 && typeof path[i] === 'number'; i--) items.push(`item ${(path[i] as number) + 1}`);
  if (i >= 0) return `${items.join(' of ')} of '${path[i]}'`;
  // A top-level entry: plays in a playbook, tasks in a tasks file.
  items[items.length - 1] = `${kind === 'playbook' ? 'play' : 'entry'} ${(path[0] as number) + 1}`;
  return items.join(' of ');
}

const ENTITY_DEFINITIONS = new Set<string>(Object.keys(ENTITY_NOUN));

export interface ValidationContext {
  isModule(name: string): boolean;
}

/** Keep one error per failing value: an anyOf failure stands for all of its branches' errors. */
function essentialErrors(errors: ErrorObject[]): ErrorObject[] {
  const relevant = errors.filter((e) => e.keyword !== 'if' && e.propertyName === undefined);
  const anyOfAt = new Map<string, ErrorObject>();
  // ajv reports inner failures first; the last anyOf at a path is the outermost one.
  for (const e of relevant) if (e.keyword === 'anyOf' || e.keyword === 'oneOf') anyOfAt.set(e.instancePath, e);
  const covered = (path: string) => {
    for (const p of anyOfAt.keys()) if (path === p || path.startsWith(`${p}/`)) return true;
    return false;
  };
  const misspelt = (e: ErrorObject) => {
    // `hots: web` already says "did you mean 'hosts'?": "no 'hosts'" would repeat it.
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return relevant.some(
      (o) => o.keyword === 'additionalProperties' && o.instancePath === e.instancePath && closest((o.params as { additionalProperty: string }).additionalProperty, [missing]),
    );
  };
  return relevant.filter((e) => {
    if (e.keyword === 'required' && misspelt(e)) return false;
    return anyOfAt.has(e.instancePath) ? anyOfAt.get(e.instancePath) === e : !covered(e.instancePath);
  });
}

/**
 * Validate `source.data` as a file of `kind`; report every problem. Returns true when the
 * file matched the schema.
 */
export function validateFile(source: SourceFile, kind: FileKind, problems: Problems, ctx: ValidationContext): boolean {
  const validate = validators().get(kind)!;
  if (validate(source.data)) return true;
  for (const error of essentialErrors(validate.errors ?? [])) {
    const path = typedPath(source.data, decodePointer(error.instancePath));
    const { message, at } = explain(error, path, source.data, kind, ctx);
    const loc = at.loc(source);
    problems.add(loc, message, source.excerpt(loc.line));
  }
  return false;
}

interface Target {
  loc(source: SourceFile): { file: string; line: number; column: number };
}

function keyTarget(path: readonly PathSegment[]): Target {
  return { loc: (s) => s.locate(path, typeof path[path.length - 1] === 'string' ? 'key' : 'value') };
}

function explain(
  error: ErrorObject,
  path: PathSegment[],
  data: unknown,
  kind: FileKind,
  ctx: ValidationContext,
): { message: string; at: Target } {
  const parent = error.parentSchema as JsonObject | undefined;
  const defName = definitionName(parent);
  const value = valueAt(data, path);
  const what = subject(path, kind);

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const at = keyTarget([...path, key]);
      const entity = (defName && ENTITY_DEFINITIONS.has(defName) ? defName : 'task') as Entity;
      if ((entity === 'block' || entity === 'includeTasks' || entity === 'importTasks') && ctx.isModule(key)) {
        const host = entity === 'block' ? 'a block' : entity === 'includeTasks' ? 'an include_tasks entry' : 'an import_tasks entry';
        return { message: `${host} cannot also run a module ('${key}'): move the module into its own task`, at };
      }
      return { message: unknownKeyMessage(entity, key), at };
    }
    case 'propertyNames': {
      const name = (error.params as { propertyName: string }).propertyName;
      return {
        message: `'${name}' is not a valid variable name: use letters, digits and underscores, not starting with a digit`,
        at: keyTarget([...path, name]),
      };
    }
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const at: Target = { loc: (s) => s.locate(path) };
      if (defName === 'play' && missing === 'hosts') return { message: "play has no 'hosts': say which hosts it runs on (hosts: all, or a group name)", at };
      if (missing === 'module') return { message: `${what} needs 'module' (the module to run)`, at };
      if (missing === 'file') return { message: `${what} needs 'file' (the tasks file)`, at };
      return { message: `${what} is missing '${missing}'`, at };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const hint = typeof value === 'string' ? closest(value, allowed) : undefined;
      const list = allowed.length === 1 ? `'${allowed[0]}'` : `one of: ${allowed.join(', ')}`;
      return { message: `${what} must be ${list}, found ${describeValue(value)}${hint ? ` - did you mean '${hint}'?` : ''}`, at: keyTarget(path) };
    }
    case 'type':
    case 'anyOf':
    case 'oneOf':
    case 'pattern': {
      const wanted = path.length === 0 && kind === 'playbook' ? 'a list of plays' : expected(parent, error);
      let message = `${what} must be ${wanted}, found ${describeValue(value)}`;
      if (path.length === 0 && kind === 'playbook' && value && typeof value === 'object' && !Array.isArray(value) && 'hosts' in value) {
        message += " (a playbook is a list: start each play with '- ')";
      }
      if (path.length === 0 && kind === 'tasksFile' && value && typeof value === 'object' && !Array.isArray(value)) {
        message += " (start each task with '- ')";
      }
      return { message, at: keyTarget(path) };
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return { message: `${what} must be at least ${(error.params as { limit: number }).limit}, found ${describeValue(value)}`, at: keyTarget(path) };
    case 'maximum':
    case 'exclusiveMaximum':
      return { message: `${what} must be at most ${(error.params as { limit: number }).limit}, found ${describeValue(value)}`, at: keyTarget(path) };
    case 'minLength':
      return { message: `${what} must not be empty`, at: keyTarget(path) };
    case 'minItems':
      return { message: `${what} must not be an empty list`, at: keyTarget(path) };
    default:
      return { message: `${what} ${error.message ?? 'is not valid'}`, at: keyTarget(path) };
  }
}
