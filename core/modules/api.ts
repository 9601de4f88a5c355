/**
 * The public module API. Built-in modules (modules/*.ts) and user modules (-M paths, a
 * `modules/` folder beside the playbook) are written with exactly this API:
 *
 *   import { defineModule } from 'tsplay';
 *   export default defineModule({ name, schema, docs, run });
 *
 * Like an ESLint rule (`meta` + `create`), a module is one file: its JSON Schema, its
 * documentation (Ansible's DOCUMENTATION / EXAMPLES / RETURN) and `run`. `run` executes in
 * the controller: it reads the host's state with as few commands as possible, compares in
 * the controller, and issues only the commands needed (pyinfra's facts model). In check
 * mode it must return the same `changed` and diff as a real run would, without changing
 * anything; `ctx.writeFile` and friends are no-ops that record the prediction.
 */
import type { ExecResult, StreamedInput } from '../transport/transport.js';
import type { WriteFileOptions, WriteFileResult } from '../transport/remote-shell.js';
import type { Logger } from 'pino';
import type { Duplex } from 'node:stream';

/** A JSON Schema (draft 2020-12 subset that ajv understands) for the module's arguments. */
export type JsonSchema = Record<string, unknown>;

/** How the `template` module renders a file (ModuleContext.render). */
export interface TemplateFileOptions {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** ansible_managed, template_path...: seen by this template only, over the task's variables. */
  templateVars?: Record<string, unknown>;
}

export interface ModuleDocs {
  /** One line, shown by `tsplay doc --list`. */
  short: string;
  /** Longer prose (Markdown). */
  description?: string;
  /** YAML task examples, exactly as a user would paste them into a playbook. */
  examples: string;
  /** What the result contains, key by key (Ansible's RETURN). */
  returns?: Record<string, string>;
  notes?: string[];
}

/** Before/after content for `--diff`. File contents are rendered as unified diffs. */
export interface DiffEntry {
  before: string;
  after: string;
  beforeHeader?: string;
  afterHeader?: string;
}

export interface ModuleResult {
  changed: boolean;
  msg?: string;
  /** Check mode only: the module cannot predict the outcome (Ansible reports it skipped). */
  skipped?: boolean;
  diff?: DiffEntry | DiffEntry[];
  /** Module-specific return values, available through `register`. */
  [key: string]: unknown;
}

