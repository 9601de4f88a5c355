/**
 * `ovs_bridge` (also `openvswitch_bridge`, `openvswitch.openvswitch.openvswitch_bridge`): an
 * Open vSwitch bridge, its settings and its ports. One `ovs-vsctl --format=json` call reads
 * the bridges, ports and interfaces; the controller plans the smallest change
 * (modules/_lib/ovs.ts); one `ovs-vsctl` transaction applies it. There is no dry run in
 * ovs-vsctl, so check mode is the plan itself.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { quoteArgv } from '../core/transport/shell-quote.js';
import { describeBridge, OvsOutputError, OvsPlanError, parseOvsState, planBridge, readSubcommands, type OvsState, type WantedBridge, type WantedPort } from './_lib/ovs.js';

type Scalar = string | number | boolean;

interface PortArg {
  name: string;
  type?: string;
  options?: Record<string, Scalar | null>;
  state?: 'present' | 'absent';
}

interface OvsBridgeArgs {
  bridge: string;
  state: 'present' | 'absent';
  parent?: string;
  vlan?: number;
  fail_mode?: 'secure' | 'standalone' | '';
  datapath_type?: string;
  external_ids?: Record<string, Scalar | null>;
  other_config?: Record<string, Scalar | null>;
  ports?: Array<PortArg | string>;
  timeout: number;
  database_socket?: string;
}

/** Check mode: the Open vSwitch state earlier ovs_bridge tasks would leave. */
const PREDICTED_NS = 'ovs';
const PREDICTED_KEY = 'state';
const mapArg = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } };
// Not starting with '-': ovs-vsctl and ip would read such a name as an option.
const NAME_RE = /^[^\s/-][^\s/]*$/;

