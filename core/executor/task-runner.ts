/**
 * Runs one task on one host: conditions, loops, argument templating, the module itself,
 * retries/until, changed_when/failed_when, register and notify. Returns the folded result;
 * the caller (play runner) reports it and decides what a failure means for the host.
 */
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Task } from '../playbook/model.js';
import { argumentMapping } from '../playbook/kv.js';
import type { ModuleDefinition } from '../modules/api.js';
import type { BecomeSpec, Transport } from '../transport/transport.js';
import { UnreachableError } from '../transport/transport.js';
import { evaluate, evaluateCondition } from '../template/expression.js';
import { overlay, type Vars } from '../vars/precedence.js';
import type { TaskInfo } from './events.js';
import { loopInfo, renderLoopItems } from './loops.js';
import { runModule } from './run-module.js';
import type { PlayHost, RunContext } from './run-context.js';
import { allConditions, inherited, type Scope } from './scope.js';
import type { TaskResult } from './task-result.js';
import { dropOmitted, taskVars, type PlayState } from './task-vars.js';
import { outputLines } from './output-lines.js';

/** A failure caused by the playbook itself (bad template, bad loop) rather than the host. */
function failed(msg: string, extra: Record<string, unknown> = {}): TaskResult {
  return { changed: false, failed: true, skipped: false, msg, ...extra };
}

function where(task: Task): string {
  return `${task.loc.file}:${task.loc.line}:${task.loc.column}`;
}

export function truthy(ctx: RunContext, value: unknown, vars: Vars): boolean {
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null) return false;
  const s = String(value);
  const rendered = ctx.templar.isTemplate(s) ? ctx.templar.render(s, vars) : s;
  if (typeof rendered === 'boolean') return rendered;
  return ['true', 'yes', 'on', '1', 'y'].includes(String(rendered).trim().toLowerCase());
}

function conditionsHold(conditions: Array<string | boolean>, vars: Vars): boolean {
  return conditions.every((c) => evaluateCondition(c, vars));
}

/** Resolve the module (registry knows aliases and FQCNs). */
export function moduleFor(ctx: RunContext, task: Task): Promise<ModuleDefinition<any> | undefined> {
  return ctx.registry.resolve(task.module);
}

/** Arguments as a mapping: the `k=v` short form is parsed with the module's free-form key. */
export function argsMapping(task: Task, module: ModuleDefinition<any>): Record<string, unknown> {
  return argumentMapping(task.args, module.freeForm);
}

export function becomeFor(ctx: RunContext, scope: Scope, vars: Vars): BecomeSpec | undefined {
  const keyword = inherited(scope, 'become');
  const on = keyword !== undefined ? truthy(ctx, keyword, vars) : vars.ansible_become !== undefined ? truthy(ctx, vars.ansible_become, vars) : Boolean(ctx.options.become);
  if (!on) return undefined;
  const userKw = inherited(scope, 'becomeUser');
  const user = String(
    (userKw !== undefined ? ctx.templar.render(userKw, vars) : undefined) ?? vars.ansible_become_user ?? ctx.options.becomeUser ?? 'root',
  );
  const connUser = vars.ansible_user ?? vars.ansible_ssh_user;
  // Becoming the user we already are is a no-op: skip sudo entirely (root lab hosts need none).
  if (connUser !== undefined && String(connUser) === user) return undefined;
  const password = vars.ansible_become_password ?? vars.ansible_become_pass ?? ctx.options.becomePassword;
  return password !== undefined && password !== null ? { user, password: String(password) } : { user };
}

/** The task's `timeout` keyword (seconds, may be a template), else the run's --task-timeout; 0 = none. */
function taskTimeout(ctx: RunContext, scope: Scope, vars: Vars): number | undefined {
  const keyword = inherited(scope, 'timeout');
  if (keyword === undefined) return ctx.options.taskTimeoutMs || undefined;
  const value = typeof keyword === 'number' ? keyword : Number(ctx.templar.render(keyword, vars));
  if (!Number.isFinite(value) || value < 0) throw new Error(`'timeout' must be a number of seconds (0 for none), got ${JSON.stringify(keyword)}`);
  return value > 0 ? value * 1000 : undefined;
}

function environmentFor(ctx: RunContext, scope: Scope, vars: Vars): Record<string, string> | undefined {
  const envs: Array<Record<string, unknown>> = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const e = s.keywords.environment;
    if (e) envs.unshift((typeof e === 'string' ? ctx.templar.render(e, vars) : ctx.templar.render(e, vars)) as Record<string, unknown>);
  }
  if (!envs.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of envs) for (const [k, v] of Object.entries(e ?? {})) out[k] = String(v);
  return out;
}

