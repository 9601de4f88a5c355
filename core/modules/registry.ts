/**
 * Finds modules by name. Built-ins are discovered from the `modules/` folder (one file per
 * module, default export made with `defineModule`), so adding a module never means editing
 * a central list. User modules come from module folders (`-M`, `modules/` and `library/`
 * beside the playbook, `roles/NAME/library/`); which files are modules is decided by
 * `isModuleFileName` (docs/writing-modules.md, "Which files are modules").
 *
 * A user module file that cannot be used (it does not load, or its name clashes) does not
 * stop the run: its name is registered with the problem, and only tasks that use that name
 * fail, with the file and the reason. Warnings list the problems at the start.
 *
 * In the compiled CLI the built-ins are imported only when a task uses them: the build
 * writes `dist/modules/_index.json` (scripts/index-modules.mjs) with each module's names
 * and free-form key, which is all the playbook loader needs. Importing all of them cost
 * ~50 ms of every run's start.
 */
import { readdirSync, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModuleDefinition } from './api.js';
import { closest } from '../util/suggest.js';
import { importUserModule } from './load-user-module.js';
import { compileModuleSchema, SchemaError } from './validate-args.js';
import { recordModuleFile } from './module-source.js';

/** Ansible collections whose modules map onto ours by their short name. */
export const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.general.', 'openvswitch.openvswitch.'];

const BUILTIN_DIR = fileURLToPath(new URL('../../modules/', import.meta.url));

export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
  /** `exception` is the stack of what failed to load, for -vvv (Ansible's result key). */
  constructor(
    message: string,
    readonly exception?: string,
  ) {
    super(message);
  }
}

function isModuleDefinition(value: unknown): value is ModuleDefinition<any> {
  const v = value as ModuleDefinition;
  return !!v && typeof v === 'object' && typeof v.name === 'string' && typeof v.run === 'function' && typeof v.schema === 'object';
}

/** Extensions of user module files, as Node and TypeScript load them. */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

/**
 * Which file names directly inside a module folder are modules: a known extension, not a
 * declaration file, not a test (`*.test.*`, `*.spec.*`), not hidden and not starting
 * with `_` (`_util.ts` is a helper). Sub-folders (`lib/`, `_lib/`, anything) are never
 * searched, so helpers can live there too.
 */
export function isModuleFileName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) return false;
  if (!MODULE_EXTENSIONS.includes(extname(name))) return false;
  if (/\.d\.[cm]?ts$/.test(name)) return false;
  if (/\.(test|spec)\.[cm]?[jt]s$/.test(name)) return false;
  return true;
}

function builtinFiles(dir: string, allowTs: boolean): string[] {
  if (!existsSync(dir)) return [];
  const exts = allowTs ? ['.js', '.ts'] : ['.js'];
  return readdirSync(dir)
    .filter((f) => isModuleFileName(f) && exts.includes(extname(f)))
    .sort()
    .map((f) => join(dir, f));
}

function userModuleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => isModuleFileName(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/**
 * `FILE:LINE:COL: message` for a module file that failed to load: esbuild's syntax error
 * position, else the first stack frame in that file (source-mapped), else just the file.
 */
export function describeLoadFailure(file: string, err: unknown): string {
  let message = String((err as Error)?.message ?? err);
  // esbuild: "Transform failed with 1 error:\n/x/m.ts:6:0: ERROR: ..." (its column counts from 0).
  const transform = /^Transform failed with \d+ errors?:\n(.+?):(\d+):(\d+): ERROR: (.*)/s.exec(message);
  if (transform) return `${transform[1]}:${transform[2]}:${Number(transform[3]) + 1}: ${transform[4]!.split('\n')[0]}`;
  const stack = String((err as Error)?.stack ?? '');
  const url = pathToFileURL(file).href;
  // Node's require() appends its "Require stack:" lines: the first line says it all.
  message = message.split('\n')[0]!;
  if (file.endsWith('.cjs') && message.includes("Cannot find module 'tsplay'")) {
    message += ": a CommonJS module can require('tsplay') only where tsplay is installed in node_modules; write an ES module (.ts, .mjs) or export a plain { name, schema, docs, run } object";
  }
  for (const prefix of [url, file]) {
    const at = stack.indexOf(`${prefix}:`);
    if (at < 0) continue;
    const pos = /^:(\d+)(?::(\d+))?/.exec(stack.slice(at + prefix.length));
    if (pos) return `${file}:${pos[1]}${pos[2] ? `:${pos[2]}` : ''}: ${message}`;
  }
  return `${file}: ${message}`;
}

/** One line of `dist/modules/_index.json`. */
interface IndexEntry {
  file: string;
  name: string;
  aliases: string[];
  freeForm?: string;
  tsplayOnly?: boolean;
  schema: Record<string, unknown>;
  /** The schema's fingerprint, as the build's precompiled validators record it. */
  fingerprint: string;
}

/** What the playbook loader needs to check a task's arguments, without importing the module. */
export interface ModuleSignature {
  name: string;
  schema: Record<string, unknown>;
  freeForm: string | undefined;
  /** From the build's index: saves hashing the schema to find its precompiled validator. */
  fingerprint?: string;
}

/** A module known by name; `definition` is there once its file has been imported. */
interface Entry {
  name: string;
  freeForm: string | undefined;
  file?: string;
  definition?: ModuleDefinition<any>;
  /** The argument schema (and its fingerprint) from the build's index, before the file is imported. */
  schema?: Record<string, unknown>;
  fingerprint?: string;
  builtin?: boolean;
  /** No collection name (ansible.builtin...) reaches it: see ModuleDefinition.tsplayOnly. */
  tsplayOnly?: boolean;
  /** Why tasks using this name fail (the file did not load, or its name clashes). */
  problem?: string;
  /** The stack of the load failure, shown at -vvv. */
  problemStack?: string;
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

/** A module's name as a file gives it: `motd.ts` → `motd`. */
const nameOfFile = (file: string) => basename(file, extname(file));

export class ModuleRegistry {
  private readonly byName = new Map<string, Entry>();

  /** Register the built-ins, then each user folder in order (later folders win). */
  static async create(userDirs: string[] = []): Promise<ModuleRegistry> {
    const registry = new ModuleRegistry();
    // In a vitest run the built-ins are .ts sources; in the compiled CLI they are .js.
    const builtinIsSource = BUILTIN_DIR.includes('/dist/') === false;
    const files = builtinFiles(BUILTIN_DIR, builtinIsSource);
    const index = builtinIsSource ? undefined : readIndex(files);
    if (index) {
      for (const e of index) registry.addEntry({ name: e.name, freeForm: e.freeForm, file: join(BUILTIN_DIR, e.file), schema: e.schema, fingerprint: e.fingerprint, builtin: true, tsplayOnly: e.tsplayOnly === true }, e.aliases);
    } else {
      for (const file of files) {
        const definition = await importDefinition(file);
        if (definition) registry.addEntry({ name: definition.name, freeForm: definition.freeForm, file, definition, builtin: true, tsplayOnly: definition.tsplayOnly === true }, definition.aliases ?? []);
      }
    }
    // tsplay's own modules/ (a command run in its repository finds it as ./modules) is not a user
    // folder: two levels up from dist/modules/, three from the bundle's dist/fast/modules/.
    const own = new Set([BUILTIN_DIR, join(BUILTIN_DIR, '../../modules/'), join(BUILTIN_DIR, '../../../modules/')].map((d) => resolve(d)));
    for (const dir of userDirs) if (!own.has(resolve(dir))) await registry.addUserFolder(resolve(dir));
    return registry;
  }

  /** Problems found while loading user modules, for the CLI to print as warnings. */
  readonly warnings: string[] = [];

  private async addUserFolder(dir: string): Promise<void> {
    for (const file of userModuleFiles(dir)) {
      let mod: { default?: unknown };
      try {
        mod = (await importUserModule(file)) as { default?: unknown };
      } catch (err) {
        const problem = `could not load module ${describeLoadFailure(file, err)}`;
        this.warnings.push(problem);
        this.addProblem(nameOfFile(file), file, problem, err instanceof Error ? err.stack : undefined);
        continue;
      }
      // CommonJS: `module.exports = defineModule(...)` arrives as the default export.
      const definition = mod.default;
      if (!isModuleDefinition(definition)) {
        this.warnings.push(
          `${file} is not a module: its default export must be made with defineModule({ name, schema, docs, run }) from 'tsplay'. ` +
            `Name a helper file with a leading _ (_${basename(file)}) or move it into a lib/ folder.`,
        );
        continue;
      }
      recordModuleFile(definition, file);
      // Strict mode now, so a schema mistake is reported at the start with the file, not
      // when (or never, for an unknown keyword) a task uses the module.
      try {
        compileModuleSchema(definition);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        const problem = `${file}: ${err.message}`;
        this.warnings.push(problem);
        for (const name of [definition.name, ...(definition.aliases ?? [])]) this.addProblem(name, file, problem);
        continue;
      }
      this.addUser(definition, file);
    }
  }

  /** Add a user module, reporting a name that clashes with a built-in or another module. */
  private addUser(definition: ModuleDefinition<any>, file: string): void {
    const entry: Entry = { name: definition.name, freeForm: definition.freeForm, file, definition };
    const names = [definition.name, ...(definition.aliases ?? [])];
    if (definition.overrides && !names.some((n) => this.byName.get(n)?.builtin)) {
      // A stale override (the built-in was renamed, or the module was) would hide nothing.
      this.warnings.push(`module '${definition.name}' in ${file} says overrides: true, but no built-in module has its name or aliases; remove overrides or fix the name`);
    }
    for (const name of [definition.name, ...(definition.aliases ?? [])]) {
      const existing = this.byName.get(name);
      let problem: string | undefined;
      if (existing?.builtin && !definition.overrides) {
        problem = `module '${name}' in ${file} has the name of the built-in module in ${existing.file ?? 'tsplay'}; add overrides: true to its definition to replace the built-in, or rename it`;
      } else if (existing?.file && !existing.builtin && dirname(existing.file) === dirname(file)) {
        problem = `module '${name}' is defined twice in ${dirname(file)}: ${basename(existing.file)} and ${basename(file)}; rename or remove one`;
      } else if (existing?.file && !existing.builtin) {
        // Folders are searched in order and a later one wins: say so, it may be unintended.
        this.warnings.push(`module '${name}' in ${file} replaces the one in ${existing.file} (a later module folder wins)`);
      }
      if (problem) {
        this.warnings.push(problem);
        this.byName.set(name, { name, freeForm: undefined, file, problem });
      } else this.byName.set(name, entry);
    }
  }

  private addProblem(name: string, file: string, problem: string, stack?: string): void {
    const existing = this.byName.get(name);
    // A broken file named like a built-in does not take the built-in's name away.
    if (existing?.builtin) return;
    this.byName.set(name, { name, freeForm: undefined, file, problem, ...(stack ? { problemStack: stack } : {}) });
  }

  add(module: ModuleDefinition<any>): void {
    this.addEntry({ name: module.name, freeForm: module.freeForm, definition: module, tsplayOnly: module.tsplayOnly === true }, module.aliases ?? []);
  }

  private addEntry(entry: Entry, aliases: readonly string[]): void {
    this.byName.set(entry.name, entry);
    for (const alias of aliases) this.byName.set(alias, entry);
  }

  private entry(name: string): Entry | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    for (const prefix of FQCN_PREFIXES) {
      if (!name.startsWith(prefix)) continue;
      const e = this.byName.get(name.slice(prefix.length));
      return e?.tsplayOnly ? undefined : e;
    }
    return undefined;
  }

  /**
   * Name, argument schema and free-form key, without importing the module: enough for the
   * playbook loader to check literal arguments. Undefined for an unknown or unusable module
   * (an unusable one fails the tasks that use it, at run time).
   */
  signature(name: string): ModuleSignature | undefined {
    const e = this.entry(name);
    if (!e || e.problem) return undefined;
    if (e.definition) return { name: e.name, schema: e.definition.schema, freeForm: e.freeForm };
    return e.schema ? { name: e.name, schema: e.schema, freeForm: e.freeForm, ...(e.fingerprint ? { fingerprint: e.fingerprint } : {}) } : undefined;
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
    if (e.problem) throw new ModuleLoadError(e.problem, e.problemStack);
    if (!e.definition && e.file) {
      const definition = await importDefinition(e.file);
      if (!definition || definition.name !== e.name) throw new ModuleLoadError(`${e.file} no longer matches the build's module index: run npm run build`);
      e.definition = definition;
    }
    return e.definition;
  }

  /** Import every module not imported yet (for listings and documentation). */
  async loadAll(): Promise<this> {
    for (const name of this.names()) await this.resolve(name); // names() leaves out unusable ones
    return this;
  }

  /**
   * A definition that is already imported (every one after `loadAll()`, or in a vitest run
   * of the sources). Asking for one that is known but not imported is a programming error.
   */
  get(name: string): ModuleDefinition<any> | undefined {
    const e = this.entry(name);
    if (e?.problem) throw new ModuleLoadError(e.problem);
    if (e && !e.definition) throw new Error(`module '${e.name}' is not imported yet: use resolve() or loadAll() first`);
    return e?.definition;
  }

  /** Is `name` the built-in module (not a custom module that replaced it)? */
  isBuiltin(name: string): boolean {
    return this.entry(name)?.builtin === true;
  }

  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** Primary names of usable modules, sorted (aliases and names with a problem excluded). */
  names(): string[] {
    return [...new Set([...this.byName.values()].filter((m) => !m.problem).map((m) => m.name))].sort();
  }

  suggest(name: string): string[] {
    const hit = closest(name.replace(/^.*\./, ''), this.byName.keys());
    return hit ? [hit] : [];
  }
}
