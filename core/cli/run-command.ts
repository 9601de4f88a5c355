/**
 * `tsplay run`: load everything, validate everything, then run. All user-facing errors
 * become `ERROR! ...` with file:line:column and exit 5 (bad input) before any host is
 * touched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadInventory } from '../inventory/load.js';
import { ModuleRegistry, ModuleLoadError } from '../modules/registry.js';
import { loadPlaybook, loadRole, loadTaskFile, loadVarsFile } from '../playbook/load.js';
import type { Playbook } from '../playbook/model.js';
import { Templar, TemplateError } from '../template/templar.js';
import { formatProblems } from '../playbook/errors.js';
import { combineEvents, type RunEvents } from '../executor/events.js';
import { runPlaybooks } from '../executor/run-playbooks.js';
import { RunInterrupt } from '../executor/run-context.js';
import type { ConnectionManager } from '../executor/connections.js';
import { createLogger, LogFileError } from '../log/logger.js';
import { SecretRegistry } from '../log/redact.js';
import { terminalPrinter } from '../output/terminal-printer.js';
import { jsonCollector } from '../output/json-collector.js';
import { progressReporter } from '../output/progress.js';
import { terminalStepper } from './step.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { forksLimitError, openFilesLimit } from '../executor/connection-budget.js';
import { parseExtraVars } from './extra-vars.js';
import { promptSecret } from './prompt.js';
import type { RunFlags } from './program.js';
import { listHosts, listTags, listTasks } from './list-command.js';
import { checkLimit } from './limit-check.js';
import { findStartTask } from './start-at-task.js';
import { unmatchedPatterns } from '../inventory/patterns.js';
import { openRunVault, vaultFlagsOf } from './vault-options.js';
import { moduleDirs } from './module-dirs.js';
import { applyConfig, type OptionSource } from './run-config.js';
import { loadConfig } from '../config/load.js';
import { ConfigFileError } from '../config/ansible-cfg.js';
import { ConfigValueError } from '../config/settings.js';
import { writeRetryFiles } from './retry-files.js';

const splitList = (values: string[]) => values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

export function inventorySources(flags: { inventory: string[] }): string[] {
  if (flags.inventory.length) return flags.inventory;
  const env = process.env.ANSIBLE_INVENTORY;
  if (env) return env.split(',');
  return existsSync('/etc/ansible/hosts') ? ['/etc/ansible/hosts'] : [];
}

/** How long an interrupted run may take to stop its commands and run its always: sections. */
const INTERRUPT_GRACE_S = 60;

