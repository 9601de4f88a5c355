/**
 * The editor schema (`tsplay schema`) and the loader must agree: every playbook and tasks
 * file in the repository that tsplay loads is valid against the generated schema (checked
 * with ajv, as an editor would), and typical mistakes the loader rejects are flagged by the
 * schema too. Keywords and modules are read from the same sources by both, so a keyword or
 * module added anywhere shows up here without editing this test.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { moduleDirs as ModuleDirs } from '../../core/cli/module-dirs.js';
import type { ModuleRegistry as Registry } from '../../core/modules/registry.js';
import type { editorSchema as EditorSchema, SchemaRoot } from '../../core/playbook/editor-schema.js';
import type { LoadOptions, loadPlaybook as LoadPlaybook, loadTaskFile as LoadTaskFile } from '../../core/playbook/load.js';
import type { playbookSchema as PlaybookSchema } from '../../core/playbook/schema-file.js';
import { ensureBuilt, tsplay } from './project-helper.js';

// The compiled code, as the CLI runs it: custom modules load only through the built loader hooks.
let moduleDirs: typeof ModuleDirs;
let ModuleRegistry: typeof Registry;
let FQCN_PREFIXES: readonly string[];
let editorSchema: typeof EditorSchema;
let loadPlaybook: typeof LoadPlaybook;
let loadTaskFile: typeof LoadTaskFile;
let playbookSchema: typeof PlaybookSchema;

beforeAll(async () => {
  ensureBuilt();
  const dist = (path: string) => import(pathToFileURL(join(repo, 'dist', path)).href);
  ({ moduleDirs } = await dist('core/cli/module-dirs.js'));
  ({ ModuleRegistry, FQCN_PREFIXES } = await dist('core/modules/registry.js'));
  ({ editorSchema } = await dist('core/playbook/editor-schema.js'));
  ({ loadPlaybook, loadTaskFile } = await dist('core/playbook/load.js'));
  ({ playbookSchema } = await dist('core/playbook/schema-file.js'));
});

function tempTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tsplay-schema-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const repo = resolve(__dirname, '../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules') return [];
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

interface Setup {
  options: LoadOptions;
  validator(root: SchemaRoot): ValidateFunction;
}

const setups = new Map<string, Promise<Setup>>();

/**
 * The registry a run of a playbook in `dir` would use (for the loader), and the schema
 * `tsplay schema` writes for a playbook there: the command itself, in its own process, as a
 * user runs it (custom .ts modules load through the built hooks, which vitest's own
 * loader does not let run in-process).
 */
function setupFor(dir: string): Promise<Setup> {
  const dirs = moduleDirs([], [dir]);
  const key = dirs.join(':');
  let setup = setups.get(key);
  if (!setup) {
    setup = (async () => {
      const registry = await ModuleRegistry.create(dirs);
      const compiled = new Map<SchemaRoot, ValidateFunction>();
      const compile = (root: SchemaRoot) => {
        if (!compiled.has(root)) {
          const r = tsplay(['schema', join(dir, 'site.yml'), '--kind', root], dir);
          if (r.code !== 0) throw new Error(`tsplay schema failed: ${r.stderr}`);
          // As an editor loads it: a plain draft-07 validator, not tsplay's own options.
          compiled.set(root, new Ajv({ allErrors: true, allowUnionTypes: true, strict: false }).compile(JSON.parse(r.stdout)));
        }
        return compiled.get(root)!;
      };
      return {
        options: {
          isModule: (n) => registry.has(n),
          suggestModules: (n) => registry.suggest(n),
          freeFormOf: (n) => registry.info(n)?.freeForm,
          moduleSignature: (n) => registry.signature(n),
        },
        validator: compile,
      };
    })();
    setups.set(key, setup);
  }
  return setup;
}

const read = (file: string) => parse(readFileSync(file, 'utf8'), { version: '1.1' }) as unknown;

function isPlaybook(data: unknown): boolean {
  return Array.isArray(data) && data.length > 0 && data.every((e) => e && typeof e === 'object' && ('hosts' in e || 'import_playbook' in e || 'ansible.builtin.import_playbook' in e));
}

async function loads(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if ((err as Error).name === 'PlaybookError') return false;
    throw err;
  }
}

const sources = ['playbooks', 'examples', 'test/fixtures', 'test/unit/modules/fixtures'].map((d) => join(repo, d));