/** Thrown by `ctx.fail`; the task fails with `msg` and `extra` merged into its result. */
export class ModuleFailure extends Error {
  override name = 'ModuleFailure';
  constructor(
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface RunOptions {
  /** Input for the command; a StreamedInput sends controller files without reading them into memory. */
  stdin?: string | Buffer | StreamedInput;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run without the task's become (for reads that any user may do). Default: task's become. */
  noBecome?: boolean;
  /**
   * The task's own command (command, shell, raw): at -v its output is shown line by line as
   * it arrives, not only in the result at the end. Not for the module's bookkeeping commands.
   * `hideIfStartsWith`: stdout that starts with this marker (a guard's answer, not the
   * command's output) is not shown.
   */
  stream?: boolean | { hideIfStartsWith: string };
}

/**
 * State that earlier tasks would have created, recorded in check mode so later tasks
 * predict exactly (e.g. `ini_set` on a file that a `yum` task before it would install).
 * Real runs leave it empty.
 */
export interface PredictedState {
  /** A file's predicted content: bytes, `'exists'` (content unknown, e.g. from a package), or `'absent'`. */
  file(path: string): Buffer | 'exists' | 'absent' | undefined;
  setFile(path: string, state: Buffer | 'exists' | 'absent'): void;
  /** Paths directly in `dir` with a predicted state (e.g. the .repo files earlier tasks would write). */
  filesIn(dir: string): string[];
  /** Free-form per-host predictions for other kinds of state (packages, units, bridges...). */
  get<T>(namespace: string, key: string): T | undefined;
  set<T>(namespace: string, key: string, value: T): void;
}

/** Per-host cache of facts read from the host during this run (pyinfra's "facts"). */
export interface FactCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Drop cached facts whose key starts with `prefix` (all when omitted) after a change. */
  invalidate(prefix?: string): void;
}

/**
 * The host's connection itself, for the rare module that must drop and re-open it
 * (`reboot` waits for the host to come back). Everything else uses `run`.
 */
export interface HostConnection {
  /** Commands run on the controller itself (`ansible_connection=local`). */
  readonly local: boolean;
  /** Close the connection; the next command, or `connect()`, opens a new one. */
  close(): Promise<void>;
  /** Open the connection now. Throws UnreachableError while the host cannot be reached. */
  connect(): Promise<void>;
  /**
   * A TCP connection to `host:port` made from the host, over its existing SSH connection
   * (a direct-tcpip channel; a plain socket for local hosts), for APIs only the host can
   * reach. `host` is resolved on the host: `127.0.0.1` is the host itself.
   */
  openTcpTunnel(host: string, port: number): Promise<Duplex>;
}

/**
 * Held sessions (docs/held-sessions.md): a process on the host whose input stays open across
 * tasks, registered by name for the host. One task opens it, later tasks talk to it or end it;
 * the executor ends it when the play ends, and the connection's end ends it too. The process
 * must end by itself when its input ends, undoing what it holds (a mysql client quits and its
 * locks go; a freeze helper thaws): that is what a dropped connection looks like on the host.
 */
export interface HeldSessionsApi {
  /** The session of that name on this host (also one that ended by itself: see `alive`). */
  get(name: string): HeldSessionHandle | undefined;
  /**
   * Start `command` (task's become and environment applied) as the session `name`; `kind`
   * names what it is ('mysql', 'fsfreeze') so another module can refuse a session not its own.
   * Fails when a live session of that name exists.
   */
  open(name: string, kind: string, command: string, options?: HeldSessionOpenOptions): Promise<HeldSessionHandle>;
}

export interface HeldSessionOpenOptions {
  /** First input (e.g. credentials the process reads before anything else). */
  stdin?: string;
  env?: Record<string, string>;
  noBecome?: boolean;
  /** For messages; default: `kind`. */
  label?: string;
}

export interface HeldSessionHandle {
  readonly name: string;
  readonly kind: string;
  /** False once the process ended (its input was ended, it exited, the connection dropped). */
  readonly alive: boolean;
  /** Why it ended, once it did. */
  readonly endReason?: string | undefined;
  /**
   * Send `input` and wait until `end(output)` returns the index where the reply ends (-1
   * while incomplete); returns the reply. Abandoned when the task's signal fires. After a
   * timeout or an abandon the session is killed: its state is unknown.
   */
  reply(input: string | undefined, end: (output: string) => number, options?: { timeoutMs?: number }): Promise<string>;
  /** Output since the last reply (consumed). */
  takeOutput(): string;
  /** Last input, end of input, wait for the exit (killed after `graceMs`); removes the session. */
  end(options?: { input?: string; graceMs?: number }): Promise<{ rc: number | null; reason: string; killed: boolean; output: string }>;
}

export interface ModuleContext<Args> {
  /** Arguments after templating and JSON Schema validation (defaults applied). */
  readonly args: Args;
  readonly check: boolean;
  readonly diff: boolean;
  readonly host: {
    /** Inventory name. */
    readonly name: string;
    /** All variables visible to this task on this host (hostvars, facts, play vars...). */
    readonly vars: Readonly<Record<string, unknown>>;
  };
  /** Run a fully quoted shell command on the host (task's become and environment applied). */
  run(command: string, options?: RunOptions): Promise<ExecResult>;
  /** Run an argv; each word is quoted for the remote shell. */
  runArgv(argv: ReadonlyArray<string>, options?: RunOptions): Promise<ExecResult>;
  /** Read a file from the host (`null` if missing). In check mode, sees predicted writes. */
  readFile(path: string): Promise<Buffer | null>;
  /** Atomic write (temp + rename). In check mode records the prediction and writes nothing. */
  writeFile(path: string, data: string | Buffer, options?: Omit<WriteFileOptions, 'become'>): Promise<WriteFileResult>;
  /** Quote one word for the remote POSIX shell. */
  quote(word: string | number): string;
  /**
   * Mask `value` wherever it appears in output, `--json` and logs from now on: passwords
   * and tokens a module reads from its own configuration (clouds.yaml) or obtains.
   */
  secret(value: string): void;
  /** Fail the task with a message (and extra result keys). Never returns. */
  fail(message: string, extra?: Record<string, unknown>): never;
  /** Find a controller-side file for `src:` (role files/, templates/ or vars/, then the playbook dir). */
  findFile(kind: 'files' | 'templates' | 'vars', name: string): string;
  /**
   * Read a controller-side file (`src:`). A vault-encrypted file is decrypted with the
   * run's vault secrets (its content is then masked in output), unless `decrypt: false`.
   * Throws when the file cannot be read or decrypted.
   */
  readControllerFile(path: string, options?: { decrypt?: boolean }): Buffer;
  /**
   * Render a template with this task's variables. With `file` (the `template` module), it
   * is a template file: `.j2` is Jinja, `.hbs` Handlebars (docs/templating.md), and `file`
   * adds Jinja's whitespace settings and variables only the template sees.
   */
  render(template: string, sourceName?: string, file?: TemplateFileOptions): string;
  /** Evaluate a bare Jinja-style expression with this task's variables (`assert: that:`). */
  evaluate(expression: string): unknown;
  readonly predicted: PredictedState;
  readonly facts: FactCache;
  /**
   * Shared by the invocations of this task on this host (its loop items and retries), gone
   * when the task ends there: for what cannot change while the task runs, read once instead
   * of once per item (cinder_snapshot's volume). Prefix keys with the module's name.
   */
  readonly taskCache: Map<string, unknown>;
  readonly log: Logger;
  readonly connection: HostConnection;
  /** Processes held open across tasks on this host (docs/held-sessions.md). */
  readonly sessions: HeldSessionsApi;
  /**
   * Aborted when the task's `timeout` passes or the run is interrupted (SIGINT/SIGTERM).
   * Commands are stopped for you; pass it to work done in the controller (`fetch`, waits).
   */
  readonly signal: AbortSignal;
  /**
   * Run another module (built-in or custom, by the name a task would use) as part of this
   * task: same host, become, environment and timeout, and the same check and diff modes, so
   * in check mode it predicts instead of changing. Its arguments are validated against its
   * schema. Returns its result with `diff` as a list; when it fails this throws the failure
   * (so this task fails with `NAME: message`) unless you catch it. Combine results with
   * `mergeResults` from 'tsplay/helpers'.
   */
  call(name: string, args: Record<string, unknown>): Promise<CalledResult>;
}

/** What `ctx.call` returns: the called module's result, its diff always a list. */
export interface CalledResult extends ModuleResult {
  diff?: DiffEntry[];
}

export interface ModuleDefinition<Args = Record<string, unknown>> {
  /** The name used in playbooks (`ini_set`). */
  name: string;
  /** Other accepted names, e.g. Ansible's (`ini_file`, `community.general.ini_file`). */
  aliases?: string[];
  /** JSON Schema of the arguments; validated with ajv after templating, per task. */
  schema: JsonSchema;
  docs: ModuleDocs;
  /**
   * For modules such as `command`/`shell`/`raw` that take free-form text
   * (`shell: echo hi`): the argument that receives it. `k=v` words naming other
   * schema properties (`chdir=/tmp`) are still parsed as arguments.
   */
  freeForm?: string;
  /** Runs only in the controller (debug, set_fact, assert): no connection is opened for it. */
  controllerOnly?: boolean;
  /**
   * tsplay's own module, which Ansible does not have (`warn`): it answers to its name and
   * aliases only, never to a collection name such as `ansible.builtin.NAME`, so a playbook
   * that says ansible.builtin cannot come to depend on something ansible-playbook lacks.
   */
  tsplayOnly?: boolean;
  /** False when the module cannot predict its result: it is reported skipped in check mode. */
  supportsCheckMode?: boolean;
  /**
   * A custom module that takes the name (or an alias) of a built-in must say so with
   * `overrides: true`; otherwise tasks using that name fail and say which file clashes.
   */
  overrides?: boolean;
  run(ctx: ModuleContext<Args>): Promise<ModuleResult>;
}

/** Identity at run time; gives authors type checking and a single, documented entry point. */
export function defineModule<Args = Record<string, unknown>>(definition: ModuleDefinition<Args>): ModuleDefinition<Args> {
  return definition;
}
