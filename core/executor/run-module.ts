/**
 * Run one module invocation and turn every outcome into a TaskResult: validated
 * arguments, check-mode refusal, module failures and crashes. Only an unreachable host
 * escapes as an exception, because that ends the host's play rather than one task.
 */
import type { CalledResult, ModuleDefinition, ModuleResult } from '../modules/api.js';
import type { ModuleRegistry } from '../modules/registry.js';
import { ModuleFailure } from '../modules/api.js';
import { ArgumentError, validateArgs } from '../modules/validate-args.js';
import { describeModule } from '../modules/module-source.js';
import { RemoteCommandError } from '../transport/remote-shell.js';
import { BecomeError, CommandTimeoutError, InterruptedError, UnreachableError } from '../transport/transport.js';
import { createModuleContext, type ContextOptions } from './module-context.js';
import type { TaskResult } from './task-result.js';

export type InvocationOptions = Omit<ContextOptions<Record<string, unknown>>, 'args' | 'deadline' | 'signal'> & {
  /** The task's `timeout` (ms): the task fails when it passes, and what it started is stopped. */
  taskTimeoutMs?: number;
  /** The run's interrupt (SIGINT/SIGTERM). */
  interrupted?: AbortSignal;
};

/** How long a timed-out task may take to stop its commands (SSH: TERM, then KILL 1 s later). */
const TIMEOUT_SETTLE_MS = 5000;