describe('the generated editor schema agrees with the loader', () => {
  it('every playbook and tasks file of the repository that tsplay loads is valid against it', async () => {
    let playbooks = 0;
    let taskFiles = 0;
    for (const file of sources.flatMap(yamlFiles)) {
      let data: unknown;
      try {
        data = read(file);
      } catch {
        continue; // the broken fixtures include files that are not YAML at all
      }
      const setup = await setupFor(dirname(file));
      const inTasksDir = /\/(tasks|handlers)\/[^/]+\.ya?ml$/.test(file);
      if (isPlaybook(data)) {
        if (!(await loads(() => loadPlaybook(file, setup.options)))) continue;
        const validate = setup.validator('playbook');
        expect({ file: relative(repo, file), errors: validate(data) ? null : validate.errors }).toEqual({ file: relative(repo, file), errors: null });
        playbooks++;
      } else if (inTasksDir && Array.isArray(data)) {
        const roleDir = dirname(dirname(file));
        const tasksSetup = await setupFor(dirname(dirname(roleDir)));
        if (!(await loads(() => loadTaskFile(file, tasksSetup.options)))) continue;
        const validate = tasksSetup.validator(file.includes('/handlers/') ? 'handlers' : 'tasks');
        expect({ file: relative(repo, file), errors: validate(data) ? null : validate.errors }).toEqual({ file: relative(repo, file), errors: null });
        taskFiles++;
      }
    }
    console.log(`editor schema: ${playbooks} playbooks and ${taskFiles} tasks/handlers files valid`);
    expect(playbooks).toBeGreaterThan(10);
    expect(taskFiles).toBeGreaterThan(5);
  }, 300_000);

  const bad: Array<[string, string]> = [
    ['a task keyword typo', '- hosts: all\n  tasks:\n    - copy: { src: a, dest: b }\n      notfy: restart\n'],
    ['an unknown module', '- hosts: all\n  tasks:\n    - copyy: { src: a, dest: b }\n'],
    ['an unknown argument', '- hosts: all\n  tasks:\n    - copy: { srcc: a, dest: b }\n'],
    ['an argument value not in its enum', '- hosts: all\n  tasks:\n    - file: { path: /x, state: directoy }\n'],
    ['a boolean argument that is no boolean word', '- hosts: all\n  tasks:\n    - copy: { src: a, dest: b, backup: maybe }\n'],
    ['a missing required argument', '- hosts: all\n  tasks:\n    - sysctl: { value: 1 }\n'],
    ['a play keyword typo', '- hots: all\n  tasks: []\n'],
    ['a handler keyword typo', '- hosts: all\n  handlers:\n    - name: h\n      debug: { msg: x }\n      lisen: t\n'],
    ['a module argument typo in a block', '- hosts: all\n  tasks:\n    - block:\n        - command: { cmd: echo, chdri: /tmp }\n'],
  ];
  it.each(bad)('flags %s, as the loader does', async (_what, yaml) => {
    const root = tempTree({ 'site.yml': yaml });
    const setup = await setupFor(root);
    expect(await loads(() => loadPlaybook(join(root, 'site.yml'), setup.options))).toBe(false);
    expect(setup.validator('playbook')(read(join(root, 'site.yml')))).toBe(false);
  });

  it('accepts what tsplay accepts: templates for any value, YAML 1.1 forms, k=v strings, FQCNs, aliases, custom modules', async () => {
    const root = tempTree({
      'modules/motd.mjs': "export default { name: 'motd', schema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', description: 'the message' }, lines: { type: 'integer' } } }, docs: { short: 'Sets the motd', examples: '' }, async run() { return { changed: false }; } };\n",
      'site.yml': `- hosts: all
  tasks:
    - file: { path: "{{ p }}", state: "{{ s }}", mode: 0644 }
    - copy: { src: a, dest: b, backup: "yes", force: no }
    - ansible.builtin.copy: src=a dest=b
    - service: { name: x, enabled: "{{ on }}" }
    - command: ls -l chdir=/tmp
    - motd: { text: hi, lines: "3" }
    - motd: { text: "{{ t }}", lines: "{{ n }}" }
    - ping:
    - wait_for: { port: "{{ port }}", timeout: 30 }
`,
    });
    const setup = await setupFor(root);
    await loadPlaybook(join(root, 'site.yml'), setup.options);
    const validate = setup.validator('playbook');
    expect(validate(read(join(root, 'site.yml'))) ? null : validate.errors).toBeNull();
    expect(validate([{ hosts: 'all', tasks: [{ motd: { txt: 'hi' } }] }])).toBe(false);
  }, 120_000);
});

