/**
 * Open vSwitch state for `ovs_bridge`: parse `ovs-vsctl --format=json list ...` output into
 * bridges, ports and interfaces; plan the smallest set of `ovs-vsctl` sub-commands that
 * brings one bridge to the wanted state (run as ONE transaction); simulate that plan for
 * check mode and for the diff. Everything here is pure.
 */

/** An OVSDB value as ovs-vsctl's JSON output encodes it (RFC 7047 notation). */
type OvsdbJson = string | number | boolean | ['uuid', string] | ['set', OvsdbJson[]] | ['map', Array<[OvsdbJson, OvsdbJson]>] | unknown[];

export interface OvsInterface {
  name: string;
  type: string;
  options: Record<string, string>;
}

export interface OvsPort {
  name: string;
  /** The bridge the port is on (for a fake bridge's port: the parent bridge). */
  bridge: string | null;
  interfaces: string[];
  tag: number | null;
  fakeBridge: boolean;
  externalIds: Record<string, string>;
}

export interface OvsBridge {
  name: string;
  failMode: string;
  datapathType: string;
  externalIds: Record<string, string>;
  otherConfig: Record<string, string>;
  /** Port names on the bridge. */
  ports: string[];
}

/** The part of the Open vSwitch database ovs_bridge looks at. Plain data (kept as a check-mode prediction). */
export interface OvsState {
  bridges: Record<string, OvsBridge>;
  ports: Record<string, OvsPort>;
  interfaces: Record<string, OvsInterface>;
}

export const BRIDGE_COLUMNS = ['name', 'fail_mode', 'datapath_type', 'external_ids', 'other_config', 'ports'];
export const PORT_COLUMNS = ['_uuid', 'name', 'interfaces', 'tag', 'fake_bridge', 'external_ids'];
export const INTERFACE_COLUMNS = ['_uuid', 'name', 'type', 'options'];

/** The `list` sub-commands of the read (one ovs-vsctl call, three tables). */
export function readSubcommands(): string[][] {
  return [
    [`--columns=${BRIDGE_COLUMNS.join(',')}`, 'list', 'Bridge'],
    [`--columns=${PORT_COLUMNS.join(',')}`, 'list', 'Port'],
    [`--columns=${INTERFACE_COLUMNS.join(',')}`, 'list', 'Interface'],
  ];
}

export class OvsOutputError extends Error {
  override name = 'OvsOutputError';
}

function atom(v: OvsdbJson): string | number | boolean | null {
  if (Array.isArray(v)) {
    if (v[0] === 'uuid') return String(v[1]);
    if (v[0] === 'set') {
      const items = v[1] as OvsdbJson[];
      return items.length === 0 ? null : atom(items[0]!);
    }
    throw new OvsOutputError(`unexpected OVSDB value ${JSON.stringify(v)}`);
  }
  return v as string | number | boolean;
}

function set(v: OvsdbJson): Array<string | number | boolean> {
  if (Array.isArray(v) && v[0] === 'set') return (v[1] as OvsdbJson[]).map((x) => atom(x)!);
  const a = atom(v);
  return a === null ? [] : [a];
}