export async function runModule(
  module: ModuleDefinition<any>,
  rawArgs: Record<string, unknown>,
  options: InvocationOptions,
): Promise<TaskResult> {
  if (options.check && module.supportsCheckMode === false) {
    return { changed: false, failed: false, skipped: true, msg: `check mode is not supported by ${module.name}` };
  }
  let args: Record<string, unknown>;
  try {
    args = validateArgs(module, rawArgs);
  } catch (err) {
    if (err instanceof ArgumentError) return { changed: false, failed: true, skipped: false, msg: err.message };
    throw err;
  }
  const { taskTimeoutMs, interrupted, ...contextOptions } = options;
  const abort = new AbortController();
  const onInterrupt = () => abort.abort(new Error('interrupted'));
  if (interrupted?.aborted) onInterrupt();
  interrupted?.addEventListener('abort', onInterrupt, { once: true });
  const deadline = taskTimeoutMs ? Date.now() + taskTimeoutMs : undefined;
  // ctx.call: the other module runs with this task's options, inside its timeout and interrupt.
  const call = async (name: string, callArgs: Record<string, unknown>): Promise<CalledResult> => {
    const target = await (contextOptions.resolveModule ?? resolveBuiltinModule)(name);
    if (!target) throw new ModuleFailure(`ctx.call('${name}'): there is no module named '${name}'`);
    const left = deadline !== undefined ? Math.max(1, deadline - Date.now()) : undefined;
    const nested = await runModule(target, callArgs, { ...contextOptions, interrupted: abort.signal, ...(left !== undefined ? { taskTimeoutMs: left } : {}) });
    const { failed, msg, ...rest } = nested;
    if (failed) throw new ModuleFailure(`${name}: ${msg ?? 'failed'}`, rest);
    return (msg !== undefined ? { ...rest, msg } : rest) as CalledResult;
  };
  const ctx = createModuleContext({ ...contextOptions, args, call, signal: abort.signal, ...(deadline !== undefined ? { deadline } : {}) });
  let timer: NodeJS.Timeout | undefined;
  let result: ModuleResult;
  try {
    const running = module.run(ctx);
    if (taskTimeoutMs) {
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), taskTimeoutMs);
      });
      const first = await Promise.race([running, timedOut]);
      if (first === 'timeout') {
        // Commands of the task carry the same deadline, so the transports stop them now;
        // work the module does in the controller sees ctx.signal.
        abort.abort(new Error('task timeout'));
        // Give its commands the moment their own (same) deadline needs to stop them on the
        // host, so nothing of this task still runs when the next one starts.
        await Promise.race([running.catch(() => {}), new Promise((r) => setTimeout(r, TIMEOUT_SETTLE_MS).unref())]);
        return { changed: false, failed: true, skipped: false, timed_out: true, msg: `the task timed out after ${taskTimeoutMs / 1000} s (timeout: ${taskTimeoutMs / 1000})` };
      }
      result = first;
    } else {
      result = await running;
    }
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    if (err instanceof ModuleFailure) return { ...err.extra, changed: Boolean(err.extra.changed), failed: true, skipped: false, msg: err.message };
    if (err instanceof RemoteCommandError) {
      return { changed: false, failed: true, skipped: false, msg: err.message, rc: err.result.rc, stderr: err.result.stderr };
    }
    // The command never ran: say why (wrong password, requiretty...), not what a module guessed from an exit status.
    if (err instanceof InterruptedError) return { changed: false, failed: true, skipped: false, interrupted: true, msg: `${module.name}: ${err.message}` };
    if (err instanceof BecomeError) return { changed: false, failed: true, skipped: false, msg: `${module.name}: ${err.message}` };
    if (err instanceof CommandTimeoutError) {
      const taskTimedOut = deadline !== undefined && Date.now() >= deadline - 5;
      return taskTimedOut
        ? { changed: false, failed: true, skipped: false, timed_out: true, msg: `the task timed out after ${taskTimeoutMs! / 1000} s (timeout: ${taskTimeoutMs! / 1000})` }
        : { changed: false, failed: true, skipped: false, msg: `${module.name}: ${err.message}` };
    }
    // A bug in a module must not take the run down: report it on the task, keep the stack for -vvv logs.
    options.log.error({ err, module: module.name }, 'module crashed');
    // `exception` is Ansible's key for the traceback: the printer shows it at -vvv.
    const stack = err instanceof Error && err.stack ? { exception: err.stack } : {};
    return { changed: false, failed: true, skipped: false, msg: `${describeModule(module)} crashed: ${(err as Error)?.message ?? String(err)}`, ...stack };
  } finally {
    if (timer) clearTimeout(timer);
    interrupted?.removeEventListener('abort', onInterrupt);
  }
  const malformed = resultProblem(result);
  if (malformed) return { changed: false, failed: true, skipped: false, msg: `${describeModule(module)} ${malformed}` };
  const { diff, changed, skipped, ...rest } = result;
  const out: TaskResult = { ...rest, changed: Boolean(changed), failed: false, skipped: Boolean(skipped) };
  if (diff) out.diff = Array.isArray(diff) ? diff : [diff];
  if (result.failed === true) out.failed = true;
  return out;
}

/**
 * What is wrong with the value a module's `run` resolved to, if anything. `changed` is
 * required and must be a boolean: a missing one used to read as "ok", hiding a module
 * that forgot to say whether it changed the host.
 */
function resultProblem(result: unknown): string | undefined {
  const fix = 'its run() must return an object such as { changed: false }';
  if (result === undefined || result === null) return `returned no result: ${fix}`;
  if (typeof result !== 'object' || Array.isArray(result)) return `returned ${Array.isArray(result) ? 'an array' : typeof result} instead of a result object: ${fix}`;
  const changed = (result as { changed?: unknown }).changed;
  if (changed === undefined) return `returned a result without 'changed': ${fix} or { changed: true }`;
  if (typeof changed !== 'boolean') return `returned 'changed' as ${JSON.stringify(changed)} (${typeof changed}); it must be true or false`;
  return undefined;
}

let builtinRegistry: Promise<ModuleRegistry> | undefined;

/** The built-in module `name` (for ctx.call outside a playbook run, e.g. tsplay/testing). */
export async function resolveBuiltinModule(name: string): Promise<ModuleDefinition<any> | undefined> {
  builtinRegistry ??= import('../modules/registry.js').then((m) => m.ModuleRegistry.create());
  return (await builtinRegistry).resolve(name);
}
