/**
 * The build precompiles every shipped JSON Schema (scripts/compile-validators.mjs). These
 * tests check, against the built dist/, that the run time really uses that code (the
 * fingerprints match) and that it decides exactly as ajv compiling the same schema does:
 * same verdict, same errors, same defaults filled in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FILE_KINDS, MODULE_AJV_OPTIONS, PLAYBOOK_AJV_OPTIONS, fingerprint, moduleValidatorFile } from '../../core/util/validator-options.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(repo, 'dist');
const requireDist = createRequire(join(dist, 'index.cjs'));

interface PrecompiledValidator {
  validate: ValidateFunction;
  fingerprint: string;
}

/** A built-in module's precompiled validator file (one per module). */
function validatorOf(name: string): PrecompiledValidator {
  return requireDist(`./core/modules/validators/${moduleValidatorFile(name)}`) as PrecompiledValidator;
}

/** What a validator decided, in a form two validators can be compared by. */
function verdict(validate: ValidateFunction, data: unknown) {
  const copy = structuredClone(data);
  const ok = validate(copy);
  const errors = (validate.errors ?? []).map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params, message: e.message }));
  return { ok, errors, data: copy };
}

beforeAll(() => {
  if (!existsSync(join(dist, 'core/modules/validators/command.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
});

describe('precompiled playbook validators', () => {
  const text = () => readFileSync(join(dist, 'core/playbook/schema/playbook.schema.json'), 'utf8');
  const samples: Record<string, unknown[]> = {
    playbook: [
      ...readdirSync(join(repo, 'playbooks')).filter((f) => f.endsWith('.yml')).map((f) => parse(readFileSync(join(repo, 'playbooks', f), 'utf8')) as unknown),
      [{ hots: 'all', tasks: [] }],
      [{ hosts: 'all', gather_facts: 'maybe', serial: '30 %', tasks: [{ name: 'x', command: 'true', when: [{}], retries: -1 }] }],
      [{ hosts: 'all', tasks: [{ block: [{ debug: 'msg=hi' }], bogus: 1 }, { include_tasks: 7 }] }],
      { not: 'a list' },
    ],
    tasksFile: [[{ name: 'a', debug: { msg: 'x' } }], [{ loop_control: { loop_var: '1x' } }], 'text'],
    handlersFile: [[{ name: 'restart', service: 'name=x state=restarted', listen: 3 }]],
    roleMeta: [{ dependencies: ['common', { role: 'x', when: 'a' }], allow_duplicates: 'sometimes' }, null],
    varsFile: [{ good_name: 1 }, { 'bad-name': 1 }, ['list']],
  };

  it('match the shipped schema, so a run uses them', () => {
    const mod = requireDist('./core/playbook/schema/validators.cjs') as Record<string, unknown>;
    expect(mod.fingerprint).toBe(fingerprint(text()));
    for (const kind of FILE_KINDS) expect(typeof mod[kind], kind).toBe('function');
  });

  it('decide every sample as ajv compiling the schema does', () => {
    const mod = requireDist('./core/playbook/schema/validators.cjs') as Record<string, ValidateFunction>;
    const ajv = new Ajv(PLAYBOOK_AJV_OPTIONS);
    ajv.addSchema(JSON.parse(text()), 'playbook.schema.json');
    let invalid = 0;
    for (const kind of FILE_KINDS) {
      const compiled = kind === 'playbook' ? ajv.getSchema('playbook.schema.json')! : ajv.compile({ $ref: `playbook.schema.json#/definitions/${kind}` });
      for (const sample of samples[kind]!) {
        const expected = verdict(compiled, sample);
        if (!expected.ok) invalid++;
        expect(verdict(mod[kind]!, sample), `${kind}: ${JSON.stringify(sample)}`).toEqual(expected);
      }
    }
    expect(invalid).toBeGreaterThanOrEqual(8);
  });
});

describe('precompiled module argument validators', () => {
  async function builtins() {
    const dir = join(dist, 'modules');
    const defs = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.js') && !n.startsWith('_'))) {
      const def = ((await import(pathToFileURL(join(dir, f)).href)) as { default?: { name: string; schema: Record<string, unknown> } }).default;
      if (def?.schema) defs.push(def);
    }
    return defs;
  }

  it('exist for every built-in module, match its schema, and are what the run time uses', async () => {
    const defs = await builtins();
    expect(defs.length).toBeGreaterThanOrEqual(29);
    const { compileModuleSchema } = (await import(pathToFileURL(join(dist, 'core/modules/validate-args.js')).href)) as {
      compileModuleSchema(def: { name: string; schema: Record<string, unknown> }): ValidateFunction;
    };
    for (const def of defs) {
      const pre = validatorOf(def.name);
      expect(pre.fingerprint, def.name).toBe(fingerprint(JSON.stringify(def.schema)));
      expect(typeof pre.validate, def.name).toBe('function');
      // Modules sharing one schema object (ini_file uses ini_set's) share the first one's validator.
      const sameSchema = defs.filter((d) => d.schema === def.schema).map((d) => validatorOf(d.name).validate);
      expect(sameSchema.includes(compileModuleSchema(def)), def.name).toBe(true);
    }
    expect(readdirSync(join(dist, 'core/modules/validators')).length).toBe(defs.length);
  });

  it('decide as ajv does, defaults included', async () => {
    const ajv = new Ajv(MODULE_AJV_OPTIONS);
    for (const def of await builtins()) {
      const compiled = ajv.compile(def.schema);
      const props = Object.keys((def.schema.properties ?? {}) as object);
      const samples: unknown[] = [{}, { no_such_argument: 1 }, Object.fromEntries(props.map((p) => [p, 'x'])), Object.fromEntries(props.map((p) => [p, 1]))];
      for (const sample of samples) {
        expect(verdict(validatorOf(def.name).validate, sample), `${def.name}: ${JSON.stringify(sample)}`).toEqual(verdict(compiled, sample));
      }
    }
  });
});