function map(v: OvsdbJson): Record<string, string> {
  if (!Array.isArray(v) || v[0] !== 'map') throw new OvsOutputError(`expected an OVSDB map, got ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, val] of v[1] as Array<[OvsdbJson, OvsdbJson]>) out[String(atom(k))] = String(atom(val));
  return out;
}

interface Table {
  headings: string[];
  data: OvsdbJson[][];
}

function rows(table: Table): Array<Record<string, OvsdbJson>> {
  return table.data.map((row) => Object.fromEntries(table.headings.map((h, i) => [h, row[i]!])));
}

/** Parse the three JSON tables printed by the read (one JSON document per line). */
export function parseOvsState(stdout: string): OvsState {
  const docs = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (docs.length !== 3) throw new OvsOutputError(`expected 3 tables from ovs-vsctl, got ${docs.length}: ${stdout.slice(0, 200)}`);
  let tables: Table[];
  try {
    tables = docs.map((d) => JSON.parse(d) as Table);
  } catch (err) {
    throw new OvsOutputError(`ovs-vsctl printed invalid JSON: ${(err as Error).message}`);
  }
  const [bridgeTable, portTable, ifaceTable] = tables as [Table, Table, Table];

  const interfacesByUuid = new Map<string, OvsInterface>();
  for (const r of rows(ifaceTable)) {
    interfacesByUuid.set(String(atom(r._uuid!)), { name: String(r.name), type: String(r.type ?? ''), options: map(r.options!) });
  }
  const portsByUuid = new Map<string, OvsPort>();
  for (const r of rows(portTable)) {
    const tag = atom(r.tag!);
    portsByUuid.set(String(atom(r._uuid!)), {
      name: String(r.name),
      bridge: null,
      interfaces: set(r.interfaces!).map((u) => interfacesByUuid.get(String(u))?.name ?? String(u)),
      tag: typeof tag === 'number' ? tag : null,
      fakeBridge: r.fake_bridge === true,
      externalIds: map(r.external_ids!),
    });
  }
  const state: OvsState = { bridges: {}, ports: {}, interfaces: {} };
  for (const r of rows(bridgeTable)) {
    const name = String(r.name);
    const portNames: string[] = [];
    for (const uuid of set(r.ports!)) {
      const port = portsByUuid.get(String(uuid));
      if (!port) continue;
      port.bridge = name;
      portNames.push(port.name);
    }
    state.bridges[name] = {
      name,
      failMode: String(atom(r.fail_mode!) ?? ''),
      datapathType: String(r.datapath_type ?? ''),
      externalIds: map(r.external_ids!),
      otherConfig: map(r.other_config!),
      ports: portNames.sort(),
    };
  }
  for (const port of portsByUuid.values()) state.ports[port.name] = port;
  for (const iface of interfacesByUuid.values()) state.interfaces[iface.name] = iface;
  return state;
}

/** A fake (VLAN) bridge: its record is a Port with fake_bridge=true in the parent bridge. */
export function fakeBridge(state: OvsState, name: string): { parent: string; vlan: number | null } | null {
  const port = state.ports[name];
  return port?.fakeBridge && port.bridge ? { parent: port.bridge, vlan: port.tag } : null;
}

export interface WantedPort {
  name: string;
  /** Interface type; undefined leaves an existing port's type alone ('' and 'system' are the same). */
  type?: string;
  /** Options to set; a null or '' value removes that option. */
  options?: Record<string, string | null>;
  state: 'present' | 'absent';
}

export interface WantedBridge {
  bridge: string;
  state: 'present' | 'absent';
  parent?: string;
  vlan?: number;
  failMode?: string;
  datapathType?: string;
  externalIds?: Record<string, string | null>;
  otherConfig?: Record<string, string | null>;
  ports?: WantedPort[];
}

export interface OvsPlan {
  /** ovs-vsctl sub-commands (argv without the program), run as one transaction. */
  commands: string[][];
  /** One human-readable line per change. */
  changes: string[];
  /** The state once the plan has run. */
  after: OvsState;
}

/** A request the planner cannot satisfy; the message says what to do. */
export class OvsPlanError extends Error {
  override name = 'OvsPlanError';
}

/** Quote a string for ovs-vsctl's database syntax (a JSON string is a valid OVSDB string). */
export function ovsString(s: string): string {
  return JSON.stringify(s);
}

const isSystemType = (t: string | undefined): boolean => t === undefined || t === '' || t === 'system';
const sameType = (a: string, b: string): boolean => (isSystemType(a) && isSystemType(b)) || a === b;

function clone(state: OvsState): OvsState {
  return JSON.parse(JSON.stringify(state)) as OvsState;
}

/**
 * Plan the changes for one bridge. `systemInterfaces` are the host's network devices
 * (/sys/class/net): a system port can only be added for a device that exists.
 */
export function planBridge(state: OvsState, want: WantedBridge, systemInterfaces: ReadonlySet<string>): OvsPlan {
  const after = clone(state);
  const commands: string[][] = [];
  const changes: string[] = [];
  const br = want.bridge;
  const existing = state.bridges[br];
  const fake = fakeBridge(state, br);

  if (want.state === 'absent') {
    if (existing || fake) {
      commands.push(['--if-exists', 'del-br', br]);
      changes.push(`bridge ${br} removed`);
      removeBridge(after, br);
    }
    return { commands, changes, after };
  }

  if (want.parent !== undefined || want.vlan !== undefined) return planFakeBridge(state, want, after);
  if (fake) {
    throw new OvsPlanError(`${br} exists as a fake bridge (VLAN ${fake.vlan} of ${fake.parent}); to make it a real bridge, remove it first (state: absent)`);
  }

  if (!existing) {
    commands.push(['--may-exist', 'add-br', br]);
    changes.push(`bridge ${br} added`);
    after.bridges[br] = { name: br, failMode: '', datapathType: '', externalIds: {}, otherConfig: {}, ports: [br] };
    after.ports[br] = { name: br, bridge: br, interfaces: [br], tag: null, fakeBridge: false, externalIds: {} };
    after.interfaces[br] = { name: br, type: 'internal', options: {} };
  }
  const b = after.bridges[br]!;

  // Datapath first: in the same transaction as add-br, so vswitchd never tries the other one.
  if (want.datapathType !== undefined && want.datapathType !== b.datapathType) {
    commands.push(['set', 'Bridge', br, `datapath_type=${ovsString(want.datapathType)}`]);
    changes.push(`${br} datapath_type: ${show(b.datapathType)} -> ${show(want.datapathType)}`);
    b.datapathType = want.datapathType;
  }
  if (want.failMode !== undefined && want.failMode !== b.failMode) {
    commands.push(want.failMode === '' ? ['clear', 'Bridge', br, 'fail_mode'] : ['set', 'Bridge', br, `fail_mode=${want.failMode}`]);
    changes.push(`${br} fail_mode: ${show(b.failMode)} -> ${show(want.failMode)}`);
    b.failMode = want.failMode;
  }
  planExternalIds(br, b.externalIds, want.externalIds, commands, changes);
  planMapColumn('Bridge', br, 'other_config', b.otherConfig, want.otherConfig, commands, changes);

  for (const p of want.ports ?? []) planPort(after, br, p, systemInterfaces, commands, changes);
  b.ports.sort();
  return { commands, changes, after };
}

function planFakeBridge(state: OvsState, want: WantedBridge, after: OvsState): OvsPlan {
  const br = want.bridge;
  const commands: string[][] = [];
  const changes: string[] = [];
  if (want.parent === undefined || want.vlan === undefined) throw new OvsPlanError(`a fake bridge needs both parent and vlan (${br})`);
  for (const [arg, given] of [
    ['fail_mode', want.failMode],
    ['datapath_type', want.datapathType],
    ['other_config', want.otherConfig],
    ['ports', want.ports],
  ] as const) {
    if (given !== undefined) throw new OvsPlanError(`${arg} is not supported on a fake (VLAN) bridge such as ${br}: set it on the parent bridge ${want.parent}`);
  }
  const parent = state.bridges[want.parent];
  if (!parent) throw new OvsPlanError(`parent bridge ${want.parent} of ${br} does not exist: create it first (an ovs_bridge task for ${want.parent} before this one)`);
  if (state.bridges[br]) throw new OvsPlanError(`${br} exists as a real bridge, not a fake bridge of ${want.parent}: remove it first (state: absent)`);
  const fake = fakeBridge(state, br);
  if (fake && (fake.parent !== want.parent || fake.vlan !== want.vlan)) {
    throw new OvsPlanError(`${br} is a fake bridge of ${fake.parent} with VLAN ${fake.vlan}, not of ${want.parent} with VLAN ${want.vlan}: remove it first (state: absent)`);
  }
  if (!fake) {
    commands.push(['--may-exist', 'add-br', br, want.parent, String(want.vlan)]);
    changes.push(`fake bridge ${br} (VLAN ${want.vlan} of ${want.parent}) added`);
    after.ports[br] = { name: br, bridge: want.parent, interfaces: [br], tag: want.vlan, fakeBridge: true, externalIds: {} };
    after.interfaces[br] = { name: br, type: 'internal', options: {} };
    after.bridges[want.parent]!.ports = [...after.bridges[want.parent]!.ports, br].sort();
  }
  // A fake bridge keeps its external ids on its Port record, prefixed (br-set-external-id does this).
  const port = after.ports[br]!;
  const current: Record<string, string> = {};
  for (const [k, v] of Object.entries(port.externalIds)) if (k.startsWith('fake-bridge-')) current[k.slice('fake-bridge-'.length)] = v;
  planExternalIds(br, current, want.externalIds, commands, changes);
  for (const k of Object.keys(port.externalIds)) if (k.startsWith('fake-bridge-')) delete port.externalIds[k];
  for (const [k, v] of Object.entries(current)) port.externalIds[`fake-bridge-${k}`] = v;
  return { commands, changes, after };
}

/** external_ids through br-set-external-id (works for real and fake bridges); '' or null removes a key. */
function planExternalIds(br: string, have: Record<string, string>, want: Record<string, string | null> | undefined, commands: string[][], changes: string[]): void {
  for (const [k, v] of Object.entries(want ?? {})) {
    if (v === null || v === '') {
      if (k in have) {
        commands.push(['br-set-external-id', br, k]);
        changes.push(`${br} external_ids:${k} removed`);
        delete have[k];
      }
    } else if (have[k] !== v) {
      commands.push(['br-set-external-id', br, k, v]);
      changes.push(`${br} external_ids:${k}: ${show(have[k])} -> ${show(v)}`);
      have[k] = v;
    }
  }
}

/** A map column (other_config, options): set differing keys, remove keys given as null/''. */
function planMapColumn(
  table: string,
  record: string,
  column: string,
  have: Record<string, string>,
  want: Record<string, string | null> | undefined,
  commands: string[][],
  changes: string[],
): void {
  for (const [k, v] of Object.entries(want ?? {})) {
    if (v === null || v === '') {
      if (k in have) {
        commands.push(['remove', table, record, column, ovsString(k)]);
        changes.push(`${record} ${column}:${k} removed`);
        delete have[k];
      }
    } else if (have[k] !== v) {
      commands.push(['set', table, record, `${column}:${ovsString(k)}=${ovsString(v)}`]);
      changes.push(`${record} ${column}:${k}: ${show(have[k])} -> ${show(v)}`);
      have[k] = v;
    }
  }
}

function planPort(after: OvsState, br: string, p: WantedPort, systemInterfaces: ReadonlySet<string>, commands: string[][], changes: string[]): void {
  const port = after.ports[p.name];
  const onThisBridge = port?.bridge === br && !port.fakeBridge;
  if (p.state === 'absent') {
    if (p.name === br) throw new OvsPlanError(`port ${br} is the bridge's own internal port; remove the bridge (state: absent) instead`);
    if (!onThisBridge) return;
    commands.push(['--if-exists', 'del-port', br, p.name]);
    changes.push(`port ${p.name} removed from ${br}`);
    removePort(after, p.name);
    return;
  }
  if (port && !onThisBridge) {
    const where = port.fakeBridge ? `is a fake bridge of ${port.bridge}` : `is attached to bridge ${port.bridge}`;
    throw new OvsPlanError(`port ${p.name} ${where}, not to ${br}: remove it there first (ports: [{name: ${p.name}, state: absent}] on ${port.bridge})`);
  }
  if (!port) {
    if (isSystemType(p.type) && !systemInterfaces.has(p.name)) {
      throw new OvsPlanError(
        `port ${p.name}: there is no network interface ${p.name} on this host to attach to ${br} ` +
          '(check the name with `ip link`; for a port that exists only in Open vSwitch give type: internal, patch or vxlan)',
      );
    }
    commands.push(['--may-exist', 'add-port', br, p.name]);
    changes.push(`port ${p.name} added to ${br}${isSystemType(p.type) ? '' : ` (type ${p.type})`}`);
    after.ports[p.name] = { name: p.name, bridge: br, interfaces: [p.name], tag: null, fakeBridge: false, externalIds: {} };
    after.interfaces[p.name] = { name: p.name, type: '', options: {} };
    after.bridges[br]!.ports.push(p.name);
  }
  const iface = after.interfaces[p.name] ?? (after.interfaces[p.name] = { name: p.name, type: '', options: {} });
  if (p.type !== undefined && !sameType(iface.type, p.type)) {
    commands.push(['set', 'Interface', p.name, `type=${ovsString(p.type)}`]);
    if (port) changes.push(`${p.name} type: ${show(iface.type)} -> ${show(p.type)}`);
    iface.type = p.type === 'system' ? '' : p.type;
  }
  planMapColumn('Interface', p.name, 'options', iface.options, p.options, commands, port ? changes : []);
}

