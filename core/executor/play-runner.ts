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
import type { Block, Handler, IncludeRole, IncludeTasks, LoopSpec, Play, RoleContext, Task, TaskNode } from '../playbook/model.js';
import { PlaybookError } from '../playbook/errors.js';
import { isFile } from '../playbook/files.js';
import { TemplateError } from '../template/errors.js';
import { evaluateCondition } from '../template/expression.js';
import type { Vars } from '../vars/precedence.js';
import { mergeLayers, overlay } from '../vars/precedence.js';
import type { TaskInfo } from './events.js';
import { resultWarnings } from './result-warnings.js';
import { loopInfo, renderLoopItems } from './loops.js';
import { PlayHost, sessionFor, type HostSession, type RoleRequest, type RunContext } from './run-context.js';
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
  /**
   * any_errors_fatal or max_fail_percentage ended the play: as in Ansible, the rest of the
   * playbook does not run either (its hosts are all counted as failed).
   */
  fatal: boolean;
  /** Hosts that failed during the current batch (for max_fail_percentage). */
  failedInBatch: Set<string>;
  /** vars_files entries whose names need a host's variables (resolved per host). */
  deferredVarsFiles: Array<string | string[]>;
  /** Handlers of roles brought in by include_role, after the play's own. */
  extraHandlers: Handler[];
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

/**
 * Run one play. Returns false when the rest of the playbook must not run, as
 * ansible-playbook decides: any_errors_fatal or max_fail_percentage stopped the play, or
 * every host of a batch failed or was unreachable.
 */
export async function runPlay(ctx: RunContext, play: Play): Promise<boolean> {
  const pattern = String(ctx.templar.render(play.hosts, ctx.options.extraVars));
  const selected = ctx.inventory.selectHosts(pattern, ctx.options.limit).map((h) => h.name);
  ctx.events.playStart?.(play.name, selected, ctx.options.check);
  if (selected.length === 0) {
    ctx.events.noHostsMatched?.(pattern);
    return true;
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
      fatal: false,
      failedInBatch: new Set(),
      deferredVarsFiles: [],
      extraHandlers: [],
    };
    state.playVars = await loadPlayVars(ctx, play, state);
    Object.assign(state, playRoleVars(play));
    const playScope: Scope = { keywords: play, isPlay: true };
    if (play.gatherFacts) await gatherFacts(ctx, state, playScope);
    try {
      if (play.strategy === 'free') {
        await Promise.all(hosts.map((h) => runSections(ctx, state, playScope, [h])));
      } else {
        await runSections(ctx, state, playScope, hosts);
      }
    } finally {
      await endHeldSessions(ctx, hosts.map((h) => h.session));
    }
    for (const h of hosts) if (h.failed) h.session.failed = true;
    const allFailed = hosts.length > 0 && hosts.every((h) => h.failed || h.session.unreachable);
    if (state.fatal || allFailed) {
      // Later plays (and playbooks) of the run skip these hosts, as Ansible's failed list does.
      for (const h of hosts) h.session.failed = true;
      return false;
    }
    if (state.aborted || ctx.interrupt.signal) break;
  }
  return true;
}

/**
 * Held sessions do not outlive their play (docs/held-sessions.md): what a play locked or froze
 * and did not release is released here, with a warning naming the task that opened it.
 */
export async function endHeldSessions(ctx: RunContext, sessions: HostSession[]): Promise<void> {
  await Promise.all(
    sessions.map(async (s) => {
      if (s.runtime.sessions.size === 0) return;
      for (const c of await s.runtime.sessions.closeAll()) {
        ctx.events.warning?.(
          `${s.name}: held session '${c.name}' (${c.kind}, opened by task '${c.openedBy}') was still open at the end of the play: ` +
            `its input was ended${c.exit.killed ? ' and it was killed' : ''} (${c.exit.reason}); what it held is released`,
        );
        ctx.log.warn({ host: s.name, session: c.name, kind: c.kind, reason: c.exit.reason }, 'held session ended with the play');
      }
    }),
  );
}

