/**
 * parsePythonLiteral against Python's own answers: each expected value below was measured with
 * python3.11's `ast.literal_eval` after Ansible's Json2Python transform (true/false/null), as
 * ansible-core 2.14's `ansible_eval_concat` calls it; `text` means Python refused it
 * (ValueError or SyntaxError), so Ansible keeps the text.
 */
import { describe, expect, it } from 'vitest';
import { looksLikeData, parsePythonLiteral } from '../../../core/template/python-literal.js';

const TEXT = Symbol('text');

const measured: Array<[string, unknown]> = [
  ['{"a": true, "b": null, "c": [1, 2.5, "x"]}', { a: true, b: null, c: [1, 2.5, 'x'] }],
  ["['a', 1, None, True, False]", ['a', 1, null, true, false]],
  ['[1,]', [1]],
  ["{'a': 1,}", { a: 1 }],
  ['[(1, 2), ()]', [[1, 2], []]],
  ['[(1)]', [1]],
  ['[1] # note', [1]],
  ['[1]\n\n', [1]],
  ['[\n 1,\n 2\n]', [1, 2]],
  ['[1] \\\n', TEXT],
  ['[01]', TEXT],
  ['[00]', [0]],
  ['[1_0]', [10]],
  ['[1__0]', TEXT],
  ['[.5, 1., 1e5, 1E+5, 1.e2]', [0.5, 1, 100000, 100000, 100]],
  ['[+1, -1, -(2), - 3]', [1, -1, -2, -3]],
  ['[--1]', TEXT],
  ['[-True]', TEXT],
  ["['\\x41\\101\\u0041\\U0001F600']", ['AAA😀']],
  ["['a\\\nb']", ['ab']],
  ['{1: 2, 1.5: 3}', { '1': 2, '1.5': 3 }],
  ['[0x1F, 0o7, 0b1, 0X_f]', [31, 7, 1, 15]],
  ['[1\t]', [1]],
  ['[1\x0b]', TEXT],
  ['[\'\'\'a\nb\'\'\', """c"""]', ['a\nb', 'c']],
  ["[u'x', r'\\n', R'\\'']", ['x', '\\n', "\\'"]],
  ["[f'x']", TEXT],
  ['[1e400]', [Infinity]],
  ["['\\q', '\\/']", ['\\q', '\\/']],
  ['[1\r\n,2]', [1, 2]],
  ["{'a':1, **{}}", TEXT],
  ['[ 1 , 2 ]', [1, 2]],
  ['[\'a\' \'b\' "c"]', ['abc']],
  ['[x]', TEXT],
  ['[1+2]', TEXT],
  ['[1 2]', TEXT],
  ['[1,,2]', TEXT],
  ['{"a" 1}', TEXT],
  ['[', TEXT],
  ['{"a": [1, {"b": null}]}', { a: [1, { b: null }] }],
  ["['it\\'s']", ["it's"]],
  ["['unterminated]", TEXT],
  ["['a\nb']", TEXT],
  ['[1]\n[2]', TEXT],
  ['[1, 2] junk', TEXT],
  ['[0_0, 0e0, 00.5]', [0, 0, 0.5]],
  ["{'k': 'v'} # c\n# d\n", { k: 'v' }],
  ['[\\\n1]', [1]],
  ['[1.5e-7, 0.1]', [1.5e-7, 0.1]],
  ['[inf]', TEXT],
  ['[1.__class__]', TEXT],
  ['[1if 1 else 2]', TEXT],
  ['True', true],
  ['False', false],
];

describe('parsePythonLiteral (Python literal_eval with JSON names)', () => {
  it.each(measured)('%j', (text, expected) => {
    const got = parsePythonLiteral(text);
    if (expected === TEXT) expect(got).toBeUndefined();
    else expect(got).toEqual({ value: expected });
  });

  it('refuses what Python reads but tsplay data cannot hold: sets, bytes, complex numbers, named escapes, non-string keys', () => {
    for (const text of ['{1, 2}', '[set()]', "[b'x']", '[1j]', "['\\N{BULLET}']", '{(1, 2): 3}', '{None: 1}', '{True: 1}']) {
      expect(parsePythonLiteral(text), text).toBeUndefined();
    }
  });

  it('stops at 200 nested brackets, as Python does ("too many nested parentheses")', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parsePythonLiteral(nested(200))).toBeDefined();
    expect(parsePythonLiteral(nested(201))).toBeUndefined();
    expect(parsePythonLiteral(nested(100_000))).toBeUndefined();
  });

  it('keeps a key named __proto__ as data, never as the prototype', () => {
    const got = parsePythonLiteral('{"__proto__": {"polluted": 1}}')!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.keys(got)).toEqual(['__proto__']);
    expect((got as { polluted?: number }).polluted).toBeUndefined();
  });

  it('refuses a NUL byte and over-long integers (Python 3.11 reads at most 4300 digits)', () => {
    expect(parsePythonLiteral('["a\0"]')).toBeUndefined();
    expect(parsePythonLiteral(`[${'9'.repeat(4300)}]`)).toBeDefined();
    expect(parsePythonLiteral(`[${'9'.repeat(4301)}]`)).toBeUndefined();
  });

  it('is tried only on text that starts with { or [, or is True/False (Ansible\'s test)', () => {
    expect(['{}', '[1]', 'True', 'False'].every(looksLikeData)).toBe(true);
    expect(['true', ' [1]', 'None', '1', '"x"', 'True '].some(looksLikeData)).toBe(false);
  });
});
