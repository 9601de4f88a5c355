/**
 * loadInventory(sources): read every `-i` source into one Inventory, as Ansible does.
 *
 * A source is, in this order of checks:
 *   - a directory: every entry in lexical order (sub-directories too), except hidden
 *     files, group_vars/, host_vars/, vars_plugins/, README files and names ending in
 *     ~ .orig .bak .swp .retry .cfg .md .txt .rst .pyc .pyo .rpm (Ansible's ignore list);
 *   - an executable file starting with `#!` (or an ELF binary): an inventory script;
 *   - a file: .yml/.yaml/.json are YAML inventories, .ini is INI; any other name is
 *     YAML if it parses as a YAML mapping, else INI (Ansible tries yaml, then ini);
 *   - a string with a comma that is not a path: a host list, `host1,host2:2222,`.
 * group_vars/ and host_vars/ are read from beside each file source, or from inside each
 * directory source (see vars-files.ts and the order in inventory.ts).
 */
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { isMap } from 'yaml';
import path from 'node:path';
import { openVaultFile, parseAnsibleYaml, type ParsedYaml } from './ansible-yaml.js';
import { InventoryBuilder, LOCALHOST_NAMES, UNGROUPED } from './builder.js';
import { InventoryError } from './errors.js';
import { parseAddress } from './host-pattern.js';
import { parseIni } from './ini.js';
import { LoadedInventory } from './inventory.js';
import type { Inventory } from './model.js';
import { loadInventoryScript } from './script.js';
import { compareCodePoints, listVarsDir, loadVarsFor } from './vars-files.js';
import { parseYamlInventory } from './yaml.js';
import { assignOwn } from './own.js';
import { readSourceText, SourceTextError } from '../util/source-text.js';
import { duplicateKeys } from '../util/yaml-checks.js';
import type { Vault } from '../vault/vault.js';

export interface LoadInventoryOptions {
  /** Relative sources and `--limit @file` are resolved from here (default: process.cwd()). */
  cwd?: string;
  /** Non-fatal problems (skipped YAML keys, script stderr). Default: `[WARNING]: ...` on stderr. */
  onWarning?: (message: string) => void;
  /** How long an inventory script may run (default 5 minutes). */
  scriptTimeoutMs?: number;
  /** Secrets for vault-encrypted inventory/vars files and `!vault` values. */
  vault?: Vault;
}

// clouds.yaml / secure.yaml / clouds-public.yaml in an inventory directory are OpenStack's
// credentials for the OpenStack modules (docs/openstack.md), not inventory sources.
const IGNORED_NAMES = [/^\./, /^host_vars$/, /^group_vars$/, /^vars_plugins$/, /^README(\..*)?$/i, /^(clouds|secure|clouds-public)\.ya?ml$/];
const IGNORED_ENDINGS = ['~', '.orig', '.bak', '.swp', '.retry', '.cfg', '.md', '.txt', '.rst', '.pyc', '.pyo', '.rpm'];
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<Inventory> {
  const cwd = options.cwd ?? process.cwd();
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`[WARNING]: ${m}\n`));
  const vault = options.vault;
  const loader = new SourceLoader(new InventoryBuilder(), warn, options.scriptTimeoutMs ?? 300_000, vault);

  const resolved: string[] = [];
  const varsDirs: Array<string | undefined> = [];
  for (const source of sources) {
    const full = path.resolve(cwd, source);
    const stat = statOrUndefined(full);
    if (stat) {
      resolved.push(full);
      varsDirs.push(stat.isDirectory() ? full : path.dirname(full));
      await loader.load(full, stat);
    } else if (source.includes(',')) {
      resolved.push(source);
      varsDirs.push(undefined);
      loader.hostList(source);
    } else {
      throw new InventoryError(
        `inventory source '${source}' does not exist (looked for ${full}); give a file, a directory, an executable script, or a comma-separated host list such as 'host1,host2,'`,
      );
    }
  }

  const built = loader.builder.finish(sources.length);
  for (const name of built.hosts.keys()) {
    if (built.groups.has(name)) warn(`found both a group and a host named '${name}': the pattern '${name}' selects the host`);
  }
  const implicitFiles = new Map<string, Array<Record<string, unknown> | undefined>>();
  varsDirs.forEach((dir, source) => {
    if (!dir) return;
    loadVarsDirectory(path.join(dir, 'group_vars'), built.groups.keys(), warn, vault, (name, vars) => loader.builder.setFileVars('group', name, source, vars));
    const implicitNames = LOCALHOST_NAMES.filter((n) => !built.hosts.has(n));
    loadVarsDirectory(path.join(dir, 'host_vars'), [...built.hosts.keys(), ...implicitNames], warn, vault, (name, vars) => {
      if (built.hosts.has(name)) loader.builder.setFileVars('host', name, source, vars);
      else {
        const layers = implicitFiles.get(name) ?? [];
        layers[source] = assignOwn(layers[source] ?? {}, vars);
        implicitFiles.set(name, layers);
      }
    });
  });
  return new LoadedInventory(resolved, built, implicitFiles, cwd);
}

