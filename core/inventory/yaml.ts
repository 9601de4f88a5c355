/**
 * Ansible's YAML inventory format (plugins/inventory/yaml.py). Top-level keys are groups
 * (usually just `all`); each group may have `hosts`, `vars` and `children`:
 *
 *   all:
 *     vars: { ntp: pool.ntp.org }
 *     hosts:
 *       web[01:03].example.com:      # ranges and `name:port` work in host keys
 *     children:
 *       db:
 *         hosts:
 *           db1: { ansible_port: 2222 }
 *
 * As in Ansible, a string where a mapping is expected (`hosts: web1`) means that one key;
 * a list where a mapping is expected is an error (a common mistake: `hosts: [a, b]`).
 * Unknown keys in a group are skipped with a warning.
 */
import { isAlias, isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { closest } from '../util/suggest.js';
import { describe, placeOf, type ParsedYaml } from './ansible-yaml.js';
import type { InventoryBuilder } from './builder.js';
import { InventoryError } from './errors.js';
import { expandHostEntry, HostPatternError } from './host-pattern.js';
import { yamlValueErrorText } from '../util/yaml-checks.js';

const GROUP_KEYS = ['hosts', 'vars', 'children'] as const;

export function parseYamlInventory(parsed: ParsedYaml, builder: InventoryBuilder, warn: (message: string) => void): void {
  const reader = new YamlInventoryReader(parsed, builder, warn);
  reader.read();
}

class YamlInventoryReader {
  constructor(
    private readonly parsed: ParsedYaml,
    private readonly builder: InventoryBuilder,
    private readonly warn: (message: string) => void,
  ) {}

  read(): void {
    const root = this.deref(this.parsed.doc.contents);
    if (root === undefined || (isScalar(root) && (root.value === null || root.value === ''))) {
      throw new InventoryError('the YAML inventory is empty; start it with `all:` and give it hosts, vars or children', { file: this.parsed.file });
    }
    if (!isMap(root)) {
      throw new InventoryError(`a YAML inventory must be a mapping of group names (start with \`all:\`), found ${this.kind(root)}`, this.at(root));
    }
    const plugin = root.items.find((p) => this.keyOf(p) === 'plugin');
    if (plugin) {
      throw new InventoryError(
        `this is an inventory plugin configuration (plugin: ${String(this.js(plugin.value))}), which tsplay does not run; use an INI/YAML inventory or an executable script`,
        this.at(plugin.key),
      );
    }
    for (const pair of root.items) this.group(this.keyOf(pair), pair);
  }

  private group(name: string, pair: Pair): string {
    const value = this.deref(pair.value);
    if (value !== undefined && !isMap(value) && !this.isNull(value)) {
      this.warn(`${this.where(pair.key)}: skipping '${name}': a group must be a mapping with hosts, vars or children, found ${this.kind(value)}`);
      return name;
    }
    this.builder.addGroup(name, this.at(pair.key));
    if (!value || !isMap(value)) return name;

    for (const entry of value.items) {
      const key = this.keyOf(entry);
      const section = this.deref(entry.value);
      if (!(GROUP_KEYS as readonly string[]).includes(key)) {
        const hint = closest(key, GROUP_KEYS);
        this.warn(
          `${this.where(entry.key)}: skipping unexpected key '${key}' in group '${name}'${hint ? ` - did you mean '${hint}'?` : ''}; only hosts, vars and children are valid`,
        );
        continue;
      }
      if (section === undefined || this.isNull(section)) continue;
      const items = this.sectionItems(section, key, name);
      if (key === 'vars') {
        for (const v of items) this.builder.setGroupVar(name, this.keyOf(v), this.js(v.value), this.at(v.key));
      } else if (key === 'children') {
        for (const child of items) {
          const childName = this.group(this.keyOf(child), child);
          this.builder.addChild(name, childName, this.at(child.key));
        }
      } else {
        for (const host of items) this.host(host, name);
      }
    }
    return name;
  }

  /** The pairs of a hosts/vars/children section; a bare string stands for one key. */
  private sectionItems(section: Node, key: string, group: string): Pair[] {
    if (isMap(section)) return (section as YAMLMap).items as Pair[];
    if (isScalar(section) && typeof section.value === 'string') {
      return [{ key: section, value: null } as unknown as Pair];
    }
    const example = key === 'vars' ? 'name: value' : `${key === 'hosts' ? 'host1' : 'child1'}:`;
    throw new InventoryError(
      `'${key}' of group '${group}' must be a mapping (${example} on its own line), found ${this.kind(section)}`,
      this.at(section),
    );
  }

  private host(pair: Pair, group: string): void {
    const entry = this.keyOf(pair);
    const value = this.deref(pair.value);
    let expanded;
    try {
      expanded = expandHostEntry(entry);
    } catch (e) {
      if (e instanceof HostPatternError) throw new InventoryError(e.message, this.at(pair.key));
      throw e;
    }
    let vars: Record<string, unknown> = {};
    if (value !== undefined && !this.isNull(value)) {
      const js: unknown = this.js(value);
      if (typeof js !== 'object' || js === null || Array.isArray(js)) {
        throw new InventoryError(
          `host '${entry}' in group '${group}' must be followed by a mapping of its variables or by nothing, found ${describe(js)}`,
          this.at(value),
        );
      }
      vars = js as Record<string, unknown>;
    }
    for (const name of expanded.names) {
      this.builder.addHost(name, group, expanded.port, this.at(pair.key));
      for (const key of Object.keys(vars)) this.builder.setHostVar(name, key, vars[key]);
    }
  }

  private keyOf(pair: Pair): string {
    const key = this.deref(pair.key as Node | null);
    const value: unknown = key && isScalar(key) ? key.value : this.js(key);
    if (value === null || value === undefined || typeof value === 'object') {
      throw new InventoryError(`expected a name here, found ${describe(value)}`, this.at(key));
    }
    return String(value);
  }

  private deref(node: unknown): Node | undefined {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return node.resolve(this.parsed.doc) as Node | undefined;
    return node as Node;
  }

  private isNull(node: Node): boolean {
    return isScalar(node) && node.value === null;
  }

  private js(node: unknown): unknown {
    const n = this.deref(node);
    if (n === undefined) return null;
    try {
      return n.toJS(this.parsed.doc, { maxAliasCount: 1000 });
    } catch (err) {
      throw new InventoryError(yamlValueErrorText(err), this.at(n));
    }
  }

  private kind(node: Node): string {
    return describe(this.js(node));
  }

  private at(node: unknown): { file: string; line?: number; column?: number } {
    return placeOf(this.parsed, node);
  }

  private where(node: unknown): string {
    const p = this.at(node);
    return p.line !== undefined ? `${p.file}:${p.line}:${p.column}` : p.file;
  }
}
