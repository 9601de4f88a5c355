/**
 * Finds modules by name. Built-ins are discovered from the `modules/` folder (one file per
 * module, default export made with `defineModule`), so adding a module never means editing
 * a central list. User modules come from `-M/--module-path` folders and a `modules/` folder
 * beside the playbook, and may shadow built-ins, as in Ansible.
 *
 * In the compiled CLI the built-ins are imported only when a task uses them: the build
 * writes `dist/modules/_index.json` (scripts/index-modules.mjs) with each module's names
 * and free-form key, which is all the playbook loader needs. Importing all of them cost
 * ~50 ms of every run's start.
 */
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModuleDefinition } from './api.js';
import { closest } from '../util/suggest.js';
import { importUserModule } from './load-user-module.js';
import { recordModuleFile } from './module-source.js';

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

/** One line of `dist/modules/_index.json`. */
interface IndexEntry {
  file: string;
  name: string;
  aliases: string[];
  freeForm?: string;
}

/** A module known by name; `definition` is there once its file has been imported. */
interface Entry {
  name: string;
  freeForm: string | undefined;
  file?: string;
  definition?: ModuleDefinition<any>;
}

/** The build's index of built-ins, when it lists exactly the module files that are there. */
function readIndex(files: string[]): IndexEntry[] | undefined {
  const indexFile = join(BUILTIN_DIR, '_index.json');
  if (!existsSync(indexFile)) return undefined;
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as IndexEntry[];
  const listed = new Set(index.map((e) => e.file));
  return files.length === listed.size && files.every((f) => listed.has(basename(f))) ? index : undefined;
}

async function importDefinition(file: string): Promise<ModuleDefinition<any> | undefined> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (!isModuleDefinition(mod.default)) return undefined;
  recordModuleFile(mod.default, file);
  return mod.default;
}

export class ModuleRegistry {
  private readonly byName = new Map<string, Entry>();

  /** Register the built-ins, then each user folder in order (later folders win). */
  static async create(userDirs: string[] = []): Promise<ModuleRegistry> {
    const registry = new ModuleRegistry();
    // In a vitest run the built-ins are .ts sources; in the compiled CLI they are .js.
    const builtinIsSource = BUILTIN_DIR.includes('/dist/') === false;
    const files = moduleFiles(BUILTIN_DIR, builtinIsSource);
    const index = builtinIsSource ? undefined : readIndex(files);
    if (index) {
      for (const e of index) registry.addEntry({ name: e.name, freeForm: e.freeForm, file: join(BUILTIN_DIR, e.file) }, e.aliases);
    } else {
      for (const file of files) {
        const definition = await importDefinition(file);
        if (definition) registry.add(definition);
      }
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
        recordModuleFile(mod.default, file);
        registry.add(mod.default);
      }
    }
    return registry;
  }

  add(module: ModuleDefinition<any>): void {
    this.addEntry({ name: module.name, freeForm: module.freeForm, definition: module }, module.aliases ?? []);
  }

  private addEntry(entry: Entry, aliases: readonly string[]): void {
    this.byName.set(entry.name, entry);
    for (const alias of aliases) this.byName.set(alias, entry);
  }

  private entry(name: string): Entry | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    for (const prefix of FQCN_PREFIXES) if (name.startsWith(prefix)) return this.byName.get(name.slice(prefix.length));
    return undefined;
  }

  /** A module's primary name and free-form key, without importing it (the playbook loader needs no more). */
  info(name: string): { name: string; freeForm: string | undefined } | undefined {
    const e = this.entry(name);
    return e && { name: e.name, freeForm: e.freeForm };
  }

  /** The module's definition, importing its file the first time it is asked for. */
  async resolve(name: string): Promise<ModuleDefinition<any> | undefined> {
    const e = this.entry(name);
    if (!e) return undefined;
    if (!e.definition && e.file) {
      const definition = await importDefinition(e.file);
      if (!definition || definition.name !== e.name) throw new ModuleLoadError(`${e.file} no longer matches the build's module index: run npm run build`);
      e.definition = definition;
    }
    return e.definition;
  }

  /** Import every module not imported yet (for listings and documentation). */
  async loadAll(): Promise<this> {
    for (const name of this.names()) await this.resolve(name);
    return this;
  }

  /**
   * A definition that is already imported (every one after `loadAll()`, or in a vitest run
   * of the sources). Asking for one that is known but not imported is a programming error.
   */
  get(name: string): ModuleDefinition<any> | undefined {
    const e = this.entry(name);
    if (e && !e.definition) throw new Error(`module '${e.name}' is not imported yet: use resolve() or loadAll() first`);
    return e?.definition;
  }

  has(name: string): boolean {
    return this.entry(name) !== undefined;
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
