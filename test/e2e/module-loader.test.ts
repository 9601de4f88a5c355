/**
 * The user module loader, through the compiled CLI: which files are modules, TypeScript
 * with `./x.js` imports, .mts/.mjs/.cjs, roles' library/, a broken or clashing file
 * failing only the tasks that use it (with file:line), and source-mapped stacks at -vvv.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonResults, moduleSource, repo, runProject, writeProject } from './project-helper.js';

beforeAll(ensureBuilt);

const files = {
  'modules/lib/text.ts': 'export const shout = (s: string): string => s.toUpperCase();\n',
  'modules/_util.ts': "export function boom(): never {\n  throw new Error('boom from helper');\n}\n",
  'modules/hello.ts': `import { defineModule } from 'tsplay';
import { shout } from './lib/text.js';
import { boom } from './_util.js';

export default defineModule<{ who: string; crash?: boolean }>({
  name: 'hello',
  schema: { type: 'object', properties: { who: { type: 'string' }, crash: { type: 'boolean' } } },
  docs: { short: 'greets', examples: '- hello: who=you' },
  async run(ctx) {
    if (ctx.args.crash) boom();
    return { changed: false, msg: shout(ctx.args.who) };
  },
});
`,
  'modules/esm_ts.mts': moduleSource('esm_ts', "return { changed: false, msg: 'mts' };"),
  'modules/esm_js.mjs': "export default { name: 'esm_js', schema: { type: 'object' }, docs: { short: 'm', examples: '' }, async run() { return { changed: false, msg: 'mjs' }; } };\n",
  'modules/common.cjs': "module.exports = { name: 'common', schema: { type: 'object' }, docs: { short: 'c', examples: '' }, async run() { return { changed: false, msg: 'cjs' }; } };\n",
  'modules/broken.ts': "import { defineModule } from 'tsplay';\nexport default defineModule({\n  name: 'broken',\n  schema: { type: 'object' ,\n",
  'modules/throws.mjs': "const x = 1;\nthrow new Error('top-level failure');\n",
  'modules/helper.ts': 'export const notAModule = 1;\n',
  'modules/hello.test.ts': "throw new Error('a test file must never be loaded');\n",
  'modules/hello.spec.js': "throw new Error('a spec file must never be loaded');\n",
  'modules/ping.ts': moduleSource('ping', 'return { changed: true };'),
  'modules/debug.ts': moduleSource('debug', "return { changed: false, msg: 'overridden debug' };", '\n  overrides: true,'),
  'modules/twice.ts': moduleSource('dup', 'return { changed: false };'),
  'modules/twice_again.js': "export default { name: 'dup', schema: { type: 'object' }, docs: { short: 'd', examples: '' }, async run() { return { changed: false }; } };\n",
  'roles/web/library/from_role.js': "export default { name: 'from_role', schema: { type: 'object' }, docs: { short: 'r', examples: '' }, async run() { return { changed: false, msg: 'role module' }; } };\n",
  'site.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - { name: ts with .js imports, hello: who=world }
    - { name: mts, esm_ts: {} }
    - { name: mjs, esm_js: {} }
    - { name: cjs, common: {} }
    - { name: role library, from_role: {} }
    - { name: overridden built-in, debug: { msg: ignored } }
    - { name: shadowing, ping: {}, ignore_errors: true }
    - { name: duplicate, dup: {}, ignore_errors: true }
    - { name: syntax error, broken: {}, ignore_errors: true }
    - { name: throws on import, throws: {}, ignore_errors: true }
    - { name: crash, hello: { who: x, crash: true } }
`,
};

describe('user module loader', () => {
  it('loads every kind of module file, fails only the tasks whose module cannot be used, and warns once at the start', () => {
    const dir = writeProject(files);
    const run = runProject(dir, '--json');
    const r = jsonResults(run);
    expect(r.get('ts with .js imports')!.msg).toBe('WORLD');
    expect(r.get('mts')!.msg).toBe('mts');
    expect(r.get('mjs')!.msg).toBe('mjs');
    expect(r.get('cjs')!.msg).toBe('cjs');
    expect(r.get('role library')!.msg).toBe('role module');
    expect(r.get('overridden built-in')!.msg).toBe('overridden debug');
    expect(r.get('shadowing')!.msg).toBe(
      `module 'ping' in ${dir}/modules/ping.ts has the name of the built-in module in ${repo}/dist/fast/modules/ping.js; add overrides: true to its definition to replace the built-in, or rename it (${dir}/site.yml:11:7)`,
    );
    expect(r.get('duplicate')!.msg).toMatch(new RegExp(`^module 'dup' is defined twice in ${dir}/modules: twice.ts and twice_again.js; rename or remove one`));
    expect(r.get('syntax error')!.msg).toMatch(new RegExp(`^could not load module ${dir}/modules/broken.ts:5:1: Expected identifier but found end of file`));
    expect(r.get('throws on import')!.msg).toMatch(new RegExp(`^could not load module ${dir}/modules/throws.mjs:2:7: top-level failure`));
    expect(r.get('crash')).toMatchObject({ failed: true, msg: `module 'hello' (${dir}/modules/hello.ts) crashed: boom from helper` });
    expect(run.code).toBe(2);
    const warnings = run.stderr.trim().split('\n');
    expect(warnings).toHaveLength(5);
    expect(warnings.every((w) => w.startsWith('[WARNING]: '))).toBe(true);
    expect(run.stderr).toContain(`${dir}/modules/helper.ts is not a module: its default export must be made with defineModule`);
    expect(run.stderr).not.toContain('never be loaded');
  });

  it('the stack of a module crash points at the TypeScript lines: hinted at by default, printed at -vvv', () => {
    const dir = writeProject({ ...files, 'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - hello: { who: x, crash: true }\n' });
    const plain = runProject(dir);
    expect(plain.stdout).toContain('An exception occurred during task execution. To see the full traceback, use -vvv.');
    expect(plain.stdout).not.toContain('at boom');
    const verbose = runProject(dir, '-vvv');
    expect(verbose.stdout).toContain('The full traceback is:\nError: boom from helper\n');
    expect(verbose.stdout).toContain(`at boom (${dir}/modules/_util.ts:2:9)`);
    expect(verbose.stdout).toContain(`at Object.run (${dir}/modules/hello.ts:10:25)`);
  });

  it('a module that fails to load shows its stack at -vvv; a .cjs without tsplay installed is told what to do', () => {
    const dir = writeProject({
      'modules/throws.mjs': "const x = 1;\nthrow new Error('top-level failure');\n",
      'modules/creq.cjs': "const { defineModule } = require('tsplay');\nmodule.exports = defineModule({});\n",
      'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - { throws: {}, ignore_errors: true }\n    - creq: {}\n',
    });
    const run = runProject(dir, '-vvv');
    expect(run.stdout).toContain('The full traceback is:\nError: top-level failure\n');
    expect(run.stdout).toContain(`${dir}/modules/throws.mjs:2:7`);
    expect(run.stdout).toContain(
      `could not load module ${dir}/modules/creq.cjs:1:26: Cannot find module 'tsplay': a CommonJS module can require('tsplay') only where tsplay is installed in node_modules`,
    );
  });

  it('a playbook that does not use a broken module runs cleanly beside it', () => {
    const dir = writeProject({ 'modules/broken.ts': 'export default {', 'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=fine\n' });
    const run = runProject(dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^\[WARNING\]: could not load module .*\/modules\/broken\.ts:1:17: /);
  });

  it("a user module's ModuleFailure from 'tsplay' is a failed task with its keys, not a crash (one copy of the class in the bundle)", () => {
    const dir = writeProject({
      'modules/refuse.ts': moduleSource('refuse', "throw new ModuleFailure('refused on purpose', { rc: 3 });").replace("import { defineModule } from 'tsplay';", "import { defineModule, ModuleFailure } from 'tsplay';"),
      'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - { name: refuse, refuse: {}, ignore_errors: true }\n',
    });
    const result = jsonResults(runProject(dir, '--json')).get('refuse')!;
    expect(result).toMatchObject({ failed: true, msg: 'refused on purpose', rc: 3 });
    expect(result.exception).toBeUndefined();
  });
});
