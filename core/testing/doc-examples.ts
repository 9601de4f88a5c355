/**
 * A module's documented examples (`docs.examples`, Ansible's EXAMPLES) must be tasks a user
 * can paste: YAML, using the module by one of its names, with arguments its schema accepts.
 * Values that are templates (`"{{ item }}"`) are only known at run time, so a schema error
 * about such an argument is not held against the example.
 */
import { parse } from 'yaml';
import type { ModuleDefinition } from '../modules/api.js';
import { ArgumentError, validateArgs } from '../modules/validate-args.js';
import { parseKeyValue } from '../playbook/kv.js';

const FQCN = /^(ansible\.builtin|ansible\.legacy|ansible\.posix|community\.general|openvswitch\.openvswitch)\./;

export interface ExampleProblem {
  /** Which example task (its `name:`, or its position). */
  example: string;
  problem: string;
}

function tasksIn(list: unknown[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const item of list) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const task = item as Record<string, unknown>;
    out.push(task);
    for (const key of ['block', 'rescue', 'always', 'tasks']) if (Array.isArray(task[key])) out.push(...tasksIn(task[key] as unknown[]));
  }
  return out;
}

const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');

/** Every problem with the module's examples; an empty list means they all validate. */
export function checkDocExamples(module: ModuleDefinition<any>): ExampleProblem[] {
  const names = new Set([module.name, ...(module.aliases ?? [])]);
  let doc: unknown;
  try {
    doc = parse(module.docs?.examples ?? '');
  } catch (err) {
    return [{ example: 'docs.examples', problem: `is not valid YAML: ${(err as Error).message.split('\n')[0]}` }];
  }
  if (!Array.isArray(doc)) return [{ example: 'docs.examples', problem: 'must be a YAML list of tasks, as in a playbook' }];
  const problems: ExampleProblem[] = [];
  let uses = 0;
  tasksIn(doc).forEach((task, i) => {
    const key = Object.keys(task).find((k) => names.has(k.replace(FQCN, '')));
    if (!key) return;
    uses++;
    const label = typeof task.name === 'string' ? `'${task.name}'` : `task ${i + 1}`;
    const value = task[key];
    let args: Record<string, unknown>;
    try {
      args = typeof value === 'string' ? parseKeyValue(value, module.freeForm) : { ...((value as Record<string, unknown>) ?? {}) };
    } catch (err) {
      problems.push({ example: label, problem: (err as Error).message });
      return;
    }
    if (task.args && typeof task.args === 'object') Object.assign(args, task.args);
    if (module.freeForm && '_raw_params' in args) {
      args[module.freeForm] ??= args._raw_params;
      delete args._raw_params;
    }
    try {
      validateArgs(module, args);
    } catch (err) {
      if (!(err instanceof ArgumentError)) throw err;
      const templated = Object.keys(args).filter((k) => isTemplate(args[k]) || JSON.stringify(args[k]).includes('{{'));
      const messages = err.message.replace(`${module.name}: `, '').split('; ');
      const real = messages.filter((m) => !templated.some((k) => m.includes(`'${k}'`) || m.includes(`'${k}.`)));
      if (real.length) problems.push({ example: label, problem: real.join('; ') });
    }
  });
  if (uses === 0) problems.push({ example: 'docs.examples', problem: `has no task that uses ${[...names].join(' or ')}` });
  return problems;
}
