/** `tsplay doc MODULE` / `tsplay doc --list`: module documentation from each module's `docs`. */
import { ModuleRegistry } from '../modules/registry.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { stringify } from 'yaml';

export async function docCommand(module: string | undefined, flags: { list: boolean; modulePath: string[] }): Promise<number> {
  const registry = await (await ModuleRegistry.create(flags.modulePath.flatMap((p) => p.split(':')).filter(Boolean))).loadAll();
  if (flags.list || !module) {
    for (const name of registry.names()) process.stdout.write(`${name.padEnd(20)} ${registry.get(name)!.docs.short}\n`);
    return EXIT.OK;
  }
  const def = registry.get(module);
  if (!def) {
    const hint = registry.suggest(module)[0];
    throw new CliError(`module '${module}' not found${hint ? ` - did you mean '${hint}'?` : ''} (tsplay doc --list shows all)`, EXIT.ERROR);
  }
  const d = def.docs;
  let out = `> ${def.name.toUpperCase()}${def.aliases?.length ? ` (aliases: ${def.aliases.join(', ')})` : ''}\n\n  ${d.short}\n`;
  if (d.description) out += `\n${d.description}\n`;
  out += `\nARGUMENTS (JSON Schema)\n${stringify(def.schema).replace(/^/gm, '  ')}`;
  if (d.notes?.length) out += `\nNOTES\n${d.notes.map((n) => `  * ${n}`).join('\n')}\n`;
  out += `\nEXAMPLES\n${d.examples.replace(/^/gm, '  ')}\n`;
  if (d.returns) out += `\nRETURN VALUES\n${Object.entries(d.returns).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`;
  process.stdout.write(out);
  return EXIT.OK;
}
