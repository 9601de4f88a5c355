/**
 * ModuleTester: table-driven tests for a tsplay module, in the spirit of ESLint's RuleTester.
 * A test lists cases - arguments, a starting state of files and commands on a real host, and
 * what should happen - and the tester proves, for every case, the promises every module
 * makes, without the author writing them again:
 *
 *   - check mode writes nothing (a snapshot of the touched paths is the same before and after)
 *     and predicts the same `changed` and the same diff as the real run;
 *   - a run that reports `changed: false` writes nothing either;
 *   - a second real run changes nothing, and check mode then predicts no change;
 *   - without --diff the result carries no diff;
 *   - every result has the right shape (`changed`/`failed` booleans, plain JSON data, no
 *     value the module declared secret with ctx.secret, nor any the case lists);
 *   - arguments are templated like a playbook's (`{{ root }}` is the case's scratch directory);
 *   - every example in the module's docs validates against its schema.
 *
 *   const tester = new ModuleTester({ module: lineinfile });
 *   tester.run('lineinfile', { unchanged: [...], changes: [...], invalid: [...] });
 *
 * Cases run on this machine in a fresh `mktemp -d` directory, or on any host a transport
 * reaches (`host: connectHost('opctl', vars)`), always through the module's real machinery
 * (runModule, the transport, validation), never a mock.
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import pino from 'pino';
import type { DiffEntry, ModuleDefinition } from '../modules/api.js';
import { HostRuntime } from '../executor/host-state.js';
import { resolveBuiltinModule, runModule } from '../executor/run-module.js';
import type { TaskResult } from '../executor/task-result.js';
import { dropOmitted, OMIT } from '../executor/task-vars.js';
import { evaluate } from '../template/expression.js';
import { Templar } from '../template/templar.js';
import type { Transport } from '../transport/transport.js';
import { checkDocExamples } from './doc-examples.js';
import { assertEqual, assertPartial, fail } from './match.js';
import {
  localHost,
  makeRoot,
  mustRun,
  readHostFile,
  removeRoot,
  resolveIn,
  runSetup,
  snapshot,
  snapshotDifference,
  writeFiles,
  type FileExpectation,
  type FileSpec,
} from './test-host.js';

export interface CaseSetup {
  /** Shown in the test's title; defaults to the arguments. */
  name?: string;
  /** The task's arguments, templated as in a playbook: `{{ root }}` is the case's scratch directory. */
  args: Record<string, unknown>;
  /** Extra variables for templating (and `ctx.host.vars`). */
  vars?: Record<string, unknown>;
  /** Starting files, relative to the scratch directory (or absolute). */
  files?: Record<string, FileSpec>;
  /** Shell commands run in the scratch directory (`$ROOT`) after the files are written. */
  setup?: string[];
  /** More paths the module may touch (absolute, or relative to the scratch directory), snapshotted too. */
  watch?: string[];
  /** Where relative `src:` files are found on the controller (templated; default: the current directory). */
  baseDir?: string;
  /** Values that must never appear in a result (passwords given in `args`...). */
  secrets?: string[];
  only?: boolean;
  skip?: boolean;
}

export interface CaseOutcome {
  /** The case's scratch directory on the host. */
  root: string;
  host: Transport;
  check: TaskResult;
  first: TaskResult;
  /** The second real run (undefined for invalid cases). */
  second?: TaskResult;
  /** Run a command on the host; it must succeed. Returns its stdout. */
  sh(command: string): Promise<string>;
}

export interface UnchangedCase extends CaseSetup {
  /** Expected keys of the real run's result (partial match; a RegExp matches a string). */
  result?: Record<string, unknown>;
  /** Files after the real run: text, `null` for absent, or `{ content, mode }`. */
  expectFiles?: Record<string, FileExpectation>;
  /** Anything else to check, with your test framework's own assertions. */
  assert?(outcome: CaseOutcome): void | Promise<void>;
}

export interface ChangeCase extends UnchangedCase {
  /** The real run's diff entries (partial match), e.g. `[{ after: 'x=1\n' }]`. */
  diff?: Array<Partial<Record<keyof DiffEntry, string | RegExp>>>;
}

export interface InvalidCase extends CaseSetup {
  /** The task's `msg`: a string must be equal (after templating), a RegExp must match. */
  error: string | RegExp;
  /** Only a real run can find the problem (a command fails on the host); check mode may pass. */
  realRunOnly?: boolean;
}