function findFileFor(state: PlayState, scope: Scope) {
  return (kind: 'files' | 'templates' | 'vars', name: string): string => {
    if (isAbsolute(name)) return name;
    const candidates: string[] = [];
    if (scope.role) candidates.push(resolve(scope.role.path, kind, name), resolve(scope.role.path, name));
    candidates.push(resolve(state.play.baseDir, kind, name), resolve(state.play.baseDir, name));
    return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1]!;
  };
}

export interface TaskRun {
  result: TaskResult;
  /** Host that actually ran it (delegate_to). */
  delegatedTo?: string;
  /** The task failed and `ignore_errors` (rendered with this host's variables) holds. */
  ignored?: boolean;
  /** `no_log` as decided for this host (it may be a template). */
  noLog: boolean;
}

/** ignore_errors, decided with the host's variables (it may be a template). */
function ignoreErrors(ctx: RunContext, scope: Scope, vars: Vars, result: TaskResult): TaskResult | boolean {
  const kw = inherited(scope, 'ignoreErrors');
  if (!result.failed || kw === undefined) return false;
  try {
    return truthy(ctx, kw, vars);
  } catch (err) {
    return { ...result, msg: `${result.msg ?? 'task failed'}; and ignore_errors could not be evaluated: ${(err as Error).message}` };
  }
}

/**
 * Run `task` on `host`. Unreachable hosts surface as a result with `unreachable: true`.
 * `info` is only used for item/retry events.
 */
export async function runTaskOnHost(
  ctx: RunContext,
  state: PlayState,
  host: PlayHost,
  task: Task,
  scope: Scope,
  taskInfo: TaskInfo,
): Promise<TaskRun> {
  let vars: Vars;
  try {
    vars = taskVars(ctx, state, host, scope);
  } catch (err) {
    // Nothing of this host's values can be shown safely if no_log may be on.
    return { result: failed(`${(err as Error).message} (${where(task)})`), noLog: taskInfo.noLog };
  }
  maskPasswordVars(ctx, vars);
  // no_log may be a template: decided per host, and hidden when it cannot be decided.
  let info = taskInfo;
  const noLogKeyword = inherited(scope, 'noLog');
  if (noLogKeyword !== undefined && typeof noLogKeyword !== 'boolean') {
    try {
      info = { ...taskInfo, noLog: truthy(ctx, noLogKeyword, vars) };
    } catch (err) {
      // The result holds only this message (the keyword's own text), no value of the host's.
      return { result: failed(`error in 'no_log': ${(err as Error).message} (${where(task)})`), noLog: false };
    }
  }
  const outcome = await runWithVars(ctx, state, host, task, scope, info, vars);
  if (info.noLog) maskNoLogValues(ctx, outcome.result);
  return { ...outcome, noLog: info.noLog };
}

/**
 * Connection and become passwords are masked wherever they came from (inventory, play
 * vars, vars_files, -e, set_fact, a template): registered as secrets as soon as a task
 * sees them, before anything can print them.
 */
const PASSWORD_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'];
function maskPasswordVars(ctx: RunContext, vars: Vars): void {
  for (const key of PASSWORD_VARS) {
    let value: unknown;
    try {
      value = vars[key];
    } catch {
      continue; // a template that does not render: the task reports it where it is used
    }
    if (typeof value === 'string' || typeof value === 'number') ctx.secrets.add(String(value));
  }
}

/**
 * Every text a `no_log` task was given or returned is a secret from now on, so a later
 * `debug` of a registered value shows stars. Status and file-attribute fields stay
 * readable: masking a path or a state everywhere would hide ordinary output.
 */
const PUBLIC_KEYS = new Set([
  'changed', 'failed', 'skipped', 'unreachable', 'rc', 'msg', 'skip_reason', 'ansible_loop_var', 'attempts',
  'state', 'path', 'dest', 'src', 'owner', 'group', 'mode', 'uid', 'gid', 'size', 'checksum', 'md5sum', 'start', 'end', 'delta',
]);
function maskNoLogValues(ctx: RunContext, result: unknown): void {
  const walk = (value: unknown, key: string) => {
    if (PUBLIC_KEYS.has(key)) return;
    if (typeof value === 'string') {
      ctx.secrets.add(value);
      for (const line of value.split('\n')) ctx.secrets.add(line.trim());
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, ''));
    else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(result, '');
}

