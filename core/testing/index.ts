/**
 * Test helpers for module authors (built-in and custom): run a module against a real
 * transport (local by default) with exactly the machinery a playbook run uses.
 *
 *   const r = await runModuleLocally(myModule, { path, line: 'x=1' });
 *   expect(r.changed).toBe(true);
 */
import pino from 'pino';
import type { ModuleDefinition } from '../modules/api.js';
import { LocalTransport } from '../transport/local.js';
import type { Transport } from '../transport/transport.js';
import { HostRuntime } from '../executor/host-state.js';
import { runModule } from '../executor/run-module.js';
import type { TaskResult } from '../executor/task-result.js';
import { Templar } from '../template/templar.js';
import { evaluate } from '../template/expression.js';
import { resolve } from 'node:path';

export interface RunModuleOptions {
  check?: boolean;
  diff?: boolean;
  vars?: Record<string, unknown>;
  transport?: Transport;
  /** Reuse one runtime across calls to keep facts/predictions (e.g. check-mode chains). */
  runtime?: HostRuntime;
  /** Directory that `src:` paths resolve against. */
  baseDir?: string;
  become?: { user: string; password?: string };
}

const silent = pino({ level: 'silent' });
const templar = new Templar();

export async function runModuleLocally(
  module: ModuleDefinition<any>,
  args: Record<string, unknown>,
  options: RunModuleOptions = {},
): Promise<TaskResult> {
  const transport = options.transport ?? new LocalTransport('localhost');
  const runtime = options.runtime ?? new HostRuntime();
  const vars = options.vars ?? {};
  const baseDir = options.baseDir ?? process.cwd();
  return runModule(module, args, {
    transport,
    host: { name: transport.host, vars },
    check: options.check ?? false,
    diff: options.diff ?? true,
    ...(options.become ? { become: options.become } : {}),
    facts: runtime.facts,
    predicted: runtime.predicted,
    log: silent,
    findFile: (_kind, name) => resolve(baseDir, name),
    render: (template, source, file) => (file ? templar.renderFile(template, vars, { ...file, path: source ?? 'template' }) : templar.renderString(template, vars, source)),
    evaluate: (expression) => evaluate(expression, vars),
  });
}

export { HostRuntime } from '../executor/host-state.js';
