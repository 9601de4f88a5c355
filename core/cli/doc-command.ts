/** `tsplay doc MODULE` / `tsplay doc --list`: module documentation from each module's `docs`. */
import { ModuleLoadError, ModuleRegistry } from '../modules/registry.js';
import { moduleFileOf } from '../modules/module-source.js';
import { moduleDirs } from './module-dirs.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { stringify } from 'yaml';

export async function docCommand(module: string | undefined, flags: { list: boolean; modulePath: string[] }): Promise<number> {
  // The same folders a run of a playbook here would search (modules/ beside it, roles' library/).
  const registry = await (await ModuleRegistry.create(moduleDirs(flags.modulePath, [process.cwd()]))).loadAll();
  for (const warning of registry.warnings) process.stderr.write(`[WARNING]: ${warning}\n`);
  if (flags.list || !module) {
    for (const name of registry.names()) process.stdout.write(`${name.padEnd(20)} ${registry.get(name)!.docs.short}\n`);
    return EXIT.OK;
  }
  let def;
  try {
    def = registry.get(module);
  } catch (err) {
    if (err instanceof ModuleLoadError) throw new CliError(err.message, EXIT.ERROR);
    throw err;
  }
  if (!def) {
    const hint = registry.suggest(module)[0];
    throw new CliError(`module '${module}' not found${hint ? ` - did you mean '${hint}'?` : ''} (tsplay doc --list shows all)`, EXIT.ERROR);
  }
  const d = def.docs;
  let out = `> ${def.name.toUpperCase()}${def.aliases?.length ? ` (aliases: ${def.aliases.join(', ')})` : ''}\n\n  ${d.short}\n`;
  const file = moduleFileOf(def);
  if (file && !registry.isBuiltin(module)) out += `  (custom module: ${file})\n`;
  if (d.description) out += `\n${d.description}\n`;
  out += `\nARGUMENTS (JSON Schema)\n${stringify(def.schema).replace(/^/gm, '  ')}`;
  if (d.notes?.length) out += `\nNOTES\n${d.notes.map((n) => `  * ${n}`).join('\n')}\n`;
  out += `\nEXAMPLES\n${d.examples.replace(/^/gm, '  ')}\n`;
  if (d.returns) out += `\nRETURN VALUES\n${Object.entries(d.returns).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`;
  process.stdout.write(out);
  return EXIT.OK;
}