async function runWithVars(
  ctx: RunContext,
  state: PlayState,
  host: PlayHost,
  task: Task,
  scope: Scope,
  info: TaskInfo,
  vars: Vars,
): Promise<Omit<TaskRun, 'noLog'>> {
  let module: ModuleDefinition<any> | undefined;
  try {
    module = await moduleFor(ctx, task);
  } catch (err) {
    // A module file that did not load, clashes, or no longer matches the build's index:
    // a failed task naming it (ignore_errors applies), not a crash of the run.
    const exception = (err as { exception?: unknown }).exception;
    const result = failed(`${(err as Error).message} (${where(task)})`, typeof exception === 'string' ? { exception } : {});
    const ignore = ignoreErrors(ctx, scope, vars, result);
    return typeof ignore === 'object' ? { result: ignore } : { result, ...(ignore ? { ignored: true } : {}) };
  }
  if (!module) return { result: failed(`unknown module '${task.module}' (${where(task)})`) };

  const conditions = allConditions(scope);
  try {
    // Without a loop, `when` is decided once; with one, per item (as Ansible does).
    if (!task.loop && !conditionsHold(conditions, vars)) {
      // A skipped task still registers its result (`x is skipped`), as in Ansible.
      const result: TaskResult = { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };
      applyRegister(host, task, result);
      return { result };
    }
  } catch (err) {
    return { result: failed(`error in 'when' condition: ${(err as Error).message} (${where(task)})`) };
  }

  // delegate_to: run on another host's connection, with this host's variables.
  let transport: Transport;
  let delegatedTo: string | undefined;
  try {
    const delegate = inherited(scope, 'delegateTo');
    // remote_user (play/block/task keyword) sits between -u and ansible_user, as in Ansible.
    const remoteUserKeyword = inherited(scope, 'remoteUser');
    const remoteUser = remoteUserKeyword !== undefined ? String(ctx.templar.render(remoteUserKeyword, vars)) : undefined;
    if (delegate) {
      delegatedTo = String(ctx.templar.render(delegate, vars));
      const dVars = ctx.inventory.hosts.has(delegatedTo)
        ? ctx.inventory.varsFor(delegatedTo)
        : ['localhost', '127.0.0.1'].includes(delegatedTo)
          ? { ansible_connection: 'local' }
          : {};
      transport = ctx.connections.get(delegatedTo, dVars, remoteUser);
    } else {
      // The `connection` keyword applies unless the host sets ansible_connection (Ansible's order).
      const connection = inherited(scope, 'connection');
      const connVars = connection !== undefined && vars.ansible_connection === undefined ? overlay(vars, { ansible_connection: connection === 'smart' || connection.startsWith('paramiko') ? 'ssh' : connection }) : vars;
      transport = ctx.connections.get(host.name, connVars, remoteUser);
    }
  } catch (err) {
    return { result: failed(`${(err as Error).message} (${where(task)})`) };
  }

  // ctx.taskCache: one for all the items (and retries) of this task on this host.
  const taskCache = new Map<string, unknown>();
  const run = async (itemVars: Vars): Promise<TaskResult> => {
    let become: BecomeSpec | undefined;
    let environment: Record<string, string> | undefined;
    let checkMode = ctx.options.check;
    let diffMode = ctx.options.diff;
    let args: Record<string, unknown>;
    let taskTimeoutMs: number | undefined;
    try {
      become = becomeFor(ctx, scope, itemVars);
      environment = environmentFor(ctx, scope, itemVars);
      const cm = inherited(scope, 'checkMode');
      if (cm !== undefined) checkMode = truthy(ctx, cm, itemVars);
      const dm = inherited(scope, 'diff');
      if (dm !== undefined) diffMode = truthy(ctx, dm, itemVars);
      taskTimeoutMs = taskTimeout(ctx, scope, itemVars);
      args = dropOmitted(ctx.templar.render(argsMapping(task, module), itemVars, `task '${info.name}'`)) as Record<string, unknown>;
      if (info.noLog) maskNoLogValues(ctx, args);
    } catch (err) {
      return failed(`${(err as Error).message} (${where(task)})`);
    }
    // -v: the task's own command output, line by line as it arrives (not for no_log tasks).
    const lines = ctx.options.verbosity > 0 && !info.noLog && ctx.events.hostOutput
      ? outputLines((stream, line) => ctx.events.hostOutput!(host.name, info, stream, line))
      : undefined;
    const invoke = () =>
      runModule(module, args, {
        ...(lines ? { onOutput: lines.push } : {}),
        transport,
        host: { name: host.name, vars: itemVars },
        check: checkMode,
        diff: diffMode,
        ...(become ? { become } : {}),
        ...(environment ? { environment } : {}),
        ...(ctx.options.commandTimeoutMs ? { timeoutMs: ctx.options.commandTimeoutMs } : {}),
        ...(taskTimeoutMs ? { taskTimeoutMs } : {}),
        interrupted: ctx.interrupt.aborted,
        facts: (delegatedTo ? ctx.sessions.get(delegatedTo) ?? host.session : host.session).runtime.facts,
        predicted: host.session.runtime.predicted,
        taskCache,
        sessions: host.session.runtime.sessions,
        taskName: info.name,
        log: ctx.log.child({ host: host.name, task: info.name }),
        secrets: ctx.secrets,
        findFile: findFileFor(state, scope),
        ...(ctx.readControllerFile ? { readControllerFile: ctx.readControllerFile } : {}),
        render: (template, source, file) => (file ? ctx.templar.renderFile(template, itemVars, { ...file, path: source ?? 'template' }) : ctx.templar.renderString(template, itemVars, source)),
        evaluate: (expression) => evaluate(expression, itemVars),
        resolveModule: (name) => ctx.registry.resolve(name),
      });
    try {
      return await retryUntil(ctx, task, host, info, itemVars, invoke);
    } finally {
      lines?.flush();
    }
  };

  try {
    let result = task.loop ? await runLoop(ctx, task, host, info, vars, conditions, run, module) : await run(vars);
    if (!task.loop) applyRegister(host, task, result);
    applyFacts(host, module, result);
    const ignore = ignoreErrors(ctx, scope, vars, result);
    if (typeof ignore === 'object') result = ignore;
    return { result, ...(delegatedTo ? { delegatedTo } : {}), ...(ignore === true ? { ignored: true } : {}) };
  } catch (err) {
    if (err instanceof UnreachableError) {
      if (!delegatedTo) host.session.unreachable = true;
      return { result: { changed: false, failed: false, skipped: false, unreachable: true, msg: err.message } };
    }
    throw err;
  }
}

