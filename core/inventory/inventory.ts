/**
 * The loaded, read-only inventory: host selection by pattern and each host's inventory
 * variables in Ansible's precedence order.
 *
 * varsFor(host) merges these layers, lowest first (Ansible's VariableManager with the
 * default VARIABLE_PRECEDENCE; a later layer replaces a key of an earlier one whole):
 *
 *   1. group `all`, vars written in the inventory sources ([all:vars], YAML, script)
 *   2. the host's other groups, vars written in the inventory sources, in group order
 *   3. group_vars/all files (each inventory source's directory, in source order)
 *   4. group_vars/<group> files of the host's other groups: for each inventory source in
 *      order, its files for each group in group order
 *   5. host vars written in the inventory sources (host lines, YAML host entries,
 *      script hostvars; `host:port` sets ansible_port; inventory_file/inventory_dir)
 *   6. host_vars/<host> files, in source order
 *
 * Group order: every group the host is in, directly or through :children (not `all`),
 * sorted by depth (longest path from `all`: parents before children), then by
 * ansible_group_priority (higher applied later, so it wins), then by name. So a
 * group_vars/all file beats an inline [web:vars], as in Ansible.
 *
 * The implicit localhost gets layers 1 and 3, then ansible_connection=local, then its
 * host_vars/ files.
 */
import type { Inventory, InventoryHost } from './model.js';
import { ALL, type BuiltInventory, GroupNode, HostNode, LOCALHOST_NAMES, mergeLayers } from './builder.js';
import { InventoryError } from './errors.js';
import { HostSelector } from './patterns.js';
import { compareCodePoints } from './vars-files.js';

export class LoadedInventory implements Inventory {
  readonly hosts: ReadonlyMap<string, HostNode>;
  readonly groups: ReadonlyMap<string, GroupNode>;
  private readonly selector: HostSelector;
  private readonly groupHostsCache = new Map<string, InventoryHost[]>();
  private readonly sortedGroupsCache = new Map<string, GroupNode[]>();
  private readonly implicit = new Map<string, HostNode>();
  private readonly sourceCount: number;

  constructor(
    readonly sources: string[],
    built: BuiltInventory,
    /** host_vars/ file layers for the implicit localhost names, by source. */
    private readonly implicitFiles: ReadonlyMap<string, Array<Record<string, unknown> | undefined>>,
    cwd: string,
  ) {
    this.hosts = built.hosts;
    this.groups = built.groups;
    this.sourceCount = built.sourceCount;
    this.selector = new HostSelector(
      {
        host: (name) => this.hosts.get(name),
        hostNames: () => this.hosts.keys(),
        groupNames: () => this.groups.keys(),
        hostsOfGroup: (name) => this.hostsOfGroup(name),
        implicitHost: (name) => this.implicitHost(name),
      },
      cwd,
    );
  }

  selectHosts(pattern: string, limit?: string): InventoryHost[] {
    return this.selector.select(pattern, limit);
  }

  varsFor(hostName: string): Record<string, unknown> {
    const host = this.hostNode(hostName);
    const all = this.groups.get(ALL)!;
    if (host.implicit) return mergeLayers([all.inline, ...all.files, host.inline, ...host.files]);
    const groups = this.sortedGroups(host).filter((g) => g.name !== ALL);
    const layers: Array<Record<string, unknown> | undefined> = [all.inline];
    for (const g of groups) layers.push(g.inline);
    layers.push(...all.files);
    for (let source = 0; source < this.sourceCount; source++) {
      for (const g of groups) layers.push(g.files[source]);
    }
    layers.push(host.inline, ...host.files);
    return mergeLayers(layers);
  }

