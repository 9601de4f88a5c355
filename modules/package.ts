/**
 * `package`: Ansible's generic package module. It runs the module for the host's package
 * manager (`ansible_pkg_mgr`, or `use:`) with the same arguments: on dnf and yum hosts the
 * `yum` module, which handles both.
 */
import { defineModule } from '../core/modules/api.js';
import { hostManager, runBackend } from './_lib/dispatch.js';
import yum from './yum.js';

interface PackageArgs {
  name: string[];
  state: string;
  use: string;
  [backendArg: string]: unknown;
}

/** Package managers the yum module drives. */
const RPM_MANAGERS = ['dnf', 'yum', 'dnf5'];

const yumProperties = yum.schema.properties as Record<string, Record<string, unknown>>;

export default defineModule<PackageArgs>({
  name: 'package',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'state'],
    properties: {
      // The backend's arguments pass through (Ansible hands every argument but `use` to it).
      ...yumProperties,
      name: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Package names (a list or a comma-separated string), as the backend reads them.' },
      state: { enum: ['present', 'installed', 'latest', 'absent', 'removed'], description: 'Required, as in Ansible: present, latest or absent.' },
      use: { type: 'string', default: 'auto', description: "The package module to use; 'auto' takes the host's ansible_pkg_mgr fact (dnf or yum: the yum module)." },
    },
  },
  docs: {
    short: "Manage packages with the host's package manager (dnf/yum)",
    description: [
      "Runs the module for the host's package manager with the task's arguments, as Ansible's `package` does:",
      'the `ansible_pkg_mgr` fact when facts were gathered, otherwise one command reads it. On dnf and yum',
      'hosts this is the [yum](yum.md) module: one `rpm -q` to read, one transaction to act, and a check',
      'mode that runs the same transaction with `--assumeno`. Arguments only the backend knows (`enablerepo`,',
      '`update_cache`...) are passed to it.',
    ].join('\n'),
    examples: [
      '- name: Install chrony',
      '  package:',
      '    name: chrony',
      '    state: present',
      '',
      '- name: Several packages in one transaction',
      '  package:',
      '    name: [tmux, tcpdump]',
      '    state: latest',
      '',
      '- name: Remove a package, naming the backend',
      '  package: name=telnet state=absent use=dnf',
    ].join('\n'),
    returns: {
      changes: "The backend's result: {installed, updated, removed} as NEVRAs for dnf/yum.",
      rc: 'Exit status of the transaction (0 when none was needed).',
      msg: "Summary, or the package manager's error.",
    },
    notes: ["Only RPM hosts (dnf/yum) are supported: tsplay has no apt module yet, so `package` on a Debian host fails before anything runs, saying so."],
  },
  async run(ctx) {
    const { use, ...args } = ctx.args;
    const manager = use === 'auto' ? await hostManager(ctx, 'pkg_mgr') : use;
    if (!RPM_MANAGERS.includes(manager)) {
      ctx.fail(
        use === 'auto'
          ? `package: ${ctx.host.name} uses '${manager}' (ansible_pkg_mgr); tsplay's package module drives dnf and yum only`
          : `package: use=${use} is not available; tsplay's package module drives dnf and yum only (use: auto, dnf or yum)`,
      );
    }
    return runBackend(ctx, yum, args);
  },
});