function removePort(state: OvsState, name: string): void {
  const port = state.ports[name];
  if (!port) return;
  for (const i of port.interfaces) delete state.interfaces[i];
  delete state.ports[name];
  if (port.bridge && state.bridges[port.bridge]) state.bridges[port.bridge]!.ports = state.bridges[port.bridge]!.ports.filter((p) => p !== name);
}

function removeBridge(state: OvsState, name: string): void {
  const bridge = state.bridges[name];
  if (bridge) {
    for (const p of bridge.ports) removePort(state, p);
    delete state.bridges[name];
    return;
  }
  removePort(state, name); // a fake bridge
}

function show(v: string | undefined): string {
  return v === undefined || v === '' ? '(none)' : JSON.stringify(v);
}

/** `ovs-vsctl show`-style text of one bridge (empty when absent), for --diff. */
export function describeBridge(state: OvsState, name: string): string {
  const b = state.bridges[name];
  const fake = fakeBridge(state, name);
  const fmtMap = (m: Record<string, string>): string =>
    `{${Object.keys(m)
      .sort()
      .map((k) => `${k}=${m[k]}`)
      .join(', ')}}`;
  const lines: string[] = [];
  if (fake) {
    lines.push(`Bridge ${name} (fake: VLAN ${fake.vlan} of ${fake.parent})`);
    const ids = Object.fromEntries(
      Object.entries(state.ports[name]!.externalIds)
        .filter(([k]) => k.startsWith('fake-bridge-'))
        .map(([k, v]) => [k.slice('fake-bridge-'.length), v]),
    );
    if (Object.keys(ids).length) lines.push(`    external_ids: ${fmtMap(ids)}`);
    return lines.join('\n') + '\n';
  }
  if (!b) return '';
  lines.push(`Bridge ${name}`);
  if (b.datapathType) lines.push(`    datapath_type: ${b.datapathType}`);
  if (b.failMode) lines.push(`    fail_mode: ${b.failMode}`);
  if (Object.keys(b.externalIds).length) lines.push(`    external_ids: ${fmtMap(b.externalIds)}`);
  if (Object.keys(b.otherConfig).length) lines.push(`    other_config: ${fmtMap(b.otherConfig)}`);
  for (const p of [...b.ports].sort()) {
    const port = state.ports[p];
    lines.push(`    Port ${p}${port?.tag !== null && port?.tag !== undefined ? ` (tag ${port.tag})` : ''}${port?.fakeBridge ? ' (fake bridge)' : ''}`);
    for (const i of port?.interfaces ?? []) {
      const iface = state.interfaces[i];
      lines.push(`        Interface ${i}`);
      if (iface?.type) lines.push(`            type: ${iface.type}`);
      if (iface && Object.keys(iface.options).length) lines.push(`            options: ${fmtMap(iface.options)}`);
    }
  }
  return lines.join('\n') + '\n';
}