async function runSections(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const play = state.play;
  const force = play.forceHandlers ?? ctx.options.forceHandlers ?? false;
  for (const section of [play.preTasks, [...play.roleTasks, ...play.tasks], play.postTasks]) {
    const failedBefore = new Set(hosts.filter((h) => h.failed));
    await runNodes(ctx, state, section, scope, hosts);
    if (!force) {
      await flushHandlers(ctx, state, scope, hosts);
      continue;
    }
    // force_handlers: Ansible wraps each section in a block whose `always:` flushes the
    // handlers, so a host that failed in this section still runs the handlers it was
    // notified of, with the others at the section's end, and then stops. Hosts that failed
    // in an earlier section, became unreachable, ended (end_host) or were stopped by
    // any_errors_fatal do not; a handler that fails stops the host's other handlers.
    const forced = hosts.filter((h) => h.failed && !failedBefore.has(h) && !h.ended && !h.session.unreachable);
    for (const h of forced) h.failed = false;
    try {
      await flushHandlers(ctx, state, scope, hosts);
    } finally {
      for (const h of forced) h.failed = true;
    }
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

/**
 * Play vars and the vars_files whose names render without host data. A name that needs a
 * host's variables (`vars/{{ ansible_os_family }}.yml`) is left in `state.deferredVarsFiles`
 * and read per host once it renders (after facts are gathered), as Ansible templates
 * vars_files per host.
 */
async function loadPlayVars(ctx: RunContext, play: Play, state: WalkState): Promise<Vars> {
  const vars: Vars = { ...play.vars };
  for (const entry of play.varsFiles) {
    const renderVars = mergeLayers([vars, ctx.options.extraVars, { playbook_dir: play.baseDir, groups: state.groups }], ctx.templar);
    let names: string[];
    try {
      names = (Array.isArray(entry) ? entry : [entry]).map((n) => String(ctx.templar.render(n, renderVars)));
    } catch (err) {
      if (!(err instanceof TemplateError) || !err.variable) throw new PlaybookError([{ ...play.loc, message: `vars_files: ${(err as Error).message}` }]);
      state.deferredVarsFiles.push(entry);
      continue;
    }
    const found = await readFirstVarsFile(ctx, play, names);
    // The user's input (a missing file, a vault secret not given): reported like a load error.
    if ('error' in found) throw new PlaybookError([{ ...play.loc, message: found.error }]);
    Object.assign(vars, found.vars);
  }
  return vars;
}

/** The first of `names` that exists (beside the playbook, or in its vars/), read. */
async function readFirstVarsFile(ctx: RunContext, play: Play, names: string[]): Promise<{ vars: Vars } | { error: string }> {
  const errors: string[] = [];
  for (const name of names) {
    const paths = isAbsolute(name) ? [name] : [resolve(play.baseDir, name), resolve(play.baseDir, 'vars', name)];
    const path = paths.find(isFile) ?? paths[0]!;
    try {
      return { vars: await ctx.loadVarsFile(path) };
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { error: `vars_files: ${errors.join('; ')}` };
}

/**
 * Read the vars_files this host could not name at play start, once their names render with
 * its variables (facts included). Until then they are left out, as Ansible does before
 * facts exist. A file that cannot be read fails the host.
 */
async function resolveHostVarsFiles(ctx: RunContext, state: WalkState, hosts: PlayHost[], scope: Scope): Promise<void> {
  if (state.deferredVarsFiles.length === 0) return;
  for (const host of hosts) {
    if (host.varsFilesDone) continue;
    const vars = taskVars(ctx, state, host, scope);
    const layer: Vars = {};
    let pending = false;
    for (const entry of state.deferredVarsFiles) {
      let names: string[];
      try {
        names = (Array.isArray(entry) ? entry : [entry]).map((n) => String(ctx.templar.render(n, vars)));
      } catch {
        pending = true;
        continue;
      }
      const found = await readFirstVarsFile(ctx, state.play, names);
      if ('error' in found) {
        reportFailure(ctx, state, host, { name: 'vars_files', loc: state.play.loc, isHandler: false, module: 'vars_files', noLog: false }, { changed: false, failed: true, skipped: false, msg: found.error });
        pending = false;
        break;
      }
      Object.assign(layer, found.vars);
    }
    if (pending) continue;
    host.varsFilesVars = layer;
    host.varsFilesDone = true;
  }
}

/**
 * The defaults and vars of every role the play lists (see PlayState.roleDefaults), merged as
 * Ansible's get_default_vars/get_vars do: a role's dependencies first, then the role itself
 * (its entry's `vars:`, then its vars/main.yml), so a role wins over what it depends on.
 */
function playRoleVars(play: Play): { roleDefaults: Vars; roleVars: Vars } {
  const roles: RoleContext[] = [];
  const walk = (nodes: TaskNode[]) => {
    for (const n of nodes) {
      if (n.kind === 'block') {
        walk(n.block);
        walk(n.rescue);
        walk(n.always);
      }
      if (n.role && !roles.includes(n.role)) roles.push(n.role);
    }
  };
  walk(play.preTasks);
  walk(play.roleTasks);
  walk(play.tasks);
  walk(play.postTasks);
  const roleDefaults: Vars = {};
  const roleVars: Vars = {};
  for (const r of roles) {
    Object.assign(roleDefaults, r.defaults);
    Object.assign(roleVars, r.entryVars, r.vars);
  }
  return { roleDefaults, roleVars };
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
    await resolveHostVarsFiles(ctx, state, hosts.filter((h) => h.active), parent);
    const active = hosts.filter((h) => h.active);
    if (active.length === 0) return;
    const scope = childScope(parent, node);
    if (node.kind === 'block') await runBlock(ctx, state, node, scope, active);
    else if (node.kind === 'include_tasks') await runInclude(ctx, state, node, scope, active);
    else if (node.kind === 'include_role') await runIncludeRole(ctx, state, node, scope, active);
    else if (node.module === 'meta' || node.module.endsWith('.meta')) await runMeta(ctx, state, node, scope, active);
    else await runTask(ctx, state, node, scope, active);
  }
}

async function runBlock(ctx: RunContext, state: WalkState, block: Block, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const failedBefore = new Set(hosts.filter((h) => h.failed).map((h) => h.name));
  await runNodes(ctx, state, block.block, scope, hosts);
  const failedInBlock = hosts.filter((h) => h.failed && !failedBefore.has(h.name) && !h.session.unreachable);
  if (block.rescue.length && failedInBlock.length) {
    // As in Ansible, the failure that enters rescue counts rescued (not failed) whatever
    // the rescue then does; a failure inside the rescue counts failed on its own.
    for (const h of failedInBlock) {
      h.failed = false;
      state.failedInBatch.delete(h.name);
      ctx.stats.rescued(h.name);
    }
    await runNodes(ctx, state, block.rescue, scope, failedInBlock);
  }
  if (block.always.length) {
    const stillFailed = hosts.filter((h) => h.failed && !h.session.unreachable && !h.ended);
    for (const h of stillFailed) h.failed = false;
    await runNodes(ctx, state, block.always, { ...scope, cleanup: true }, hosts.filter((h) => !h.session.unreachable && !h.ended));
    for (const h of stillFailed) h.failed = true;
  }
}

/**
 * An include (include_tasks, include_role) whose `when:` is false for this host: Ansible
 * reports and counts it like any skipped task. Whether it was skipped.
 */
function skippedInclude(ctx: RunContext, scope: Scope, host: PlayHost, vars: Vars, info: TaskInfo): boolean {
  if (allConditions(scope).every((c) => evaluateCondition(c, vars))) return false;
  ctx.events.hostResult?.(host.name, info, { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False' }, {});
  ctx.stats.skipped(host.name);
  return true;
}

async function runInclude(ctx: RunContext, state: WalkState, node: IncludeTasks, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const info: TaskInfo = { name: node.name ?? 'include_tasks', loc: node.loc, isHandler: false, module: 'include_tasks', noLog: false };
  if (!tagsSelect(allTags(scope), ctx.options.tags, ctx.options.skipTags)) return;
  ctx.events.taskStart?.(info);
  // Each host decides which file(s) it includes; hosts that include the same file with the
  // same loop item run it together, so linear lockstep holds within each group.
  const groups = new Map<string, { file: string; vars: Vars | undefined; label: string | undefined; hosts: PlayHost[] }>();
  for (const host of hosts) {
    const vars = taskVars(ctx, state, host, scope);
    try {
      if (skippedInclude(ctx, scope, host, vars, info)) continue;
      const items: Array<{ vars: Vars | undefined; label: string | undefined }> = [];
      if (node.loop) {
        for (const item of loopItems(ctx, node.loop, vars, info.name)) items.push(item);
      } else items.push({ vars: undefined, label: undefined });
      for (const item of items) {
        const name = String(ctx.templar.render(node.file, item.vars ? overlay(vars, item.vars) : vars));
        const file = isAbsolute(name) ? name : resolve(node.baseDir, name);
        const key = `${file}\0${JSON.stringify(item.vars ?? null)}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { file, vars: item.vars, label: item.label, hosts: [] }));
        g.hosts.push(host);
      }
    } catch (err) {
      reportFailure(ctx, state, host, info, {
        changed: false, failed: true, skipped: false, msg: `${(err as Error).message} (${node.loc.file}:${node.loc.line}:${node.loc.column})`,
      });
    }
  }
  for (const g of groups.values()) {
    let nodes: TaskNode[];
    try {
      nodes = await ctx.loadTaskFile(g.file);
    } catch (err) {
      for (const h of g.hosts) reportFailure(ctx, state, h, info, { changed: false, failed: true, skipped: false, msg: (err as Error).message });
      continue;
    }
    const chain = includeChain(scope);
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      const loop = chain.slice(chain.indexOf(g.file) >= 0 ? chain.indexOf(g.file) : -8).concat(g.file);
      for (const h of g.hosts) {
        reportFailure(ctx, state, h, info, {
          changed: false,
          failed: true,
          skipped: false,
          msg: `include_tasks nested more than ${MAX_INCLUDE_DEPTH} deep at ${node.loc.file}:${node.loc.line}:${node.loc.column}: ${loop.join(' -> ')}; does the file include itself without a condition that ends it?`,
        });
      }
      continue;
    }
    // Ansible counts each inclusion as an ok result of the include task.
    ctx.events.included?.(g.file, g.hosts.map((h) => h.name), info, g.label);
    for (const h of g.hosts) ctx.stats.ok(h.name);
    const includeScope: Scope = { ...scope, keywords: { ...scope.keywords, when: [] }, includedFile: g.file, ...(g.vars ? { vars: g.vars } : {}) };
    await runNodes(ctx, state, nodes, includeScope, g.hosts);
  }
}

/**
 * include_role: each host renders the role name and `*_from` options (per loop item), the
 * role is loaded then, and hosts that include the same role with the same item run it
 * together. `apply` keywords wrap the role's tasks; `public` leaves its variables visible.
 */
async function runIncludeRole(ctx: RunContext, state: WalkState, node: IncludeRole, scope: Scope, hosts: PlayHost[]): Promise<void> {
  const info: TaskInfo = { name: node.name ?? `include_role : ${node.roleName}`, loc: node.loc, isHandler: false, module: 'include_role', noLog: false };
  if (!tagsSelect(allTags(scope), ctx.options.tags, ctx.options.skipTags)) return;
  ctx.events.taskStart?.(info);
  const at = `${node.loc.file}:${node.loc.line}:${node.loc.column}`;
  const groups = new Map<string, { request: RoleRequest; vars: Vars | undefined; hosts: PlayHost[] }>();
  for (const host of hosts) {
    const vars = taskVars(ctx, state, host, scope);
    try {
      if (skippedInclude(ctx, scope, host, vars, info)) continue;
      const items = node.loop ? loopItems(ctx, node.loop, vars, info.name) : [{ vars: undefined, label: undefined }];
      for (const item of items) {
        const v = item.vars ? overlay(vars, item.vars) : vars;
        const text = (value: string | undefined) => (value === undefined ? undefined : String(ctx.templar.render(value, v)));
        const files: RoleRequest['files'] = {};
        for (const k of ['tasksFrom', 'varsFrom', 'defaultsFrom', 'handlersFrom'] as const) {
          const value = text(node[k]);
          if (value !== undefined) files[k] = value;
        }
        const request: RoleRequest = { name: text(node.roleName)!, files, at: node.loc, playDir: state.play.baseDir, ...(node.parentRoleDir ? { parentRoleDir: node.parentRoleDir } : {}) };
        const key = `${JSON.stringify(request)}\0${JSON.stringify(item.vars ?? null)}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { request, vars: item.vars, hosts: [] }));
        g.hosts.push(host);
      }
    } catch (err) {
      reportFailure(ctx, state, host, info, { changed: false, failed: true, skipped: false, msg: `${(err as Error).message} (${at})` });
    }
  }
  for (const g of groups.values()) {
    let loaded: { block: Block; handlers: Handler[] };
    try {
      if (!ctx.loadRole) throw new Error('include_role is not available here (no role loader)');
      loaded = await ctx.loadRole(g.request);
    } catch (err) {
      const msg = err instanceof PlaybookError ? err.problems.map((p) => p.message).join('; ') : (err as Error).message;
      for (const h of g.hosts) reportFailure(ctx, state, h, info, { changed: false, failed: true, skipped: false, msg: `include_role: ${msg} (${at})` });
      continue;
    }
    for (const h of loaded.handlers) if (!state.extraHandlers.includes(h)) state.extraHandlers.push(h);
    const includeScope: Scope = { ...scope, keywords: { ...scope.keywords, when: [] }, ...(g.vars ? { vars: g.vars } : {}) };
    const body: TaskNode = node.apply ? { kind: 'block', loc: node.loc, ...node.apply, block: [loaded.block], rescue: [], always: [] } : loaded.block;
    await runNodes(ctx, state, [body], includeScope, g.hosts);
    if (node.public) {
      const role = loaded.block.role!;
      for (const h of g.hosts) Object.assign(h.publicRoleVars, role.defaults, role.vars);
    }
  }
}

/** The items of an include's loop, each as the variables it adds and its label. */
function loopItems(ctx: RunContext, loop: LoopSpec, vars: Vars, where: string): Array<{ vars: Vars; label: string }> {
  const list = renderLoopItems(ctx, loop, vars, where);
  return list.map((item, i) => {
    const itemVars: Vars = { [loop.loopVar]: item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: i } : {}) };
    if (loop.extended) itemVars.ansible_loop = loopInfo(list, i);
    const label = loop.label !== undefined ? String(ctx.templar.render(loop.label, overlay(vars, itemVars))) : typeof item === 'string' ? item : JSON.stringify(item);
    return { vars: itemVars, label };
  });
}

function reportFailure(ctx: RunContext, state: WalkState, host: PlayHost, info: TaskInfo, result: TaskResult): void {
  ctx.events.hostResult?.(host.name, info, result, {});
  ctx.stats.failed(host.name);
  host.failed = true;
  state.failedInBatch.add(host.name);
  rememberFailure(host, { name: info.name, action: info.module, loc: info.loc }, result);
}

/**
 * What a `rescue:` section sees of the failure, as Ansible sets them: `ansible_failed_task`
 * (the task's name, action and arguments) and `ansible_failed_result` (its result).
 */
function rememberFailure(host: PlayHost, task: { name?: string | undefined; action: string; args?: unknown; loc: Task['loc'] }, result: TaskResult): void {
  host.playFacts.ansible_failed_task = {
    name: task.name ?? '',
    action: task.action,
    args: task.args ?? {},
    path: `${task.loc.file}:${task.loc.line}`,
  };
  host.playFacts.ansible_failed_result = result;
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
    case 'clear_host_errors': {
      // As Ansible: when the condition holds (for any host running the task), every host of
      // the batch is forgiven, failed or unreachable, for the rest of the run and for the exit code.
      const holds = hosts.some((h) => allConditions(scope).every((c) => evaluateCondition(c, taskVars(ctx, state, h, scope))));
      if (!holds) return;
      for (const h of state.hosts) {
        h.failed = false;
        h.session.failed = false;
        h.session.unreachable = false;
        state.failedInBatch.delete(h.name);
      }
      return;
    }
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
  // add_host bypasses the host loop in Ansible: it runs once per task, like run_once.
  const bypassHostLoop = (ctx.registry.info(task.module)?.name ?? task.module) === 'add_host';
  const runOnce = bypassHostLoop || hostsKeyword(ctx, state, scope, hosts, inherited(scope, 'runOnce'), 'run_once');
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
        applyInventoryChanges(ctx, state, host, result);
        account(ctx, state, host, task, result, Boolean(ignore));
        // run_once: every host of the batch gets the one result, registered too, and a
        // failure fails them all; the recap counts it once, on the host that ran it (Ansible).
        if (runOnce) for (const h of hosts) if (h !== host) shareRunOnce(state, h, task, result, Boolean(ignore));
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
      // Ansible counts an ignored failure as ok + ignored (and changed when it changed
      // something); the host stays in the play.
      if (result.changed) ctx.stats.changed(host.name);
      else ctx.stats.ok(host.name);
      ctx.stats.ignored(host.name);
      return;
    }
    ctx.stats.failed(host.name);
    host.failed = true;
    state.failedInBatch.add(host.name);
    rememberFailure(host, { name: task.name, action: task.module, args: task.args, loc: task.loc }, result);
    return;
  }
  if (result.skipped) return ctx.stats.skipped(host.name);
  if (result.changed) {
    ctx.stats.changed(host.name);
    for (const name of task.notify) host.notified.add(name);
  } else ctx.stats.ok(host.name);
}

