/**
 * `systemd` (also `systemd_service`; `service` dispatches here on systemd hosts): start, stop, restart, reload, enable,
 * disable, mask units. One `systemctl show` reads the unit; one command acts. Check mode
 * also knows units that an earlier `yum` task would install (their unit files are in the
 * predicted state) and the preset policy the package's %post would apply to them.
 */
import { defineModule, type DiffEntry } from '../core/modules/api.js';
import {
  actCommand,
  isEnabled,
  parseShow,
  plan,
  presetFor,
  showCommand,
  statusDict,
  UNIT_DIRS,
  unitName,
  unitState,
  type UnitState,
} from './_lib/systemd.js';

interface SystemdArgs {
  name?: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  masked?: boolean;
  daemon_reload: boolean;
  daemon_reexec: boolean;
  no_block: boolean;
}

const NS = 'systemd';

export default defineModule<SystemdArgs>({
  name: 'systemd',
  aliases: ['systemd_service'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, description: 'Unit name; without a suffix it is a .service' },
      state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] },
      enabled: { type: 'boolean' },
      masked: { type: 'boolean' },
      daemon_reload: { type: 'boolean', default: false },
      daemon_reexec: { type: 'boolean', default: false },
      no_block: { type: 'boolean', default: false },
    },
    // `required` in the last two: without it an absent daemon_reload passed the branch, so a
    // task with neither name nor a daemon action got through to the host.
    anyOf: [{ required: ['name'] }, { required: ['daemon_reload'], properties: { daemon_reload: { const: true } } }, { required: ['daemon_reexec'], properties: { daemon_reexec: { const: true } } }],
  },
  docs: {
    short: 'Manage systemd units (start/stop/restart/reload, enable, mask)',
    description: [
      'Reads the unit with ONE `systemctl show` and acts with one command, in Ansible\'s order:',
      'mask/unmask, enable/disable, then the run state. `restarted` and `reloaded` always report a',
      'change, as in Ansible. A unit that does not exist is an error naming the host, except in check',
      'mode when an earlier task (a `yum` install) would provide its unit file: then the prediction',
      'uses the host\'s preset policy, as the package\'s %post would.',
    ].join('\n'),
    examples: [
      '- name: Network service instead of NetworkManager (seed step 9)',
      '  systemd: name=NetworkManager enabled=no',
      '',
      '- systemd: name=network enabled=yes',
      '',
      '- name: Restart RabbitMQ, then neutron-server',
      '  systemd: name=rabbitmq-server state=restarted',
      '',
      '- name: Start and enable the Nova API after a unit file change',
      '  systemd:',
      '    name: openstack-nova-api',
      '    state: started',
      '    enabled: true',
      '    daemon_reload: true',
    ].join('\n'),
    returns: {
      name: 'The unit name',
      state: 'The requested state (restarted/reloaded report started)',
      enabled: 'Whether the unit is enabled afterwards (when enabled was given)',
      status: 'systemctl show properties before the change (Id, LoadState, ActiveState, SubState, UnitFileState, ...)',
    },
    notes: ['Disabling a static unit (no [Install] section) is an error: mask it instead.'],
  },
  async run(ctx) {
    const a = ctx.args;
    if (!a.name) {
      // Only a daemon reload/reexec was asked for: it never counts as a change (as Ansible).
      if (!ctx.check) {
        const cmd = [a.daemon_reload && 'systemctl daemon-reload', a.daemon_reexec && 'systemctl daemon-reexec'].filter(Boolean).join(' && ');
        const res = await ctx.run(cmd);
        if (res.rc !== 0) ctx.fail(`${cmd} failed on ${ctx.host.name}: ${(res.stderr || res.stdout).trim()}`, { rc: res.rc });
      }
      return { changed: false, msg: 'daemon reloaded' };
    }
    const unit = unitName(a.name);
    // The reload comes first so that `show` sees changed unit files (Ansible's order).
    const reload = !ctx.check && (a.daemon_reload || a.daemon_reexec);
    const read = [a.daemon_reload && !ctx.check && 'systemctl daemon-reload', a.daemon_reexec && !ctx.check && 'systemctl daemon-reexec'].filter(Boolean);
    const res = await ctx.run([...read.map((c) => `${c} || { echo "reload failed" >&2; exit 90; }`), showCommand(a.name, ctx.check)].join('\n'));
    if (reload && res.rc === 90) ctx.fail(`systemctl daemon-reload failed on ${ctx.host.name}: ${res.stderr.trim()}`);
    const status = parseShow(res.stdout);
    if (status.error) {
      ctx.fail(`could not read unit ${unit} on ${ctx.host.name}: ${status.error}${/booted with systemd|connect to bus/i.test(status.error) ? ' (systemd is not running on this host)' : ''}`);
    }
    let current: UnitState = unitState(status);
    if (ctx.check) {
      const predicted = ctx.predicted.get<UnitState>(NS, unit);
      if (predicted) current = predicted;
      else if (!current.found && UNIT_DIRS.some((d) => ctx.predicted.file(`${d}/${unit}`) === 'exists' || Buffer.isBuffer(ctx.predicted.file(`${d}/${unit}`)))) {
        // An earlier task would install this unit: a package's %post applies the preset policy.
        current = { found: true, active: 'inactive', unitFileState: presetFor(unit, status.presetLines ?? []), masked: false };
      }
    }
    if (!current.found && (a.state !== undefined || a.enabled !== undefined)) {
      ctx.fail(`unit ${unit} not found on ${ctx.host.name}: no such unit file (is the package that provides it installed? check the name with 'systemctl list-unit-files')`, {
        status: statusDict(status),
      });
    }
    const p = plan(current, { ...(a.state ? { state: a.state } : {}), ...(a.enabled !== undefined ? { enabled: a.enabled } : {}), ...(a.masked !== undefined ? { masked: a.masked } : {}) }, unit);
    if (p.error) ctx.fail(p.error, { status: statusDict(status) });
    if (p.actions.length && !ctx.check) {
      const act = await ctx.run(actCommand(a.name, p.actions, { noBlock: a.no_block }));
      if (act.rc !== 0) {
        const failedAt = p.actions.find((x) => (act.stderr + act.stdout).includes(x)) ?? p.actions.join('/');
        ctx.fail(`unable to ${failedAt} unit ${unit} on ${ctx.host.name}: ${(act.stderr || act.stdout).trim() || `exit ${act.rc}`} (see 'systemctl status ${unit}' and 'journalctl -xeu ${unit}')`, {
          rc: act.rc,
          status: statusDict(status),
        });
      }
    }
    if (ctx.check) ctx.predicted.set<UnitState>(NS, unit, p.after);
    const changed = p.actions.length > 0;
    const out: Record<string, unknown> & { changed: boolean } = {
      changed,
      name: a.name,
      status: statusDict(status),
      ...(changed ? { msg: `${ctx.check ? 'would ' : ''}${p.actions.join(', ')}` } : {}),
    };
    if (a.state) out.state = a.state === 'stopped' ? 'stopped' : 'started';
    if (a.enabled !== undefined) out.enabled = isEnabled(p.after.unitFileState);
    if (a.masked !== undefined) out.masked = p.after.masked;
    if (changed && ctx.diff) out.diff = stateDiff(unit, current, p.after);
    return out;
  },
});

function describe(s: UnitState): string {
  return `masked: ${s.masked ? 'yes' : 'no'}\nenabled: ${s.unitFileState || 'unknown'}\nactive: ${s.active}\n`;
}

function stateDiff(unit: string, before: UnitState, after: UnitState): DiffEntry {
  return { before: describe(before), after: describe(after), beforeHeader: `${unit} (before)`, afterHeader: `${unit} (after)` };
}
