/**
 * Loop items, as Ansible computes them: `loop:` needs a list; `with_items`/`with_list` and
 * every other `with_<lookup>` run that lookup over the (templated, listified) terms, and the
 * lookup's results are the items. Also `ansible_loop` (loop_control.extended).
 */
import type { LoopSpec } from '../playbook/model.js';
import { scopeOf } from '../template/expression.js';
import { runLookupPlugin } from '../template/globals.js';
import type { Vars } from '../vars/precedence.js';
import type { RunContext } from './run-context.js';

/** Ansible's listify_lookup_plugin_terms: a string that is not a template is one term. */
function listify(ctx: RunContext, value: unknown, vars: Vars, where: string): unknown[] {
  const rendered = ctx.templar.render(value, vars, where);
  if (typeof rendered === 'string') return [rendered];
  if (Array.isArray(rendered)) return rendered;
  return [rendered];
}

/** The items a task (or include) loops over; throws with a message naming what is wrong. */
export function renderLoopItems(ctx: RunContext, loop: LoopSpec, vars: Vars, taskName: string): unknown[] {
  const where = `loop of task '${taskName}'`;
  if (loop.lookup) {
    const terms = listify(ctx, loop.items, vars, where);
    return runLookupPlugin(loop.lookup, terms, {}, scopeOf(vars), true) as unknown[];
  }
  let items = ctx.templar.render(loop.items, vars, where);
  if (typeof items === 'string' && loop.wrapString && !ctx.templar.isTemplate(items)) items = [items];
  if (!Array.isArray(items)) {
    throw new Error(`a loop needs a list: 'loop' got ${typeof items === 'string' ? 'the string' : 'the value'} ${JSON.stringify(items)?.slice(0, 80)}`);
  }
  return loop.flatten ? items.flat(1) : items;
}

/** `ansible_loop` for item `i` of `list` (loop_control: extended). */
export function loopInfo(list: unknown[], i: number): Vars {
  const n = list.length;
  return {
    allitems: list,
    index: i + 1,
    index0: i,
    revindex: n - i,
    revindex0: n - i - 1,
    first: i === 0,
    last: i === n - 1,
    length: n,
    ...(i > 0 ? { previtem: list[i - 1] } : {}),
    ...(i < n - 1 ? { nextitem: list[i + 1] } : {}),
  };
}
