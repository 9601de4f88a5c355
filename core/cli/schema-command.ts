/**
 * `tsplay schema [PLAYBOOK...] [-M DIR]... [-o FILE] [--kind tasks|handlers]`: the JSON
 * Schema an editor (VS Code's YAML extension, any YAML language server) uses to complete
 * and check playbooks, with every module tsplay would find for them: built-ins, -M folders,
 * `modules/`/`library/` beside the playbooks (or the current folder) and roles' `library/`.
 * See docs/editor.md.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FQCN_PREFIXES, ModuleRegistry } from '../modules/registry.js';
import { moduleFileOf } from '../modules/module-source.js';
import { editorSchema, type EditorModule, type SchemaRoot } from '../playbook/editor-schema.js';
import { playbookSchema } from '../playbook/schema-file.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { moduleDirs } from './module-dirs.js';

const KINDS: readonly SchemaRoot[] = ['playbook', 'tasks', 'handlers'];

export async function schemaCommand(playbooks: string[], flags: { modulePath: string[]; output?: string; kind: string }): Promise<number> {
  if (!KINDS.includes(flags.kind as SchemaRoot)) throw new CliError(`--kind must be one of: ${KINDS.join(', ')} (got '${flags.kind}')`, EXIT.BAD_OPTIONS);
  const bases = playbooks.length ? playbooks.map((pb) => dirname(resolve(pb))) : [process.cwd()];
  const registry = await (await ModuleRegistry.create(moduleDirs(flags.modulePath, bases))).loadAll();
  for (const warning of registry.warnings) process.stderr.write(`[WARNING]: ${warning}\n`);
  const modules: EditorModule[] = registry.names().map((name) => {
    const def = registry.get(name)!;
    const file = moduleFileOf(def);
    const builtin = registry.isBuiltin(name);
    return {
      name: def.name,
      aliases: def.aliases ?? [],
      schema: def.schema,
      freeForm: def.freeForm,
      tsplayOnly: def.tsplayOnly,
      short: def.docs.short,
      description: def.docs.description,
      ...(file && !builtin ? { file } : {}),
    };
  });
  const schema = editorSchema(playbookSchema(), modules, FQCN_PREFIXES, flags.kind as SchemaRoot);
  const text = `${JSON.stringify(schema, null, 1)}\n`;
  if (flags.output && flags.output !== '-') {
    try {
      writeFileSync(flags.output, text);
    } catch (err) {
      throw new CliError(`-o ${flags.output}: ${(err as Error).message}`, EXIT.BAD_OPTIONS);
    }
    const custom = modules.filter((m) => m.file).length;
    process.stderr.write(`wrote ${flags.output}: ${modules.length} modules (${custom} custom)\n`);
  } else process.stdout.write(text);
  return EXIT.OK;
}
