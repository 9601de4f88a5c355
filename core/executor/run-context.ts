/**
 * State shared by the play runner and the task runner for one `tsplay run`: options,
 * services (registry, templar, connections, events) and per-host sessions that outlive
 * a single play (facts, set_fact/register results, the connection).
 */
import type { Logger } from 'pino';
import type { SecretRegistry } from '../log/redact.js';
import type { Inventory } from '../inventory/model.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Templar } from '../template/templar.js';
import type { Block, Handler, SourceLocation } from '../playbook/model.js';
import type { RoleFileOptions } from '../playbook/roles.js';

/** What include_role asks to load. */
export interface RoleRequest {
  name: string;
  files: RoleFileOptions;
  at: SourceLocation;
  playDir: string;
  parentRoleDir?: string;
}
import type { ConnectionManager } from './connections.js';
import type { RunEvents } from './events.js';
import { HostRuntime } from './host-state.js';
import type { RecapStats } from './stats.js';
import { dataLayer } from '../vars/precedence.js';
import type { Vars } from '../vars/precedence.js';
import type { TaskInfo } from './events.js';

export interface ExecutorOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Vars;
  limit?: string;
  startAtTask?: string;
  /** -b: become for every play unless a play/task says otherwise. */
  become?: boolean;
  becomeUser?: string;
  /** -K or ansible_become_password; never logged. */
  becomePassword?: string;
  verbosity: number;
  /** Per-command timeout (ms) for module commands; undefined = none. */
  commandTimeoutMs?: number;
  /** Default task timeout (ms) for tasks without a `timeout` keyword (--task-timeout); undefined = none. */
  taskTimeoutMs?: number;
  /** --force-handlers (or the setting): plays without a force_handlers keyword run handlers of failed hosts. */
  forceHandlers?: boolean;
  /** --step: asked before each task; false skips it on every host (no banner, no results). */
  confirmTask?: (task: TaskInfo) => Promise<boolean>;
}

/**
 * The run's interrupt: which signal stopped it, and an AbortSignal for work the modules do
 * in the controller. The CLI's signal handler triggers it, then interrupts the connections.
 */
export class RunInterrupt {
  signal?: 'SIGINT' | 'SIGTERM';
  private readonly controller = new AbortController();
  get aborted(): AbortSignal {
    return this.controller.signal;
  }
  trigger(signal: 'SIGINT' | 'SIGTERM'): void {
    this.signal ??= signal;
    this.controller.abort(new Error(`interrupted by ${signal}`));
  }
}

/** One host's state across the whole run. */
export class HostSession {
  readonly runtime = new HostRuntime();
  /**
   * Facts as `ansible_facts` holds them: what any module returned in `ansible_facts`
   * (setup and gather_facts included), with the `ansible_` prefix taken off the names.
   */
  facts: Vars = {};
  /**
   * The same facts as top-level variables, under the names the module returned them
   * (`ansible_distribution`, `app_port`), as Ansible injects facts as variables.
   */
  factVars: Vars = {};
  /**
   * set_fact and register results: they persist across plays, like Ansible's host vars.
   * A data layer: what a host returned is never rendered as a template.
   */
  readonly hostVars: Vars = dataLayer({});
  unreachable = false;
  /** Facts were gathered in this run (gathering = smart gathers a host once). */
  factsGathered = false;
  /** Failed in an earlier play: later plays of the run skip it, as Ansible does. */
  failed = false;
  private inventoryCache?: Vars;
  constructor(readonly name: string) {}
  /** Record facts a module returned (`ansible_facts`); later facts of the same name win. */
  addFacts(returned: Vars): void {
    for (const [name, value] of Object.entries(returned)) {
      this.facts[name.startsWith('ansible_') ? name.slice('ansible_'.length) : name] = value;
      this.factVars[name] = value;
    }
  }
  /** meta: clear_facts. */
  clearFacts(): void {
    this.facts = {};
    this.factVars = {};
    this.factsGathered = false;
  }
  /** add_host/group_by changed the inventory: merge the host's inventory variables again. */
  forgetInventoryVars(): void {
    this.inventoryCache = undefined;
  }
  /** The host's inventory variables; merged once, they change only through add_host/group_by. */
  inventoryVars(inventory: Inventory): Vars {
    return (this.inventoryCache ??= inventory.varsFor(this.name));
  }
}

/** One host's state within a play. */
export class PlayHost {
  failed = false;
  /** meta: end_host, or the play was aborted. */
  ended = false;
  readonly notified = new Set<string>();
  /**
   * Variables set for the rest of the play only (Ansible's non-persistent facts):
   * `ansible_failed_task` / `ansible_failed_result` once a task in a block with a rescue failed.
   */
  readonly playFacts: Vars = dataLayer({});
  /** vars_files this host named with its own variables (see resolveHostVarsFiles). */
  varsFilesVars: Vars = {};
  varsFilesDone = false;
  /** Defaults and vars of roles included with `public: true`, visible to the rest of the play. */
  publicRoleVars: Vars = {};
  constructor(readonly session: HostSession) {}
  get name(): string {
    return this.session.name;
  }
  get active(): boolean {
    return !this.failed && !this.ended && !this.session.unreachable;
  }
}

export interface RunContext {
  readonly options: ExecutorOptions;
  readonly inventory: Inventory;
  readonly registry: ModuleRegistry;
  readonly templar: Templar;
  readonly connections: ConnectionManager;
  readonly events: RunEvents;
  readonly log: Logger;
  readonly stats: RecapStats;
  readonly sessions: Map<string, HostSession>;
  /** Set when SIGINT/SIGTERM arrives: no new task starts anywhere (but always: sections). */
  readonly interrupt: RunInterrupt;
  /** Values masked in all output and logs; the executor adds the passwords and no_log values it meets. */
  readonly secrets: SecretRegistry;
  /** Loads an include_tasks file (cached): its task nodes. */
  loadTaskFile(path: string): Promise<import('../playbook/model.js').TaskNode[]>;
  /** Loads a vars file (YAML). */
  loadVarsFile(path: string): Promise<Vars>;
  /** Loads a role for include_role (cached): its tasks as a block, and its handlers. */
  loadRole?(request: RoleRequest): Promise<{ block: Block; handlers: Handler[] }>;
  /** Reads a controller file for a module's `src:`, decrypting vault data when asked. */
  readControllerFile?(path: string, decrypt: boolean): Buffer;
}

export function sessionFor(ctx: RunContext, host: string): HostSession {
  let s = ctx.sessions.get(host);
  if (!s) {
    s = new HostSession(host);
    ctx.sessions.set(host, s);
  }
  return s;
}
