/**
 * Ansible's generic modules (`service`, `package`) run a backend module chosen from the
 * host's facts (`ansible_service_mgr`, `ansible_pkg_mgr`). The facts come from the play's
 * gathered facts when there are any; otherwise ONE command reads just those sections of
 * the fact script (as Ansible runs `setup` with a filter), cached for the rest of the run.
 */
import type { ModuleContext, ModuleDefinition, ModuleResult } from '../../core/modules/api.js';
import { ArgumentError, validateArgs } from '../../core/modules/validate-args.js';
import { parseFacts } from './facts-parse.js';
import { factsScript } from './facts-script.js';

export type ManagerFact = 'service_mgr' | 'pkg_mgr';

/** The host's service or package manager (`systemd`, `dnf`, `apt`...). */
export async function hostManager(ctx: ModuleContext<unknown>, fact: ManagerFact): Promise<string> {
  const vars = ctx.host.vars;
  const gathered = vars[`ansible_${fact}`] ?? (vars.ansible_facts as Record<string, unknown> | undefined)?.[fact];
  if (typeof gathered === 'string' && gathered) return gathered;
  const facts = await ctx.facts.get('managers', async () => {
    // pkg_mgr depends on the distribution (EL hosts use dnf/yum whatever else is installed).
    const res = await ctx.run(factsScript(['distribution', 'service_mgr', 'pkg_mgr']), { noBecome: true });
    if (res.rc !== 0) ctx.fail(`could not detect the service and package managers on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    return parseFacts(res.stdout);
  });
  const value = facts[`ansible_${fact}`];
  return typeof value === 'string' ? value : 'unknown';
}

/**
 * Run `backend` with `args` as if the task had named it: its schema validates the arguments
 * (and applies its defaults), then its `run` gets this task's context.
 */
export async function runBackend<A>(ctx: ModuleContext<unknown>, backend: ModuleDefinition<A>, args: Record<string, unknown>): Promise<ModuleResult> {
  let validated: Record<string, unknown>;
  try {
    validated = validateArgs(backend as ModuleDefinition<any>, args);
  } catch (err) {
    if (err instanceof ArgumentError) return ctx.fail(err.message);
    throw err;
  }
  const backendCtx = Object.create(ctx, { args: { value: validated, enumerable: true } }) as ModuleContext<A>;
  return backend.run(backendCtx);
}
