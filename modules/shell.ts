/**
 * `shell`: run a command line through the host's shell (`/bin/sh -c`, or `executable`), so
 * pipes, redirections, `&&` and `$VARS` work. The text reaches that shell as one quoted
 * argument: tsplay's own shell never interprets it.
 */
import { defineModule } from '../core/modules/api.js';
import { quote } from '../core/transport/shell-quote.js';
import { guardSchema, runGuarded, type GuardArgs } from './_lib/command-runner.js';

interface ShellArgs extends GuardArgs {
  cmd?: string;
  executable: string;
}

export default defineModule<ShellArgs>({
  name: 'shell',
  freeForm: 'cmd',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cmd: { type: 'string', description: 'The shell command line.' },
      executable: { type: 'string', default: '/bin/sh', description: 'The shell to run it with (called as `executable -c cmd`).' },
      ...guardSchema,
    },
  },
  docs: {
    short: 'Run a shell command line on the host',
    description: [
      "Runs the command line with the host's shell (`/bin/sh -c` unless `executable` says otherwise):",
      'pipes, redirections, `&&`, globbing and `$VARS` work. Use `command` when you do not need them.',
      'Same guards (`creates`, `removes`, `chdir`), check-mode behaviour and results as `command`.',
    ].join('\n'),
    examples: [
      '- name: Is the KVM module loaded?',
      '  shell: lsmod | grep -q kvm',
      '  register: kvm',
      '  changed_when: false',
      '  failed_when: false',
      '',
      '- name: Apply sysctl settings',
      '  shell: sysctl -e -p /etc/sysctl.conf > /var/log/sysctl-apply.log 2>&1',
      '',
      '- name: Bash features',
      '  shell:',
      '    cmd: set -o pipefail; ovs-vsctl show | grep -c Bridge',
      '    executable: /bin/bash',
      '',
    ].join('\n'),
    returns: {
      rc: 'Exit status.',
      stdout: 'Standard output.',
      stderr: 'Standard error.',
      stdout_lines: 'stdout split into lines.',
      stderr_lines: 'stderr split into lines.',
      cmd: 'The command line.',
      start: 'Start time.',
      end: 'End time.',
      delta: 'Duration.',
      msg: "'non-zero return code' on failure.",
    },
  },
  async run(ctx) {
    const cmd = ctx.args.cmd ?? '';
    if (cmd.trim() === '') ctx.fail('no command given: use the free form (shell: echo hi) or cmd');
    return runGuarded(ctx, { command: `${quote(ctx.args.executable)} -c ${quote(cmd)}`, display: cmd });
  },
});