export async function runCommand(playbookFiles: string[], cliFlags: RunFlags, fromCli: OptionSource = () => undefined): Promise<number> {
  let settings: ReturnType<typeof applyConfig>;
  try {
    const config = loadConfig({ warn: (m) => process.stderr.write(`[WARNING]: ${m}\n`) });
    settings = applyConfig(cliFlags, fromCli, config);
    const unused = config.unknown().filter((u) => !u.why);
    if (unused.length && config.cfg) {
      process.stderr.write(`[WARNING]: ${config.cfg.path}: settings tsplay does not use (ignored): ${unused.map((u) => `[${u.section}] ${u.key} (line ${u.line})`).join(', ')}; 'tsplay config dump' shows what is used\n`);
    }
  } catch (err) {
    if (err instanceof ConfigFileError || err instanceof ConfigValueError) throw new CliError(err.message, EXIT.BAD_OPTIONS);
    throw err;
  }
  const flags = settings.flags;
  const secrets = new SecretRegistry();
  let log: Awaited<ReturnType<typeof createLogger>>;
  try {
    log = await createLogger(flags.logFile ?? process.env.TSPLAY_LOG, secrets);
  } catch (err) {
    if (err instanceof LogFileError) throw new CliError(`${flags.logFile ? '--log-file' : 'TSPLAY_LOG'}: ${err.message}`, EXIT.BAD_OPTIONS);
    throw err;
  }
  for (const pb of playbookFiles) {
    if (!existsSync(pb)) throw new CliError(`the playbook: ${pb} could not be found`, EXIT.BAD_OPTIONS);
  }
  // Before anything runs: forks the open-files limit cannot serve would end in EMFILE on
  // some hosts part-way through the run.
  const forksError = forksLimitError(flags.forks, openFilesLimit());
  if (forksError) throw new CliError(forksError, EXIT.BAD_OPTIONS);

  // Vault secrets first, as ansible-playbook asks for them: every file read below may need them.
  const vault = await openRunVault(vaultFlagsOf(flags), secrets);

  let registry: ModuleRegistry;
  try {
    registry = await ModuleRegistry.create(moduleDirs(flags.modulePath, playbookFiles.map((pb) => dirname(resolve(pb)))));
  } catch (err) {
    if (err instanceof ModuleLoadError) throw new CliError(err.message, EXIT.BAD_OPTIONS);
    throw err;
  }
  // Unusable module files only fail the tasks that use them; say so before anything runs.
  for (const warning of registry.warnings) process.stderr.write(`[WARNING]: ${warning}\n`);
  const loaderOptions = {
    isModule: (name: string) => registry.has(name),
    suggestModules: (name: string) => registry.suggest(name),
    freeFormOf: (name: string) => registry.info(name)?.freeForm,
    moduleSignature: (name: string) => registry.signature(name),
    rolesPath: settings.rolesPath,
    gathering: settings.gathering,
    vault,
  };
  const playbooks: Playbook[] = [];
  for (const file of playbookFiles) playbooks.push(await asCliError(() => loadPlaybook(resolve(file), loaderOptions), secrets));

  if (flags.startAtTask !== undefined) {
    const found = findStartTask(playbooks, flags.startAtTask);
    const what = `No matching task "${flags.startAtTask}" found (a task's name, or 'role : name' for a role's task)`;
    if (found === 'none') throw new CliError(`--start-at-task: ${what}`, EXIT.BAD_OPTIONS);
    if (found === 'dynamic') process.stderr.write(`[WARNING]: --start-at-task: ${what} outside include_tasks files; those are only read as the run reaches them\n`);
  }

  if (flags.syntaxCheck) {
    for (const file of playbookFiles) process.stdout.write(`\nplaybook: ${file}\n`);
    return EXIT.OK;
  }

  const extraVars = parseExtraVars(flags.extraVars, vault);
  checkPlayHosts(playbooks, extraVars);
  const inventory = await asCliError(() => loadInventory(inventorySources(flags), { vault }), secrets);
  if (flags.limit) {
    const limit = flags.limit;
    await asCliError(async () => checkLimit(inventory, limit, (m) => process.stderr.write(`[WARNING]: ${m}\n`)));
  }

  if (flags.listHosts || flags.listTasks || flags.listTags) {
    const templar = new Templar();
    playbooks.forEach((pb, i) => {
      const shownAs = playbookFiles[i];
      if (flags.listHosts) process.stdout.write(listHosts(pb, inventory, templar, extraVars, flags.limit, shownAs));
      if (flags.listTasks) process.stdout.write(listTasks(pb, splitList(flags.tags), splitList(flags.skipTags), shownAs));
      if (flags.listTags) process.stdout.write(listTags(pb, shownAs));
    });
    return EXIT.OK;
  }

  const becomePassword = flags.askBecomePass ? await promptSecret('BECOME password') : undefined;
  const password = flags.askPass ? await promptSecret('SSH password') : undefined;
  secrets.add(becomePassword);
  secrets.add(password);
  for (const host of inventory.hosts.keys()) {
    const v = inventory.varsFor(host);
    for (const key of ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass']) {
      if (typeof v[key] === 'string') secrets.add(v[key] as string);
    }
  }

  const colour = settings.colour ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb');
  // Live status line (terminal) or heartbeat lines (logs), and the end-of-run summary.
  const progress = flags.json
    ? undefined
    : progressReporter({
        write: (s) => process.stdout.write(s),
        // --step talks with the operator on the terminal: no status line or heartbeat in between.
        tty: Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb' && !flags.step,
        ...(flags.step ? { heartbeatMs: Number.POSITIVE_INFINITY } : {}),
        columns: () => process.stdout.columns ?? 80,
        verbosity: flags.verbose,
        secrets,
      });
  const printer: RunEvents = flags.json
    ? jsonCollector(secrets, (doc) => process.stdout.write(`${doc}\n`))
    : terminalPrinter({ write: (s) => progress!.write(s), colour, verbosity: flags.verbose, diff: flags.diff, secrets });
  const warnings: RunEvents = {
    // Only the parts of the play's pattern that match nothing in the inventory, as Ansible
    // names them (a play whose hosts are all left out by --limit is just skipped).
    noHostsMatched: (pattern) => {
      for (const part of unmatchedPatterns(inventory, pattern)) process.stderr.write(`[WARNING]: Could not match supplied host pattern, ignoring: ${part}\n`);
    },
  };

  let connections: ConnectionManager | undefined;
  // First SIGINT/SIGTERM: no new task starts, what runs on the hosts is stopped (the remote
  // process trees are killed), `always:` sections still run, and the recap tells which
  // hosts were interrupted. A second signal, or a run that does not stop, leaves at once.
  const interrupt = new RunInterrupt();
  const taskTimeoutS = flags.taskTimeout;
  const confirmTask = flags.step ? terminalStepper() : undefined;
  const leave = (code: number) => {
    void connections?.interruptAll(250);
    setTimeout(() => process.exit(code), 300).unref();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 99 : 143;
    if (interrupt.signal) {
      process.stderr.write(`[ERROR]: ${signal} again: leaving now\n`);
      leave(code);
      return;
    }
    interrupt.trigger(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    process.stderr.write(`\n[ERROR]: ${signal === 'SIGINT' ? 'User interrupted execution' : 'Terminated (SIGTERM)'}: stopping what runs on the hosts; always: sections still run (${signal} again to leave now)\n`);
    void connections?.interruptAll();
    setTimeout(() => {
      process.stderr.write(`[ERROR]: the run did not stop within ${INTERRUPT_GRACE_S} s of ${signal}; leaving\n`);
      leave(code);
    }, INTERRUPT_GRACE_S * 1000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    const { exitCode, stats } = await runPlaybooks({
      secrets,
      playbooks,
      inventory,
      registry,
      templar: new Templar(),
      options: {
        check: flags.check,
        diff: flags.diff,
        forks: flags.forks,
        tags: splitList(flags.tags),
        skipTags: splitList(flags.skipTags),
        extraVars,
        ...(flags.limit ? { limit: flags.limit } : {}),
        ...(flags.startAtTask ? { startAtTask: flags.startAtTask } : {}),
        become: flags.become,
        ...(flags.becomeUser ? { becomeUser: flags.becomeUser } : {}),
        ...(becomePassword !== undefined ? { becomePassword } : {}),
        verbosity: flags.verbose,
        ...(flags.forceHandlers ? { forceHandlers: true } : {}),
        ...(taskTimeoutS ? { taskTimeoutMs: taskTimeoutS * 1000 } : {}),
        ...(confirmTask ? { confirmTask } : {}),
      },
      connection: {
        forks: flags.forks,
        ...(flags.user ? { remoteUser: flags.user } : {}),
        ...(flags.privateKey ? { privateKeyFile: flags.privateKey } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(flags.timeout ? { connectTimeoutMs: flags.timeout * 1000 } : {}),
        ...(flags.connection ? { connection: flags.connection } : {}),
        ...(settings.hostKeyChecking ? { hostKeyChecking: settings.hostKeyChecking } : {}),
      },
      events: combineEvents(printer, flags.json ? {} : warnings, progress?.events ?? {}),
      log,
      loadTaskFile: (path) => loadTaskFile(path, loaderOptions),
      loadRole: (r) => loadRole(r.name, r.files, r.at, r.playDir, r.parentRoleDir, loaderOptions),
      loadVarsFile: (path) => loadVarsFile(path, vault),
      readControllerFile: (path, decrypt) => (decrypt ? vault.openBytes(readFileSync(path), path).data : readFileSync(path)),
      onConnections: (c) => (connections = c),
      interrupt,
    });
    log.info({ ms: Date.now() - started, exitCode }, 'run finished');
    if (settings.retryFiles) {
      for (const line of writeRetryFiles(playbookFiles, stats, settings.retryFiles)) process.stdout.write(`${line}\n`);
    }
    return exitCode;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log.flush?.();
  }
}

/**
 * A play's `hosts:` is templated with the extra vars before the play starts; an undefined
 * variable there is the playbook's mistake, reported at the play (Ansible: "The field
 * 'hosts' has an invalid value", exit 1) before any host is touched.
 */
function checkPlayHosts(playbooks: Playbook[], extraVars: Record<string, unknown>): void {
  const templar = new Templar();
  for (const play of playbooks.flatMap((pb) => pb.plays)) {
    try {
      templar.render(play.hosts, extraVars);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const problem = { file: play.loc.file, line: play.loc.line, column: play.loc.column, message: `the field 'hosts' has an invalid value: ${err.message}` };
      throw new CliError(formatProblems([problem]), EXIT.ERROR);
    }
  }
}

/**
 * Loader errors carry positions and format themselves; show them without a stack, and with
 * vault-decrypted values masked (a message may quote a value: `got "..."`).
 */
async function asCliError<T>(fn: () => Promise<T>, secrets?: SecretRegistry): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error & { file?: string; errors?: unknown[] };
    if (e && (e.name === 'PlaybookError' || e.name === 'InventoryError' || e.name === 'YAMLParseError')) {
      throw new CliError(secrets ? secrets.maskString(e.message) : e.message, EXIT.BAD_OPTIONS);
    }
    throw err;
  }
}
