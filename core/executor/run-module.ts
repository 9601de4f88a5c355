/**
 * Run one module invocation and turn every outcome into a TaskResult: validated
 * arguments, check-mode refusal, module failures and crashes. Only an unreachable host
 * escapes as an exception, because that ends the host's play rather than one task.
 */
import type { ModuleDefinition, ModuleResult } from '../modules/api.js';
import { ModuleFailure } from '../modules/api.js';
import { ArgumentError, validateArgs } from '../modules/validate-args.js';
import { RemoteCommandError } from '../transport/remote-shell.js';
import { BecomeError, CommandTimeoutError, UnreachableError } from '../transport/transport.js';
import { createModuleContext, type ContextOptions } from './module-context.js';
import type { TaskResult } from './task-result.js';

export type InvocationOptions = Omit<ContextOptions<Record<string, unknown>>, 'args'>;

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
  const ctx = createModuleContext({ ...options, args });
  let result: ModuleResult;
  try {
    result = await module.run(ctx);
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    if (err instanceof ModuleFailure) return { ...err.extra, changed: Boolean(err.extra.changed), failed: true, skipped: false, msg: err.message };
    if (err instanceof RemoteCommandError) {
      return { changed: false, failed: true, skipped: false, msg: err.message, rc: err.result.rc, stderr: err.result.stderr };
    }
    // The command never ran: say why (wrong password, requiretty...), not what a module guessed from an exit status.
    if (err instanceof BecomeError) return { changed: false, failed: true, skipped: false, msg: `${module.name}: ${err.message}` };
    if (err instanceof CommandTimeoutError) return { changed: false, failed: true, skipped: false, msg: `${module.name}: ${err.message}` };
    // A bug in a module must not take the run down: report it on the task, keep the stack for -vvv logs.
    options.log.error({ err, module: module.name }, 'module crashed');
    return { changed: false, failed: true, skipped: false, msg: `module ${module.name} crashed: ${(err as Error)?.message ?? String(err)}` };
  }
  const { diff, changed, skipped, ...rest } = result;
  const out: TaskResult = { ...rest, changed: Boolean(changed), failed: false, skipped: Boolean(skipped) };
  if (diff) out.diff = Array.isArray(diff) ? diff : [diff];
  if (result.failed === true) out.failed = true;
  return out;
}
