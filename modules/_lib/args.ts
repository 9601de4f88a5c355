/**
 * Argument helpers shared by the built-in modules: Ansible's argument aliases (JSON Schema
 * cannot express them) and its `mutually_exclusive` / `required_one_of` rules, with
 * messages that name the arguments the user wrote.
 */
import type { JsonSchema, ModuleContext } from '../../core/modules/api.js';

/**
 * Add each alias as a schema property with the same type as its canonical argument.
 */
export function withAliases(properties: Record<string, JsonSchema>, aliases: Record<string, string[]>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { ...properties };
  for (const [canonical, names] of Object.entries(aliases)) {
    const base = properties[canonical];
    if (!base) throw new Error(`alias for unknown argument '${canonical}'`);
    // A schema default would fill the canonical key before we can see the alias the user wrote:
    // aliased arguments take their default in the module's run instead.
    if ('default' in base) throw new Error(`argument '${canonical}' has aliases, so it cannot have a schema default`);
    for (const name of names) out[name] = { ...base, description: `Alias of '${canonical}'.` };
  }
  return out;
}

/**
 * Fold aliases into their canonical key (in place) and return the args. Two spellings with
 * different values are an error, as in Ansible.
 */
export function resolveAliases<A extends object>(ctx: ModuleContext<A>, aliases: Record<string, string[]>): A {
  const args = ctx.args as Record<string, unknown>;
  for (const [canonical, names] of Object.entries(aliases)) {
    for (const name of names) {
      if (args[name] === undefined) continue;
      if (args[canonical] !== undefined && JSON.stringify(args[canonical]) !== JSON.stringify(args[name])) {
        ctx.fail(`arguments '${canonical}' and '${name}' (an alias of '${canonical}') are both given with different values; use only '${canonical}'`);
      }
      args[canonical] = args[name];
      delete args[name];
    }
  }
  return ctx.args;
}

/** Fail unless `key` is set; the message lists its aliases. */
export function requireArg(ctx: ModuleContext<unknown>, args: object, key: string, aliases: string[] = []): void {
  const value = (args as Record<string, unknown>)[key];
  if (value === undefined || value === null) {
    ctx.fail(`missing required argument '${key}'${aliases.length ? ` (or one of its aliases: ${aliases.join(', ')})` : ''}`);
  }
}

/** Ansible's `mutually_exclusive`: fail when more than one of `keys` is set. */
export function mutuallyExclusive(ctx: ModuleContext<unknown>, args: object, ...groups: string[][]): void {
  const a = args as Record<string, unknown>;
  for (const keys of groups) {
    const given = keys.filter((k) => a[k] !== undefined && a[k] !== null);
    if (given.length > 1) ctx.fail(`arguments are mutually exclusive: ${given.join(', ')}`);
  }
}
