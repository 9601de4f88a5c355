/**
 * `fail`: stop the host with a message (usually under `when:`).
 */
import { defineModule } from '../core/modules/api.js';

interface FailArgs {
  msg: unknown;
}

export default defineModule<FailArgs>({
  name: 'fail',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      msg: { type: ['string', 'number', 'boolean', 'array', 'object'], default: 'Failed as requested from task', description: 'The failure message.' },
    },
  },
  docs: {
    short: 'Fail the host with a message',
    description: 'Fails the task - and so the host - with `msg`. Combine with `when:` to stop on a condition. Runs in the controller.',
    examples: [
      '- name: Refuse to run on anything but EL7',
      '  fail:',
      '    msg: "this playbook needs CentOS/RHEL 7, found {{ansible_distribution}} {{ansible_distribution_version}}"',
      '  when: ansible_os_family != "RedHat" or ansible_distribution_major_version != "7"',
      '',
    ].join('\n'),
    returns: { msg: 'The message.' },
  },
  async run(ctx) {
    const msg = ctx.args.msg;
    return ctx.fail(typeof msg === 'string' ? msg : JSON.stringify(msg));
  },
});