describe('what the editor shows', () => {
  it("each module carries its docs' short line, each argument its description", async () => {
    const registry = await ModuleRegistry.create();
    const copy = (await registry.resolve('copy'))!;
    const schema = editorSchema(playbookSchema(), [{ name: 'copy', aliases: [], schema: copy.schema, short: copy.docs.short }], FQCN_PREFIXES) as { definitions: Record<string, any> };
    const def = schema.definitions['module-copy'];
    expect(def.description).toContain(copy.docs.short);
    expect(def.anyOf[0].properties.dest.description).toBe((copy.schema.properties as any).dest.description);
    expect(schema.definitions.task!.additionalProperties).toBe(false);
    expect(schema.definitions.task!.properties.copy).toEqual({ $ref: '#/definitions/module-copy' });
    expect(Object.keys(schema.definitions.task!.patternProperties)).toContain('^(ansible\\.builtin|ansible\\.legacy|ansible\\.posix|community\\.general|openvswitch\\.openvswitch)\\.(copy)$');
  });
});

describe('tsplay schema', () => {
  it('writes a schema with the custom modules of -M, modules/ beside the playbook and roles\' library/, with their docs', () => {
    const mod = (name: string, short: string) =>
      `export default { name: '${name}', schema: { type: 'object', additionalProperties: false, properties: { text: { type: 'string', description: '${name} text' } } }, docs: { short: '${short}', examples: '' }, async run() { return { changed: false }; } };\n`;
    const root = tempTree({
      'site.yml': '- hosts: all\n  tasks:\n    - beside: { text: a }\n    - from_role: { text: b }\n    - extra: { text: c }\n',
      'modules/beside.mjs': mod('beside', 'A module beside the playbook'),
      'roles/web/library/from_role.mjs': mod('from_role', 'A module a role ships'),
      'more/extra.mjs': mod('extra', 'A module from -M'),
    });
    const out = join(root, 'tsplay.schema.json');
    const r = tsplay(['schema', join(root, 'site.yml'), '-M', join(root, 'more'), '-o', out], root);
    expect(r.stderr).toMatch(/^wrote .*tsplay\.schema\.json: \d+ modules \(3 custom\)\n$/);
    expect(r.code).toBe(0);
    const schema = JSON.parse(readFileSync(out, 'utf8'));
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true, strict: false }).compile(schema);
    expect(validate(read(join(root, 'site.yml'))) ? null : validate.errors).toBeNull();
    expect(validate([{ hosts: 'all', tasks: [{ beside: { txt: 'a' } }] }])).toBe(false);
    expect(schema.definitions['module-from_role'].description).toContain('A module a role ships');
    expect(schema.definitions['module-from_role'].description).toContain(join(root, 'roles/web/library/from_role.mjs'));
    // Without a playbook: the current folder's modules/ and roles; standard output.
    const here = tsplay(['schema', '--kind', 'tasks'], root);
    expect(here.code).toBe(0);
    const tasks = JSON.parse(here.stdout);
    expect(tasks.title).toBe('tsplay tasks file');
    expect(tasks.definitions.task.properties.beside).toBeDefined();
    expect(tasks.definitions.task.properties.extra).toBeUndefined();
    expect(tsplay(['schema', '--kind', 'plays'], root)).toMatchObject({ code: 5, stderr: "ERROR! --kind must be one of: playbook, tasks, handlers (got 'plays')\n" });
  }, 120_000);

  it('tsplay doc finds a module in ./modules and says which file it is', () => {
    const root = tempTree({ 'modules/beside.mjs': "export default { name: 'beside', schema: { type: 'object' }, docs: { short: 'A module beside the playbook', examples: '- beside: {}' }, async run() { return { changed: false }; } };\n" });
    const r = tsplay(['doc', 'beside'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('> BESIDE\n\n  A module beside the playbook\n');
    expect(r.stdout).toContain(`(custom module: ${join(root, 'modules/beside.mjs')})`);
    expect(tsplay(['doc', '--list'], root).stdout).toMatch(/^beside +A module beside the playbook$/m);
  });
});
