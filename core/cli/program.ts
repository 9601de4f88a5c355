/**
 * Command-line grammar (commander), with Ansible's flag names. Parsing errors exit 5
 * ("bad or incomplete options"), like ansible-playbook.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, version } from './main.js';
import { CliError } from './errors.js';
import { addVaultOptions, type VaultFlags } from './vault-options.js';

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

export interface RunFlags extends VaultFlags {
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
  step: boolean;
  forceHandlers: boolean;
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

  addVaultOptions(program
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
    .option('--force-handlers', 'run handlers even on hosts that failed (also ANSIBLE_FORCE_HANDLERS, ansible.cfg force_handlers)', false)
    .option('--step', 'one step at a time: confirm each task before running it', false)
    .option('-M, --module-path <dirs>', 'extra folders of modules (colon list, repeatable)', collect, [])
    .option('--json', 'print one JSON document with every result instead of the usual output', false)
    .option('--log-file <file>', 'write structured JSON logs here (also TSPLAY_LOG)'))
    .action(async (playbooks: string[], flags: RunFlags, cmd: Command) => {
      const { runCommand } = await import('./run-command.js');
      exitCode = await runCommand(playbooks, flags, (key) => cmd.getOptionValueSource(key));
    });

  addVaultOptions(program
    .command('inventory')
    .description('show the inventory (like ansible-inventory)'))
    .option('-i, --inventory <path>', 'inventory source (repeatable)', collect, [])
    .option('--list', 'all hosts and groups as JSON', false)
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables as JSON")
    .option('-l, --limit <pattern>', 'limit to hosts matching a pattern')
    .option('--vars', 'with --graph: show variables', false)
    .action(async (flags: { inventory: string[]; list: boolean; graph?: string | boolean; host?: string; limit?: string; vars: boolean } & VaultFlags) => {
      const { inventoryCommand } = await import('./inventory-command.js');
      exitCode = await inventoryCommand(flags);
    });

  program
    .command('doc')
    .description('show the documentation of a module (like ansible-doc)')
    .argument('[module]', 'module name')
    .option('-l, --list', 'list all modules', false)
    .option('-M, --module-path <dirs>', 'extra folders of modules (colon list, repeatable; modules/, library/ and roles/*/library/ of the current folder are searched too)', collect, [])
    .action(async (module: string | undefined, flags: { list: boolean; modulePath: string[] }) => {
      const { docCommand } = await import('./doc-command.js');
      exitCode = await docCommand(module, flags);
    });

  program
    .command('schema')
    .description('write the JSON Schema editors use to complete and check playbooks, with every module (docs/editor.md)')
    .argument('[playbook...]', 'find custom modules beside these playbooks (default: the current folder)')
    .option('-M, --module-path <dirs>', 'extra folders of modules (colon list, repeatable)', collect, [])
    .option('-o, --output <file>', 'write the schema to this file (default: standard output)')
    .option('--kind <kind>', 'what the files hold: playbook, tasks (role tasks/, included files) or handlers', 'playbook')
    .action(async (playbooks: string[], flags: { modulePath: string[]; output?: string; kind: string }) => {
      const { schemaCommand } = await import('./schema-command.js');
      exitCode = await schemaCommand(playbooks, flags);
    });

  addVaultCommand(program, (code) => (exitCode = code));

  const config = program
    .command('config')
    .description('show the ansible.cfg / ANSIBLE_* settings tsplay uses and where each came from (like ansible-config)');
  config
    .command('dump')
    .description('every setting with its origin (default, env: NAME, or the ansible.cfg path)')
    .option('--only-changed', 'only the settings that are not at their default', false)
    .action(async (flags: { onlyChanged: boolean }) => {
      exitCode = await (await import('./config-command.js')).configDump(flags);
    });
  config
    .command('view')
    .description('print the ansible.cfg in use')
    .action(async () => {
      exitCode = await (await import('./config-command.js')).configView();
    });
  config
    .command('list')
    .description('the settings tsplay honours, their ansible.cfg keys, variables and defaults')
    .action(async () => {
      exitCode = await (await import('./config-command.js')).configList();
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
    if (err instanceof Error && ['InventoryError', 'PlaybookError', 'VaultError'].includes(err.name)) {
      process.stderr.write(`ERROR! ${err.message}\n`);
      return EXIT.BAD_OPTIONS;
    }
    process.stderr.write(`ERROR! unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.TSPLAY_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    return EXIT.ERROR;
  }
}

const VAULT_HELP = `
Files made by ansible-vault open in tsplay and the other way round ($ANSIBLE_VAULT;1.1;AES256,
and 1.2 with a vault id). Secrets: --vault-password-file FILE (a file, or an executable that
prints the password), --vault-id LABEL@FILE or LABEL@prompt (repeatable), --ask-vault-pass,
or ANSIBLE_VAULT_PASSWORD_FILE. Without any, tsplay asks on the terminal.

Examples:
  tsplay vault encrypt group_vars/all/vault.yml --vault-password-file ~/.vault_pass
  tsplay vault encrypt_string --vault-id prod@prompt --name db_password 's3cret'
  tsplay vault view secrets.yml --vault-id prod@~/.vault_prod
  tsplay vault rekey secrets.yml --vault-password-file old.txt --new-vault-password-file new.txt

Use them in a run with the same flags: tsplay run site.yml --vault-password-file ~/.vault_pass
See docs/vault.md.
`;

/** `tsplay vault ...`: ansible-vault's subcommands and flags. */
function addVaultCommand(program: Command, setExit: (code: number) => void): void {
  const vault = program
    .command('vault')
    .description('encrypt and decrypt Ansible Vault files and strings (like ansible-vault)')
    .addHelpText('after', VAULT_HELP);
  const run = (load: () => Promise<(...a: any[]) => Promise<number>>) =>
    async (...args: unknown[]) => {
      const fn = await load();
      setExit(await fn(...args.slice(0, -1)));
    };
  const sub = (name: string, description: string) => addVaultOptions(vault.command(name).description(description));
  const load = async () => import('./vault-command.js');

  sub('encrypt', 'encrypt files in place (or stdin, or into --output)')
    .argument('[file...]', "files to encrypt ('-' or none: stdin)")
    .option('--output <file>', "write here instead (one input; '-' is stdout)")
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with, when several are given')
    .action(run(async () => (await load()).vaultEncrypt));
  sub('decrypt', 'decrypt files in place (or stdin, or into --output)')
    .argument('[file...]', "files to decrypt ('-' or none: stdin)")
    .option('--output <file>', "write here instead (one input; '-' is stdout)")
    .action(run(async () => (await load()).vaultDecrypt));
  sub('view', 'print the decrypted content of files')
    .argument('<file...>', 'vault files')
    .action(run(async () => (await load()).vaultView));
  sub('edit', 'decrypt into a private temporary file, run $EDITOR, re-encrypt if it changed')
    .argument('<file>', 'vault file')
    .option('--encrypt-vault-id <id>', 'accepted for compatibility; the file keeps the vault id that opened it')
    .action(run(async () => (await load()).vaultEdit));
  sub('create', 'write a new vault file with $EDITOR')
    .argument('<file>', 'new file')
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with, when several are given')
    .action(run(async () => (await load()).vaultCreate));
  sub('encrypt_string', 'encrypt strings into !vault YAML values')
    .argument('[string...]', "strings to encrypt ('-' or none: stdin)")
    .option('-n, --name <name>', 'variable name for the next string (repeatable, in order)', collect, [])
    .option('--stdin-name <name>', 'variable name for the string read from stdin')
    .option('-p, --prompt', 'ask for the string on the terminal', false)
    .option('--output <file>', "write here instead of stdout ('-' is stdout)")
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with, when several are given')
    .action(run(async () => (await load()).vaultEncryptString));
  sub('rekey', 'decrypt files and encrypt them with a new secret')
    .argument('<file...>', 'vault files')
    .option('--new-vault-id <id>', 'the new secret: LABEL@FILE, LABEL@prompt, or a LABEL for --new-vault-password-file')
    .option('--new-vault-password-file <file>', 'file (or script) with the new password')
    .action(run(async () => (await load()).vaultRekey));
}
