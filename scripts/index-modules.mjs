// Build step: write dist/modules/_index.json, each built-in module's file, names,
// free-form key and argument schema, so the compiled CLI can parse a playbook knowing every module name and
// check literal task arguments before the run, and
// import a module's file only when a task uses it (core/modules/registry.ts). Runs after
// `tsc`; the registry ignores the index when it does not list exactly the files there.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fingerprint } from '../dist/core/util/validator-options.js';

const dir = 'dist/modules';
const index = [];
for (const file of readdirSync(dir).filter((f) => (f.endsWith('.js') || f.endsWith('.mjs')) && !f.startsWith('_') && !f.startsWith('.')).sort()) {
  const def = (await import(pathToFileURL(join(dir, file)).href)).default;
  if (!def || typeof def.name !== 'string' || typeof def.run !== 'function') throw new Error(`${join(dir, file)}: no module definition as its default export`);
  index.push({ file, name: def.name, aliases: def.aliases ?? [], ...(def.freeForm ? { freeForm: def.freeForm } : {}), ...(def.tsplayOnly ? { tsplayOnly: true } : {}), schema: def.schema, fingerprint: fingerprint(JSON.stringify(def.schema)) });
}
writeFileSync(join(dir, '_index.json'), `${JSON.stringify(index, null, 1)}\n`);
console.log(`indexed ${index.length} built-in modules`);