export default defineModule<OvsBridgeArgs>({
  name: 'ovs_bridge',
  aliases: ['openvswitch_bridge'],
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['bridge'],
    properties: {
      bridge: { type: 'string', minLength: 1 },
      state: { enum: ['present', 'absent'], default: 'present' },
      parent: { type: 'string', minLength: 1, description: 'Parent bridge of a fake (VLAN) bridge; needs vlan.' },
      vlan: { type: 'integer', minimum: 0, maximum: 4095 },
      fail_mode: { enum: ['secure', 'standalone', ''] },
      datapath_type: { type: 'string', description: 'system (kernel) or netdev (userspace); left alone when omitted.' },
      external_ids: { ...mapArg, description: 'Keys to set; a null or empty value removes the key; other keys are left alone.' },
      other_config: { ...mapArg, description: 'Keys to set; a null or empty value removes the key; other keys are left alone.' },
      ports: {
        type: 'array',
        items: {
          anyOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: {
                name: { type: 'string', minLength: 1 },
                type: { type: 'string', description: 'internal, patch, vxlan, gre, system (a host NIC; the default)...' },
                options: mapArg,
                // No `default`: ajv does not fill defaults inside anyOf (strict mode says so); run() does.
                state: { enum: ['present', 'absent'], description: 'present (the default) or absent' },
              },
            },
          ],
        },
      },
      timeout: { type: 'integer', minimum: 1, default: 5, description: 'Seconds ovs-vsctl waits for the database and ovs-vswitchd.' },
      database_socket: { type: 'string', description: 'ovsdb-server socket path (--db=unix:PATH), when not the default.' },
    },
  },
  docs: {
    short: 'Manage Open vSwitch bridges and their ports (one read, one transaction)',
    description: [
      "Ansible's `openvswitch_bridge`, plus `ports`. One `ovs-vsctl --format=json` call reads every bridge, port",
      'and interface; the smallest set of changes is planned in the controller and applied as ONE `ovs-vsctl`',
      'transaction using `--may-exist`/`--if-exists`, so a run changes all of it or nothing. Check mode shows',
      'the plan (ovs-vsctl has no dry run) and changes nothing.',
      '',
      '`datapath_type`, `fail_mode`, `external_ids` and `other_config` are compared only when given; for the two',
      'maps, only the keys given are managed (a null or empty value removes a key). `ports` lists ports that must be',
      'on the bridge (or, with `state: absent`, must not be); ports not listed are left alone. A port\'s `type` and',
      '`options` are set on its interface (`peer` of a patch port, `remote_ip` of a VXLAN port).',
      '',
      'A port of type system (the default) attaches a network device of the host: when the device does not',
      'exist the task fails before changing anything. A port already attached to another bridge is an error too.',
    ].join('\n'),
    examples: [
      '- name: br-ex with the public NIC (seed 001, step 9)',
      '  ovs_bridge:',
      '    bridge: br-ex',
      '    ports:',
      '      - name: eth1',
      '',
      '- name: The same on lab hosts without the openvswitch kernel module',
      '  ovs_bridge:',
      '    bridge: br-ex',
      '    datapath_type: netdev        # userspace datapath',
      '    ports: [eth1]',
      '',
      "- name: The integration and tunnel bridges the Neutron OVS agent uses (seed 001, step 8's `ovs-vsctl show`)",
      '  ovs_bridge:',
      '    bridge: "{{item.bridge}}"',
      '    fail_mode: "{{item.fail_mode}}"',
      '    ports: "{{item.ports}}"',
      '  loop:',
      '    - bridge: br-int',
      '      fail_mode: secure',
      '      ports: [{name: patch-tun, type: patch, options: {peer: patch-int}}]',
      '    - bridge: br-tun',
      '      fail_mode: ""',
      '      ports:',
      '        - {name: patch-int, type: patch, options: {peer: patch-tun}}',
      '        - name: vxlan-c0a80065',
      '          type: vxlan',
      '          options: {local_ip: 192.168.0.100, remote_ip: 192.168.0.101, in_key: flow, out_key: flow}',
      '',
      '- name: A fake bridge for VLAN 10 of br-ex, tagged for Neutron',
      '  openvswitch.openvswitch.openvswitch_bridge:',
      '    bridge: br-ex-10',
      '    parent: br-ex',
      '    vlan: 10',
      '    external_ids: {bridge-id: br-ex-10}',
      '',
      '- name: Detach a NIC, keep the bridge',
      '  ovs_bridge:',
      '    bridge: br-ex',
      '    ports: [{name: eth2, state: absent}]',
      '',
      '- name: Remove a bridge (and its ports)',
      '  ovs_bridge: bridge=br-old state=absent',
    ].join('\n'),
    returns: {
      bridge: 'The bridge managed',
      commands: 'The ovs-vsctl command line that ran (check mode: would run); absent when nothing changed',
      changes: 'One line per change ("port eth1 added to br-ex", "br-int fail_mode: (none) -> \\"secure\\"")',
      warnings: "What ovs-vsctl reported after the change (e.g. ovs-vswitchd's errors setting up a port)",
    },
    notes: [
      'Needs ovs-vsctl and a running ovsdb-server/ovs-vswitchd (the openvswitch service) on the host.',
      'A bridge of the wrong kind (real vs. fake, other parent or VLAN) is an error: remove it first with state: absent.',
      'Changing datapath_type of an existing bridge makes ovs-vswitchd recreate it (traffic stops briefly).',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const want = wantedBridge(ctx);
    const read = await readState(ctx);
    const predicted = ctx.check ? ctx.predicted.get<OvsState>(PREDICTED_NS, PREDICTED_KEY) : undefined;
    const before = predicted ?? read.state;

    let plan;
    try {
      plan = planBridge(before, want, read.systemInterfaces);
    } catch (err) {
      if (err instanceof OvsPlanError) ctx.fail(`${err.message} (bridge ${a.bridge} on ${ctx.host.name})`);
      throw err;
    }
    const out: ModuleResult = { changed: plan.commands.length > 0, bridge: a.bridge, changes: plan.changes };
    out.msg = plan.changes.length ? plan.changes.join('; ') : 'OK';
    if (plan.commands.length === 0) return out;

    const argv = vsctlArgv(a, plan.commands.flatMap((c) => ['--', ...c]));
    out.commands = quoteArgv(argv);
    if (ctx.check) {
      ctx.predicted.set(PREDICTED_NS, PREDICTED_KEY, plan.after);
    } else {
      const res = await ctx.runArgv(argv, { timeoutMs: (a.timeout + 30) * 1000 });
      if (res.rc !== 0) {
        ctx.fail(`ovs-vsctl failed on ${ctx.host.name} for bridge ${a.bridge}: ${res.stderr.trim() || `exit status ${res.rc}`}`, { commands: out.commands, rc: res.rc });
      }
      const warnings = res.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/default log directory/.test(l));
      if (warnings.length) out.warnings = warnings;
    }
    if (ctx.diff) {
      out.diff = {
        before: describeBridge(before, a.bridge),
        after: describeBridge(plan.after, a.bridge),
        beforeHeader: `Open vSwitch bridge ${a.bridge}`,
        afterHeader: `Open vSwitch bridge ${a.bridge}`,
      };
    }
    return out;
  },
});

function vsctlArgv(a: OvsBridgeArgs, rest: string[]): string[] {
  return ['ovs-vsctl', `--timeout=${a.timeout}`, ...(a.database_socket ? [`--db=unix:${a.database_socket}`] : []), ...rest];
}