/** Read DIR's files for each name (skipping names with no file: one directory listing). */
function loadVarsDirectory(
  dir: string,
  names: Iterable<string>,
  warn: (m: string) => void,
  vault: Vault | undefined,
  apply: (name: string, vars: Record<string, unknown>) => void,
): void {
  const st = statOrUndefined(dir);
  if (!st) return;
  if (!st.isDirectory()) {
    warn(`found ${dir} that is not a directory, skipping it`);
    return;
  }
  const entries = listVarsDir(dir)!;
  for (const name of names) {
    if (name.includes('/') || name === '.' || name === '..') continue; // never look outside DIR
    if (!entries.has(name) && !YAML_EXTENSIONS.some((ext) => entries.has(name + ext))) continue;
    apply(name, loadVarsFor(dir, name, vault));
  }
}

class SourceLoader {
  constructor(
    readonly builder: InventoryBuilder,
    private readonly warn: (m: string) => void,
    private readonly scriptTimeoutMs: number,
    private readonly vault: Vault | undefined,
  ) {}

  async load(file: string, stat: Stats): Promise<void> {
    if (stat.isDirectory()) {
      for (const entry of readdirSync(file).sort(compareCodePoints)) {
        if (IGNORED_NAMES.some((re) => re.test(entry)) || IGNORED_ENDINGS.some((end) => entry.endsWith(end))) continue;
        const full = path.join(file, entry);
        const st = statOrUndefined(full);
        if (st) await this.load(full, st);
      }
      return;
    }
    this.builder.currentSource = file;
    try {
      if (isScript(file)) {
        await loadInventoryScript(file, this.builder, { timeoutMs: this.scriptTimeoutMs, warn: this.warn });
        return;
      }
      let text: string;
      try {
        text = readSourceText(file);
      } catch (e) {
        if (e instanceof SourceTextError) throw new InventoryError(e.message, { file, line: e.line, column: e.column });
        throw new InventoryError(`cannot read inventory: ${(e as Error).message}`, { file });
      }
      const opened = openVaultFile(text, file, this.vault);
      this.parseStatic(file, opened.text);
    } finally {
      this.builder.currentSource = undefined;
    }
  }

  hostList(list: string): void {
    for (const entry of list.split(',')) {
      const text = entry.trim();
      if (!text) continue;
      // As Ansible's host_list plugin: `host:port` and `[v6]:port`, but no ranges.
      const address = parseAddress(text);
      const parsed = address && !address.host.includes('[') ? address : undefined;
      const name = parsed ? parsed.host : text;
      if (!this.builder.hosts.has(name)) this.builder.addHost(name, UNGROUPED, parsed?.port);
    }
  }

  /** A YAML source, with Ansible's warning for keys written twice (the last value is used). */
  private warnDuplicates(parsed: ParsedYaml): ParsedYaml {
    const file = parsed.file;
    for (const dup of duplicateKeys(parsed.doc)) {
      const at = parsed.lines.linePos(dup.offset);
      this.warn(`${file}:${at.line}:${at.col}: ${dup.message}`);
    }
    return parsed;
  }

  private parseStatic(file: string, text: string): void {
    const ext = path.extname(file).toLowerCase();
    if (YAML_EXTENSIONS.includes(ext)) {
      parseYamlInventory(this.warnDuplicates(parseAnsibleYaml(text, file, this.vault)), this.builder, this.warn);
      return;
    }
    if (ext === '.ini') {
      parseIni(text, file, this.builder);
      return;
    }
    // No telling extension: YAML when it reads as a YAML mapping, otherwise INI.
    let yaml: ReturnType<typeof parseAnsibleYaml> | undefined;
    let yamlError: InventoryError | undefined;
    try {
      yaml = parseAnsibleYaml(text, file, this.vault);
    } catch (e) {
      if (!(e instanceof InventoryError)) throw e;
      yamlError = e;
    }
    if (yaml && isMap(yaml.doc.contents)) {
      parseYamlInventory(this.warnDuplicates(yaml), this.builder, this.warn);
      return;
    }
    try {
      parseIni(text, file, this.builder);
    } catch (e) {
      // A YAML file with a syntax error also fails as INI; the YAML message is the useful one.
      if (yamlError && looksLikeYaml(text)) throw yamlError;
      throw e;
    }
  }
}

function isScript(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return false;
  }
  // Executable alone is not enough: inventories often carry a stray x bit. Like Ansible,
  // which falls back to the static parsers when running fails, run only real programs.
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const magic = head.toString('latin1');
  return magic.startsWith('#!') || magic === '\x7fELF';
}

function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith('#'));
  return first !== undefined && /^(---|[\w.-]+:\s*(#.*)?$)/.test(first.trim());
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
