/**
 * What to tell the user about a key that is not a keyword where it was written: a typo
 * ("did you mean"), an Ansible keyword tsplay does not support (and what to do instead), or
 * a keyword that belongs to another level (a play keyword inside a task usually means the
 * indentation is off).
 */
import { closest } from '../util/suggest.js';
import { keywordsOf, type Entity } from './schema-file.js';
import { lookupNames } from '../template/globals.js';

/** How each entity is named in messages ("unknown task keyword 'notfy'"). */
export const ENTITY_NOUN: Record<Entity, string> = {
  play: 'play keyword',
  task: 'task keyword',
  handler: 'handler keyword',
  block: 'block keyword',
  includeTasks: 'include_tasks keyword',
  importTasks: 'import_tasks keyword',
  importPlaybook: 'import_playbook keyword',
  roleMapping: 'role keyword',
  loopControl: 'loop_control option',
};

const LOOKUP_LOOP = "use 'loop:' with a list instead (a mapping becomes a list with \"{{dict2items my_dict}}\")";
const ASYNC = "background tasks ('async'/'poll') are not supported by tsplay; run the command in the background yourself (e.g. nohup) or give it a timeout";
const ROLE_TASK = "cannot be a handler; notify a handler that is in the role's handlers/ instead";

/** Ansible keywords tsplay knows but does not support, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  async: ASYNC,
  poll: ASYNC,
  throttle: "'throttle' is not supported; limit parallelism with -f/--forks or 'serial'",
  vars_prompt: "'vars_prompt' is not supported; pass the values with -e",
  module_defaults: "'module_defaults' is not supported; give the arguments on each task (or share them with YAML anchors)",
  collections: "'collections' is not supported; modules are found by their short name or FQCN",
  debugger: "'debugger' is not supported",
  port: "'port' is not supported as a keyword; set ansible_port in the inventory",
  order: "'order' is not supported; hosts run in inventory order",
  gather_subset: "'gather_subset' is not supported; tsplay gathers one fixed set of facts in a single round trip",
  gather_timeout: "'gather_timeout' is not supported",
  fact_path: "'fact_path' is not supported",
  ignore_unreachable: "'ignore_unreachable' is not supported; an unreachable host leaves the play",
  become_flags: "'become_flags' is not supported",
  become_exe: "'become_exe' is not supported",
  include: "'include' was removed from Ansible; use include_tasks (decided at run time) or import_tasks (inserted when loading)",
  include_role: `'include_role' ${ROLE_TASK}`,
  import_role: `'import_role' ${ROLE_TASK}`,
  'ansible.builtin.include_role': `'include_role' ${ROLE_TASK}`,
  'ansible.builtin.import_role': `'import_role' ${ROLE_TASK}`,
  include_playbook: "use 'import_playbook' at the top level of a playbook",
  apply: "'apply' is not supported; put the keywords on the include_tasks itself (they apply to the included tasks)",
  loop_var_name: "did you mean 'loop_var'?",
};

/** Keys that only make sense on some entities, with a hint for the others. */
const MISPLACED: Partial<Record<Entity, Record<string, string>>> = {
  task: {
    listen: "'listen' is for handlers (under 'handlers:')",
    rescue: "'rescue' belongs to a block: add 'block:' with the tasks it protects",
    always: "'always' belongs to a block: add 'block:' with the tasks it protects",
  },
  importTasks: {
    loop: "import_tasks cannot loop (it is inserted when the playbook loads); use include_tasks to loop over a file",
    with_items: "import_tasks cannot loop (it is inserted when the playbook loads); use include_tasks to loop over a file",
    with_list: "import_tasks cannot loop (it is inserted when the playbook loads); use include_tasks to loop over a file",
    loop_control: "import_tasks cannot loop; use include_tasks to loop over a file",
  },
  importPlaybook: {
    when: "'when' on import_playbook is not supported; put the condition on the tasks of the imported plays",
    hosts: "an import_playbook entry cannot also be a play: split it into two list entries",
    tasks: "an import_playbook entry cannot also be a play: split it into two list entries",
  },
  block: {
    loop: "a block cannot loop; loop over an include_tasks file instead",
    with_items: "a block cannot loop; loop over an include_tasks file instead",
    notify: "'notify' goes on the tasks inside the block",
    register: "'register' goes on the tasks inside the block",
  },
  play: {
    when: "a play has no 'when'; put the condition on its tasks, blocks or roles (or select hosts with 'hosts:')",
    block: "'block' goes inside 'tasks:' (is the indentation right?)",
  },
};

/** Where else a keyword is valid, to explain "wrong level" mistakes. */
function otherHome(entity: Entity, key: string): string | undefined {
  if (entity !== 'play' && keywordsOf('play').includes(key) && !keywordsOf('task').includes(key)) {
    return `'${key}' is a play keyword, not valid on a ${ENTITY_NOUN[entity].replace(/ (keyword|option)$/, '')}: is the indentation right?`;
  }
  if (entity === 'play' && (keywordsOf('task').includes(key) || key === 'listen')) {
    return `'${key}' is a task keyword, not valid on a play: is it meant to be inside 'tasks:'?`;
  }
  return undefined;
}

/**
 * A specific explanation for a key that is not a keyword of `entity`: it belongs elsewhere,
 * is an unsupported Ansible keyword, or is a typo of a keyword. Undefined when none fits.
 */
export function keywordHint(entity: Entity, key: string, candidates: readonly string[] = keywordsOf(entity)): string | undefined {
  const misplaced = MISPLACED[entity]?.[key];
  if (misplaced) return misplaced;
  const unsupported = UNSUPPORTED[key];
  if (unsupported) return unsupported;
  if (/^with_[a-z_]+$/.test(key) && !lookupNames().includes(key.slice(5))) return `'${key}' loops are not supported (no lookup '${key.slice(5)}'; available: ${lookupNames().join(', ')}); ${LOOKUP_LOOP}`;
  const elsewhere = otherHome(entity, key);
  if (elsewhere) return elsewhere;
  const hint = closest(key, candidates);
  if (hint) return `unknown ${ENTITY_NOUN[entity]} '${key}' - did you mean '${hint}'?`;
  return undefined;
}

/** The message for a key that is not a keyword of `entity`. */
export function unknownKeyMessage(entity: Entity, key: string, candidates: readonly string[] = keywordsOf(entity)): string {
  const hint = keywordHint(entity, key, candidates);
  if (hint) return hint;
  const list = candidates.length <= 8 ? `; valid: ${candidates.join(', ')}` : '';
  return `unknown ${ENTITY_NOUN[entity]} '${key}'${list}`;
}

/** Ansible's own actions that are not modules in the registry. */
export const META_ACTIONS = ['flush_handlers', 'end_play', 'end_host', 'clear_facts', 'clear_host_errors', 'noop', 'refresh_inventory'] as const;

const FQCN = /^ansible\.(builtin|legacy)\./;

/** `ansible.builtin.import_tasks` → `import_tasks` (for the few actions the loader handles itself). */
export function shortAction(key: string): string {
  return key.replace(FQCN, '');
}
