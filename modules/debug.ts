/**
 * `debug`: print a message or a variable's value during the run, in the controller.
 */
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { mutuallyExclusive } from './_lib/args.js';

interface DebugArgs {
  msg?: unknown;
  var?: string;
  verbosity: number;
}

const anyValue = { type: ['string', 'number', 'boolean', 'array', 'object', 'null'] };

/** The executor's undefined-variable errors say "undefined"; Ansible shows this marker instead. */
function isUndefinedError(err: unknown): boolean {
  return err instanceof Error && /undefined|not defined/i.test(`${err.name} ${err.message}`);
}

export default defineModule<DebugArgs>({
  name: 'debug',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      msg: { ...anyValue, description: "What to print (any value; templated like every argument). Default 'Hello world!'." },
      var: { type: 'string', description: 'A variable name or expression to evaluate and print (no {{ }}).' },
      verbosity: { type: 'integer', default: 0, minimum: 0, description: 'Only print at this -v level or above.' },
    },
  },
  docs: {
    short: 'Print a message or a variable during the run',
    description: [
      'Shows `msg`, or the value of the expression in `var` (a variable name, or an expression such as',
      "`result.stdout_lines` or `ansible_default_ipv4.address`), in the task's output. Runs in the",
      'controller; no connection is used. With `verbosity: N` it only shows with at least N `-v`.',
    ].join('\n'),
    examples: [
      '- name: Say where we are',
      '  debug:',
      '    msg: "{{inventory_hostname}} runs {{ansible_distribution}} {{ansible_distribution_version}}"',
      '',
      '- name: Show a registered result',
      '  debug:',
      '    var: packstack.stdout_lines',
      '',
      '- name: Only with -vv',
      '  debug:',
      '    var: hostvars',
      '    verbosity: 2',
      '',
    ].join('\n'),
    returns: { msg: 'The message (with msg).', '<var>': "The variable's value, under the expression's own name (with var)." },
  },
  async run(ctx): Promise<ModuleResult> {
    const a = ctx.args;
    mutuallyExclusive(ctx, a, ['msg', 'var']);
    const level = Number(ctx.host.vars.ansible_verbosity ?? 0);
    if (a.verbosity > level) return { changed: false, skipped: true, skip_reason: 'Verbosity threshold not met.' };
    if (a.var !== undefined) {
      const expression = a.var.trim();
      let value: unknown;
      try {
        value = ctx.evaluate(expression);
      } catch (err) {
        if (!isUndefinedError(err)) return ctx.fail(`could not evaluate var '${expression}': ${(err as Error).message}`);
        value = 'VARIABLE IS NOT DEFINED!';
      }
      if (value === undefined) value = 'VARIABLE IS NOT DEFINED!';
      return { changed: false, [expression]: value };
    }
    // Like Ansible, msg keeps its type (a list or mapping prints as such), hence the cast.
    return { changed: false, msg: (a.msg === undefined ? 'Hello world!' : a.msg) as string };
  },
});
