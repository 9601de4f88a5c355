import { describe, expect, it } from 'vitest';
import { literalEval, parseIniValue } from '../../../core/inventory/python-literal.js';

// Expected values were produced with CPython's ast.literal_eval (tuples/sets as lists,
// bytes decoded) - "TEXT" means literal_eval raises, so Ansible keeps the text.
const CASES: Array<[string, unknown]> = [
  ['22', 22],
  ['-1.5', -1.5],
  ['+7', 7],
  ['0x1f', 31],
  ['0o17', 15],
  ['0b101', 5],
  ['1_000', 1000],
  ['True', true],
  ['False', false],
  ['None', null],
  ["'a'", 'a'],
  ['"b"', 'b'],
  ["r'c\\d'", 'c\\d'],
  ["b'e'", 'e'],
  ["'a' 'b'", 'ab'],
  ["[1, 'x']", [1, 'x']],
  ['(1, 2)', [1, 2]],
  ['(1,)', [1]],
  ['(1)', 1],
  ['()', []],
  ['{1, 2}', [1, 2]],
  ["{'k': 1}", { k: 1 }],
  ['{}', {}],
  ['[]', []],
  ['yes', 'TEXT'],
  ['true', 'TEXT'],
  ['01', 'TEXT'],
  ['007.5', 7.5],
  ['10-5', 'TEXT'],
  ['1.2.3', 'TEXT'],
  ['host.example.com', 'TEXT'],
  ['1e3', 1000],
  ['--1', 'TEXT'],
  ['-True', 'TEXT'],
  ['...', '...'],
  ["'\\n\\t\\x41\\u00e9'", '\n\tAé'],
  ["'unterminated", 'TEXT'],
  ['56L', 'TEXT'],
  ['[1, 2', 'TEXT'],
  ['12 # comment', 12],
  ['foo # comment', 'TEXT'],
  ['', 'TEXT'],
  ['  5', 5],
  ['set()', []],
  ["f'x'", 'TEXT'],
  ["u'x'", 'x'],
  ['[1,]', [1]],
  ["bb'x'", 'TEXT'],
  ["Rb'x'", 'x'],
  ["{'a': 1,}", { a: 1 }],
  ['0', 0],
  ['00', 0],
  ['1.', 1],
  ['.5', 0.5],
  ["'a\\qb'", 'a\\qb'],
  ["b'\\xc3\\xa9'", 'é'],
  ["{'nested': {'list': [1, (2, 3)], 'none': None}}", { nested: { list: [1, [2, 3]], none: null } }],
];

describe('literalEval, as Python ast.literal_eval', () => {
  it.each(CASES)('%j', (text, expected) => {
    const value = literalEval(text);
    if (expected === 'TEXT') expect(value).toBeUndefined();
    else expect(value).toEqual(expected);
  });

  it('keeps text where JSON cannot hold what Python would make (documented differences)', () => {
    expect(parseIniValue('1j')).toBe('1j'); // complex: Ansible also turns it back into text
    expect(parseIniValue('9007199254740993')).toBe('9007199254740993'); // beyond 2^53
    expect(parseIniValue('1e999')).toBe('1e999'); // infinity
    expect(parseIniValue("'\\N{BULLET}'")).toBe("'\\N{BULLET}'"); // needs the Unicode name table
  });

  it('never lets a key change an object prototype', () => {
    const value = literalEval("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
