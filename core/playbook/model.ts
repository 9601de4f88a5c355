/**
 * The playbook after loading: YAML parsed, validated against the JSON Schema, short forms
 * normalised, static imports (import_playbook, import_tasks, roles) expanded. Nothing here
 * is templated yet: templating happens per host, per task, in the executor. Every node
 * keeps its source location so runtime errors can point at the line.
 */

export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

/** A role as it applies to the tasks and handlers that came from it. */
export interface RoleContext {
  name: string;
  path: string; // the role's directory (for files/ and templates/ lookups)
  defaults: Record<string, unknown>; // defaults/main.yml: lowest precedence
  vars: Record<string, unknown>; // vars/main.yml: above play vars
  /**
   * `roles: - { role: x, vars: {...} }`: the entry's `vars:`. As in Ansible these are role
   * vars (below vars/main.yml), visible to the whole play and to the roles that depend on
   * this one, not only to the role's own tasks.
   */
  entryVars: Record<string, unknown>;
  /** `roles: - { role: x, port: 80 }`: the entry's other keys (role params; the role's own tasks). */
  params: Record<string, unknown>;
}

/** Keywords shared by plays, blocks and tasks (and inherited downward). */
export interface CommonKeywords {
  become?: boolean | string; // may be a template
  becomeUser?: string;
  checkMode?: boolean | string;
  diff?: boolean | string;
  noLog?: boolean | string;
  ignoreErrors?: boolean | string;
  environment?: Record<string, unknown> | string;
  anyErrorsFatal?: boolean;
  tags: string[];
  vars: Record<string, unknown>;
  delegateTo?: string;
  runOnce?: boolean | string;
  remoteUser?: string;
  /** `connection: local|ssh` (an `ansible_connection` variable wins, as in Ansible). */
  connection?: string;
  /** Seconds a task may run on a host (Ansible's `timeout`); may be a template. */
  timeout?: number | string;
}

export interface TaskBase extends CommonKeywords {
  loc: SourceLocation;
  name?: string;
  /** `when`: each entry is a bare Jinja-style expression (or a boolean); all must hold. */
  when: Array<string | boolean>;
  role?: RoleContext;
}

export interface LoopSpec {
  /** `loop:` / `with_items:` value: a list or a template string producing one. */
  items: unknown;
  /** `with_items` flattens one level, like Ansible. */
  flatten: boolean;
  /**
   * `with_items`/`with_list` turn a string into a one-item list (Ansible's listify);
   * `loop:` needs a list and a string is an error there.
   */
  wrapString: boolean;
  /** `with_<lookup>` (other than with_items/with_list): the lookup that makes the items. */
  lookup?: string;
  loopVar: string; // loop_control.loop_var, default 'item'
  indexVar?: string; // loop_control.index_var
  label?: string; // loop_control.label (template)
  pause?: number; // loop_control.pause, seconds
  /** loop_control.extended: `ansible_loop` with allitems, previtem, nextitem... */
  extended?: boolean;
}

export interface Task extends TaskBase {
  kind: 'task';
  /** Module name as written (may be an alias or FQCN); resolved by the registry. */
  module: string;
  /** Location of the module key, for argument errors. */
  moduleLoc: SourceLocation;
  /** Mapping form, or the raw string of `module: k=v ...` / free-form text. `args:` is merged in. */
  args: Record<string, unknown> | string;
  loop?: LoopSpec;
  register?: string;
  notify: string[];
  changedWhen?: Array<string | boolean>;
  failedWhen?: Array<string | boolean>;
  until?: Array<string | boolean>;
  retries?: number | string;
  delay?: number | string;
}

export interface Block extends TaskBase {
  kind: 'block';
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

/** `include_tasks` is dynamic: the file name may be templated and it may loop. */
export interface IncludeTasks extends TaskBase {
  kind: 'include_tasks';
  file: string;
  loop?: LoopSpec;
  /** Directory the include is relative to (the including file's directory). */
  baseDir: string;
}

/**
 * `include_role` is dynamic: the role is loaded when the include is reached (its name and
 * `*_from` options may be templated) and it may loop. (`import_role` is expanded when the
 * playbook loads, into a Block carrying the role.)
 */
export interface IncludeRole extends TaskBase {
  kind: 'include_role';
  roleName: string;
  tasksFrom?: string;
  varsFrom?: string;
  defaultsFrom?: string;
  handlersFrom?: string;
  /** `public: true`: the role's defaults and vars stay visible to the rest of the play. */
  public: boolean;
  /** `apply:` keywords given to every task of the role (when, tags, become...). */
  apply?: Omit<TaskBase, 'loc'>;
  loop?: LoopSpec;
  /** Directory of the role whose tasks include it (roles are searched beside it too). */
  parentRoleDir?: string;
}

export type TaskNode = Task | Block | IncludeTasks | IncludeRole;

export interface Handler extends Task {
  /** Names it answers to: its `name` plus every `listen` topic. */
  listen: string[];
}

export interface Play extends CommonKeywords {
  loc: SourceLocation;
  name: string;
  hosts: string; // pattern; a YAML list is joined with ':'
  gatherFacts: boolean;
  /** gathering = smart: hosts whose facts this run has already gathered are not gathered again. */
  gatherOnce?: boolean;
  varsFiles: Array<string | string[]>; // a nested list = first file found wins
  serial?: Array<number | string>; // 3, '30%', or a list of batch sizes
  strategy: 'linear' | 'free';
  maxFailPercentage?: number;
  /** force_handlers: a host that fails still runs the handlers it was notified of (undefined: the run's default). */
  forceHandlers?: boolean;
  preTasks: TaskNode[];
  /** Role tasks, expanded in order (each task carries its RoleContext). */
  roleTasks: TaskNode[];
  tasks: TaskNode[];
  postTasks: TaskNode[];
  /** Handlers of the play and of its roles, in definition order. */
  handlers: Handler[];
  /** Directory of the playbook file this play came from (relative paths resolve here). */
  baseDir: string;
}

export interface Playbook {
  file: string;
  /** All plays, with `import_playbook` expanded in place. */
  plays: Play[];
}