async function runLoop(
  ctx: RunContext,
  task: Task,
  host: PlayHost,
  info: TaskInfo,
  vars: Vars,
  conditions: Array<string | boolean>,
  run: (itemVars: Vars) => Promise<TaskResult>,
  module: ModuleDefinition<any>,
): Promise<TaskResult> {
  const loop = task.loop!;
  let list: unknown[];
  try {
    list = renderLoopItems(ctx, loop, vars, info.name);
  } catch (err) {
    return failed(`${(err as Error).message} (${where(task)})`);
  }
  const results: TaskResult[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const loopVars: Vars = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar };
    // Ansible sets ansible_loop only with `extended`; tsplay always has its counters (a superset).
    const counters = loopInfo(list, i);
    if (!loop.extended) {
      delete counters.allitems;
      delete counters.previtem;
      delete counters.nextitem;
    }
    loopVars.ansible_loop = counters;
    if (loop.indexVar) loopVars[loop.indexVar] = i;
    const itemVars = overlay(vars, loopVars);
    let result: TaskResult;
    try {
      result = conditionsHold(conditions, itemVars)
        ? await run(itemVars)
        : { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' };
    } catch (err) {
      if (err instanceof UnreachableError) throw err;
      result = failed(`${(err as Error).message} (${where(task)})`);
    }
    result[loop.loopVar] = item;
    result.ansible_loop_var = loop.loopVar;
    let label: string;
    try {
      label = loop.label !== undefined ? String(ctx.templar.render(loop.label, itemVars)) : typeof item === 'string' ? item : JSON.stringify(item);
    } catch {
      label = JSON.stringify(item);
    }
    ctx.events.itemResult?.(host.name, info, result, label);
    results.push(result);
    // As in Ansible, an item's facts are visible to the next items: the accumulator idiom
    // `set_fact: x="{{ x + [item] }}"` sees the value the previous item set.
    if (result.ansible_facts && !result.failed) vars = withItemFacts(ctx, host, module, vars, result);
    if (result.interrupted) break; // the rest of the items are not started
    if (loop.pause) await new Promise((r) => setTimeout(r, loop.pause! * 1000));
  }
  const folded: TaskResult = {
    changed: results.some((r) => r.changed),
    failed: results.some((r) => r.failed),
    skipped: results.length > 0 && results.every((r) => r.skipped),
    results,
    msg: results.some((r) => r.failed) ? 'One or more items failed' : 'All items completed',
  };
  if (results.some((r) => r.interrupted)) folded.interrupted = true;
  if (results.length === 0) {
    folded.skipped = true;
    folded.skip_reason = 'No items in the list';
  }
  applyRegister(host, task, folded);
  return folded;
}