/** Arguments to the planner's terms, with clear messages for what the schema cannot say. */
function wantedBridge(ctx: ModuleContext<OvsBridgeArgs>): WantedBridge {
  const a = ctx.args;
  checkName(ctx, 'bridge', a.bridge);
  if ((a.parent === undefined) !== (a.vlan === undefined)) ctx.fail('parent and vlan go together: a fake bridge is VLAN <vlan> of bridge <parent>');
  const str = (m: Record<string, Scalar | null> | undefined): Record<string, string | null> | undefined =>
    m === undefined ? undefined : Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v === null ? null : String(v)]));
  const want: WantedBridge = { bridge: a.bridge, state: a.state };
  if (a.parent !== undefined) {
    checkName(ctx, 'parent', a.parent);
    want.parent = a.parent;
  }
  if (a.vlan !== undefined) want.vlan = a.vlan;
  if (a.fail_mode !== undefined) want.failMode = a.fail_mode;
  if (a.datapath_type !== undefined) want.datapathType = a.datapath_type;
  if (a.external_ids !== undefined) want.externalIds = str(a.external_ids)!;
  if (a.other_config !== undefined) want.otherConfig = str(a.other_config)!;
  if (a.ports !== undefined) {
    const seen = new Set<string>();
    want.ports = a.ports.map((p): WantedPort => {
      const port = typeof p === 'string' ? { name: p } : p;
      checkName(ctx, 'port', port.name);
      if (seen.has(port.name)) ctx.fail(`port ${port.name} is listed twice in ports`);
      seen.add(port.name);
      const w: WantedPort = { name: port.name, state: port.state ?? 'present' };
      if (port.type !== undefined) w.type = port.type;
      if (port.options !== undefined) w.options = str(port.options)!;
      return w;
    });
  }
  return want;
}

function checkName(ctx: ModuleContext<OvsBridgeArgs>, kind: string, name: string): void {
  if (!NAME_RE.test(name)) ctx.fail(`${kind} name ${JSON.stringify(name)} must not contain spaces or '/', nor start with '-'`);
}

/**
 * One command: the three tables as JSON, then the host's network devices (for system
 * ports). Check mode on a host where Open vSwitch is not installed yet but an earlier task
 * would install it starts from an empty database.
 */
async function readState(ctx: ModuleContext<OvsBridgeArgs>): Promise<{ state: OvsState; systemInterfaces: Set<string> }> {
  const a = ctx.args;
  const list = quoteArgv(vsctlArgv(a, ['--format=json', ...readSubcommands().flatMap((c) => ['--', ...c])]));
  const script = [
    'PATH="$PATH:/usr/sbin:/sbin:/usr/local/bin"',
    'ls -1 /sys/class/net 2>/dev/null',
    "echo '--'",
    "command -v ovs-vsctl >/dev/null 2>&1 || { echo 'ovs-vsctl: command not found' >&2; exit 127; }",
    `exec ${list}`,
  ].join('\n');
  const res = await ctx.run(script, { timeoutMs: (a.timeout + 30) * 1000 });
  const lines = res.stdout.split('\n');
  const sep = lines.indexOf('--');
  const systemInterfaces = new Set(lines.slice(0, Math.max(sep, 0)).filter(Boolean));
  if (res.rc === 127) {
    if (ctx.check && openvswitchPredicted(ctx)) return { state: { bridges: {}, ports: {}, interfaces: {} }, systemInterfaces };
    ctx.fail(`Open vSwitch is not installed on ${ctx.host.name} (no ovs-vsctl): install openvswitch first`);
  }
  if (res.rc !== 0) {
    const said = res.stderr.trim() || `exit status ${res.rc}`;
    const hint = /database connection failed|No such file or directory|Connection refused/.test(said) ? '; is the openvswitch service (ovsdb-server) running?' : '';
    ctx.fail(`cannot read the Open vSwitch database on ${ctx.host.name}: ${said}${hint}`);
  }
  try {
    return { state: parseOvsState(lines.slice(sep + 1).join('\n')), systemInterfaces };
  } catch (err) {
    if (err instanceof OvsOutputError) ctx.fail(`unexpected output from ovs-vsctl on ${ctx.host.name}: ${err.message}`);
    throw err;
  }
}

/** Whether an earlier check-mode task (yum) would install Open vSwitch. */
function openvswitchPredicted(ctx: ModuleContext<OvsBridgeArgs>): boolean {
  return ['openvswitch', 'openvswitch-switch'].some((name) => {
    const p = ctx.predicted.get<unknown>('rpm', name);
    return p !== undefined && p !== 'absent';
  });
}