/**
 * group_by's `add_group` and add_host's `add_host` (per item in a loop) change the run's
 * inventory; `groups` and `hostvars` are rebuilt so later tasks see the change.
 */
function applyInventoryChanges(ctx: RunContext, state: WalkState, host: PlayHost, result: TaskResult): void {
  let changed = false;
  for (const r of result.results ?? [result]) {
    if (r.failed || r.skipped) continue;
    if (typeof r.add_group === 'string') {
      ctx.inventory.addToGroup?.(host.name, r.add_group, (r.parent_groups as string[] | undefined) ?? []);
      changed = true;
    }
    const add = r.add_host as { host_name?: string; groups?: string[]; host_vars?: Vars } | undefined;
    if (add?.host_name) {
      const groups = add.groups?.length ? add.groups : [undefined];
      groups.forEach((g, i) => ctx.inventory.addToGroup?.(add.host_name!, g, [], i === 0 ? add.host_vars ?? {} : {}));
      ctx.sessions.get(add.host_name)?.forgetInventoryVars();
      changed = true;
    }
  }
  if (!changed) return;
  for (const s of ctx.sessions.values()) s.forgetInventoryVars();
  state.groups = groupsObject(ctx);
  state.hostvars = hostvarsObject(ctx);
}

function shareRunOnce(state: WalkState, host: PlayHost, task: Task, result: TaskResult, ignored: boolean): void {
  if (task.register) host.session.hostVars[task.register] = result;
  if (result.unreachable || result.skipped) return;
  if (result.failed && !ignored) {
    host.failed = true;
    state.failedInBatch.add(host.name);
  } else if (result.changed) for (const name of task.notify) host.notified.add(name);
}

