/**
 * `raw`: send the text to the host's login shell as is - no guards, no quoting of its
 * content, nothing else on the wire. For bootstrapping hosts and for commands that must run
 * exactly as written.
 */
import { defineModule } from '../core/modules/api.js';
import { quote } from '../core/transport/shell-quote.js';

interface RawArgs {
  cmd?: string;
  executable?: string;
}

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
}

export default defineModule<RawArgs>({
  name: 'raw',
  freeForm: 'cmd',
  supportsCheckMode: false,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cmd: { type: 'string', description: 'The command text, run as is.' },
      executable: { type: 'string', description: 'Run the text with this shell (`executable -c text`) instead of /bin/sh.' },
    },
  },
  docs: {
    short: 'Run a command text as is, with nothing added',
    description: [
      'Runs the text with `/bin/sh -c` on the host exactly as written (or with `executable -c`). There are',
      'no `creates`/`removes` guards; the task always reports changed, and fails on a non-zero exit',
      'status. In check mode the task is skipped (its effect cannot be predicted).',
    ].join('\n'),
    examples: [
      '- name: Bootstrap a host that has nothing but a shell',
      '  raw: test -e /usr/bin/python3 || (yum install -y python3)',
      '',
      '- name: With bash',
      '  raw: echo $BASH_VERSION',
      '  args:',
      '    executable: /bin/bash',
      '',
    ].join('\n'),
    returns: { rc: 'Exit status.', stdout: 'Standard output.', stderr: 'Standard error.', stdout_lines: 'stdout split into lines.', stderr_lines: 'stderr split into lines.' },
  },
  async run(ctx) {
    const text = ctx.args.cmd ?? '';
    if (text.trim() === '') ctx.fail('no command given: raw needs the command text (raw: uptime)');
    const res = await ctx.run(ctx.args.executable ? `${quote(ctx.args.executable)} -c ${quote(text)}` : text, { stream: true });
    const result = {
      changed: true,
      rc: res.rc,
      stdout: res.stdout,
      stderr: res.stderr,
      stdout_lines: lines(res.stdout),
      stderr_lines: lines(res.stderr),
    };
    if (res.rc !== 0) ctx.fail('non-zero return code', result);
    return result;
  },
});
