/**
 * `assert`: check conditions (bare expressions, as in `when:`) and fail the host when one
 * is false, naming the condition.
 */
import { defineModule } from '../core/modules/api.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { pythonTruthy } from './_lib/truthy.js';

interface AssertArgs {
  that: string | boolean | Array<string | boolean>;
  fail_msg?: unknown;
  success_msg?: unknown;
  quiet: boolean;
}

const ALIASES = { fail_msg: ['msg'] };
const message = { type: ['string', 'array', 'number', 'boolean', 'object'] };

export default defineModule<AssertArgs>({
  name: 'assert',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: withAliases(
      {
        that: {
          type: ['array', 'string', 'boolean'],
          items: { type: ['string', 'boolean'] },
          description: "Expressions that must all be true, as in `when:` (e.g. \"result.rc == 0\", \"'x' in out.stdout\").",
        },
        fail_msg: { ...message, description: 'Message when an assertion fails.' },
        success_msg: { ...message, description: 'Message when all pass.' },
        quiet: { type: 'boolean', default: false, description: 'Accepted for compatibility (the output is already short).' },
      },
      ALIASES,
    ),
  },
  docs: {
    short: 'Fail unless conditions hold',
    description: [
      'Evaluates each expression of `that` with the same expression language as `when:` (comparisons,',
      '`and`/`or`/`not`, `in`, `is defined`, filters with `|`). The first false one fails the task with',
      '`fail_msg` (or a message naming the expression). Runs in the controller.',
    ].join('\n'),
    examples: [
      '- name: The controller node has two interfaces',
      '  assert:',
      '    that:',
      '      - ansible_interfaces | length >= 2',
      '      - ansible_default_ipv4.address is defined',
      '    fail_msg: "{{inventory_hostname}} needs eth0 and eth1"',
      '',
      '- name: The answer file was generated',
      '  assert:',
      '    that: answer.stat.exists',
      '    success_msg: answer file present',
      '',
    ].join('\n'),
    returns: {
      msg: "fail_msg / success_msg, or 'All assertions passed' / 'Assertion failed'.",
      assertion: 'The expression that was false (on failure).',
      evaluated_to: 'Its value (false).',
    },
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    const that = (Array.isArray(a.that) ? a.that : [a.that]).filter((c) => c !== '');
    if (that.length === 0) ctx.fail("assert needs at least one condition in 'that'");
    for (const condition of that) {
      let value: unknown;
      if (typeof condition === 'boolean') value = condition;
      else {
        try {
          value = ctx.evaluate(condition);
        } catch (err) {
          return ctx.fail(`The conditional check '${condition}' failed. The error was: ${(err as Error).message}`, { assertion: condition });
        }
      }
      if (!pythonTruthy(value)) {
        return ctx.fail(a.fail_msg !== undefined ? String(typeof a.fail_msg === 'string' ? a.fail_msg : JSON.stringify(a.fail_msg)) : 'Assertion failed', {
          assertion: condition,
          evaluated_to: false,
        });
      }
    }
    const msg = a.success_msg ?? 'All assertions passed';
    return { changed: false, msg: typeof msg === 'string' ? msg : JSON.stringify(msg) };
  },
});
