/**
 * Command-line grammar (commander), with Ansible's flag names. Parsing errors exit 5
 * ("bad or incomplete options"), like ansible-playbook.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, version } from './main.js';
import { CliError } from './errors.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
function increase(_v: string, previous: number): number {
  return previous + 1;
}
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`expected a positive integer, got '${value}'`, EXIT.BAD_OPTIONS);
  return n;
}

export interface RunFlags {
  inventory: string[];
  extraVars: string[];
  limit?: string;
  tags: string[];
  skipTags: string[];
  check: boolean;
  diff: boolean;
  forks: number;
  user?: string;
  privateKey?: string;
  become: boolean;
  becomeUser?: string;
  askBecomePass: boolean;
  askPass: boolean;
  verbose: number;
  listHosts: boolean;
  listTasks: boolean;
  listTags: boolean;
  syntaxCheck: boolean;
  startAtTask?: string;
  modulePath: string[];
  json: boolean;
  timeout?: number;
  taskTimeout?: number;
  logFile?: string;
  connection?: string;
}

export async function runProgram(argv: string[]): Promise<number> {
  const program = new Command('tsplay');
  let exitCode: number = EXIT.OK;
  const stdout = (s: string) => process.stdout.write(s);
  const stderr = (s: string) => process.stderr.write(s);
  program
    .description('Ansible-style playbooks, run in parallel over SSH by idempotent TypeScript modules')
    .version(`tsplay ${version()}`, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('run one or more playbooks (like ansible-playbook)')
    .argument('<playbook...>', 'playbook files')
    .option('-i, --inventory <path>', 'inventory file, directory or script (repeatable, or comma list of hosts)', collect, [])
    .option('-e, --extra-vars <vars>', 'extra variables: k=v, YAML/JSON, or @file (repeatable)', collect, [])
    .option('-l, --limit <pattern>', 'further limit selected hosts to a pattern')
    .option('-t, --tags <tags>', 'only run plays and tasks tagged with these (comma list, repeatable)', collect, [])
    .option('--skip-tags <tags>', 'skip plays and tasks tagged with these (comma list, repeatable)', collect, [])
    .option('-C, --check', "don't make any changes; predict what would change", false)
    .option('-D, --diff', 'show the differences in files and state', false)
    .option('-f, --forks <n>', 'number of hosts to run in parallel', positiveInt, 25)
    .option('-u, --user <user>', 'connect as this user (ansible_user)')
    .option('--private-key <file>', 'private key file for SSH authentication')
    .option('-c, --connection <type>', 'connection type: ssh or local')
    .option('-T, --timeout <seconds>', 'connection timeout in seconds', positiveInt)
    .option('--task-timeout <seconds>', "fail a task that runs longer than this on a host, stopping what it started (a task's own 'timeout' wins; also ANSIBLE_TASK_TIMEOUT)", positiveInt)
    .option('-b, --become', 'run operations with become (sudo)', false)
    .option('--become-user <user>', 'user to become (default root)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password', false)
    .option('-k, --ask-pass', 'ask for the connection password', false)
    .addOption(new Option('-v, --verbose', 'more output (-vvvv for the most)').argParser(increase).default(0))
    .option('--list-hosts', 'list the hosts each play would run on, then exit', false)
    .option('--list-tasks', 'list the tasks each play would run, then exit', false)
    .option('--list-tags', 'list all available tags, then exit', false)
    .option('--syntax-check', 'check the playbooks and exit', false)
    .option('--start-at-task <name>', 'start the playbook at the task with this name')
    .option('-M, --module-path <dirs>', 'extra folders of modules (colon list, repeatable)', collect, [])
    .option('--json', 'print one JSON document with every result instead of the usual output', false)
    .option('--log-file <file>', 'write structured JSON logs here (also TSPLAY_LOG)')
    .action(async (playbooks: string[], flags: RunFlags) => {
      const { runCommand } = await import('./run-command.js');
      exitCode = await runCommand(playbooks, flags);
    });

  program
    .command('inventory')
    .description('show the inventory (like ansible-inventory)')
    .option('-i, --inventory <path>', 'inventory source (repeatable)', collect, [])
    .option('--list', 'all hosts and groups as JSON', false)
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables as JSON")
    .option('-l, --limit <pattern>', 'limit to hosts matching a pattern')
    .option('--vars', 'with --graph: show variables', false)
    .action(async (flags: { inventory: string[]; list: boolean; graph?: string | boolean; host?: string; limit?: string; vars: boolean }) => {
      const { inventoryCommand } = await import('./inventory-command.js');
      exitCode = await inventoryCommand(flags);
    });

  program
    .command('doc')
    .description('show the documentation of a module (like ansible-doc)')
    .argument('[module]', 'module name')
    .option('-l, --list', 'list all modules', false)
    .option('-M, --module-path <dirs>', 'extra folders of modules', collect, [])
    .action(async (module: string | undefined, flags: { list: boolean; modulePath: string[] }) => {
      const { docCommand } = await import('./doc-command.js');
      exitCode = await docCommand(module, flags);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      if (err.code === 'commander.executeSubCommandAsync') return EXIT.OK;
      // commander has already printed the message.
      return argv.length === 0 ? EXIT.BAD_OPTIONS : EXIT.BAD_OPTIONS;
    }
    if (err instanceof CliError) {
      process.stderr.write(`ERROR! ${err.message}\n`);
      return err.exitCode;
    }
    // Loader errors raised later (a bad --limit pattern, an include_tasks file) are still
    // the user's input: report them the same way.
    if (err instanceof Error && ['InventoryError', 'PlaybookError'].includes(err.name)) {
      process.stderr.write(`ERROR! ${err.message}\n`);
      return EXIT.BAD_OPTIONS;
    }
    process.stderr.write(`ERROR! unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.TSPLAY_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    return EXIT.ERROR;
  }
}
