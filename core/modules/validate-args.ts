/**
 * Module argument validation: coercion in Ansible's spirit (the `k=v` form gives strings,
 * so `backup=yes` must become `true` and `retries=3` a number), then the module's JSON
 * Schema through ajv, with messages that name the argument and suggest fixes.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema, ModuleDefinition } from './api.js';
import { closest } from '../util/suggest.js';
import { MODULE_AJV_OPTIONS, fingerprint, loadAjv, loadPrecompiled, moduleValidatorFile } from '../util/validator-options.js';

const compiled = new WeakMap<object, ValidateFunction>();

/** What argument validation needs of a module: its name and schema (a definition, or the build's index entry). */
export type ModuleSchemaSource = Pick<ModuleDefinition<any>, 'name' | 'schema'> & { fingerprint?: string };

interface PrecompiledValidator {
  validate: ValidateFunction;
  fingerprint: string;
}

const precompiledByName = new Map<string, PrecompiledValidator | null>();
let strictAjv: Ajv | undefined;

/**
 * The build's precompiled validator for a built-in module (one file per module, written by
 * scripts/compile-validators.mjs), if its schema is unchanged since.
 */
function precompiled(module: ModuleSchemaSource): ValidateFunction | undefined {
  let entry = precompiledByName.get(module.name);
  if (entry === undefined) {
    entry = loadPrecompiled<PrecompiledValidator>(`../modules/validators/${moduleValidatorFile(module.name)}`, import.meta.url) ?? null;
    precompiledByName.set(module.name, entry);
  }
  if (!entry || entry.fingerprint !== (module.fingerprint ?? fingerprint(JSON.stringify(module.schema)))) return undefined;
  return entry.validate;
}

/** A module whose argument schema is not a valid JSON Schema, or breaks ajv's strict mode. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/**
 * Compile a module's argument schema in ajv's strict mode (an unknown keyword such as
 * `descripton`, a `required` name not in `properties`, a default ajv would ignore are all
 * errors), once per schema object. The registry calls it when a user module loads, so a
 * broken schema is reported at the start, naming the module; built-ins are compiled the
 * same way at build time (scripts/compile-validators.mjs) and in a unit test.
 */
export function compileModuleSchema(module: ModuleSchemaSource): ValidateFunction {
  let validate = compiled.get(module.schema);
  if (validate) return validate;
  validate = precompiled(module);
  if (!validate) {
    const Ajv = loadAjv();
    strictAjv ??= new Ajv(MODULE_AJV_OPTIONS);
    try {
      validate = strictAjv.compile(module.schema);
    } catch (err) {
      throw new SchemaError(`module '${module.name}' has an invalid argument schema: ${(err as Error).message}`);
    }
    const undeclared = requiredNotDeclared(module.schema);
    if (undeclared.length) throw new SchemaError(`module '${module.name}' has an invalid argument schema: ${undeclared.join('; ')}`);
  }
  compiled.set(module.schema, validate);
  return validate;
}

const BRANCHES = ['anyOf', 'oneOf', 'allOf'] as const;
const SINGLE_BRANCHES = ['if', 'then', 'else', 'not'] as const;

/**
 * Names in `required` that no `properties` at the same level declare (a branch of
 * anyOf/oneOf/allOf/if/then/else/not sees its parent's properties): `required: ['nmae']`
 * would make every task fail. Ajv's own strictRequired is off (validator-options.ts) because
 * it does not look at the parent's properties from inside a branch.
 */
export function requiredNotDeclared(schema: unknown, parentProps: ReadonlySet<string> = new Set(), at = '#'): string[] {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [];
  const s = schema as JsonSchema;
  const own = s.properties && typeof s.properties === 'object' ? Object.keys(s.properties) : [];
  const props = new Set([...parentProps, ...own]);
  const out: string[] = [];
  if (Array.isArray(s.required) && props.size > 0) {
    for (const name of s.required as unknown[]) {
      if (typeof name === 'string' && !props.has(name)) out.push(`required property "${name}" at "${at}" is not declared in properties`);
    }
  }
  for (const key of BRANCHES) {
    const list = s[key];
    if (Array.isArray(list)) list.forEach((branch, i) => out.push(...requiredNotDeclared(branch, props, `${at}/${key}/${i}`)));
  }
  for (const key of SINGLE_BRANCHES) if (s[key] !== undefined) out.push(...requiredNotDeclared(s[key], props, `${at}/${key}`));
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) out.push(...requiredNotDeclared(sub, new Set(), `${at}/properties/${name}`));
  if (s.items !== undefined) out.push(...requiredNotDeclared(s.items, new Set(), `${at}/items`));
  if (typeof s.additionalProperties === 'object') out.push(...requiredNotDeclared(s.additionalProperties, new Set(), `${at}/additionalProperties`));
  return out;
}

/**
 * Pattern prefix for arguments whose value goes to a command and can never start with `-`
 * (owners, groups, package and host names): such a value would be read as an option
 * (`owner: --reference=/etc/shadow`). Schemas write `pattern: NOT_AN_OPTION + '...'`, and
 * the error message says why (see core/transport/operands.ts).
 */
export const NOT_AN_OPTION = '^(?!-)';

export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

const TRUE_WORDS = new Set(['yes', 'true', 'on', '1', 'y']);
const FALSE_WORDS = new Set(['no', 'false', 'off', '0', 'n']);

