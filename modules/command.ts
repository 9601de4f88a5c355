/**
 * `command`: run a program with arguments and NO shell: the words of `cmd` (split like a
 * POSIX shell would, quotes respected) or the `argv` list are each quoted for the remote
 * shell, so `;`, `|`, `>`, globs and backticks are passed to the program literally. As in
 * Ansible, `$VAR`, `${VAR}` and a leading `~` in a word are expanded on the host from the
 * command's environment (expand-argv.ts), unless `expand_argument_vars: false`.
 */
import { defineModule } from '../core/modules/api.js';
import { quoteArgv, splitArgs } from '../core/transport/shell-quote.js';
import { guardSchema, runGuarded, type GuardArgs } from './_lib/command-runner.js';
import { expandArgvScript } from './_lib/expand-argv.js';

interface CommandArgs extends GuardArgs {
  cmd?: string;
  argv?: string[];
  expand_argument_vars: boolean;
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
      expand_argument_vars: {
        type: 'boolean',
        default: true,
        description: "Expand `$VAR`, `${VAR}` and a leading `~` in each word on the host, from the command's environment (Ansible's run_command); false passes every word literally.",
      },
      ...guardSchema,
    },
  },
  docs: {
    short: 'Run a command on the host, without a shell',
    description: [
      'Runs a program with arguments. There is no shell: redirections, pipes, `;`, globs and backticks are',
      'passed to the program literally (use `shell` for those). As Ansible does, each word has `$VAR`, `${VAR}`',
      'and a leading `~` or `~user` expanded on the host, from the environment the command runs in (the',
      "task's `environment:` and become included): `command: ls $HOME` lists the home directory. An unset",
      'variable stays as written (`$NOPE`); a value is never read as shell code, split or globbed.',
      '`expand_argument_vars: false` (Ansible 2.16) passes every word exactly as written.',
      'The free form (`command: ls -l /tmp`) is the `cmd` argument; `k=v` words naming other arguments',
      '(`chdir=/tmp`, `creates=...`) are read as arguments.',
      '',
      'The task reports changed whenever the command runs; use `creates`/`removes` to make it idempotent,',
      'or `changed_when`. A non-zero exit status fails the task.',
      '',
      'Check mode: without `creates`/`removes` the command cannot be predicted and the task is reported',
      'skipped; with them, the guard is evaluated and the task reports whether the command would run.',
      'The skipped result has `stdout` \'\' and `rc` 0, and an `until:` is tried on it as Ansible does: a task',
      'that waits for some output fails in check mode after its retries, unless it says `check_mode: false`.',
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
      '- name: Variables of the host are expanded in each word (as in Ansible)',
      '  command: ls -ld $HOME ~/.ssh',
      '  register: home',
      '  changed_when: false',
      '',
      '- name: Pass a dollar sign literally',
      '  command: printf %s $PATH',
      '  args:',
      '    expand_argument_vars: false',
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
    notes: [
      "The expansion is Python's `os.path.expandvars` then `expanduser`, as in Ansible: `$NAME` takes letters, digits and `_`; `${NAME}` any name; a variable is looked up with `printenv`, a home with `getent passwd`.",
      'Words without `$` and not starting with `~` cost nothing extra; each variable looked up is one `printenv` on the host, in the same command.',
    ],
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
    const prelude = a.expand_argument_vars ? expandArgvScript(argv) : null;
    return runGuarded(ctx, prelude ? { command: '"$@"', prelude, display: argv, program: argv[0]! } : { command: quoteArgv(argv), display: argv, program: argv[0]! });
  },
});
