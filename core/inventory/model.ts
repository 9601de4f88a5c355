/**
 * The inventory as the executor sees it. Sources (INI, YAML, directories, scripts,
 * group_vars/host_vars) are loaded into this one shape by `core/inventory/load.ts`.
 */

export interface InventoryHost {
  name: string;
  /** Variables set on the host itself (inline, host_vars/, script hostvars). */
  vars: Record<string, unknown>;
  /** Direct groups, in the order they were declared (`all` and `ungrouped` implied). */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  /** Variables set on the group itself (inline, group_vars/ files, script vars). */
  vars: Record<string, unknown>;
  children: string[];
  hosts: string[];
  /** `ansible_group_priority` (default 1): among groups of the same depth, higher wins. */
  priority?: number;
}

export interface Inventory {
  /** Source paths it was loaded from, for messages. */
  readonly sources: string[];
  readonly hosts: ReadonlyMap<string, InventoryHost>;
  readonly groups: ReadonlyMap<string, InventoryGroup>;
  /**
   * Hosts matching an Ansible pattern (`all`, `web`, `a:b`, `a:&b`, `a:!b`, `web*`,
   * `~regex`, `web[0:2]`), in inventory order, optionally narrowed by `--limit`.
   */
  selectHosts(pattern: string, limit?: string): InventoryHost[];
  /**
   * The host's inventory variables merged in Ansible's order: group `all`, then parent
   * groups before child groups (same depth: alphabetical, `ansible_group_priority` wins),
   * then host vars. Includes group_vars/ and host_vars/ files (which, as in Ansible, come
   * after all inline inventory vars of the same kind; exact order: core/inventory/inventory.ts).
   */
  varsFor(host: string): Record<string, unknown>;
  /** A group's hosts in Ansible's order (its own, then its children's), no duplicates. */
  hostsOfGroup(name: string): InventoryHost[];
  /** Every group the host belongs to, directly or through children, `all` included. */
  groupsOf(host: string): string[];
  /**
   * Put `host` in `group` (created under `parents`, default `all`, if new): what group_by
   * and add_host do during a run. A new host gets `vars` (add_host's variables, merged into
   * an existing host's own).
   */
  addToGroup?(host: string, group: string | undefined, parents?: string[], vars?: Record<string, unknown>): void;
}
