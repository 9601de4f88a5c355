/** The bounded output collector (core/transport/capped-output.ts): head and tail kept, the middle counted. */
import { describe, expect, it } from 'vitest';
import { CappedOutput, DEFAULT_MAX_OUTPUT, maxOutputBytes } from '../../../core/transport/capped-output.js';

const text = (n: number, from = 0) => Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((from + i) % 26))).join(''));

describe('CappedOutput', () => {
  it('keeps everything up to the limit, byte for byte', () => {
    const c = new CappedOutput(1024);
    c.push(text(600));
    c.push(text(424, 600));
    expect(c.dropped).toBe(0);
    expect(c.result().equals(text(1024))).toBe(true);
  });

  it('past the limit keeps the first and last half and says how much was dropped', () => {
    const c = new CappedOutput(1024);
    const all = text(10_000);
    for (let i = 0; i < all.length; i += 333) c.push(all.subarray(i, i + 333));
    expect(c.dropped).toBe(10_000 - 1024);
    const r = c.result().toString();
    expect(r.startsWith(all.subarray(0, 512).toString())).toBe(true);
    expect(r.endsWith(all.subarray(10_000 - 512).toString())).toBe(true);
    expect(r).toContain(`[tsplay: ${10_000 - 1024} bytes of output dropped here`);
  });

  it('one chunk larger than the limit is split the same way', () => {
    const c = new CappedOutput(1024);
    const all = text(5000);
    c.push(all);
    const r = c.result().toString();
    expect(c.dropped).toBe(5000 - 1024);
    expect(r.startsWith(all.subarray(0, 512).toString())).toBe(true);
    expect(r.endsWith(all.subarray(5000 - 512).toString())).toBe(true);
  });

  it('reads its limit from TSPLAY_MAX_OUTPUT, with a clear error for nonsense', () => {
    expect(maxOutputBytes({})).toBe(DEFAULT_MAX_OUTPUT);
    expect(maxOutputBytes({ TSPLAY_MAX_OUTPUT: '8M' })).toBe(8 * 1024 * 1024);
    expect(maxOutputBytes({ TSPLAY_MAX_OUTPUT: '2048' })).toBe(2048);
    expect(() => maxOutputBytes({ TSPLAY_MAX_OUTPUT: 'lots' })).toThrow(/TSPLAY_MAX_OUTPUT must be a number of bytes/);
  });
});
