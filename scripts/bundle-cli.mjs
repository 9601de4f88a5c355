// Build step: the CLI, the public API and the built-in modules as a few ESM files in
// dist/fast/, which bin/tsplay.js starts from. Node 20's ESM loader reads every file with
// several asynchronous fs calls and resolves its imports one by one: the ~270 files of the
// tsc output (84 of them yaml's) took a third of a short run's time just to load.
//
// esbuild (already the dependency that compiles user modules written in TypeScript) does
// the bundling. One build with code splitting: the CLI, `tsplay`, `tsplay/testing`,
// `tsplay/helpers`, the loader hooks and every built-in module are entry points sharing
// chunks, so a class such as ModuleFailure exists once and `instanceof` holds between the
// engine, the built-ins and user modules (load-user-module.ts points 'tsplay' at this
// copy). Chunks go to dist/fast/core/chunks/, at the depth of every dist/core/<dir>/, so
// the few paths the code spells relative to itself (`../modules/validators/`,
// `../playbook/schema/`, `../../modules/`) hold in both layouts; the assets they name
// are copied next to the bundle. Runs last (needs the validators and the module index).
//
// Not bundled: packages that load files of their own at run time (ssh2's optional native
// parts, pino's worker transports, esbuild's binary, ajv and handlebars, which the code
// already loads lazily with require).
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const out = 'dist/fast';
rmSync(out, { recursive: true, force: true });
const modules = readdirSync('modules').filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.d.ts')).map((f) => join('modules', f));
await build({
  entryPoints: ['core/cli/main.ts', 'core/index.ts', 'core/testing/index.ts', 'core/helpers/index.ts', 'core/modules/ts-hooks.ts', ...modules],
  outbase: '.',
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'core/chunks/[name]-[hash]',
  sourcemap: 'linked',
  external: ['ssh2', 'cpu-features', 'pino', 'esbuild', 'ajv', 'ajv/*', 'ajv-formats', 'handlebars'],
  // CommonJS packages inside an ESM bundle call require() for Node's own modules.
  banner: { js: "import { createRequire as __tsplayCreateRequire } from 'node:module'; const require = __tsplayCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
// The assets the code finds relative to itself.
cpSync('dist/core/playbook/schema', join(out, 'core/playbook/schema'), { recursive: true });
cpSync('dist/core/modules/validators', join(out, 'core/modules/validators'), { recursive: true });
cpSync('dist/modules/_index.json', join(out, 'modules/_index.json'));
console.log(`bundled the CLI and ${modules.length} built-in modules into ${out}/`);
