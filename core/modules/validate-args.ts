/**
 * Module argument validation: coercion in Ansible's spirit (the `k=v` form gives strings,
 * so `backup=yes` must become `true` and `retries=3` a number), then the module's JSON
 * Schema through ajv, with messages that name the argument and suggest fixes.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema, ModuleDefinition } from './api.js';
import { closest } from '../util/suggest.js';
import { MODULE_AJV_OPTIONS, fingerprint, loadAjv, loadPrecompiled } from '../util/validator-options.js';

const compiled = new WeakMap<object, ValidateFunction>();

interface BuiltinValidators {
  modules: Record<string, { id: string; fingerprint: string }>;
  [id: string]: unknown;
}

let builtins: BuiltinValidators | null | undefined;
let ajv: Ajv | undefined;

/** The build's precompiled validator for a built-in module, if its schema is unchanged since. */
function precompiled(module: ModuleDefinition<any>): ValidateFunction | undefined {
  if (builtins === undefined) builtins = loadPrecompiled<BuiltinValidators>('./builtin-validators.cjs', import.meta.url) ?? null;
  const entry = builtins?.modules[module.name];
  if (!entry || entry.fingerprint !== fingerprint(JSON.stringify(module.schema))) return undefined;
  return builtins![entry.id] as ValidateFunction;
}

function compile(module: ModuleDefinition<any>): ValidateFunction {
  const Ajv = loadAjv();
  ajv ??= new Ajv(MODULE_AJV_OPTIONS);
  try {
    return ajv.compile(module.schema);
  } catch (err) {
    throw new ArgumentError(`module '${module.name}' has an invalid argument schema: ${(err as Error).message}`);
  }
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

function describe(error: ErrorObject, schema: JsonSchema, args: Record<string, unknown>): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const where = path ? `argument '${path}'` : 'arguments';
  const props = Object.keys((schema.properties ?? {}) as object);
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(error.params.additionalProperty);
      if (path) return `${where}: unsupported key '${extra}'`;
      const hint = closest(extra, props);
      return `unsupported argument '${extra}'${hint ? ` - did you mean '${hint}'?` : ''} (supported: ${props.join(', ')})`;
    }
    case 'required':
      return `missing required argument '${String(error.params.missingProperty)}'`;
    case 'enum': {
      const got = path ? JSON.stringify(getPath(args, path)) : '';
      return `${where} must be one of: ${(error.params.allowedValues as unknown[]).join(', ')} (got ${got})`;
    }
    case 'type':
      return `${where} must be ${String(error.params.type)} (got ${JSON.stringify(getPath(args, path))})`;
    case 'pattern': {
      const got = getPath(args, path);
      if (String(error.params.pattern).startsWith(NOT_AN_OPTION) && typeof got === 'string' && got.startsWith('-')) {
        return `${where} must not start with '-' (got ${JSON.stringify(got)}): the command would read it as an option`;
      }
      return `${where} ${error.message ?? 'is invalid'}`;
    }
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Validate and normalise arguments; throws ArgumentError listing every problem. */
export function validateArgs(module: ModuleDefinition<any>, args: Record<string, unknown>): Record<string, unknown> {
  let validate = compiled.get(module.schema);
  if (!validate) {
    validate = precompiled(module) ?? compile(module);
    compiled.set(module.schema, validate);
  }
  const coerced = coerceArgs(args, module.schema);
  if (validate(coerced)) return coerced;
  // Prefer the most specific message: drop generic anyOf/oneOf wrappers when others exist.
  const errors = validate.errors ?? [];
  const specific = errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  const messages = [...new Set((specific.length ? specific : errors).map((e) => describe(e, module.schema, coerced)))];
  throw new ArgumentError(`${module.name}: ${messages.join('; ')}`);
}
