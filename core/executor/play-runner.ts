/**
 * Runs one play: host selection, serial batches, fact gathering, the task sections with
 * their handler flushes, blocks (rescue/always), include_tasks, and the two strategies.
 *
 * Both strategies share one recursive walk over the task tree, `runNodes(nodes, hosts)`:
 *  - linear: the walk is called once with every host, so each task finishes on all hosts
 *    before the next starts (hosts run in parallel within a task, bounded by --forks);
 *  - free: the walk is called once per host, concurrently, so each host runs ahead.
 */
import PQueue from 'p-queue';
import { isAbsolute, resolve } from 'node:path';
import type { Block, Handler, IncludeTasks, Play, Task, TaskNode } from '../playbook/model.js';
import { PlaybookError } from '../playbook/errors.js';
import { evaluateCondition } from '../template/expression.js';
import type { Vars } from '../vars/precedence.js';
import { mergeLayers, overlay } from '../vars/precedence.js';
import type { TaskInfo } from './events.js';
import { resultWarnings } from './result-warnings.js';
import { PlayHost, sessionFor, type RunContext } from './run-context.js';
import { allConditions, allTags, childScope, includeChain, inCleanup, inherited, type Scope } from './scope.js';
import { runTaskOnHost, truthy } from './task-runner.js';
import { statusOf, type TaskResult } from './task-result.js';
import { groupsObject, hostvarsObject, taskVars, type PlayState } from './task-vars.js';

interface WalkState extends PlayState {
  queue: PQueue;
  /** --start-at-task: true once the named task has been reached. */
  started: { value: boolean };
  /** Task banners already printed (free strategy prints each once). */
  announced: Set<Task>;
  aborted: boolean;
  /** Hosts that failed during the current batch (for max_fail_percentage). */
  failedInBatch: Set<string>;
}

function displayName(task: Task, scope: Scope | undefined): string {
  // Ansible names an unnamed task after its module.
  const base = task.name ?? task.module;
  const role = scope?.role ?? task.role;
  return role ? `${role.name} : ${base}` : base;
}

/**
 * A task-level boolean keyword that applies to all hosts at once (run_once), rendered
 * with the first host's variables, as Ansible does. Undecidable means false, with a warning.
 */
function hostsKeyword(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[], value: unknown, keyword: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const first = hosts[0];
  try {
    return truthy(ctx, value, first ? taskVars(ctx, state, first, scope) : {});
  } catch (err) {
    ctx.events.warning?.(`${keyword} could not be evaluated, taken as false: ${(err as Error).message}`);
    return false;
  }
}

/** Does --tags / --skip-tags select a task with these (inherited) tags? Ansible's rules. */
export function tagsSelect(taskTags: Set<string>, only: string[], skip: string[]): boolean {
  const has = (t: string) => taskTags.has(t);
  if (skip.length) {
    if (skip.includes('all') && !has('always')) return false;
    if (skip.some(has)) return false;
    if (skip.includes('tagged') && taskTags.size > 0 && !has('always')) return false;
    if (skip.includes('untagged') && taskTags.size === 0) return false;
  }
  const selectors = only.length ? only : ['all'];
  if (has('always') && !skip.includes('always')) return true;
  if (has('never') && !selectors.some((s) => s !== 'all' && has(s))) return false;
  return selectors.some((s) =>
    s === 'all' ? true : s === 'tagged' ? taskTags.size > 0 : s === 'untagged' ? taskTags.size === 0 : has(s),
  );
}

