/**
 * `group_by`: put the host in a group named by a key (usually templated from facts), for
 * later plays to target (`hosts: os_RedHat`). Runs in the controller; the executor adds the
 * host to the run's inventory from the result's `add_group`.
 */
import { defineModule } from '../core/modules/api.js';

interface GroupByArgs {
  key: string;
  parents: string | string[];
}

export default defineModule<GroupByArgs>({
  name: 'group_by',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: {
      key: { type: 'string', minLength: 1, description: 'The group to put the host in (spaces become dashes, as in Ansible).' },
      parents: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        default: 'all',
        description: 'Parent group(s) of a group that does not exist yet.',
      },
    },
  },
  docs: {
    short: 'Create groups from host variables during a run',
    description: [
      'Adds the host to the group `key` (created when new, under `parents`) in the run\'s inventory, so',
      'later plays can use it as a host pattern and `groups[key]` lists it. Nothing changes on the host;',
      'the task reports changed when the host was not in the group yet, as Ansible does. Runs the same in',
      'check mode.',
    ].join('\n'),
    examples: [
      '- name: Group hosts by OS family',
      '  group_by:',
      '    key: "os_{{ ansible_os_family }}"',
      '',
      '- hosts: os_RedHat',
      '  tasks:',
      '    - debug: msg="a Red Hat family host"',
      '',
    ].join('\n'),
    returns: { add_group: 'The group the host was added to.', parent_groups: 'Its parent groups.' },
  },
  async run(ctx) {
    const group = ctx.args.key.replace(/\s+/g, '-');
    const parents = (Array.isArray(ctx.args.parents) ? ctx.args.parents : [ctx.args.parents]).map((p) => p.replace(/\s+/g, '-'));
    const groupNames = ctx.host.vars.group_names;
    const already = Array.isArray(groupNames) && groupNames.includes(group);
    return { changed: !already, add_group: group, parent_groups: parents };
  },
});
