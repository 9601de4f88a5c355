/**
 * pause: a timed pause waits (and hosts that reach it together share one wait); a prompt
 * without a terminal is not waited for, as in Ansible; the task's signal ends a wait.
 */
import { describe, expect, it } from 'vitest';
import pause from '../../../modules/pause.js';
import { run } from './general-helpers.js';

describe('pause (stdin is not a terminal under vitest)', () => {
  it('waits the given seconds, and concurrent hosts share one pause', async () => {
    const started = Date.now();
    const [a, b] = await Promise.all([run(pause, { seconds: 1 }), run(pause, { seconds: 1 })]);
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(1900);
    expect(a).toMatchObject({ changed: false, delta: 1, echo: true, user_input: '', stdout: expect.stringMatching(/^Paused for 1(\.0\d)? seconds$/) });
    expect(b.start).toBe(a.start);
  });

  it('does not wait for a prompt without a terminal, and warns', async () => {
    const started = Date.now();
    const r = await run(pause, { prompt: 'Continue?' });
    expect(Date.now() - started).toBeLessThan(500);
    expect(r).toMatchObject({ changed: false, user_input: '', warnings: ['Not waiting for response to prompt as stdin is not interactive'] });
  });

  it('minutes and seconds are exclusive', async () => {
    expect((await run(pause, { minutes: 1, seconds: 1 })).msg).toBe('parameters are mutually exclusive: minutes|seconds');
  });
});
