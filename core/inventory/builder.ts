/**
 * The mutable inventory that every source format writes into (Ansible's InventoryData):
 * groups, hosts, memberships, inline variables and group_vars/host_vars file variables.
 * Parsers call it in file order; `finish()` applies Ansible's reconcile rules and returns
 * the nodes the read-only Inventory is built from.
 */
import path from 'node:path';
import type { InventoryGroup, InventoryHost } from './model.js';
import { InventoryError, type InventoryErrorPlace } from './errors.js';
import { assignOwn, setOwn } from './own.js';

export const ALL = 'all';
export const UNGROUPED = 'ungrouped';
/** Names Ansible treats as the control node itself (C.LOCALHOST). */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Variables from one group_vars/ or host_vars/ directory, one slot per inventory source. */
type FileLayers = Array<Record<string, unknown> | undefined>;

export class GroupNode implements InventoryGroup {
  /** Variables written in the inventory source itself ([g:vars], YAML vars, script vars). */
  readonly inline: Record<string, unknown> = {};
  /** group_vars/ files, indexed by inventory source (sources override in order). */
  readonly files: FileLayers = [];
  readonly children: string[] = [];
  readonly parents: string[] = [];
  readonly hosts: string[] = [];
  readonly hostSet = new Set<string>();
  /** ansible_group_priority: orders groups of the same depth (higher wins). */
  priority = 1;
  /** Longest path from `all`, set by finish(). */
  depth = 0;
  private merged: Record<string, unknown> | undefined;

  constructor(readonly name: string) {}

  /** Everything the inventory defines for this group: inline first, then group_vars/ files. */
  get vars(): Record<string, unknown> {
    this.merged ??= mergeLayers([this.inline, ...this.files]);
    return this.merged;
  }

  invalidate(): void {
    this.merged = undefined;
  }
}

export class HostNode implements InventoryHost {
  readonly inline: Record<string, unknown> = {};
  readonly files: FileLayers = [];
  readonly groups: string[] = [];
  private merged: Record<string, unknown> | undefined;

  constructor(
    readonly name: string,
    /** Ansible's implicit localhost: not a member of any group, not matched by `all`. */
    readonly implicit = false,
  ) {}

  /** Everything the inventory defines on this host: inline first, then host_vars/ files. */
  get vars(): Record<string, unknown> {
    this.merged ??= mergeLayers([this.inline, ...this.files]);
    return this.merged;
  }

  invalidate(): void {
    this.merged = undefined;
  }
}

export function mergeLayers(layers: ReadonlyArray<Record<string, unknown> | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) if (layer) assignOwn(out, layer);
  return out;
}

export interface BuiltInventory {
  hosts: Map<string, HostNode>;
  groups: Map<string, GroupNode>;
  sourceCount: number;
}

export class InventoryBuilder {
  readonly hosts = new Map<string, HostNode>();
  readonly groups = new Map<string, GroupNode>();
  /** The file being read: new hosts get inventory_file / inventory_dir from it. */
  currentSource: string | undefined;

  constructor() {
    this.addGroup(ALL);
    this.addGroup(UNGROUPED);
    this.addChild(ALL, UNGROUPED);
  }

  addGroup(name: string, place?: InventoryErrorPlace): GroupNode {
    if (!name) throw new InventoryError('a group name must not be empty', place);
    let group = this.groups.get(name);
    if (!group) {
      group = new GroupNode(name);
      this.groups.set(name, group);
    }
    return group;
  }

  /** Add (or find) a host and, when given, make it a direct member of `group`. */
  addHost(name: string, group?: string, port?: number, place?: InventoryErrorPlace): HostNode {
    if (!name) throw new InventoryError('a host name must not be empty', place);
    let host = this.hosts.get(name);
    if (!host) {
      host = new HostNode(name);
      this.hosts.set(name, host);
      // Ansible records the first source a host was seen in, as host variables.
      setOwn(host.inline, 'inventory_file', this.currentSource ?? null);
      setOwn(host.inline, 'inventory_dir', this.currentSource ? path.dirname(this.currentSource) : null);
      // As in Ansible, `name:port` only counts where the host is first declared.
      if (port !== undefined) setOwn(host.inline, 'ansible_port', port);
    }
    if (group !== undefined) this.addHostToGroup(host, this.requireGroup(group, place));
    return host;
  }