export async function runPlay(ctx: RunContext, play: Play): Promise<void> {
  const pattern = String(ctx.templar.render(play.hosts, ctx.options.extraVars));
  const selected = ctx.inventory.selectHosts(pattern, ctx.options.limit).map((h) => h.name);
  ctx.events.playStart?.(play.name, selected, ctx.options.check);
  if (selected.length === 0) {
    ctx.events.noHostsMatched?.(pattern);
    return;
  }
  const targets = selected.filter((h) => !sessionFor(ctx, h).unreachable && !sessionFor(ctx, h).failed);
  for (const h of selected) ctx.stats.touch(h);
  const base = { groups: groupsObject(ctx), hostvars: hostvarsObject(ctx) };
  for (const batch of serialBatches(targets, play.serial)) {
    const hosts = batch.map((h) => new PlayHost(sessionFor(ctx, h)));
    const state: WalkState = {
      play,
      hosts,
      allHosts: selected,
      playVars: {},
      ...base,
      queue: new PQueue({ concurrency: Math.max(1, ctx.options.forks) }),
      started: { value: !ctx.options.startAtTask },
      announced: new Set(),
      aborted: false,
      failedInBatch: new Set(),
    };
    state.playVars = await loadPlayVars(ctx, play, state);
    const playScope: Scope = { keywords: play, isPlay: true };
    if (play.gatherFacts) await gatherFacts(ctx, state, playScope);
    if (play.strategy === 'free') {
      await Promise.all(hosts.map((h) => runSections(ctx, state, playScope, [h])));
    } else {
      await runSections(ctx, state, playScope, hosts);
    }
    for (const h of hosts) if (h.failed) h.session.failed = true;
    if (state.aborted || ctx.interrupt.signal) break;
  }
}

async function runSections(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const play = state.play;
  for (const section of [play.preTasks, [...play.roleTasks, ...play.tasks], play.postTasks]) {
    await runNodes(ctx, state, section, scope, hosts);
    await flushHandlers(ctx, state, scope, hosts);
  }
}

/** Split hosts into `serial` batches: numbers, percentages, or a list (last size repeats). */
export function serialBatches(hosts: string[], serial: Array<number | string> | undefined): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const sizes = serial.map((s) => {
    const str = String(s).trim();
    const n = str.endsWith('%') ? Math.floor((hosts.length * Number(str.slice(0, -1))) / 100) : Number(str);
    return Math.max(1, Number.isFinite(n) ? n : hosts.length);
  });
  const batches: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)]!;
    batches.push(hosts.slice(i, i + size));
    i += size;
  }
  return batches;
}

