/**
 * `set_fact`: set host variables from this point of the run on (higher precedence than
 * inventory and play vars, as in Ansible). Values arrive already templated, with their
 * native types when a value is a single `{{ }}`.
 */
import { defineModule } from '../core/modules/api.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Ansible's set_fact turns these strings (any case) into booleans, whether written or templated. */
const BOOLEAN_WORDS = new Map([
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
]);

export default defineModule<Record<string, unknown>>({
  name: 'set_fact',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: true,
    properties: {
      cacheable: { type: 'boolean', default: false, description: 'Also make the variables facts (`ansible_facts.x`), as Ansible does; facts live for the run (there is no fact cache).' },
    },
  },
  docs: {
    short: 'Set variables for the host from this task on',
    description: [
      'Each key becomes a host variable for the rest of the run (and is visible in `hostvars`). Values can',
      'be any type: a value that is exactly one `{{ }}` keeps its type (list, number, mapping), and text it',
      'gives that reads as a list, mapping or boolean becomes one (as in Ansible). As in Ansible, a value',
      "that is the text `true`, `false`, `yes` or `no` (any case) becomes a boolean. Runs in the controller.",
    ].join('\n'),
    examples: [
      '- name: Remember the public interface',
      '  set_fact:',
      '    public_if: "{{ansible_default_ipv4.interface}}"',
      '    controller_ip: 192.168.0.100',
      '',
      '- name: Short form',
      '  set_fact: tunnel_if=eth1 vxlan_port=4789',
      '',
    ].join('\n'),
    returns: { ansible_facts: 'The variables that were set.' },
  },
  async run(ctx) {
    const facts: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(ctx.args)) {
      if (key === 'cacheable') continue;
      if (!IDENTIFIER.test(key)) ctx.fail(`The variable name '${key}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`);
      facts[key] = typeof value === 'string' && BOOLEAN_WORDS.has(value.toLowerCase()) ? BOOLEAN_WORDS.get(value.toLowerCase()) : value;
    }
    if (Object.keys(facts).length === 0) ctx.fail('set_fact needs at least one variable (set_fact: name=value, or a mapping)');
    // Ansible's marker: the strategy then stores them as host facts too (ansible_facts.x).
    return { changed: false, ansible_facts: facts, ...(ctx.args.cacheable === true ? { _ansible_facts_cacheable: true } : {}) };
  },
});
