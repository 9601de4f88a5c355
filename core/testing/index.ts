/**
 * Test helpers for module authors (built-in and custom), exported as `tsplay/testing`:
 *
 * - `ModuleTester`: table-driven cases that prove a module's promises (check mode, diff,
 *   idempotence, result shape, docs examples) on this machine or on a host over SSH;
 * - `runModuleLocally`: one run of a module with exactly the machinery a playbook run
 *   uses (arguments templated with `vars`, validated, then `run`);
 * - the transports, so a test can pick the host: `LocalTransport`, `connectHost` (SSH,
 *   from Ansible's connection variables).
 *
 *   const r = await runModuleLocally(myModule, { path, line: 'x=1' });
 *   expect(r.changed).toBe(true);
 */
import pino from 'pino';
import type { ModuleDefinition } from '../modules/api.js';
import { LocalTransport } from '../transport/local.js';
import type { Transport } from '../transport/transport.js';
import { HostRuntime } from '../executor/host-state.js';
import { resolveBuiltinModule, runModule } from '../executor/run-module.js';
import { dropOmitted, OMIT } from '../executor/task-vars.js';
import type { TaskResult } from '../executor/task-result.js';
import { Templar } from '../template/templar.js';
import { evaluate } from '../template/expression.js';
import { resolve } from 'node:path';

export interface RunModuleOptions {
  check?: boolean;
  /** As `--diff`: off unless asked, like the CLI (a module must not return a diff then). */
  diff?: boolean;
  vars?: Record<string, unknown>;
  transport?: Transport;
  /** Reuse one runtime across calls to keep facts/predictions (e.g. check-mode chains). */
  runtime?: HostRuntime;
  /** Modules `ctx.call` may reach besides the built-ins. */
  modules?: ModuleDefinition<any>[];
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
  const vars = { inventory_hostname: transport.host, ...options.vars };
  const baseDir = options.baseDir ?? process.cwd();
  const extra = options.modules ?? [];
  // Templated like a task's arguments: `{{ var }}` from `vars`, `omit` drops a key.
  const rendered = dropOmitted(templar.render(args, { omit: OMIT, ...vars }, `${module.name} arguments`)) as Record<string, unknown>;
  return runModule(module, rendered, {
    transport,
    host: { name: transport.host, vars },
    check: options.check ?? false,
    diff: options.diff ?? false,
    ...(options.become ? { become: options.become } : {}),
    facts: runtime.facts,
    predicted: runtime.predicted,
    sessions: runtime.sessions,
    log: silent,
    findFile: (_kind, name) => resolve(baseDir, name),
    render: (template, source, file) => (file ? templar.renderFile(template, vars, { ...file, path: source ?? 'template' }) : templar.renderString(template, vars, source)),
    evaluate: (expression) => evaluate(expression, vars),
    resolveModule: async (name) => extra.find((m) => m.name === name || m.aliases?.includes(name)) ?? resolveBuiltinModule(name),
  });
}

export { HostRuntime } from '../executor/host-state.js';
export type { TaskResult } from '../executor/task-result.js';
export { ModuleTester, resultShapeProblems } from './module-tester.js';
export type { CaseOutcome, CaseSetup, ChangeCase, InvalidCase, ModuleCases, ModuleTesterOptions, TestFramework, UnchangedCase } from './module-tester.js';
export { checkDocExamples, type ExampleProblem } from './doc-examples.js';
export { connectHost, localHost, type FileExpectation, type FileSpec } from './test-host.js';
export { LocalTransport } from '../transport/local.js';
export { SshTransport, type SshConnectionSpec } from '../transport/ssh.js';
export type { ExecOptions, ExecResult, Transport } from '../transport/transport.js';