async function loadPlayVars(ctx: RunContext, play: Play, state: PlayState): Promise<Vars> {
  const vars: Vars = { ...play.vars };
  for (const entry of play.varsFiles) {
    const candidates = Array.isArray(entry) ? entry : [entry];
    let loaded = false;
    const errors: string[] = [];
    for (const candidate of candidates) {
      const renderVars = mergeLayers([vars, ctx.options.extraVars, { playbook_dir: play.baseDir, groups: state.groups }], ctx.templar);
      const name = String(ctx.templar.render(candidate, renderVars));
      const path = isAbsolute(name) ? name : resolve(play.baseDir, name);
      try {
        Object.assign(vars, await ctx.loadVarsFile(path));
        loaded = true;
        break;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    // The user's input (a missing file, a vault secret not given): reported like a load error.
    if (!loaded) throw new PlaybookError([{ ...play.loc, message: `vars_files: ${errors.join('; ')}` }]);
  }
  return vars;
}

async function gatherFacts(ctx: RunContext, state: WalkState, scope: Scope): Promise<void> {
  const setupTask: Task = {
    kind: 'task',
    loc: state.play.loc,
    moduleLoc: state.play.loc,
    name: 'Gathering Facts',
    module: 'setup',
    args: {},
    notify: [],
    when: [],
    tags: ['always'],
    vars: {},
  };
  // gathering = smart: a host whose facts this run already has is not asked again.
  const hosts = state.play.gatherOnce ? state.hosts.filter((h) => !h.session.factsGathered) : state.hosts;
  if (hosts.length === 0) return;
  await runTask(ctx, state, setupTask, scope, hosts, { isSetup: true });
  for (const h of hosts) if (h.active) h.session.factsGathered = true;
}

async function runNodes(ctx: RunContext, state: WalkState, nodes: TaskNode[], parent: Scope, hosts: PlayHost[]): Promise<void> {
  for (const node of nodes) {
    // Interrupted: only `always:` sections (cleanup) still run.
    if (state.aborted || (ctx.interrupt.signal && !inCleanup(parent))) return;
    const active = hosts.filter((h) => h.active);
    if (active.length === 0) return;
    const scope = childScope(parent, node);
    if (node.kind === 'block') await runBlock(ctx, state, node, scope, active);
    else if (node.kind === 'include_tasks') await runInclude(ctx, state, node, scope, active);
    else if (node.module === 'meta' || node.module.endsWith('.meta')) await runMeta(ctx, state, node, scope, active);
    else await runTask(ctx, state, node, scope, active);
  }
}

async function runBlock(ctx: RunContext, state: WalkState, block: Block, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const failedBefore = new Set(hosts.filter((h) => h.failed).map((h) => h.name));
  await runNodes(ctx, state, block.block, scope, hosts);
  const failedInBlock = hosts.filter((h) => h.failed && !failedBefore.has(h.name) && !h.session.unreachable);
  if (block.rescue.length && failedInBlock.length) {
    for (const h of failedInBlock) {
      h.failed = false;
      state.failedInBatch.delete(h.name);
    }
    await runNodes(ctx, state, block.rescue, scope, failedInBlock);
    for (const h of failedInBlock) if (!h.failed) ctx.stats.rescued(h.name);
  }
  if (block.always.length) {
    const stillFailed = hosts.filter((h) => h.failed && !h.session.unreachable && !h.ended);
    for (const h of stillFailed) h.failed = false;
    await runNodes(ctx, state, block.always, { ...scope, cleanup: true }, hosts.filter((h) => !h.session.unreachable && !h.ended));
    for (const h of stillFailed) h.failed = true;
  }
}

async function runInclude(ctx: RunContext, state: WalkState, node: IncludeTasks, scope: Scope, hosts: PlayHost[]): Promise<void> {
  // Each host decides which file(s) it includes; hosts that include the same file with the
  // same loop item run it together, so linear lockstep holds within each group.
  const groups = new Map<string, { file: string; vars: Vars | undefined; hosts: PlayHost[] }>();
  for (const host of hosts) {
    const vars = taskVars(ctx, state, host, scope);
    try {
      if (!allConditions(scope).every((c) => evaluateCondition(c, vars))) continue;
      const items: Array<Vars | undefined> = [];
      if (node.loop) {
        let list = ctx.templar.render(node.loop.items, vars) as unknown[];
        if (!Array.isArray(list)) throw new Error(`'loop' must be a list`);
        if (node.loop.flatten) list = list.flat(1);
        list.forEach((item, i) => items.push({ [node.loop!.loopVar]: item, ...(node.loop!.indexVar ? { [node.loop!.indexVar]: i } : {}) }));
      } else items.push(undefined);
      for (const itemVars of items) {
        const name = String(ctx.templar.render(node.file, itemVars ? overlay(vars, itemVars) : vars));
        const file = isAbsolute(name) ? name : resolve(node.baseDir, name);
        const key = `${file}\0${JSON.stringify(itemVars ?? null)}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { file, vars: itemVars, hosts: [] }));
        g.hosts.push(host);
      }
    } catch (err) {
      reportFailure(ctx, state, host, { name: `include_tasks ${node.file}`, loc: node.loc, isHandler: false, module: 'include_tasks', noLog: false }, {
        changed: false, failed: true, skipped: false, msg: `${(err as Error).message} (${node.loc.file}:${node.loc.line}:${node.loc.column})`,
      });
    }
  }
  for (const g of groups.values()) {
    let nodes: TaskNode[];
    try {
      nodes = await ctx.loadTaskFile(g.file);
    } catch (err) {
      for (const h of g.hosts) {
        reportFailure(ctx, state, h, { name: `include_tasks ${node.file}`, loc: node.loc, isHandler: false, module: 'include_tasks', noLog: false }, {
          changed: false, failed: true, skipped: false, msg: (err as Error).message,
        });
      }
      continue;
    }
    const chain = includeChain(scope);
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      const loop = chain.slice(chain.indexOf(g.file) >= 0 ? chain.indexOf(g.file) : -8).concat(g.file);
      for (const h of g.hosts) {
        reportFailure(ctx, state, h, { name: `include_tasks ${node.file}`, loc: node.loc, isHandler: false, module: 'include_tasks', noLog: false }, {
          changed: false,
          failed: true,
          skipped: false,
          msg: `include_tasks nested more than ${MAX_INCLUDE_DEPTH} deep at ${node.loc.file}:${node.loc.line}:${node.loc.column}: ${loop.join(' -> ')}; does the file include itself without a condition that ends it?`,
        });
      }
      continue;
    }
    const includeScope: Scope = { ...scope, keywords: { ...scope.keywords, when: [] }, includedFile: g.file, ...(g.vars ? { vars: g.vars } : {}) };
    await runNodes(ctx, state, nodes, includeScope, g.hosts);
  }
}

function reportFailure(ctx: RunContext, state: WalkState, host: PlayHost, info: TaskInfo, result: TaskResult): void {
  ctx.events.hostResult?.(host.name, info, result, {});
  ctx.stats.failed(host.name);
  host.failed = true;
  state.failedInBatch.add(host.name);
}

async function runMeta(ctx: RunContext, state: WalkState, task: Task, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const action = typeof task.args === 'string' ? task.args.trim() : String((task.args as Vars)._raw_params ?? (task.args as Vars).action ?? '');
  switch (action) {
    case 'flush_handlers':
      return flushHandlers(ctx, state, scope, hosts);
    case 'end_play':
      for (const h of state.hosts) h.ended = true;
      state.aborted = true;
      return;
    case 'end_host':
      for (const h of hosts) {
        const vars = taskVars(ctx, state, h, scope);
        if (allConditions(scope).every((c) => evaluateCondition(c, vars))) h.ended = true;
      }
      return;
    case 'clear_facts':
      for (const h of hosts) h.session.clearFacts();
      return;
    case 'clear_host_errors':
      for (const h of state.hosts) h.failed = false;
      return;
    case 'noop':
    case 'refresh_inventory':
      return;
    default:
      for (const h of hosts) {
        reportFailure(ctx, state, h, { name: 'meta', loc: task.loc, isHandler: false, module: 'meta', noLog: false }, {
          changed: false, failed: true, skipped: false,
          msg: `unknown meta action '${action}' (${task.loc.file}:${task.loc.line}:${task.loc.column}); supported: flush_handlers, end_play, end_host, clear_facts, clear_host_errors, noop`,
        });
      }
  }
}

/** include_tasks deeper than this is taken for a runaway recursion (Ansible has no limit but Python's stack). */
const MAX_INCLUDE_DEPTH = 64;

/**
 * --step: the operator's answer for this task in this play, asked once even when the free
 * strategy reaches the task once per host.
 */
const stepAnswers = new WeakMap<WalkState, Map<Task, Promise<boolean>>>();
function stepAnswer(ctx: RunContext, state: WalkState, task: Task, info: TaskInfo): Promise<boolean> {
  let answers = stepAnswers.get(state);
  if (!answers) stepAnswers.set(state, (answers = new Map()));
  let answer = answers.get(task);
  if (!answer) answers.set(task, (answer = ctx.options.confirmTask!(info)));
  return answer;
}

/** Run one task on the given hosts (in parallel, bounded by forks) and account for results. */
async function runTask(
  ctx: RunContext,
  state: WalkState,
  task: Task,
  scope: Scope,
  hosts: PlayHost[],
  opts: { isHandler?: boolean; isSetup?: boolean } = {},
): Promise<void> {
  if (!opts.isSetup && !opts.isHandler) {
    if (!state.started.value) {
      const name = displayName(task, scope);
      if (name === ctx.options.startAtTask || task.name === ctx.options.startAtTask) state.started.value = true;
      else return;
    }
    if (!tagsSelect(allTags(scope), ctx.options.tags, ctx.options.skipTags)) return;
  }
  // A templated no_log is decided per host (task-runner.ts); until then assume it hides.
  const noLogKeyword = inherited(scope, 'noLog');
  const noLog = typeof noLogKeyword === 'boolean' ? noLogKeyword : noLogKeyword !== undefined;
  const info: TaskInfo = {
    name: displayName(task, scope),
    loc: task.loc,
    isHandler: Boolean(opts.isHandler),
    module: ctx.registry.info(task.module)?.name ?? task.module,
    noLog,
    ...(task.loop ? { loop: true } : {}),
    ...(opts.isSetup ? { isSetup: true } : {}),
  };
  if (ctx.options.confirmTask && !(await stepAnswer(ctx, state, task, info))) return;
  if (!state.announced.has(task)) {
    state.announced.add(task);
    ctx.events.taskStart?.(info);
  }
  const started = Date.now();
  const runOnce = hostsKeyword(ctx, state, scope, hosts, inherited(scope, 'runOnce'), 'run_once');
  const targets = runOnce ? hosts.slice(0, 1) : hosts;

  await Promise.all(
    targets.map((host) =>
      state.queue.add(async () => {
        // Interrupted while queued: this host never starts the task (unless it is cleanup).
        if (ctx.interrupt.signal && !inCleanup(scope)) return;
        ctx.events.hostTaskStart?.(host.name, info);
        const { result, delegatedTo, ignored: ignore, noLog: hostNoLog } = await runTaskOnHost(ctx, state, host, task, scope, info);
        ctx.events.hostResult?.(host.name, { ...info, noLog: hostNoLog }, result, { ...(delegatedTo ? { delegatedTo } : {}), ...(ignore ? { ignored: true } : {}) });
        // A no_log task's result is censored, its warnings included (they may quote values).
        if (!hostNoLog) for (const w of resultWarnings(result)) ctx.events.warning?.(`${host.name}: ${w}`);
        ctx.log.info({ host: host.name, task: info.name, status: statusOf(result), ms: Date.now() - started }, 'task result');
        const apply = runOnce ? hosts : [host];
        for (const h of apply) {
          // run_once: every host of the batch gets the one result, registered too (as Ansible does).
          if (h !== host && task.register) h.session.hostVars[task.register] = result;
          account(ctx, state, h, task, result, Boolean(ignore));
        }
      }),
    ),
  );
  afterTask(ctx, state, scope, hosts);
}

function account(ctx: RunContext, state: WalkState, host: PlayHost, task: Task, result: TaskResult, ignored: boolean): void {
  if (result.interrupted) ctx.stats.interrupted(host.name);
  if (result.unreachable) {
    ctx.stats.unreachable(host.name);
    host.session.unreachable = true;
    return;
  }
  if (result.failed) {
    if (ignored) {
      // Ansible counts an ignored failure as ok + ignored; the host stays in the play.
      ctx.stats.ok(host.name);
      ctx.stats.ignored(host.name);
      return;
    }
    ctx.stats.failed(host.name);
    host.failed = true;
    state.failedInBatch.add(host.name);
    return;
  }
  if (result.skipped) return ctx.stats.skipped(host.name);
  if (result.changed) {
    ctx.stats.changed(host.name);
    for (const name of task.notify) host.notified.add(name);
  } else ctx.stats.ok(host.name);
}

/** any_errors_fatal and max_fail_percentage are checked after every task, as in Ansible. */
function afterTask(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[]): void {
  if (state.failedInBatch.size === 0) return;
  const fatal = inherited(scope, 'anyErrorsFatal') ?? state.play.anyErrorsFatal;
  if (fatal && hosts.some((h) => h.failed && state.failedInBatch.has(h.name))) {
    abort(ctx, state, 'any_errors_fatal: a host failed');
    return;
  }
  const max = state.play.maxFailPercentage;
  if (max !== undefined) {
    const pct = (state.failedInBatch.size / state.hosts.length) * 100;
    if (pct > max) abort(ctx, state, `max_fail_percentage ${max}% exceeded (${pct.toFixed(0)}% of the batch failed)`);
  }
}

function abort(ctx: RunContext, state: WalkState, reason: string): void {
  if (state.aborted) return;
  state.aborted = true;
  for (const h of state.hosts) h.ended = true;
  ctx.events.playAborted?.(reason);
}

/** Run notified handlers in definition order, each once, on the hosts that notified it. */
async function flushHandlers(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const handlers: Handler[] = state.play.handlers;
  for (const handler of handlers) {
    const names = new Set([...(handler.name ? [handler.name] : []), ...handler.listen]);
    const notified = hosts.filter((h) => h.active && [...h.notified].some((n) => names.has(n)));
    if (notified.length === 0) continue;
    for (const h of notified) for (const n of names) h.notified.delete(n);
    const handlerScope = childScope(scope, handler);
    state.announced.delete(handler);
    await runTask(ctx, state, handler, handlerScope, notified, { isHandler: true });
  }
}
