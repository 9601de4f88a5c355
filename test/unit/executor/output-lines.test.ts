import { describe, expect, it } from 'vitest';
import { outputLines } from '../../../core/executor/output-lines.js';
import { streamFilter } from '../../../core/executor/module-context.js';

describe('outputLines: -v shows whole lines, per stream, as chunks arrive', () => {
  it('joins lines split across chunks (and UTF-8 characters), keeps streams apart, flushes the last partial line', () => {
    const got: string[] = [];
    const l = outputLines((s, line) => got.push(`${s}:${line}`));
    const euro = Buffer.from('€');
    l.push('stdout', Buffer.from('one\ntw'));
    l.push('stderr', Buffer.from('err'));
    l.push('stdout', Buffer.concat([Buffer.from('o '), euro.subarray(0, 1)]));
    l.push('stdout', Buffer.concat([euro.subarray(1), Buffer.from('\r\nthree')]));
    expect(got).toEqual(['stdout:one', 'stdout:two €']);
    l.push('stderr', Buffer.from(' x\n'));
    l.flush();
    expect(got).toEqual(['stdout:one', 'stdout:two €', 'stderr:err x', 'stdout:three']);
  });
  it('does not hold back an endless line', () => {
    const got: string[] = [];
    const l = outputLines((_s, line) => got.push(line));
    l.push('stdout', Buffer.alloc(40 * 1024, 0x61));
    expect(got.length).toBe(2);
    expect(got.every((x) => x.length === 16 * 1024)).toBe(true);
  });
});

describe('streamFilter: a guard answer is not the command talking', () => {
  const collect = () => {
    const got: string[] = [];
    return { got, emit: (s: 'stdout' | 'stderr', c: Buffer) => got.push(`${s}:${c.toString()}`) };
  };
  it('hides stdout that starts with the marker, even when it arrives in pieces', () => {
    const { got, emit } = collect();
    const f = streamFilter(emit, 'tsplay-abc:');
    f('stdout', Buffer.from('tsplay-'));
    f('stdout', Buffer.from('abc:creates:/x'));
    f('stderr', Buffer.from('warn'));
    expect(got).toEqual(['stderr:warn']);
  });
  it('passes other output on, what it held back first', () => {
    const { got, emit } = collect();
    const f = streamFilter(emit, 'tsplay-abc:');
    f('stdout', Buffer.from('tsp'));
    f('stdout', Buffer.from('x hello\n'));
    f('stdout', Buffer.from('more'));
    expect(got).toEqual(['stdout:tspx hello\n', 'stdout:more']);
  });
});
