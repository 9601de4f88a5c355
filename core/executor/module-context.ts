/**
 * Builds the `ModuleContext` a module's `run` receives. This is the only place where a
 * module's requests meet the transport: become and the task environment are applied here,
 * and check mode turns writes into recorded predictions.
 */
import type { Logger } from 'pino';
import type { CalledResult, ModuleContext, ModuleDefinition, FactCache, PredictedState, RunOptions, TemplateFileOptions } from '../modules/api.js';
import { ModuleFailure } from '../modules/api.js';
import type { BecomeSpec, ExecOptions, Transport } from '../transport/transport.js';
import { readFile, writeFileAtomic, type WriteFileOptions } from '../transport/remote-shell.js';
import { quote, quoteArgv } from '../transport/shell-quote.js';
import { readFileSync } from 'node:fs';
import { Vault } from '../vault/vault.js';
import { HeldSessions } from './held-sessions.js';

export interface ContextOptions<Args> {
  args: Args;
  /** Where the output of commands run with `stream: true` goes as it arrives (-v). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  transport: Transport;
  host: { name: string; vars: Record<string, unknown> };
  check: boolean;
  diff: boolean;
  become?: BecomeSpec;
  environment?: Record<string, string>;
  /** Per-command timeout for this task (ms). */
  timeoutMs?: number;
  /** The task's `timeout` ends here (epoch ms): no command runs past it. */
  deadline?: number;
  /** Aborted on the task's timeout or the run's interrupt. */
  signal?: AbortSignal;
  facts: FactCache;
  predicted: PredictedState;
  /** Shared by the loop items and retries of one task on one host; a fresh one when absent (one call). */
  taskCache?: Map<string, unknown>;
  /** The host's held sessions (HostRuntime); a throwaway registry when absent (tests of one module call). */
  sessions?: HeldSessions;
  /** The task's name, recorded with the sessions it opens. */
  taskName?: string;
  /** The run's secret masking (core/log/redact.ts); absent in tests that print nothing. */
  secrets?: { add(value: string): void };
  log: Logger;
  findFile(kind: 'files' | 'templates' | 'vars', name: string): string;
  /** Reads a controller file, decrypting vault data when `decrypt` (default: no secrets, so a vault file fails). */
  readControllerFile?(path: string, decrypt: boolean): Buffer;
  render(template: string, sourceName?: string, file?: TemplateFileOptions): string;
  evaluate(expression: string): unknown;
  /** How `ctx.call` finds a module by name (the run's registry); default: the built-ins. */
  resolveModule?(name: string): Promise<ModuleDefinition<any> | undefined>;
  /** `ctx.call` itself, given by runModule (it runs the other module with this task's options). */
  call?(name: string, args: Record<string, unknown>): Promise<CalledResult>;
}

/** Pass output on, except a stdout that begins with `marker` (held back until that is known). */
export function streamFilter(emit: (stream: 'stdout' | 'stderr', chunk: Buffer) => void, marker?: string): (stream: 'stdout' | 'stderr', chunk: Buffer) => void {
  if (!marker) return emit;
  const want = Buffer.from(marker);
  let head: Buffer | undefined = Buffer.alloc(0);
  let hide = false;
  return (stream, chunk) => {
    if (stream === 'stderr') return emit(stream, chunk);
    if (hide) return;
    if (!head) return emit(stream, chunk);
    head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, want.length);
    if (!head.subarray(0, n).equals(want.subarray(0, n))) {
      const all = head;
      head = undefined;
      return emit(stream, all);
    }
    if (head.length >= want.length) hide = true;
  };
}

export function createModuleContext<Args>(o: ContextOptions<Args>): ModuleContext<Args> {
  const execOptions = (options: RunOptions = {}): ExecOptions => {
    const exec: ExecOptions = {};
    if (options.stdin !== undefined) exec.stdin = options.stdin;
    const env = { ...(o.environment ?? {}), ...(options.env ?? {}) };
    if (Object.keys(env).length) exec.env = env;
    if (o.become && !options.noBecome) exec.become = o.become;
    let timeout = options.timeoutMs ?? o.timeoutMs;
    if (o.deadline !== undefined) {
      // The task's own timeout bounds every command it runs; none starts once it has passed.
      const left = Math.max(1, o.deadline - Date.now());
      timeout = timeout ? Math.min(timeout, left) : left;
    }
    if (timeout) exec.timeoutMs = timeout;
    if (options.stream && o.onOutput) exec.onOutput = streamFilter(o.onOutput, typeof options.stream === 'object' ? options.stream.hideIfStartsWith : undefined);
    return exec;
  };

  const signal = o.signal ?? new AbortController().signal;
  const ctx: ModuleContext<Args> = {
    args: o.args,
    check: o.check,
    diff: o.diff,
    host: o.host,
    run: (command, options) => o.transport.exec(command, execOptions(options)),
    runArgv: (argv, options) => o.transport.exec(quoteArgv(argv), execOptions(options)),
    async readFile(path) {
      if (o.check) {
        const predicted = o.predicted.file(path);
        if (predicted === 'absent') return null;
        if (Buffer.isBuffer(predicted)) return predicted;
        // 'exists' (content unknown) falls through to the host: the caller decides what
        // a missing file means when ctx.predicted says it will exist.
      }
      return readFile(o.transport, path, o.become);
    },
    async writeFile(path, data, options: Omit<WriteFileOptions, 'become'> = {}) {
      if (o.check) {
        o.predicted.setFile(path, Buffer.from(data));
        return {};
      }
      const result = await writeFileAtomic(o.transport, path, data, o.become ? { ...options, become: o.become } : options);
      o.facts.invalidate(`file:${path}`);
      return result;
    },
    quote,
    secret(value) {
      o.secrets?.add(value);
    },
    fail(message, extra) {
      throw new ModuleFailure(message, extra);
    },
    findFile: o.findFile,
    readControllerFile(path, options = {}) {
      const decrypt = options.decrypt ?? true;
      if (o.readControllerFile) return o.readControllerFile(path, decrypt);
      const data = readFileSync(path);
      return decrypt ? new Vault().openBytes(data, path).data : data;
    },
    render: o.render,
    evaluate: o.evaluate,
    predicted: o.predicted,
    facts: o.facts,
    taskCache: o.taskCache ?? new Map(),
    log: o.log,
    signal,
    call(name, args) {
      if (!o.call) return Promise.reject(new Error(`ctx.call('${name}') is not available here`));
      return o.call(name, args);
    },
    sessions: (o.sessions ?? new HeldSessions()).forTask({
      transport: o.transport,
      taskName: o.taskName ?? 'a task',
      ...(o.become ? { become: o.become } : {}),
      ...(o.environment ? { environment: o.environment } : {}),
      signal,
    }),
    connection: {
      // The transport knows (delegate_to: localhost, SSH to a loopback address); the host's own
      // ansible_connection covers transports made outside a run (tsplay/testing).
      local: o.transport.local === true || o.host.vars.ansible_connection === 'local',
      close: () => o.transport.close(),
      connect: () => o.transport.connect(),
      openTcpTunnel(host, port) {
        if (!o.transport.openTcpTunnel) return Promise.reject(new Error(`${o.host.name}: its connection type cannot open TCP tunnels`));
        return o.transport.openTcpTunnel(host, port);
      },
    },
  };
  return ctx;
}