  setGroupVar(groupName: string, key: string, value: unknown, place?: InventoryErrorPlace): void {
    const group = this.requireGroup(groupName, place);
    if (!key) throw new InventoryError(`empty variable name in group '${groupName}'`, place);
    if (key === 'ansible_group_priority') {
      // Ansible keeps the priority on the group object, not among its variables.
      const priority = Number(value);
      if (!Number.isInteger(priority)) {
        throw new InventoryError(`ansible_group_priority of group '${groupName}' must be an integer, got ${JSON.stringify(value)}`, place);
      }
      group.priority = priority;
      return;
    }
    setOwn(group.inline, key, value);
    group.invalidate();
  }

  setHostVar(hostName: string, key: string, value: unknown, place?: InventoryErrorPlace): void {
    const host = this.hosts.get(hostName);
    if (!host) throw new InventoryError(`unknown host '${hostName}'`, place);
    if (!key) throw new InventoryError(`empty variable name for host '${hostName}'`, place);
    setOwn(host.inline, key, value);
    host.invalidate();
  }

  /** Make `child` a child group of `parent`; refuses edges that would close a loop. */
  addChild(parentName: string, childName: string, place?: InventoryErrorPlace): void {
    const parent = this.requireGroup(parentName, place);
    const child = this.requireGroup(childName, place);
    if (parent === child) throw new InventoryError(`group '${childName}' cannot be a child of itself`, place);
    if (parent.children.includes(childName)) return;
    if (this.ancestorsOf(parent).has(childName)) {
      throw new InventoryError(
        `adding group '${childName}' as a child of '${parentName}' creates a loop (${childName} is already an ancestor of ${parentName}); remove one of the two parent-child links`,
        place,
      );
    }
    parent.children.push(childName);
    if (!child.parents.includes(parentName)) child.parents.push(parentName);
  }

  /** Set group_vars/ or host_vars/ file variables found for inventory source number `source`. */
  setFileVars(kind: 'group' | 'host', name: string, source: number, vars: Record<string, unknown>): void {
    const node = kind === 'group' ? this.groups.get(name) : this.hosts.get(name);
    if (!node) return;
    node.files[source] = assignOwn(node.files[source] ?? {}, vars);
    node.invalidate();
  }

  /**
   * Ansible's reconcile_inventory: every top-level group becomes a child of `all`; hosts
   * with no group but `all` go to `ungrouped`; hosts in a real group leave `ungrouped`.
   * Then group depths (longest path from `all`) are computed for variable ordering.
   */
  finish(sourceCount: number): BuiltInventory {
    for (const group of this.groups.values()) {
      if (group.name !== ALL && group.parents.length === 0) this.addChild(ALL, group.name);
    }
    const ungrouped = this.groups.get(UNGROUPED)!;
    for (const host of this.hosts.values()) {
      const real = host.groups.filter((g) => g !== ALL && g !== UNGROUPED);
      if (host.groups.includes(UNGROUPED)) {
        if (real.length > 0) this.removeHostFromGroup(host, ungrouped);
      } else if (real.length === 0) {
        this.addHostToGroup(host, ungrouped);
      }
    }
    this.computeDepths();
    return { hosts: this.hosts, groups: this.groups, sourceCount };
  }

  private requireGroup(name: string, place?: InventoryErrorPlace): GroupNode {
    const group = this.groups.get(name);
    if (!group) throw new InventoryError(`unknown group '${name}'`, place);
    return group;
  }

  private addHostToGroup(host: HostNode, group: GroupNode): void {
    if (group.hostSet.has(host.name)) return;
    group.hosts.push(host.name);
    group.hostSet.add(host.name);
    host.groups.push(group.name);
  }

  private removeHostFromGroup(host: HostNode, group: GroupNode): void {
    if (!group.hostSet.delete(host.name)) return;
    group.hosts.splice(group.hosts.indexOf(host.name), 1);
    host.groups.splice(host.groups.indexOf(group.name), 1);
  }

  private ancestorsOf(group: GroupNode): Set<string> {
    const seen = new Set<string>();
    const queue = [...group.parents];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...this.groups.get(name)!.parents);
    }
    return seen;
  }

  private computeDepths(): void {
    const memo = new Map<string, number>();
    const depthOf = (name: string): number => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      const group = this.groups.get(name)!;
      let depth = 0;
      for (const parent of group.parents) depth = Math.max(depth, depthOf(parent) + 1);
      memo.set(name, depth);
      return depth;
    };
    for (const group of this.groups.values()) group.depth = depthOf(group.name);
  }
}
