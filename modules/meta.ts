/**
 * `meta`: actions on the run itself (flush handlers, end the play or the host...). The
 * executor performs them; this definition gives `meta` its argument checking and docs.
 */
import { defineModule } from '../core/modules/api.js';

const ACTIONS = ['flush_handlers', 'end_play', 'end_host', 'clear_facts', 'clear_host_errors', 'noop', 'refresh_inventory'] as const;

interface MetaArgs {
  action?: (typeof ACTIONS)[number];
}

export default defineModule<MetaArgs>({
  name: 'meta',
  freeForm: 'action',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      action: { enum: [...ACTIONS], description: 'The action (written as the free form: meta: flush_handlers).' },
    },
  },
  docs: {
    short: 'Act on the run: flush handlers, end the play or host, clear facts',
    description: [
      '`flush_handlers` runs the handlers notified so far, now instead of at the end of the play.',
      '`end_play` stops the play for all hosts; `end_host` stops it for the current host (use with `when:`).',
      '`clear_facts` forgets gathered facts; `clear_host_errors` lets failed (and unreachable) hosts continue and no longer counts their failures in the exit code (the recap still shows them); `noop` does nothing.',
    ].join('\n'),
    examples: [
      '- name: Restart services changed so far before the checks below',
      '  meta: flush_handlers',
      '',
      '- name: Nothing more to do on hosts that are already configured',
      '  meta: end_host',
      '  when: configured.stat.exists',
      '',
    ].join('\n'),
    returns: { meta: 'The action.' },
  },
  async run(ctx) {
    const action = ctx.args.action;
    if (!action) return ctx.fail(`meta needs an action: one of ${ACTIONS.join(', ')} (meta: flush_handlers)`);
    return { changed: false, meta: action };
  },
});
