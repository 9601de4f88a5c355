/**
 * `hostname`: set the host's name with Ansible's systemd strategy (hostnamectl): the
 * permanent (static and pretty) name first, then the transient one. One command reads both,
 * one command sets what differs.
 */
import { defineModule } from '../core/modules/api.js';
import { NOT_AN_OPTION } from '../core/modules/validate-args.js';

interface HostnameArgs {
  name: string;
  use?: string;
}

/** Strategies Ansible knows; tsplay implements systemd, which covers every systemd host. */
const STRATEGIES = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'];

export default defineModule<HostnameArgs>({
  name: 'hostname',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 64, pattern: `${NOT_AN_OPTION}[^\\s]+$`, description: 'The host name (at most 64 characters, as systemd allows).' },
      use: { enum: STRATEGIES, description: "The strategy; only 'systemd' is available (the default: hostnamectl)." },
    },
  },
  docs: {
    short: "Manage the host's name (systemd: hostnamectl)",
    description: [
      "Sets the host name as Ansible's systemd strategy does: `hostnamectl --pretty --static set-hostname` for the",
      'permanent name (/etc/hostname), then `hostnamectl --transient set-hostname` for the running one, each only',
      'when it differs. One command reads both names and one sets them; check mode predicts the same change and',
      '`--diff` shows `hostname = old` / `hostname = new`. The result updates the `ansible_hostname`,',
      '`ansible_nodename`, `ansible_fqdn` and `ansible_domain` facts.',
    ].join('\n'),
    examples: [
      '- name: Name the host after its inventory name',
      '  hostname:',
      '    name: "{{ inventory_hostname }}"',
      '',
      '- name: A fully qualified name',
      '  hostname:',
      '    name: compute1.example.com',
      '    use: systemd',
    ].join('\n'),
    returns: {
      name: 'The name set.',
      ansible_facts: 'ansible_hostname (the first label), ansible_nodename, ansible_fqdn and ansible_domain after the change.',
    },
    notes: [
      "Only the systemd strategy exists: `use:` with another strategy fails before anything runs, and hosts without hostnamectl fail with hostnamectl's error.",
      'ansible_fqdn is the name set (Ansible asks the resolver, which usually gives the same answer once /etc/hosts knows the name).',
    ],
  },
  async run(ctx) {
    const { name, use } = ctx.args;
    if (use !== undefined && use !== 'systemd') ctx.fail(`hostname: use=${use} is not available in tsplay; only the systemd strategy (hostnamectl) is implemented`);
    const read = await ctx.run('hostnamectl --transient status && echo @@ && hostnamectl --static status');
    if (read.rc !== 0) ctx.fail(`Command failed rc=${read.rc}, out=${read.stdout.trim()}, err=${read.stderr.trim()}`);
    const [current = '', permanent = ''] = read.stdout.split('@@').map((s) => s.trim());
    const commands: string[] = [];
    if (permanent !== name) commands.push(`hostnamectl --pretty --static set-hostname -- ${ctx.quote(name)}`);
    if (current !== name) commands.push(`hostnamectl --transient set-hostname -- ${ctx.quote(name)}`);
    const changed = commands.length > 0;
    if (changed && !ctx.check) {
      const res = await ctx.run(commands.join(' && '));
      if (res.rc !== 0) ctx.fail(`Command failed rc=${res.rc}, out=${res.stdout.trim()}, err=${res.stderr.trim()}`);
    }
    const before = name !== current ? current : permanent;
    const domain = name.split('.').slice(1).join('.');
    return {
      changed,
      name,
      ansible_facts: { ansible_hostname: name.split('.')[0], ansible_nodename: name, ansible_fqdn: name, ansible_domain: domain },
      ...(changed && ctx.diff ? { diff: { before: `hostname = ${before}\n`, after: `hostname = ${name}\n` } } : {}),
    };
  },
});