/** any_errors_fatal and max_fail_percentage are checked after every task, as in Ansible. */
function afterTask(ctx: RunContext, state: WalkState, scope: Scope, hosts: PlayHost[]): void {
  if (state.failedInBatch.size === 0) return;
  const fatal = inherited(scope, 'anyErrorsFatal') ?? state.play.anyErrorsFatal;
  if (fatal && hosts.some((h) => h.failed && state.failedInBatch.has(h.name))) {
    state.fatal = true;
    abort(ctx, state, 'any_errors_fatal: a host failed');
    return;
  }
  const max = state.play.maxFailPercentage;
  if (max !== undefined) {
    const pct = (state.failedInBatch.size / state.hosts.length) * 100;
    if (pct > max) {
      state.fatal = true;
      abort(ctx, state, `max_fail_percentage ${max}% exceeded (${pct.toFixed(0)}% of the batch failed)`);
    }
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
  const handlers: Handler[] = [...state.play.handlers, ...state.extraHandlers];
  // A `listen` topic wakes every handler that listens to it: it is consumed after the
  // whole pass, not by the first of them.
  const topics = new Map<PlayHost, Set<string>>();
  for (const handler of handlers) {
    const names = new Set([...(handler.name ? [handler.name] : []), ...handler.listen]);
    const notified = hosts.filter((h) => h.active && [...h.notified].some((n) => names.has(n)));
    if (notified.length === 0) continue;
    for (const h of notified) {
      if (handler.name) h.notified.delete(handler.name);
      for (const topic of handler.listen) {
        if (!topics.has(h)) topics.set(h, new Set());
        topics.get(h)!.add(topic);
      }
    }
    const handlerScope = childScope(scope, handler);
    state.announced.delete(handler);
    await runTask(ctx, state, handler, handlerScope, notified, { isHandler: true });
  }
  for (const [h, used] of topics) for (const topic of used) h.notified.delete(topic);
}
