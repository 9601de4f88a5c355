/**
 * Builds the `ModuleContext` a module's `run` receives. This is the only place where a
 * module's requests meet the transport: become and the task environment are applied here,
 * and check mode turns writes into recorded predictions.
 */
import type { Logger } from 'pino';
import type { ModuleContext, FactCache, PredictedState, RunOptions } from '../modules/api.js';
import { ModuleFailure } from '../modules/api.js';
import type { BecomeSpec, ExecOptions, Transport } from '../transport/transport.js';
import { readFile, writeFileAtomic, type WriteFileOptions } from '../transport/remote-shell.js';
import { quote, quoteArgv } from '../transport/shell-quote.js';
import { readFileSync } from 'node:fs';
import { Vault } from '../vault/vault.js';
import { HeldSessions } from './held-sessions.js';

export interface ContextOptions<Args> {
  args: Args;
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
  /** The host's held sessions (HostRuntime); a throwaway registry when absent (tests of one module call). */
  sessions?: HeldSessions;
  /** The task's name, recorded with the sessions it opens. */
  taskName?: string;
  /** The run's secret masking (core/log/redact.ts); absent in tests that print nothing. */
  secrets?: { add(value: string): void };
  log: Logger;
  findFile(kind: 'files' | 'templates', name: string): string;
  /** Reads a controller file, decrypting vault data when `decrypt` (default: no secrets, so a vault file fails). */
  readControllerFile?(path: string, decrypt: boolean): Buffer;
  render(template: string, sourceName?: string): string;
  evaluate(expression: string): unknown;
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
    log: o.log,
    signal,
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
