/**
 * Runs a module through the real executor path (argument validation, module context, check
 * mode, predictions) against the local transport, sharing one HostRuntime across calls so
 * that check-mode predictions flow from one task to the next as in a playbook run.
 */
import pino from 'pino';
import { resolve } from 'node:path';
import type { ModuleDefinition } from '../../../core/modules/api.js';
import { HostRuntime } from '../../../core/executor/host-state.js';
import { runModule } from '../../../core/executor/run-module.js';
import type { TaskResult } from '../../../core/executor/task-result.js';
import { LocalTransport } from '../../../core/transport/local.js';
import type { Transport } from '../../../core/transport/transport.js';

export interface LocalRunOptions {
  check?: boolean;
  diff?: boolean;
  runtime?: HostRuntime;
  transport?: Transport;
  vars?: Record<string, unknown>;
}

export function runLocal(module: ModuleDefinition<any>, args: Record<string, unknown>, o: LocalRunOptions = {}): Promise<TaskResult> {
  const transport = o.transport ?? new LocalTransport('localhost');
  const runtime = o.runtime ?? new HostRuntime();
  return runModule(module, args, {
    transport,
    host: { name: transport.host, vars: o.vars ?? {} },
    check: o.check ?? false,
    diff: o.diff ?? false,
    facts: runtime.facts,
    predicted: runtime.predicted,
    log: pino({ level: 'silent' }),
    findFile: (_kind, name) => resolve(name),
    render: (t) => t,
    evaluate: () => undefined,
  });
}

export { HostRuntime };