/** `vars` for the next loop item, with the facts one item returned (applied to the host too). */
function withItemFacts(ctx: RunContext, host: PlayHost, module: ModuleDefinition<any>, vars: Vars, result: TaskResult): Vars {
  applyFacts(host, module, result);
  const facts = result.ansible_facts as Vars;
  if (typeof facts !== 'object' || Array.isArray(facts)) return vars;
  // Extra vars still win over set_fact (they are the highest precedence).
  const top: Vars = {};
  for (const [k, v] of Object.entries(facts)) if (!(k in ctx.options.extraVars)) top[k] = v;
  if (module.name !== 'set_fact' && module.name !== 'include_vars') top.ansible_facts = host.session.facts;
  return overlay(vars, top);
}

/** Store `register:` results where later tasks (and changed_when) can see them. */
function applyRegister(host: PlayHost, task: Task, result: TaskResult): void {
  if (task.register) host.session.hostVars[task.register] = result;
}

/**
 * `ansible_facts` in a result, as Ansible treats them: `set_fact` sets host variables
 * (above play vars); what any other module returns becomes facts, seen both as
 * `ansible_facts.x` and as the top-level `x`. A loop's facts come from its items.
 */
function applyFacts(host: PlayHost, module: ModuleDefinition<any>, result: TaskResult): void {
  for (const r of result.results ?? [result]) {
    const facts = r.ansible_facts;
    if (!facts || typeof facts !== 'object' || Array.isArray(facts) || r.failed) continue;
    // set_fact and include_vars set host variables; other modules' facts are facts.
    if (module.name === 'set_fact' || module.name === 'include_vars') {
      Object.assign(host.session.hostVars, facts);
      // set_fact cacheable=true: also facts (`ansible_facts.x`), as Ansible stores them.
      if (r._ansible_facts_cacheable === true) host.session.addFacts(facts as Vars);
    } else host.session.addFacts(facts as Vars);
  }
}

/** retries/until/delay, then changed_when/failed_when (which see the registered result). */
async function retryUntil(
  ctx: RunContext,
  task: Task,
  host: PlayHost,
  info: TaskInfo,
  vars: Vars,
  invoke: () => Promise<TaskResult>,
): Promise<TaskResult> {
  const withResult = (r: TaskResult): Vars => (task.register ? overlay(vars, { [task.register]: r }) : overlay(vars, {}));
  const until = task.until;
  const retries = until ? Number(task.retries !== undefined ? ctx.templar.render(task.retries, vars) : 3) : 0;
  const delay = Number(task.delay !== undefined ? ctx.templar.render(task.delay, vars) : 5);
  let attempt = 0;
  for (;;) {
    attempt++;
    let result = await invoke();
    try {
      result = applyOverrides(task, result, withResult(result));
    } catch (err) {
      return failed(`error in changed_when/failed_when: ${(err as Error).message} (${where(task)})`);
    }
    if (!until) return result;
    let done: boolean;
    try {
      // As Ansible, `until` is tried on whatever the module returned, a check-mode skip
      // included (a command that did not run has stdout '' and rc 0: usually not ready).
      done = conditionsHold(until, withResult(result));
    } catch (err) {
      return failed(`error in 'until' condition: ${(err as Error).message} (${where(task)})`);
    }
    result.attempts = attempt;
    if (done || result.interrupted) return result;
    // Ansible reports `attempts` = retries once they are exhausted (after retries + 1 runs).
    if (attempt > retries) return { ...result, failed: true, attempts: retries, msg: result.msg ?? `retries exhausted (${retries}) without the 'until' condition holding` };
    ctx.events.retry?.(host.name, info, attempt, retries, result);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay * 1000));
  }
}

function applyOverrides(task: Task, result: TaskResult, vars: Vars): TaskResult {
  if (result.unreachable || result.skipped) return result;
  const out = { ...result };
  if (task.changedWhen) out.changed = conditionsHold(task.changedWhen, vars);
  if (task.failedWhen) {
    out.failed = conditionsHold(task.failedWhen, vars) && task.failedWhen.length > 0;
    if (!out.failed) delete out.msg;
    else out.failed_when_result = true;
  }
  return out;
}

