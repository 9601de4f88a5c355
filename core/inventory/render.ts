/**
 * What `ansible-inventory` prints, for `tsplay inventory`:
 *
 * --list   JSON, keys sorted, 4-space indent: one entry per group that has hosts or
 *          children ({"hosts": [...], "children": [...]}, `all` has only children),
 *          and `_meta.hostvars` with each host's merged variables (hosts without any
 *          are left out). Empty groups still appear in their parent's children.
 * --graph  the tree from a group (default `all`): `@group:` lines, children and hosts
 *          indented with `  |--` per level, in inventory order; with vars, `{k = v}`
 *          lines in Python's notation, as ansible-inventory --graph --vars.
 * --host   one host's merged variables as JSON.
 *
 * Ansible's internal variables (inventory_file, inventory_dir, group_names, ...) are
 * left out, as ansible-inventory does.
 */
import { ALL } from './builder.js';
import { InventoryError } from './errors.js';
import type { Inventory, InventoryGroup } from './model.js';
import { pythonRepr } from '../util/python-repr.js';

/** Variables ansible-inventory strips from its output (C.INTERNAL_STATIC_VARS). */
export const INTERNAL_VARS: ReadonlySet<string> = new Set([
  'ansible_async_path',
  'ansible_collection_name',
  'ansible_config_file',
  'ansible_dependent_role_names',
  'ansible_diff_mode',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_play_batch',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_role_names',
  'ansible_playbook_python',
  'ansible_role_name',
  'ansible_role_names',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'hostvars',
  'playbook_dir',
  'play_hosts',
  'role_name',
  'role_names',
  'role_path',
  'role_uuid',
]);

/** `ansible-inventory --list` (optionally restricted by a --limit pattern). */
export function renderList(inventory: Inventory, limit?: string): string {
  const available = new Set(inventory.selectHosts('all', limit).map((h) => h.name));
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();

  const format = (name: string): void => {
    const group = requireGroup(inventory, name);
    const entry: Record<string, unknown> = {};
    if (name !== ALL) {
      const hosts = group.hosts.filter((h) => available.has(h));
      if (hosts.length) entry['hosts'] = hosts;
    }
    if (group.children.length) entry['children'] = [...group.children];
    for (const child of group.children) {
      if (!seen.has(child)) {
        seen.add(child);
        format(child);
      }
    }
    if (Object.keys(entry).length) result[name] = entry;
  };
  format(ALL);

  const hostvars: Record<string, unknown> = {};
  for (const host of available) {
    const vars = publicVars(inventory.varsFor(host));
    if (Object.keys(vars).length) hostvars[host] = vars;
  }
  result['_meta'] = { hostvars };
  return toAnsibleJson(result);
}

/** `ansible-inventory --graph [GROUP] [--vars]`. */
export function renderGraph(inventory: Inventory, group = ALL, showVars = false): string {
  if (!inventory.groups.has(group)) {
    throw new InventoryError(`--graph takes a group name, and '${group}' is not a group of the inventory`);
  }
  const lines: string[] = [];
  const line = (text: string, depth: number): void => {
    lines.push(depth ? `${'  |'.repeat(depth)}--${text}` : text);
  };
  const varLines = (vars: Record<string, unknown>, depth: number): void => {
    if (!showVars) return;
    for (const key of Object.keys(vars).sort(byCodePoint)) line(`{${key} = ${pyStr(vars[key])}}`, depth);
  };
  const walk = (name: string, depth: number): void => {
    const g = requireGroup(inventory, name);
    line(`@${name}:`, depth);
    for (const child of g.children) walk(child, depth + 1);
    if (name !== ALL) {
      for (const host of g.hosts) {
        line(host, depth + 1);
        varLines(publicVars(inventory.varsFor(host)), depth + 2);
      }
    }
    varLines(groupVars(g), depth + 1);
  };
  walk(group, 0);
  return lines.join('\n');
}

/** `ansible-inventory --host HOST`: the host's merged inventory variables. */
export function renderHost(inventory: Inventory, host: string): string {
  const matched = inventory.selectHosts(host);
  if (matched.length !== 1) {
    throw new InventoryError(
      matched.length === 0
        ? `--host: '${host}' matches no host of the inventory`
        : `--host needs a single host, and '${host}' matches ${matched.length} (${matched
            .slice(0, 5)
            .map((h) => h.name)
            .join(', ')}${matched.length > 5 ? ', ...' : ''})`,
    );
  }
  return toAnsibleJson(publicVars(inventory.varsFor(matched[0]!.name)));
}

function groupVars(group: InventoryGroup): Record<string, unknown> {
  const vars = publicVars(group.vars);
  if (group.priority !== undefined && group.priority !== 1) vars['ansible_group_priority'] = group.priority;
  return vars;
}

function publicVars(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(vars)) {
    if (!INTERNAL_VARS.has(key)) Object.defineProperty(out, key, { value: vars[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function requireGroup(inventory: Inventory, name: string): InventoryGroup {
  const group = inventory.groups.get(name);
  if (!group) throw new InventoryError(`group '${name}' is not in the inventory`);
  return group;
}

/** Python's json.dumps(value, sort_keys=True, indent=4, ensure_ascii=False). */
export function toAnsibleJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(byCodePoint)) {
      Object.defineProperty(out, key, { value: sortKeys((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's str(value), as ansible-inventory --graph --vars prints values. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

