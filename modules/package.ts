/**
 * `package`: Ansible's generic package module. It runs the module for the host's package
 * manager (`ansible_pkg_mgr`, or `use:`) with the same arguments: on dnf and yum hosts the
 * `yum` module, which handles both; on apt hosts (Debian, Ubuntu) the `apt` module.
 */
import { defineModule, type JsonSchema } from '../core/modules/api.js';
import apt from './apt.js';
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

/**
 * The backends' arguments, without their defaults: only what the task gave passes to the
 * backend (whose own schema then applies its defaults), so one backend's defaults never
 * reach the other as unknown arguments.
 */
function withoutDefaults(...schemas: JsonSchema[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const schema of schemas) {
    for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
      const { default: _unused, ...rest } = v as Record<string, unknown>;
      out[k] ??= rest as JsonSchema;
    }
  }
  return out;
}

export default defineModule<PackageArgs>({
  name: 'package',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'state'],
    properties: {
      // The backend's arguments pass through (Ansible hands every argument but `use` to it).
      ...withoutDefaults(yum.schema, apt.schema),
      name: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Package names (a list or a comma-separated string), as the backend reads them.' },
      state: { enum: ['present', 'installed', 'latest', 'absent', 'removed'], description: 'Required, as in Ansible: present, latest or absent.' },
      use: { type: 'string', default: 'auto', description: "The package module to use; 'auto' takes the host's ansible_pkg_mgr fact (dnf or yum: the yum module; apt: the apt module)." },
    },
  },
  docs: {
    short: "Manage packages with the host's package manager (dnf/yum or apt)",
    description: [
      "Runs the module for the host's package manager with the task's arguments, as Ansible's `package` does:",
      'the `ansible_pkg_mgr` fact when facts were gathered, otherwise one command reads it. On dnf and yum',
      'hosts this is the [yum](yum.md) module: one `rpm -q` to read, one transaction to act, and a check',
      'mode that runs the same transaction with `--assumeno`. On apt hosts (Debian, Ubuntu) it is the [apt](apt.md)',
      'module: one `dpkg-query` to read, one command that simulates (`apt-get -s`) and runs the transaction.',
      'Arguments only the backend knows (`enablerepo`, `update_cache`, `install_recommends`...) are passed to it.',
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
      changes: "The backend's result: {installed, updated, removed} as NEVRAs for dnf/yum; {installed, upgraded, removed} for apt.",
      rc: 'Exit status of the transaction (0 when none was needed).',
      msg: "Summary, or the package manager's error.",
    },
    notes: ['RPM hosts (dnf/yum) and apt hosts are supported; on any other package manager (zypper, apk, pacman...) `package` fails before anything runs, saying so.'],
  },
  async run(ctx) {
    const { use, ...args } = ctx.args;
    const manager = use === 'auto' ? await hostManager(ctx, 'pkg_mgr') : use;
    if (manager === 'apt') return runBackend(ctx, apt, args);
    if (!RPM_MANAGERS.includes(manager)) {
      ctx.fail(
        use === 'auto'
          ? `package: ${ctx.host.name} uses '${manager}' (ansible_pkg_mgr); tsplay's package module drives dnf, yum and apt only`
          : `package: use=${use} is not available; tsplay's package module drives dnf, yum and apt only (use: auto, dnf, yum or apt)`,
      );
    }
    return runBackend(ctx, yum, args);
  },
});
