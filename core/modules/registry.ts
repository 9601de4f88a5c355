/**
 * Finds modules by name. Built-ins are discovered from the `modules/` folder (one file per
 * module, default export made with `defineModule`), so adding a module never means editing
 * a central list. User modules come from `-M/--module-path` folders and a `modules/` folder
 * beside the playbook, and may shadow built-ins, as in Ansible.
 */
import { readdirSync, existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModuleDefinition } from './api.js';
import { closest } from '../util/suggest.js';
import { importUserModule } from './load-user-module.js';

/** Ansible collections whose modules map onto ours by their short name. */
const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.general.', 'openvswitch.openvswitch.'];

const BUILTIN_DIR = fileURLToPath(new URL('../../modules/', import.meta.url));

export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
}

function isModuleDefinition(value: unknown): value is ModuleDefinition<any> {
  const v = value as ModuleDefinition;
  return !!v && typeof v === 'object' && typeof v.name === 'string' && typeof v.run === 'function' && typeof v.schema === 'object';
}

function moduleFiles(dir: string, allowTs: boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.startsWith('_') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !f.endsWith('.map'))
    .filter((f) => ['.js', '.mjs'].includes(extname(f)) || (allowTs && ['.ts', '.mts'].includes(extname(f))))
    .sort()
    .map((f) => join(dir, f));
}

export class ModuleRegistry {
  private readonly byName = new Map<string, ModuleDefinition<any>>();

  /** Load the built-ins, then each user folder in order (later folders win). */
  static async create(userDirs: string[] = []): Promise<ModuleRegistry> {
    const registry = new ModuleRegistry();
    // In a vitest run the built-ins are .ts sources; in the compiled CLI they are .js.
    const builtinIsSource = BUILTIN_DIR.includes('/dist/') === false;
    for (const file of moduleFiles(BUILTIN_DIR, builtinIsSource)) {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      if (isModuleDefinition(mod.default)) registry.add(mod.default);
    }
    for (const dir of userDirs) {
      for (const file of moduleFiles(resolve(dir), true)) {
        let mod: { default?: unknown };
        try {
          mod = (await importUserModule(file)) as { default?: unknown };
        } catch (err) {
          throw new ModuleLoadError(`could not load module ${file}: ${(err as Error).message}`);
        }
        if (!isModuleDefinition(mod.default)) {
          throw new ModuleLoadError(
            `${file} does not export a module: its default export must be made with defineModule({ name, schema, docs, run }) from 'tsplay'`,
          );
        }
        registry.add(mod.default);
      }
    }
    return registry;
  }

  add(module: ModuleDefinition<any>): void {
    this.byName.set(module.name, module);
    for (const alias of module.aliases ?? []) this.byName.set(alias, module);
  }

  get(name: string): ModuleDefinition<any> | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    for (const prefix of FQCN_PREFIXES) if (name.startsWith(prefix)) return this.byName.get(name.slice(prefix.length));
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Primary names, sorted (aliases excluded). */
  names(): string[] {
    return [...new Set([...this.byName.values()].map((m) => m.name))].sort();
  }

  suggest(name: string): string[] {
    const hit = closest(name.replace(/^.*\./, ''), this.byName.keys());
    return hit ? [hit] : [];
  }
}
