/**
 * Roles, in Ansible's layout: `roles/NAME/{tasks,handlers,defaults,vars,meta}/main.yml`
 * (also `.yaml`), plus `files/` and `templates/` that modules find through the role's path.
 *
 * A play's `roles:` become blocks in `Play.roleTasks`, one per applied role, carrying the
 * role entry's keywords (when, tags, become...) and the role's context; the role's
 * dependencies (meta/main.yml) come first inside that block, so the entry's conditions and
 * tags cover them too, as in Ansible. Like Ansible, a role runs once per play unless it is
 * listed again with different parameters or its meta says `allow_duplicates: true`.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { closest } from '../util/suggest.js';
import type { LoadContext } from './context.js';
import { isDir, isFile } from './files.js';
import { buildHandlerList, inheritInto } from './handlers.js';
import type { Block, Handler, RoleContext, SourceLocation, TaskBase, TaskNode } from './model.js';
import { commonKeywords, isTemplate, toBoolean, toConditions, toMapping, toText } from './normalize.js';
import { keywordsOf } from './schema-file.js';
import { buildTaskList } from './tasks.js';
import { Cursor } from './yaml-source.js';

/** import_role/include_role options that do nothing in a `roles:` entry. */
const ROLE_ONLY_OPTIONS: Record<string, string> = {
  tasks_from: "'tasks_from' is an option of import_role/include_role, not of a roles: entry; use a task: - import_role: {name: ROLE, tasks_from: FILE}",
  vars_from: "'vars_from' is an option of import_role/include_role, not of a roles: entry; use a task: - import_role: {name: ROLE, vars_from: FILE}",
  defaults_from: "'defaults_from' is an option of import_role/include_role, not of a roles: entry; use a task: - import_role: {name: ROLE, defaults_from: FILE}",
  handlers_from: "'handlers_from' is an option of import_role/include_role, not of a roles: entry; use a task: - import_role: {name: ROLE, handlers_from: FILE}",
  public: "'public' is an option of include_role; in a roles: entry the role's variables are visible to its own tasks",
  allow_duplicates: "'allow_duplicates' goes in the role's meta/main.yml",
  apply: "'apply' is an option of include_role; put the keywords on the role entry itself",
};

/** import_role / include_role options: other files of the role than main.yml. */
export interface RoleFileOptions {
  tasksFrom?: string;
  varsFrom?: string;
  defaultsFrom?: string;
  handlersFrom?: string;
}

type Report = (message: string, loc?: SourceLocation) => void;

export interface RoleEntry {
  name: string;
  /** Other keys of the entry (Ansible's role params). */
  params: Record<string, unknown>;
  /** The entry's `vars:` (role vars in Ansible). */
  vars?: Record<string, unknown>;
  /** The entry's own keywords, applied to the role's block and handlers. */
  base: Omit<TaskBase, 'loc'>;
  loc: SourceLocation;
}

interface RoleFiles {
  dir: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  dependencies: Cursor | undefined;
  allowDuplicates: boolean;
  tasksFile: string | undefined;
  handlersFile: string | undefined;
}

/** `tasks/main.yml`, `tasks/main.yaml` or `tasks/main` (Ansible accepts all three). */
function mainFile(dir: string, sub: string): string | undefined {
  return ['main.yml', 'main.yaml', 'main'].map((f) => join(dir, sub, f)).find(isFile);
}

/** `tasks_from: setup` → tasks/setup.yml (also .yaml, or the name as written). */
function namedFile(dir: string, sub: string, name: string | undefined): string | undefined {
  if (name === undefined) return mainFile(dir, sub);
  return [`${name}.yml`, `${name}.yaml`, name].map((f) => join(dir, sub, f)).find(isFile);
}

