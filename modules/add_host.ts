/**
 * `add_host`: add a host (and its groups and variables) to the run's inventory, for later
 * plays. Like Ansible's, it runs once per task (on the first host), not once per host: loop
 * over a list to add several. The executor applies the result's `add_host`.
 */
import { defineModule } from '../core/modules/api.js';

interface AddHostArgs {
  name?: string;
  groups?: string | string[];
  [variable: string]: unknown;
}

export default defineModule<AddHostArgs>({
  name: 'add_host',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: true,
    properties: {
      name: { type: 'string', minLength: 1, description: 'The host to add (`host:port` sets ansible_port).' },
      groups: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'Groups to put the host in (a comma-separated string or a list).',
      },
    },
  },
  docs: {
    short: 'Add a host to the inventory during a run',
    description: [
      'Adds `name` to the run\'s inventory, in `groups`, with every other argument as a host variable',
      '(`ansible_host`, `ansible_connection`...). Later plays can target it. Runs once per task (on the first',
      'host of the batch), as in Ansible: loop to add several hosts. Reports changed. Runs the same in check mode.',
      '`host`/`hostname` are aliases of `name`; `group`/`groupname` of `groups`.',
    ].join('\n'),
    examples: [
      '- name: Add the new instance',
      '  add_host:',
      '    name: "{{ item.name }}"',
      '    groups: [new_instances]',
      '    ansible_host: "{{ item.ip }}"',
      '  loop: "{{ instances }}"',
      '',
    ].join('\n'),
    returns: { add_host: 'host_name, groups and host_vars of the added host.' },
  },
  async run(ctx) {
    const { name: given, groups: groupsGiven, ...rest } = ctx.args;
    const name = given ?? (rest.host as string | undefined) ?? (rest.hostname as string | undefined);
    if (typeof name !== 'string' || name === '') return ctx.fail("add_host needs 'name' (the host to add)");
    const groups = groupsGiven ?? (rest.group as string | string[] | undefined) ?? (rest.groupname as string | string[] | undefined);
    const list = groups === undefined ? [] : Array.isArray(groups) ? groups : String(groups).split(',');
    const hostVars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) if (!['host', 'hostname', 'group', 'groupname'].includes(k)) hostVars[k] = v;
    let hostName = name;
    const port = /^([^:[\]]+):(\d+)$/.exec(name);
    if (port) {
      hostName = port[1]!;
      hostVars.ansible_port = Number(port[2]);
    }
    return { changed: true, add_host: { host_name: hostName, groups: list.map((g) => g.trim()).filter(Boolean), host_vars: hostVars } };
  },
});