export interface ModuleCases {
  /** The host is already as the arguments ask: nothing changes, in check mode or for real. */
  unchanged?: UnchangedCase[];
  /** The module changes the host: check predicts it exactly, a second run changes nothing. */
  changes?: ChangeCase[];
  /** The task fails with a clear message and touches nothing. */
  invalid?: InvalidCase[];
}

/** The `describe`/`it` of a test framework (vitest, node:test, mocha, jest). */
export interface TestFramework {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>, timeout?: number): unknown;
}

export interface ModuleTesterOptions {
  module: ModuleDefinition<any>;
  /** Where cases run: 'local' (default) or a transport (`connectHost(...)`, a LocalTransport...). */
  host?: 'local' | Transport;
  /** The host's variables (`ctx.host.vars`), before each case's `vars`. */
  hostVars?: Record<string, unknown>;
  /** Modules `ctx.call` may reach besides the built-ins (for a module that calls your other modules). */
  modules?: ModuleDefinition<any>[];
  /** The test framework to register cases with; default: ModuleTester.describe/it, then globals, then node:test. */
  framework?: TestFramework;
  /** Per-case timeout passed to `it` (ms); default 60 s (a case is several runs, and may go over SSH). */
  timeout?: number;
}

type Section = 'unchanged' | 'changes' | 'invalid';

const silent = pino({ level: 'silent' });
const DEFAULT_TIMEOUT_MS = 60_000;
const templar = new Templar();

function title(section: Section, c: CaseSetup): string {
  return `${section}: ${c.name ?? JSON.stringify(c.args)}`;
}

/** Render every string inside an expectation like the arguments (RegExps are kept). */
function renderExpected<T>(value: T, vars: Record<string, unknown>): T {
  if (value instanceof RegExp || value === null || value === undefined) return value;
  if (typeof value === 'string') return templar.renderString(value, vars) as T;
  if (Array.isArray(value)) return value.map((v) => renderExpected(v, vars)) as T;
  if (typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [templar.renderString(k, vars), renderExpected(v, vars)])) as T;
  }
  return value;
}

