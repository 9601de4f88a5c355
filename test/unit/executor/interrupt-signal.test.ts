/**
 * The run's interrupt and a module's ctx.signal: a task that was running when Ctrl-C came is
 * abandoned; a task started after it (only `always:` tasks are) is cleanup and gets a signal
 * of its own, so an UNLOCK, a thaw or an API call there is not abandoned before it begins.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defineModule } from '../../../core/modules/api.js';
import { runModule } from '../../../core/executor/run-module.js';
import { HostRuntime } from '../../../core/executor/host-state.js';
import { LocalTransport } from '../../../core/transport/local.js';

const probe = defineModule<{ waitMs: number }>({
  name: 'probe',
  schema: { type: 'object', properties: { waitMs: { type: 'integer' } } },
  docs: { short: 'test', examples: '' },
  async run(ctx) {
    const abortedAtStart = ctx.signal.aborted;
    await new Promise((r) => setTimeout(r, ctx.args.waitMs));
    return { changed: false, abortedAtStart, abortedAtEnd: ctx.signal.aborted };
  },
});

function invoke(waitMs: number, interrupted: AbortSignal) {
  const runtime = new HostRuntime();
  return runModule(probe, { waitMs }, {
    transport: new LocalTransport('localhost'),
    host: { name: 'localhost', vars: {} },
    check: false,
    diff: false,
    facts: runtime.facts,
    predicted: runtime.predicted,
    log: pino({ level: 'silent' }),
    findFile: (_k, n) => n,
    render: (t) => t,
    evaluate: () => undefined,
    interrupted,
  });
}

describe('the interrupt and ctx.signal', () => {
  it('a running task sees the interrupt', async () => {
    const run = new AbortController();
    const pending = invoke(200, run.signal);
    setTimeout(() => run.abort(new Error('SIGINT')), 50);
    expect(await pending).toMatchObject({ abortedAtStart: false, abortedAtEnd: true });
  });

  it('a task started after the interrupt (always: cleanup) is not abandoned by it', async () => {
    const run = new AbortController();
    run.abort(new Error('SIGINT'));
    expect(await invoke(50, run.signal)).toMatchObject({ abortedAtStart: false, abortedAtEnd: false });
  });
});
