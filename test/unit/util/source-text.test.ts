import { describe, expect, it } from 'vitest';
import { decodeSourceText, SourceTextError } from '../../../core/util/source-text.js';

function errorOf(bytes: Buffer): SourceTextError {
  try {
    decodeSourceText(bytes);
  } catch (err) {
    if (err instanceof SourceTextError) return err;
    throw err;
  }
  throw new Error('expected a SourceTextError');
}

describe('decodeSourceText', () => {
  it('drops a leading UTF-8 byte-order mark and keeps other text as it is', () => {
    expect(decodeSourceText(Buffer.from('\ufeffa: 1\n'))).toBe('a: 1\n');
    expect(decodeSourceText(Buffer.from('café: ✓ 𝄞\n'))).toBe('café: ✓ 𝄞\n');
  });

  it('refuses invalid UTF-8 at its line and column', () => {
    const e = errorOf(Buffer.concat([Buffer.from('a: 1\nb: "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    expect([e.line, e.column]).toEqual([2, 8]);
    expect(e.message).toContain('not valid UTF-8 (byte 0xe9)');
    // overlong encoding, lone continuation byte, surrogate, truncated sequence at the end
    for (const bad of [[0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) expect(errorOf(Buffer.from([0x61, ...bad])).column).toBe(2);
  });

  it('refuses a NUL byte at its line and column', () => {
    const e = errorOf(Buffer.from('a: 1\nbé: "x\0"\n'));
    expect([e.line, e.column]).toEqual([2, 7]);
    expect(e.message).toContain('NUL byte');
  });
});
