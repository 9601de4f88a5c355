import { describe, expect, it } from 'vitest';
import { ShlexError, shlexSplit } from '../../../core/inventory/shlex.js';

// Expected tokens were produced with Python's shlex.split(line, comments=True).
const CASES: Array<[string, string[]]> = [
  [`host a=1 b='x y' c="q \\" r"`, ['host', 'a=1', 'b=x y', 'c=q " r']],
  ['h pass=ab#cd x=1', ['h', 'pass=ab']],
  [`h x='#' y="#" # trailing`, ['h', 'x=#', 'y=#']],
  ['h a\\ b=c', ['h', 'a b=c']],
  [`h x="a\\nb" y='a\\nb' z=a\\nb`, ['h', 'x=a\\nb', 'y=a\\nb', 'z=anb']],
  [`h e='' f=""`, ['h', 'e=', 'f=']],
  ['  web01   k=v  ', ['web01', 'k=v']],
  [`h k="a"b'c'd`, ['h', 'k=abcd']],
];

describe('shlexSplit, as Python shlex.split(comments=True)', () => {
  it.each(CASES)('%s', (line, expected) => {
    expect(shlexSplit(line).map((t) => t.value)).toEqual(expected);
  });

  it('gives each token its starting offset', () => {
    expect(shlexSplit('  a  bb="c"').map((t) => t.offset)).toEqual([2, 5]);
  });

  it('rejects an unclosed quote with its position', () => {
    expect(() => shlexSplit(`h x="abc`)).toThrow(ShlexError);
    expect(() => shlexSplit(`h x='abc`)).toThrow(/No closing quotation/);
  });
});
