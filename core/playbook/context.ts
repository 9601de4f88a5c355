/**
 * State of one load: the caller's options (which modules exist), the problems found so far,
 * and each file read once (a tasks file imported twice is parsed and validated once).
 */
import type { SourceLocation } from './model.js';
import { Problems } from './errors.js';
import { validateFile, type FileKind } from './schema-validate.js';
import { SourceFile } from './yaml-source.js';
import type { Vault } from '../vault/vault.js';

export interface LoadOptions {
  /** Is there a module by this name (short name, alias or FQCN)? */
  isModule(name: string): boolean;
  /** Close module names for an unknown one ("did you mean"). */
  suggestModules(name: string): string[];
  /** The module's free-form argument (`cmd` for command), if it takes free-form text. */
  freeFormOf?(module: string): string | undefined;
  /**
   * A module's name, argument schema and free-form key (the registry's `signature`): when
   * given, literal task arguments are checked against the schema while loading. Undefined
   * for a module that cannot be checked now (unknown, or a file that failed to load).
   */
  moduleSignature?(name: string): { name: string; schema: Record<string, unknown>; freeForm: string | undefined } | undefined;
  /** Extra directories searched for roles, after `roles/` beside the playbook. */
  rolesPath?: string[];
  /**
   * ansible.cfg's `gathering`: whether a play without `gather_facts:` gathers (implicit,
   * the default; smart gathers each host once per run) or not (explicit).
   */
  gathering?: 'implicit' | 'explicit' | 'smart';
  /** Secrets for vault-encrypted files and `!vault` values (none: they are errors). */
  vault?: Vault;
}

/** A `notify:` name to check against the play's handlers once the play is built. */
export interface NotifyUse {
  name: string;
  loc: SourceLocation;
  excerpt: string | undefined;
}

const EMPTY: Partial<Record<FileKind, unknown>> = { tasksFile: [], handlersFile: [], roleMeta: {}, varsFile: {} };

export class LoadContext {
  readonly problems = new Problems();
  private readonly files = new Map<string, SourceFile | undefined>();
  private readonly validated = new Set<string>();
  /** Collects `notify:` uses while a play is being built; undefined outside plays. */
  notifyUses: NotifyUse[] | undefined;
  /** include_tasks files already checked at load time (includes may legally recurse). */
  readonly includesChecked = new Set<string>();

  constructor(readonly options: LoadOptions) {}

  isModule(name: string): boolean {
    return this.options.isModule(name);
  }

  /**
   * Read, parse and validate `file` as a `kind` file, once. Undefined when the file cannot
   * be read or parsed (the problem is recorded, at `from` when given). A file that parsed
   * but broke the schema is still returned, so the loader's own checks add their findings.
   */
  open(file: string, kind: FileKind, from?: SourceLocation, what = 'file'): SourceFile | undefined {
    let source = this.files.get(file);
    if (!this.files.has(file)) {
      source = SourceFile.read(file, this.problems, from, what, this.options.vault);
      this.files.set(file, source);
    }
    if (!source || source.data === undefined) return undefined;
    const key = `${kind}\0${file}`;
    if (!this.validated.has(key)) {
      this.validated.add(key);
      if (source.data === null && kind in EMPTY) source.data = structuredClone(EMPTY[kind]);
      validateFile(source, kind, this.problems, this);
      // Every value of a vault-encrypted vars file is a secret: keep them out of output.
      if (kind === 'varsFile' && source.encrypted) this.options.vault?.reveal(source.data);
    }
    return source;
  }
}