  addToGroup(hostName: string, groupName: string | undefined, parents: string[] = [], vars: Record<string, unknown> = {}): void {
    const hosts = this.hosts as Map<string, HostNode>;
    const groups = this.groups as Map<string, GroupNode>;
    let host = hosts.get(hostName);
    if (!host) {
      host = new HostNode(hostName);
      hosts.set(hostName, host);
      this.link(groups.get(ALL)!, host);
    }
    if (Object.keys(vars).length) {
      Object.assign(host.inline, vars);
      host.invalidate();
    }
    if (groupName !== undefined) {
      const group = this.group(groupName);
      for (const parent of parents.length ? parents : [ALL]) {
        const p = this.group(parent);
        if (!p.children.includes(group.name) && p !== group) {
          p.children.push(group.name);
          group.parents.push(p.name);
          group.depth = Math.max(group.depth, p.depth + 1);
        }
      }
      this.link(group, host);
    }
    this.groupHostsCache.clear();
    this.sortedGroupsCache.clear();
    this.selector.clear();
  }

  private group(name: string): GroupNode {
    const groups = this.groups as Map<string, GroupNode>;
    let g = groups.get(name);
    if (!g) {
      g = new GroupNode(name);
      groups.set(name, g);
      const all = groups.get(ALL)!;
      if (name !== ALL && !all.children.includes(name)) {
        all.children.push(name);
        g.parents.push(ALL);
        g.depth = 1;
      }
    }
    return g;
  }

  private link(group: GroupNode, host: HostNode): void {
    if (group.hostSet.has(host.name)) return;
    group.hostSet.add(host.name);
    group.hosts.push(host.name);
    if (group.name !== ALL && !host.groups.includes(group.name)) host.groups.push(group.name);
  }

  groupsOf(hostName: string): string[] {
    const host = this.hostNode(hostName);
    if (host.implicit) return [];
    return this.sortedGroups(host).map((g) => g.name);
  }

  /** A group's hosts: its own first, then its descendants' (breadth first), no duplicates. */
  hostsOfGroup(name: string): InventoryHost[] {
    let hosts = this.groupHostsCache.get(name);
    if (hosts) return hosts;
    const order = [name];
    const seenGroups = new Set(order);
    for (let i = 0; i < order.length; i++) {
      for (const child of this.groups.get(order[i]!)!.children) {
        if (!seenGroups.has(child)) {
          seenGroups.add(child);
          order.push(child);
        }
      }
    }
    const seenHosts = new Set<string>();
    hosts = [];
    for (const g of order) {
      for (const h of this.groups.get(g)!.hosts) {
        if (!seenHosts.has(h)) {
          seenHosts.add(h);
          hosts.push(this.hosts.get(h)!);
        }
      }
    }
    this.groupHostsCache.set(name, hosts);
    return hosts;
  }

  private hostNode(name: string): HostNode {
    const host = this.hosts.get(name) ?? this.implicitHost(name);
    if (!host) throw new InventoryError(`host '${name}' is not in the inventory (${this.sources.join(', ') || 'no sources'})`);
    return host;
  }

  private implicitHost(name: string): HostNode | undefined {
    if (!LOCALHOST_NAMES.includes(name) || this.hosts.has(name)) return undefined;
    let host = this.implicit.get(name);
    if (!host) {
      host = new HostNode(name, true);
      host.inline['ansible_connection'] = 'local';
      host.files.push(...(this.implicitFiles.get(name) ?? []));
      this.implicit.set(name, host);
    }
    return host;
  }

  /** All groups of the host (direct and inherited, `all` included) in variable order. */
  private sortedGroups(host: HostNode): GroupNode[] {
    const key = host.groups.join('\u0000');
    let sorted = this.sortedGroupsCache.get(key);
    if (sorted) return sorted;
    const found = new Map<string, GroupNode>();
    const queue = [...host.groups];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (found.has(name)) continue;
      const group = this.groups.get(name)!;
      found.set(name, group);
      queue.push(...group.parents);
    }
    sorted = [...found.values()].sort((a, b) => a.depth - b.depth || a.priority - b.priority || compareCodePoints(a.name, b.name));
    this.sortedGroupsCache.set(key, sorted);
    return sorted;
  }
}
