/**
 * Held processes on the local transport (the SSH one shares HeldProcess and is exercised on
 * the lab): a conversation with replies, end of input ending the process, a process that
 * ignores its end of input killed after the grace, a reply that times out or is abandoned
 * killing the process, and output after the end collected.
 */
import { describe, expect, it } from 'vitest';
import { HeldProcessEnded, HeldReplyAborted, HeldReplyTimeout } from '../../../core/transport/held-process.js';
import { LocalTransport } from '../../../core/transport/local.js';

const t = new LocalTransport('localhost');
const line = (word: string) => (out: string) => {
  const at = out.indexOf(`${word}\n`);
  return at < 0 ? -1 : at + word.length + 1;
};

describe('held processes (local transport)', () => {
  it('replies in turn, and ends when its input ends, running its exit trap', async () => {
    const p = await t.openHeld(`trap 'echo bye' EXIT; while read -r l; do echo "got $l"; echo END; done`, { stdin: 'first\n' });
    expect(await p.reply(undefined, line('END'))).toBe('got first\nEND\n');
    expect(await p.reply('second\n', line('END'))).toBe('got second\nEND\n');
    expect(p.alive).toBe(true);
    const exit = await p.end();
    expect(exit).toMatchObject({ rc: 0, killed: false, output: 'bye\n', reason: 'exited with status 0' });
    expect(p.alive).toBe(false);
    expect(() => p.write('more\n')).toThrow(HeldProcessEnded);
  });

  it('a process that does not end with its input is killed after the grace', async () => {
    const p = await t.openHeld('echo up; exec sleep 30');
    await p.reply(undefined, line('up'));
    const started = Date.now();
    const exit = await p.end({ graceMs: 300 });
    expect(exit.killed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('ending before the reply: HeldProcessEnded with its last words', async () => {
    const p = await t.openHeld('echo "cannot connect" >&2; exit 3');
    const err = await p.reply(undefined, line('END')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeldProcessEnded);
    expect((err as HeldProcessEnded).output).toBe('cannot connect\n');
    expect((await p.exited()).rc).toBe(3);
  });

  it('a reply that times out, or is abandoned by the signal, is an error of its own kind', async () => {
    const p = await t.openHeld('cat >/dev/null');
    await expect(p.reply('x\n', line('never'), { timeoutMs: 200 })).rejects.toBeInstanceOf(HeldReplyTimeout);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('SIGINT')), 100);
    await expect(p.reply('y\n', line('never'), { signal: abort.signal })).rejects.toBeInstanceOf(HeldReplyAborted);
    await p.kill('test over');
    expect(p.exitStatus?.reason).toMatch(/killed by SIGTERM|test over/);
  });
});
