/**
 * `service`: Ansible's generic service module. It runs the module for the host's service
 * manager (`ansible_service_mgr`, or `use:`); tsplay manages systemd, so on a systemd host
 * this is the `systemd` module with `name`, `state` and `enabled`, and arguments systemd has
 * no use for are ignored with a warning, as Ansible's action plugin does.
 */
import { defineModule } from '../core/modules/api.js';
import { hostManager, runBackend } from './_lib/dispatch.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import systemd from './systemd.js';

interface ServiceArgs {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  sleep?: number;
  pattern?: string;
  arguments?: string;
  runlevel?: string;
  use: string;
}

const ALIASES = { arguments: ['args'] };
/** Ansible's UNUSED_PARAMS for systemd. */
const NOT_FOR_SYSTEMD = ['sleep', 'pattern', 'arguments', 'runlevel'] as const;

export default defineModule<ServiceArgs>({
  name: 'service',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      ...withAliases(
        {
          name: { type: 'string', minLength: 1, description: 'The service (unit) name.' },
          state: { enum: ['started', 'stopped', 'restarted', 'reloaded'], description: 'started/stopped are idempotent; restarted and reloaded always act.' },
          enabled: { type: 'boolean', description: 'Start the service at boot.' },
          sleep: { type: 'integer', minimum: 0, description: 'Seconds between stop and start of a restart (init scripts only; ignored on systemd).' },
          pattern: { type: 'string', description: 'Process pattern for services without status (init scripts only; ignored on systemd).' },
          arguments: { type: 'string', description: 'Extra arguments for the init script (ignored on systemd).' },
          runlevel: { type: 'string', description: 'Runlevel for enabling (OpenRC only; ignored on systemd).' },
        },
        ALIASES,
      ),
      use: { type: 'string', default: 'auto', description: "The service module to use; 'auto' takes the host's ansible_service_mgr fact. Only systemd is available in tsplay." },
    },
  },
  docs: {
    short: "Manage services with the host's service manager (systemd)",
    description: [
      "Runs the module for the host's service manager, as Ansible's `service` does: the `ansible_service_mgr`",
      'fact when facts were gathered, otherwise one command reads it. On systemd hosts this is the',
      '[systemd](systemd.md) module with `name`, `state` and `enabled` (one `systemctl show` to read, one',
      'command to act, exact check mode and `--diff`); `sleep`, `pattern`, `arguments` and `runlevel` are',
      'ignored there with a warning. Hosts with another init system fail with a message that says so.',
    ].join('\n'),
    examples: [
      '- name: Start and enable chronyd',
      '  service:',
      '    name: chronyd',
      '    state: started',
      '    enabled: true',
      '',
      '- name: Restart neutron-server (a handler)',
      '  service: name=neutron-server state=restarted',
      '',
      '- name: Stop a service, whatever the host runs, naming the backend',
      '  service:',
      '    name: firewalld',
      '    state: stopped',
      '    enabled: false',
      '    use: systemd',
    ].join('\n'),
    returns: {
      name: 'The unit name.',
      state: "The requested state ('started' for restarted/reloaded).",
      enabled: 'Whether the unit is enabled afterwards (when enabled was given).',
      status: 'systemctl show properties before the change.',
      warnings: 'Arguments that were ignored because systemd does not use them.',
    },
    notes: ['Only systemd is supported as a backend; `use: sysvinit`, `openrc`, `upstart` or `service` fail before anything runs.'],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    const manager = a.use === 'auto' ? await hostManager(ctx, 'service_mgr') : a.use;
    if (manager !== 'systemd') {
      ctx.fail(
        a.use === 'auto'
          ? `service: ${ctx.host.name} uses '${manager}' as its service manager (ansible_service_mgr); tsplay's service module manages systemd only`
          : `service: use=${a.use} is not available; tsplay's service module manages systemd only (use: auto or systemd)`,
      );
    }
    const ignored = NOT_FOR_SYSTEMD.filter((k) => a[k] !== undefined);
    const result = await runBackend(ctx, systemd, {
      name: a.name,
      ...(a.state !== undefined ? { state: a.state } : {}),
      ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
    });
    if (ignored.length) result.warnings = ignored.map((k) => `Ignoring "${k}" as it is not used in "systemd"`);
    return result;
  },
});
