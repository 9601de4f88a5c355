/**
 * `warn`: print a warning and go on (usually under `when:`). The message becomes the
 * result's `warnings`, which the executor prints as `[WARNING]: host: msg` and `--json`
 * lists under `warnings`, like the warnings of any other module.
 */
import { defineModule } from '../core/modules/api.js';

interface WarnArgs {
  msg: string;
}

export default defineModule<WarnArgs>({
  name: 'warn',
  controllerOnly: true,
  tsplayOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['msg'],
    properties: {
      msg: { type: 'string', minLength: 1, description: 'The warning: say what was decided and why.' },
    },
  },
  docs: {
    short: 'Print a warning and continue',
    description: [
      'Reports `msg` as a warning: `[WARNING]: HOST: msg` in the output, an entry of `warnings` in `--json`.',
      'The task is ok (never changed or failed), in check mode too. Runs in the controller.',
      '',
      "Ansible has no such module (its playbooks use `debug`, whose message is easy to miss); a module's",
      '`warnings` result is what ansible-playbook prints as `[WARNING]`, and `warn` returns exactly that.',
      'Being tsplay\'s own, it has no collection name: `ansible.builtin.warn` is an unknown module, as in Ansible.',
    ].join('\n'),
    examples: [
      '- name: Say why nova will emulate instead of using KVM',
      '  warn:',
      '    msg: "no /dev/kvm on {{inventory_hostname}}: virt_type=qemu (software emulation, much slower)"',
      '  when: not ansible_kvm.available',
      '',
    ].join('\n'),
    returns: { msg: 'The message.', warnings: 'The message, as the one warning of the task.' },
  },
  async run(ctx) {
    return { changed: false, msg: ctx.args.msg, warnings: [ctx.args.msg] };
  },
});
