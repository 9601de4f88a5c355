/**
 * `ping`: prove that tsplay can log in and run a shell command on the host (Ansible's ping
 * checks for a usable Python; tsplay needs only a POSIX shell). One round trip.
 */
import { defineModule } from '../core/modules/api.js';

interface PingArgs {
  data: string;
}

export default defineModule<PingArgs>({
  name: 'ping',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      data: { type: 'string', default: 'pong', description: "Returned as `ping`. 'crash' makes the task fail (to test error handling)." },
    },
  },
  docs: {
    short: 'Check that the host is reachable and can run commands',
    description: [
      'Connects to the host and runs a trivial shell command. Returns `ping: pong` on success; an',
      'unreachable host is reported UNREACHABLE. This is not ICMP ping: it tests the whole path tsplay uses',
      '(connection, login, become if set, POSIX shell).',
    ].join('\n'),
    examples: [
      '- name: Check every host answers',
      '  ping:',
      '',
      '- name: Round-trip a custom value',
      '  ping:',
      '    data: hello',
      '',
    ].join('\n'),
    returns: { ping: "The `data` argument ('pong' by default), echoed back by the host." },
  },
  async run(ctx) {
    if (ctx.args.data === 'crash') ctx.fail('boom (ping was asked to crash with data=crash)');
    const res = await ctx.runArgv(['printf', '%s', ctx.args.data]);
    if (res.rc !== 0) ctx.fail(`the host could not run a shell command: ${res.stderr.trim() || `exit ${res.rc}`}`, { rc: res.rc });
    return { changed: false, ping: res.stdout };
  },
});
