/**
 * `command`: run a program with arguments and NO shell: the words of `cmd` (split like a
 * POSIX shell would, quotes respected) or the `argv` list are each quoted for the remote
 * shell, so `$HOME`, `;`, `|`, `>` and backticks are passed to the program literally.
 */
import { defineModule } from '../core/modules/api.js';
import { quoteArgv, splitArgs } from '../core/transport/shell-quote.js';
import { guardSchema, runGuarded, type GuardArgs } from './_lib/command-runner.js';

interface CommandArgs extends GuardArgs {
  cmd?: string;
  argv?: string[];
}

export default defineModule<CommandArgs>({
  name: 'command',
  freeForm: 'cmd',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cmd: { type: 'string', description: 'The command line; split into words like a shell would, but never interpreted by one.' },
      argv: { type: 'array', items: { type: 'string' }, description: 'The command as a list of words (instead of cmd).' },
      ...guardSchema,
    },
  },
  docs: {
    short: 'Run a command on the host, without a shell',
    description: [
      'Runs a program with arguments. The words are passed to the program exactly: there is no shell, so',
      'variables like `$HOME`, redirections, pipes and `;` are not interpreted (use `shell` for those).',
      'The free form (`command: ls -l /tmp`) is the `cmd` argument; `k=v` words naming other arguments',
      '(`chdir=/tmp`, `creates=...`) are read as arguments.',
      '',
      'The task reports changed whenever the command runs; use `creates`/`removes` to make it idempotent,',
      'or `changed_when`. A non-zero exit status fails the task.',
      '',
      'Check mode: without `creates`/`removes` the command cannot be predicted and the task is reported',
      'skipped; with them, the guard is evaluated and the task reports whether the command would run.',
    ].join('\n'),
    examples: [
      '- name: Generate the packstack answer file once',
      '  command: packstack --gen-answer-file=/root/answer.txt',
      '  args:',
      '    creates: /root/answer.txt',
      '',
      '- name: Words as a list (no quoting worries)',
      '  command:',
      '    argv: [glance, image-create, --name, "CirrOS 0.3.3", --disk-format, qcow2]',
      '',
      '- name: Run in a directory, feeding stdin',
      '  command: sort -u',
      '  args:',
      '    chdir: /var/tmp',
      '    stdin: "b\\na\\nb"',
      '  register: sorted',
      '  changed_when: false',
      '',
    ].join('\n'),
    returns: {
      rc: 'Exit status of the command.',
      stdout: 'Standard output (trailing newlines stripped unless strip_empty_ends is false).',
      stderr: 'Standard error.',
      stdout_lines: 'stdout split into lines.',
      stderr_lines: 'stderr split into lines.',
      cmd: 'The command as a list of words.',
      start: "When the command started ('2024-05-01 12:00:00.123000').",
      end: 'When it ended.',
      delta: "How long it ran ('0:00:00.002000').",
      msg: "'non-zero return code' on failure; the reason when a creates/removes guard skipped it.",
    },
    notes: ["Unlike Ansible >= 2.16, `$VAR` in arguments is never expanded (no `expand_argument_vars`): use a template variable or `shell`."],
  },
  async run(ctx) {
    const a = ctx.args;
    if (a.cmd !== undefined && a.argv !== undefined) ctx.fail('arguments are mutually exclusive: cmd, argv (the free form is cmd)');
    let argv: string[];
    if (a.argv !== undefined) argv = a.argv;
    else {
      try {
        argv = splitArgs(a.cmd ?? '');
      } catch (err) {
        return ctx.fail(`could not split the command line ${JSON.stringify(a.cmd)} into words: ${(err as Error).message} (check the quotes)`);
      }
    }
    if (argv.length === 0 || argv[0] === '') ctx.fail('no command given: use the free form (command: ls -l) or cmd/argv');
    return runGuarded(ctx, { command: quoteArgv(argv), display: argv, program: argv[0]! });
  },
});
