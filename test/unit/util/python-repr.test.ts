/** pythonRepr against Python's repr(); each expected text was printed by python3.11. */
import { describe, expect, it } from 'vitest';
import { pythonRepr } from '../../../core/util/python-repr.js';

describe('pythonRepr', () => {
  it('writes floats as Python does: shortest digits, an exponent below 1e-4 with two digits at least', () => {
    expect(pythonRepr([1.5e-7, 1e-5, 0.0001, 0.5, 0.1 + 0.2, 1e22, -2.5e-10, Infinity, -Infinity])).toBe('[1.5e-07, 1e-05, 0.0001, 0.5, 0.30000000000000004, 1e+22, -2.5e-10, inf, -inf]');
  });

  it('quotes strings as Python does and escapes what is not printable', () => {
    const value = { "it's": 'a"b', u: 'é\xa0\u2028\u200b\u{e0001} \x7f\x85', q: 'both \' and "', t: '\t\n\r\\' };
    expect(pythonRepr(value)).toBe(`{"it's": 'a"b', 'u': 'é\\xa0\\u2028\\u200b\\U000e0001 \\x7f\\x85', 'q': 'both \\' and "', 't': '\\t\\n\\r\\\\'}`);
  });

  it('writes None, True and False and nests lists and mappings', () => {
    expect(pythonRepr({ a: [null, true, false, 1], b: {} })).toBe("{'a': [None, True, False, 1], 'b': {}}");
  });
});