/** A stable text for role parameters, so equal parameters dedupe whatever their key order. */
function stableText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export class RoleExpander {
  /** Roles applied in this play (directory + parameters). */
  private readonly applied = new Set<string>();
  /** Roles whose handlers are already in the play. */
  private readonly withHandlers = new Set<string>();
  private readonly files = new Map<string, RoleFiles>();
  readonly handlers: Handler[] = [];

  constructor(
    private readonly ctx: LoadContext,
    /** Directory of the playbook file the play came from. */
    private readonly playDir: string,
  ) {}

  /** Expand a `roles:` (or `dependencies:`) list into role blocks. */
  expand(list: Cursor, chain: readonly string[] = []): TaskNode[] {
    const out: TaskNode[] = [];
    for (const entry of list.items()) {
      const block = this.expandEntry(entry, chain);
      if (block) out.push(block);
    }
    return out;
  }

  private expandEntry(c: Cursor, chain: readonly string[]): Block | undefined {
    const entry = this.parseEntry(c);
    if (!entry) return undefined;
    return this.apply(entry, chain, {}, true, (message, loc) => c.report(this.ctx.problems, message, loc));
  }

  /**
   * One role as import_role/include_role apply it: `tasks_from` and friends choose its files,
   * and it runs wherever it is listed (no once-per-play rule). `chain` holds the directory of
   * the role whose tasks import it, if any (for the search path).
   */
  applyRole(entry: RoleEntry, chain: readonly string[], options: RoleFileOptions, report: Report): Block | undefined {
    return this.apply(entry, chain, options, false, report);
  }

  private apply(entry: RoleEntry, chain: readonly string[], options: RoleFileOptions, dedupe: boolean, report: Report): Block | undefined {
    const dir = this.find(entry, report, chain);
    if (!dir) return undefined;
    if (dedupe && chain.includes(dir)) {
      const names = [...chain.slice(chain.indexOf(dir)), dir].map((d) => basename(d));
      report(`role dependency cycle: ${names.join(' -> ')}`, entry.loc);
      return undefined;
    }
    const files = this.load(dir, options, report, entry.loc);
    if (!files) return undefined;
    // A role runs once per play for each identity, Ansible's: its parameters, `vars:`,
    // `when:` and `tags:` (not other keywords such as become).
    const identity = { params: entry.params, vars: entry.vars ?? {}, when: entry.base.when, tags: entry.base.tags };
    const key = `${dir}\0${stableText(identity)}`;
    if (dedupe && this.applied.has(key) && !files.allowDuplicates) return undefined;
    this.applied.add(key);

    const role: RoleContext = { name: basename(dir), path: dir, defaults: files.defaults, vars: files.vars, entryVars: entry.vars ?? {}, params: entry.params };
    const dependencies = files.dependencies ? this.expand(files.dependencies, [...chain, dir]) : [];
    let tasks: TaskNode[] = [];
    if (files.tasksFile) {
      const source = this.ctx.open(files.tasksFile, 'tasksFile', entry.loc, 'tasks file');
      if (source) tasks = buildTaskList(this.ctx, Cursor.root(source), { dir: dirname(files.tasksFile), role, roleDir: dir, imports: [files.tasksFile], roles: this, playDir: this.playDir });
    }
    if (files.handlersFile && !this.withHandlers.has(files.handlersFile)) {
      this.withHandlers.add(files.handlersFile);
      const source = this.ctx.open(files.handlersFile, 'handlersFile', entry.loc, 'handlers file');
      if (source) {
        const handlers = buildHandlerList(this.ctx, Cursor.root(source), { dir: dirname(files.handlersFile), role, roleDir: dir, imports: [files.handlersFile] });
        this.handlers.push(...handlers.map((h) => inheritInto(h, entry.base)));
      }
    }
    return { kind: 'block', loc: entry.loc, ...entry.base, role, block: [...dependencies, ...tasks], rescue: [], always: [] };
  }

  private parseEntry(c: Cursor): RoleEntry | undefined {
    const problems = this.ctx.problems;
    if (typeof c.value === 'string') {
      if (isTemplate(c.value)) {
        c.report(problems, 'role names cannot use variables: roles are loaded with the playbook');
        return undefined;
      }
      return { name: c.value, params: {}, base: { when: [], tags: [], vars: {} }, loc: c.loc() };
    }
    if (!c.isMapping()) return undefined; // reported by the schema
    const v = c.value as Record<string, unknown>;
    const nameKey = c.has('role') ? 'role' : c.has('name') ? 'name' : undefined;
    if (!nameKey) {
      c.report(problems, "role entry has no 'role': name the role (role: NAME), or write just its name");
      return undefined;
    }
    const name = toText(v[nameKey]);
    if (name === undefined) return undefined;
    if (name.trim() === '') {
      c.report(problems, `'${nameKey}' is empty: name the role (${nameKey}: NAME)`, c.child(nameKey).loc());
      return undefined;
    }
    if (isTemplate(name)) {
      c.report(problems, 'role names cannot use variables: roles are loaded with the playbook', c.keyLoc(nameKey));
      return undefined;
    }
    const keywords = keywordsOf('roleMapping');
    const inline: Record<string, unknown> = {};
    for (const key of c.keys()) {
      if (keywords.includes(key)) continue;
      const unsupported = ROLE_ONLY_OPTIONS[key];
      const typo = unsupported ? undefined : closest(key, keywords);
      if (unsupported) c.report(problems, unsupported, c.keyLoc(key));
      else if (typo) {
        c.report(problems, `unknown role keyword '${key}' - did you mean '${typo}'? (to pass a role parameter named '${key}', put it under 'vars:')`, c.keyLoc(key));
      } else inline[key] = v[key]; // Ansible's old style: other keys are role parameters
    }
    const { vars, ...keywordsOnEntry } = commonKeywords(c);
    const base: Omit<TaskBase, 'loc'> = { ...keywordsOnEntry, vars: {}, when: toConditions(v.when) };
    return { name, params: inline, vars, base, loc: c.loc() };
  }

  /** The role's directory, or undefined (reported) when it cannot be found. */
  private find(entry: RoleEntry, report: Report, chain: readonly string[]): string | undefined {
    const { name } = entry;
    let candidates: string[];
    let roots: string[] = [];
    if (name.includes('/') || name.startsWith('.') || isAbsolute(name)) {
      candidates = [resolve(this.playDir, name)];
    } else {
      const parent = chain[chain.length - 1];
      roots = [join(this.playDir, 'roles'), ...(this.ctx.options.rolesPath ?? []).map((p) => resolve(p)), ...(parent ? [dirname(parent)] : []), this.playDir];
      roots = [...new Set(roots)];
      candidates = roots.map((r) => join(r, name));
    }
    const found = candidates.find(isDir);
    if (found) return found;
    if (/^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$/i.test(name)) {
      report(`role '${name}' looks like a collection role; collections are not supported, put the role under roles/`, entry.loc);
      return undefined;
    }
    const known = roots.flatMap((r) => {
      try {
        return readdirSync(r).filter((d) => isDir(join(r, d)));
      } catch {
        return [];
      }
    });
    const hint = closest(name, known);
    report(
      `role '${name}' not found${hint ? ` - did you mean '${hint}'?` : ''} (looked in: ${candidates.map((p) => dirname(p)).join(', ')})`,
      entry.loc,
    );
    return undefined;
  }

  private load(dir: string, options: RoleFileOptions, report: Report, at: SourceLocation): RoleFiles | undefined {
    const cacheKey = `${dir}\0${stableText(options)}`;
    let files = this.files.get(cacheKey);
    if (files) return files;
    // A file named with tasks_from & co. must exist (main.yml files are optional).
    const named: Array<[string | undefined, string, string]> = [
      [options.tasksFrom, 'tasks', 'tasks_from'],
      [options.varsFrom, 'vars', 'vars_from'],
      [options.defaultsFrom, 'defaults', 'defaults_from'],
      [options.handlersFrom, 'handlers', 'handlers_from'],
    ];
    let ok = true;
    for (const [name, sub, option] of named) {
      if (name !== undefined && !namedFile(dir, sub, name)) {
        report(`${option}: role '${basename(dir)}' has no ${sub}/${name}.yml (looked in ${join(dir, sub)})`, at);
        ok = false;
      }
    }
    if (!ok) return undefined;
    const metaFile = mainFile(dir, 'meta');
    const meta = metaFile ? this.ctx.open(metaFile, 'roleMeta', undefined, 'role meta file') : undefined;
    const metaData = toMapping(meta?.data);
    files = {
      dir,
      defaults: this.varsOf(dir, 'defaults', options.defaultsFrom),
      vars: this.varsOf(dir, 'vars', options.varsFrom),
      dependencies: meta && Array.isArray(metaData.dependencies) ? Cursor.root(meta).child('dependencies') : undefined,
      allowDuplicates: toBoolean(metaData.allow_duplicates) ?? false,
      tasksFile: namedFile(dir, 'tasks', options.tasksFrom),
      handlersFile: namedFile(dir, 'handlers', options.handlersFrom),
    };
    this.files.set(cacheKey, files);
    return files;
  }

  /** defaults/ or vars/: main.yml (or the `*_from` file), or every YAML file of a main/ directory, in name order. */
  private varsOf(dir: string, sub: 'defaults' | 'vars', from?: string): Record<string, unknown> {
    const file = namedFile(dir, sub, from);
    const mainDir = join(dir, sub, 'main');
    const paths = file
      ? [file]
      : from === undefined && isDir(mainDir)
        ? readdirSync(mainDir)
            .filter((f) => /\.(ya?ml|json)$/.test(f))
            .sort()
            .map((f) => join(mainDir, f))
        : [];
    const merged: Record<string, unknown> = {};
    for (const path of paths) Object.assign(merged, toMapping(this.ctx.open(path, 'varsFile', undefined, `role ${sub} file`)?.data));
    return merged;
  }
}
