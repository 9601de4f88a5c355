/**
 * What the run-time validators and the build step that precompiles them
 * (scripts/compile-validators.mjs) must agree on: ajv's options and how a schema is
 * fingerprinted. Precompiled code is used only when its fingerprint matches the schema in
 * hand, so a stale build can never validate against an old schema.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Options } from 'ajv';

/** Options for the playbook schema: every error, with the failing schema (for messages). */
export const PLAYBOOK_AJV_OPTIONS: Options = { allErrors: true, verbose: true, allowUnionTypes: true, strictTypes: false, logger: false };

/**
 * Options for module argument schemas: every error, defaults filled in, and ajv's strict
 * mode, so an unknown keyword (`descripton`, `minLenght`), a keyword that does not apply
 * to the declared type, or a `default` ajv would ignore is an error when the module loads
 * rather than a check that silently never happens. Union types (`type: [string, integer]`)
 * are how many arguments accept both forms. strictRequired is off: it rejects the usual
 * `anyOf: [{required: [a]}, {required: [b]}]` because it does not look at the parent's
 * `properties`; `requiredNotDeclared` (validate-args.ts) checks those names instead.
 */
export const MODULE_AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true, logger: false };

/** The kinds of files the playbook loader reads; each is a definition in the schema. */
export const FILE_KINDS = ['playbook', 'tasksFile', 'handlersFile', 'roleMeta', 'varsFile'] as const;

export function fingerprint(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** A built-in module's precompiled validator file, in dist/core/modules/validators/ (the build writes it, the run time loads it). */
export function moduleValidatorFile(moduleName: string): string {
  return `${moduleName.replace(/[^A-Za-z0-9_.-]/g, '_')}.cjs`;
}

const requireHere = createRequire(import.meta.url);

/** Load a generated CommonJS validator file next to `base`, or undefined when there is none. */
export function loadPrecompiled<T>(relative: string, base: string): T | undefined {
  try {
    return createRequire(base)(relative) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** ajv itself, loaded only when something must be compiled at run time (a user module, a stale build). */
export function loadAjv(): typeof import('ajv').Ajv {
  return (requireHere('ajv') as typeof import('ajv')).Ajv;
}