/** Why a result is not what a task result must be, if it is not. */
export function resultShapeProblems(result: TaskResult, secrets: readonly string[]): string[] {
  const problems: string[] = [];
  if (typeof result.changed !== 'boolean') problems.push(`'changed' is ${JSON.stringify(result.changed)}, not a boolean`);
  if (typeof result.failed !== 'boolean') problems.push(`'failed' is ${JSON.stringify(result.failed)}, not a boolean`);
  if (result.msg !== undefined && typeof result.msg !== 'string') problems.push(`'msg' is a ${typeof result.msg}, not text`);
  const visit = (v: unknown, path: string, seen: Set<unknown>): void => {
    if (typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') problems.push(`${path} is a ${typeof v}: results must be plain JSON data`);
    else if (Buffer.isBuffer(v)) problems.push(`${path} is a Buffer: return text (or base64, as slurp does)`);
    else if (v && typeof v === 'object') {
      if (seen.has(v)) return void problems.push(`${path} refers to itself: results must be plain JSON data`);
      seen.add(v);
      for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`, seen);
      seen.delete(v);
    }
  };
  visit(result, 'result', new Set());
  if (problems.length === 0) {
    const text = JSON.stringify(result);
    for (const s of secrets) if (s.length >= 3 && text.includes(s)) problems.push(`a secret value (${s.slice(0, 2)}...) appears in the result`);
  }
  return problems;
}

export class ModuleTester {
  /** Like RuleTester.describe/it: set once for a framework without globals (vitest's default). */
  static describe: TestFramework['describe'] | undefined;
  static it: TestFramework['it'] | undefined;

  private readonly module: ModuleDefinition<any>;
  private transport: Transport | undefined;

  constructor(private readonly options: ModuleTesterOptions) {
    this.module = options.module;
  }

  private host(): Transport {
    this.transport ??= !this.options.host || this.options.host === 'local' ? localHost() : this.options.host;
    return this.transport;
  }

  /** Register one test per case (and one for the docs' examples) with the test framework. */
  run(name: string, cases: ModuleCases): void {
    const { describe, it, nodeTest } = this.framework();
    const register = (label: string, fn: () => Promise<void>) =>
      nodeTest ? it(label, { timeout: this.options.timeout ?? DEFAULT_TIMEOUT_MS } as never, fn as never) : it(label, fn, this.options.timeout ?? DEFAULT_TIMEOUT_MS);
    describe(name, () => {
      register('docs examples validate against the schema', async () => this.checkExamples());
      const all: Array<[Section, CaseSetup]> = [
        ...(cases.unchanged ?? []).map((c) => ['unchanged', c] as [Section, CaseSetup]),
        ...(cases.changes ?? []).map((c) => ['changes', c] as [Section, CaseSetup]),
        ...(cases.invalid ?? []).map((c) => ['invalid', c] as [Section, CaseSetup]),
      ];
      const only = all.some(([, c]) => c.only);
      for (const [section, c] of all) {
        if (c.skip || (only && !c.only)) continue;
        register(title(section, c), async () => {
          await (this.runCase as (s: Section, c: CaseSetup) => Promise<CaseOutcome>)(section, c);
        });
      }
    });
  }

  /** The docs' examples must validate against the module's schema (throws listing every problem). */
  checkExamples(): void {
    const problems = checkDocExamples(this.module);
    if (problems.length) fail(`${this.module.name}: docs examples do not match the schema:\n${problems.map((p) => `  ${p.example}: ${p.problem}`).join('\n')}`);
  }

  /** Run one case with every automatic check; throws an AssertionError on the first broken promise. */
  async runCase(section: 'unchanged', c: UnchangedCase): Promise<CaseOutcome>;
  async runCase(section: 'changes', c: ChangeCase): Promise<CaseOutcome>;
  async runCase(section: 'invalid', c: InvalidCase): Promise<CaseOutcome>;
  async runCase(section: Section, c: UnchangedCase | ChangeCase | InvalidCase): Promise<CaseOutcome> {
    const host = this.host();
    const root = await makeRoot(host);
    try {
      await writeFiles(host, root, c.files ?? {});
      await runSetup(host, root, c.setup ?? []);
      const vars: Record<string, unknown> = { inventory_hostname: host.host, omit: OMIT, ...this.options.hostVars, ...c.vars, root };
      const args = dropOmitted(templar.render(c.args, vars, `${this.module.name} case args`)) as Record<string, unknown>;
      const watched = [root, ...(c.watch ?? []).map((p) => resolveIn(root, templar.renderString(p, vars)))];
      const secrets = [...(c.secrets ?? [])];
      const baseDir = resolvePath(c.baseDir !== undefined ? templar.renderString(c.baseDir, vars) : process.cwd());
      const runOnce = async (check: boolean, diff: boolean) => {
        const result = await this.invoke(host, args, vars, check, diff, secrets, baseDir);
        const problems = resultShapeProblems(result, secrets);
        if (problems.length) fail(`${this.module.name} ${check ? 'check-mode ' : ''}result is malformed: ${problems.join('; ')}\n  result: ${safeJson(result)}`);
        return result;
      };
      const where = `${this.module.name} (${title(section, c)})`;
      const sh = async (command: string) => (await mustRun(host, command, 'assert command')).stdout;

      const start = await snapshot(host, watched);
      const check = await runOnce(true, true);
      const afterCheck = await snapshot(host, watched);
      const written = snapshotDifference(start, afterCheck);
      if (written.length) fail(`${where}: check mode changed the host:\n${written.join('\n')}`);

      if (section === 'invalid') {
        const ic = c as InvalidCase;
        const error = renderExpected(ic.error, vars);
        const matches = (msg: unknown) => (error instanceof RegExp ? typeof msg === 'string' && error.test(msg) : msg === error);
        if (!ic.realRunOnly && !(check.failed && matches(check.msg))) {
          fail(`${where}: check mode should fail with ${describeError(error)}, got ${check.failed ? 'failed' : 'ok'}: ${JSON.stringify(check.msg)}`);
        }
        const first = await runOnce(false, true);
        if (!first.failed || !matches(first.msg)) fail(`${where}: the run should fail with ${describeError(error)}, got ${first.failed ? 'failed' : 'ok'}: ${JSON.stringify(first.msg)}`);
        const touched = snapshotDifference(start, await snapshot(host, watched));
        if (touched.length) fail(`${where}: a failing run must not change the host, but:\n${touched.join('\n')}`);
        return { root, host, check, first, sh };
      }

      const expectChange = section === 'changes';
      if (check.failed) fail(`${where}: check mode failed: ${check.msg}`);
      const first = await runOnce(false, true);
      if (first.failed) fail(`${where}: the run failed: ${first.msg}`);
      if (first.changed !== expectChange) fail(`${where}: the run reported changed=${first.changed}, expected ${expectChange}${first.msg ? ` (msg: ${first.msg})` : ''}`);
      if (check.skipped) {
        if (this.module.supportsCheckMode !== false) fail(`${where}: check mode skipped the task (${check.msg}); a module that can predict must not skip`);
      } else {
        if (check.changed !== first.changed) fail(`${where}: check mode predicted changed=${check.changed}, the run reported changed=${first.changed}`);
        assertEqual(check.diff, first.diff, `${where}: check mode must predict the same diff as the real run`);
      }
      const afterFirst = await snapshot(host, watched);
      if (!expectChange) {
        const touched = snapshotDifference(start, afterFirst);
        if (touched.length) fail(`${where}: the run reported no change but changed the host:\n${touched.join('\n')}`);
      }

      const second = await runOnce(false, false);
      if (second.failed) fail(`${where}: the second run failed: ${second.msg}`);
      if (second.changed) fail(`${where}: not idempotent: a second run reported changed=true${second.msg ? ` (msg: ${second.msg})` : ''}`);
      if (second.diff !== undefined) fail(`${where}: without --diff the result must carry no diff, got ${safeJson(second.diff)}`);
      const touchedAgain = snapshotDifference(afterFirst, await snapshot(host, watched));
      if (touchedAgain.length) fail(`${where}: the second run reported no change but changed the host:\n${touchedAgain.join('\n')}`);
      const checkAgain = await runOnce(true, false);
      if (!checkAgain.skipped && checkAgain.changed) fail(`${where}: after the run, check mode still predicts a change${checkAgain.msg ? ` (msg: ${checkAgain.msg})` : ''}`);

      const uc = c as ChangeCase;
      if (uc.result) assertPartial(first, renderExpected(uc.result, vars), 'result', where);
      if (uc.diff) assertPartial(first.diff, renderExpected(uc.diff, vars), 'result.diff', where);
      for (const [rel, want] of Object.entries(renderExpected(uc.expectFiles ?? {}, vars))) {
        const path = resolveIn(root, rel);
        const got = await readHostFile(host, path);
        if (want === null) {
          if (got) fail(`${where}: ${path} should not exist after the run`);
          continue;
        }
        if (!got) fail(`${where}: ${path} should exist after the run`);
        const spec = typeof want === 'string' ? { content: want } : want;
        if (spec.content !== undefined) {
          if (got.content === null) fail(`${where}: ${path} is a directory, expected a file`);
          assertEqual(got.content.toString('utf8'), spec.content, `${where}: content of ${path}`);
        }
        if (spec.mode !== undefined) assertEqual(got.mode, spec.mode.padStart(4, '0'), `${where}: mode of ${path}`);
      }
      const outcome: CaseOutcome = { root, host, check, first, second, sh };
      await uc.assert?.(outcome);
      return outcome;
    } finally {
      await removeRoot(host, root);
    }
  }

  private invoke(host: Transport, args: Record<string, unknown>, vars: Record<string, unknown>, check: boolean, diff: boolean, secrets: string[], baseDir: string): Promise<TaskResult> {
    // Every run is a run of its own: fresh facts and predictions, as `tsplay run` starts.
    const runtime = new HostRuntime();
    const extra = this.options.modules ?? [];
    return runModule(this.module, args, {
      transport: host,
      host: { name: host.host, vars },
      check,
      diff,
      facts: runtime.facts,
      predicted: runtime.predicted,
      log: silent,
      secrets: { add: (v: string) => void secrets.push(v) },
      findFile: (_kind, name) => resolvePath(baseDir, name),
      render: (template, source) => templar.renderString(template, vars, source),
      evaluate: (expression) => evaluate(expression, vars),
      resolveModule: async (name) => extra.find((m) => m.name === name || m.aliases?.includes(name)) ?? resolveBuiltinModule(name),
    });
  }

  private framework(): { describe: TestFramework['describe']; it: (...a: unknown[]) => unknown; nodeTest: boolean } {
    const given = this.options.framework;
    if (given) return { describe: given.describe, it: given.it as never, nodeTest: false };
    if (ModuleTester.describe && ModuleTester.it) return { describe: ModuleTester.describe, it: ModuleTester.it as never, nodeTest: false };
    const g = globalThis as { describe?: TestFramework['describe']; it?: TestFramework['it'] };
    if (g.describe && g.it) return { describe: g.describe, it: g.it as never, nodeTest: false };
    if (process.env.VITEST) {
      throw new Error("ModuleTester: vitest runs without globals; pass its functions: new ModuleTester({ module, framework: { describe, it } }) with describe and it imported from 'vitest'");
    }
    const nodeTest = createRequire(import.meta.url)('node:test') as { describe: TestFramework['describe']; it: (...a: unknown[]) => unknown };
    return { describe: nodeTest.describe, it: nodeTest.it, nodeTest: true };
  }
}

function describeError(error: string | RegExp): string {
  return error instanceof RegExp ? `a message matching ${error}` : JSON.stringify(error);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