function schemaTypes(schema: JsonSchema | undefined): string[] {
  const t = schema?.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** Convert one value toward its declared type the way Ansible's argument_spec does. */
function coerce(value: unknown, schema: JsonSchema | undefined): unknown {
  const types = schemaTypes(schema);
  if (types.length === 0 || value === null || value === undefined) return value;
  if (types.includes(typeof value === 'object' ? (Array.isArray(value) ? 'array' : 'object') : typeof value)) {
    if (Array.isArray(value) && schema?.items) return value.map((v) => coerce(v, schema.items as JsonSchema));
    return value;
  }
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (types.includes('boolean') && TRUE_WORDS.has(lower)) return true;
    if (types.includes('boolean') && FALSE_WORDS.has(lower)) return false;
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(lower)) return Number(lower);
    if (types.includes('array')) {
      const items = value === '' ? [] : value.split(',').map((s) => s.trim());
      return schema?.items ? items.map((v) => coerce(v, schema.items as JsonSchema)) : items;
    }
  }
  if (typeof value === 'boolean' && types.includes('string')) return value ? 'yes' : 'no';
  if (typeof value === 'number' && types.includes('string')) return String(value);
  if (types.includes('array') && !Array.isArray(value)) return [coerce(value, schema?.items as JsonSchema)];
  return value;
}

function coerceArgs(args: Record<string, unknown>, schema: JsonSchema): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) out[key] = coerce(value, props[key]);
  return out;
}

/** One thing wrong with a module's arguments: where (an argument path) and what. */
export interface ArgumentIssue {
  /** Path of the offending value in the arguments (`['auth', 'url']`); empty for the whole set. */
  path: string[];
  /** For an unsupported argument: its name (the path is then its parent's). */
  key?: string;
  message: string;
  /** The ajv error behind it (the pre-run check uses its schemaPath). */
  error: ErrorObject;
}

function pathOf(error: ErrorObject): string[] {
  return error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describe(error: ErrorObject, schema: JsonSchema, args: Record<string, unknown>): ArgumentIssue {
  const segments = pathOf(error);
  const path = segments.join('.');
  const where = path ? `argument '${path}'` : 'arguments';
  const props = Object.keys((schema.properties ?? {}) as object);
  const issue = (message: string, key?: string): ArgumentIssue => ({ path: segments, ...(key !== undefined ? { key } : {}), message, error });
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(error.params.additionalProperty);
      if (path) return issue(`${where}: unsupported key '${extra}'`, extra);
      if (extra === '_raw_params') {
        return issue(`does not take free-form text (${JSON.stringify(args._raw_params)}): give its arguments as key=value words or a mapping (supported: ${props.join(', ')})`, extra);
      }
      const hint = closest(extra, props);
      return issue(`unsupported argument '${extra}'${hint ? ` - did you mean '${hint}'?` : ''} (supported: ${props.join(', ')})`, extra);
    }
    case 'required':
      return issue(`missing required argument '${String(error.params.missingProperty)}'`);
    case 'enum': {
      const got = getPath(args, segments);
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const hint = typeof got === 'string' ? closest(got, allowed) : undefined;
      return issue(`${where} must be one of: ${allowed.join(', ')} (got ${JSON.stringify(got)})${hint && hint !== got ? ` - did you mean '${hint}'?` : ''}`);
    }
    case 'type':
      return issue(`${where} must be ${String(error.params.type)} (got ${JSON.stringify(getPath(args, segments))})`);
    case 'pattern': {
      const got = getPath(args, segments);
      if (String(error.params.pattern).startsWith(NOT_AN_OPTION) && typeof got === 'string' && got.startsWith('-')) {
        return issue(`${where} must not start with '-' (got ${JSON.stringify(got)}): the command would read it as an option`);
      }
      return issue(`${where} ${error.message ?? 'is invalid'}`);
    }
    default:
      return issue(`${where} ${error.message ?? 'is invalid'}`);
  }
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/**
 * Coerce and check arguments without throwing: the normalised arguments, and every issue
 * found (empty when they are valid). Generic anyOf/oneOf wrappers are left out when more
 * specific errors exist.
 */
export function checkArgs(module: ModuleSchemaSource, args: Record<string, unknown>): { args: Record<string, unknown>; issues: ArgumentIssue[] } {
  const validate = compileModuleSchema(module);
  const coerced = coerceArgs(args, module.schema);
  if (validate(coerced)) return { args: coerced, issues: [] };
  const errors = validate.errors ?? [];
  const specific = errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  const seen = new Set<string>();
  const issues: ArgumentIssue[] = [];
  // `anyOf: [{required: [a]}, {required: [b]}]`: one message naming the alternatives.
  const alternatives = new Map<string, string[]>();
  for (const e of specific) {
    const branch = /^(.*)\/(anyOf|oneOf)\/\d+\/required$/.exec(e.schemaPath);
    if (e.keyword === 'required' && branch) {
      const key = `${e.instancePath}\0${branch[1]}`;
      alternatives.set(key, [...(alternatives.get(key) ?? []), String(e.params.missingProperty)]);
    }
  }
  for (const e of specific.length ? specific : errors) {
    const branch = /^(.*)\/(anyOf|oneOf)\/\d+\/required$/.exec(e.schemaPath);
    const names = branch && e.keyword === 'required' ? alternatives.get(`${e.instancePath}\0${branch[1]}`) : undefined;
    const issue =
      names && names.length > 1
        ? { path: pathOf(e), message: `missing required argument: one of ${names.map((n) => `'${n}'`).join(', ')}`, error: e }
        : describe(e, module.schema, coerced);
    if (seen.has(issue.message)) continue;
    seen.add(issue.message);
    issues.push(issue);
  }
  return { args: coerced, issues };
}

/** Validate and normalise arguments; throws ArgumentError listing every problem. */
export function validateArgs(module: ModuleSchemaSource, args: Record<string, unknown>): Record<string, unknown> {
  const { args: coerced, issues } = checkArgs(module, args);
  if (!issues.length) return coerced;
  throw new ArgumentError(`${module.name}: ${issues.map((i) => i.message).join('; ')}`);
}
