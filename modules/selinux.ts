/**
 * `selinux`: the SELinux mode and policy in /etc/selinux/config, and the live mode with
 * setenforce. Reads everything in one command; edits only the SELINUX=/SELINUXTYPE= lines.
 */
import { defineModule } from '../core/modules/api.js';
import { actCommand, configValue, parseRead, planSelinux, readCommand, type HostSelinux, type SelinuxState } from './_lib/selinux.js';

interface SelinuxArgs {
  state: SelinuxState;
  policy?: string;
  configfile: string;
}

/** Check mode: the live mode an earlier selinux task would have set. */
const NS = 'selinux';

export default defineModule<SelinuxArgs>({
  name: 'selinux',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['state'],
    properties: {
      state: { enum: ['enforcing', 'permissive', 'disabled'] },
      policy: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Default targeted (for disabled: the configured one)' },
      configfile: { type: 'string', default: '/etc/selinux/config' },
    },
  },
  docs: {
    short: 'Set the SELinux mode and policy (config file and live mode)',
    description: [
      'Edits `SELINUX=` and `SELINUXTYPE=` in the config file, leaving every other byte as it was,',
      'and switches the live mode with `setenforce` when SELinux is running. Going to or from',
      '`disabled` needs a reboot: the result says `reboot_required: true` (and a relabel is scheduled',
      'with /.autorelabel when SELinux comes back). On a host without SELinux at all (no selinuxfs,',
      'no installed policy) the file is written in the standard layout and `msg` says SELinux is not',
      'active there.',
    ].join('\n'),
    examples: [
      "- name: 'SELinux permissive (seed step 3: packstack fails when it is disabled)'",
      '  selinux:',
      '    policy: targeted',
      '    state: permissive',
      '  register: se',
      '',
      '- name: Reboot when SELinux asks for it',
      '  reboot:',
      '  when: se.reboot_required',
    ].join('\n'),
    returns: {
      state: 'The requested mode',
      policy: 'The policy written to the config file',
      configfile: 'Path of the config file',
      reboot_required: 'true when the change takes effect only after a reboot',
      msg: 'What changed, and notes about the host',
    },
  },
  async run(ctx) {
    const a = ctx.args;
    const res = await ctx.run(readCommand(a.configfile, a.policy ?? 'targeted'));
    if (res.rc !== 0) ctx.fail(`could not read ${a.configfile} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const host: HostSelinux = parseRead(res.stdout);
    if (ctx.check) {
      // Earlier tasks of this dry run may have (virtually) written the file or switched the mode.
      const predictedFile = ctx.predicted.file(a.configfile);
      if (Buffer.isBuffer(predictedFile)) host.config = predictedFile.toString('utf8');
      if (predictedFile === 'absent') host.config = null;
      const runtime = ctx.predicted.get<SelinuxState>(NS, 'runtime');
      if (runtime) host.runtime = runtime;
    }
    // `disabled` without a policy keeps the configured one (Ansible).
    const policy = a.policy ?? (a.state === 'disabled' && host.config ? configValue(host.config, 'SELINUXTYPE') : undefined) ?? 'targeted';
    const plan = planSelinux(host, a.state, policy, a.configfile);
    if (plan.error) ctx.fail(`${plan.error} (${ctx.host.name})`);
    const changed = plan.newConfig !== undefined || plan.setenforce !== undefined;
    if (!ctx.check) {
      const act = actCommand(a.configfile, plan, host);
      if (act) {
        const r = await ctx.run(act);
        if (r.rc !== 0) ctx.fail(`could not change SELinux on ${ctx.host.name}: ${r.stderr.trim() || `exit ${r.rc}`}`, { rc: r.rc });
      }
    } else if (plan.setenforce !== undefined) {
      ctx.predicted.set<SelinuxState>(NS, 'runtime', plan.setenforce === 1 ? 'enforcing' : 'permissive');
    }
    if (plan.newConfig !== undefined) await ctx.writeFile(a.configfile, plan.newConfig, host.config === null ? { mode: '0644' } : {});
    const out: Record<string, unknown> & { changed: boolean } = {
      changed,
      msg: plan.messages.join('; ') || `SELinux is already ${a.state}`,
      state: a.state,
      policy,
      configfile: a.configfile,
      reboot_required: plan.rebootRequired,
    };
    if (ctx.diff && plan.newConfig !== undefined) {
      out.diff = { before: host.config ?? '', after: plan.newConfig, beforeHeader: host.config === null ? '/dev/null' : a.configfile, afterHeader: a.configfile };
    }
    return out;
  },
});
