/** Python `re` patterns and replacements, as templates and the line-editing modules use them. */
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../core/template/errors.js';
import { applyFilter } from '../../../core/template/filters.js';
import { runTest } from '../../../core/template/is-tests.js';
import { compilePythonRegex, expandTemplate, groupSelector, RegexError, replacer, searchLine } from '../../../core/util/python-regex.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('Python regular expressions', () => {
  it('named groups, backreferences, inline flags, \\A and \\Z', () => {
    expect(compilePythonRegex('(?P<k>\\w+)=(?P=k)').exec('a=a')?.groups?.k).toBe('a');
    expect(compilePythonRegex('(?i)^selinux').test('SELINUX=1')).toBe(true);
    expect(compilePythonRegex('\\Aab\\Z').test('ab')).toBe(true);
    expect(compilePythonRegex('\\Aab\\Z').test('xab')).toBe(false);
    expect(compilePythonRegex('[\\A]').test('A')).toBe(true);
    expect(() => compilePythonRegex('(?x) a')).toThrow(/verbose/);
    expect(() => compilePythonRegex('a(', { argName: 'insertafter' })).toThrow(/insertafter: invalid regular expression 'a\('/);
  });

  it('searchLine gives Python $ semantics on lines with their newline', () => {
    expect(searchLine(compilePythonRegex('^x = 1$'), 'x = 1\n')).not.toBeNull();
    expect(searchLine(compilePythonRegex('^x = 1$'), 'x = 1\r\n')).toBeNull();
  });

  it('expandTemplate like match.expand', () => {
    const m = /(a)(?<rest>b+)/.exec('abbb')!;
    expect(expandTemplate('\\1-\\g<rest>-\\g<2>\\n\\t\\\\', m)).toBe('a-bbb-bbb\n\t\\');
    expect(expandTemplate('\\.x', m)).toBe('\\.x');
    expect(() => expandTemplate('\\3', m)).toThrow(/invalid group reference/);
    expect(() => expandTemplate('\\d', m)).toThrow(/bad escape/);
  });
});

describe('pattern translation', () => {
  it('takes ignorecase, multiline and global as options, and the inline flags on top', () => {
    expect(compilePythonRegex('abc', { ignorecase: true }).test('ABC')).toBe(true);
    expect(compilePythonRegex('^b', { multiline: true }).test('a\nb')).toBe(true);
    expect(compilePythonRegex('a', { global: true }).flags).toBe('g');
    expect(compilePythonRegex('(?i)a', { ignorecase: true }).flags).toBe('i');
    expect(compilePythonRegex('(?ms)^a.b').test('x\na\nb')).toBe(true);
    expect(compilePythonRegex('(?au)a').flags).toBe('');
  });

  it('hands out one compiled pattern per pattern and options, reset for reuse', () => {
    const re = compilePythonRegex('cache-me', { global: true });
    re.exec('cache-me');
    expect(re.lastIndex).toBeGreaterThan(0);
    expect(compilePythonRegex('cache-me', { global: true })).toBe(re);
    expect(re.lastIndex).toBe(0);
    expect(compilePythonRegex('cache-me')).not.toBe(re);
  });

  it('\\A and \\Z are the ends of the whole string, even with multiline', () => {
    expect(compilePythonRegex('\\Ab', { multiline: true }).test('a\nb')).toBe(false);
    expect(compilePythonRegex('a\\Z', { multiline: true }).test('a\nb')).toBe(false);
    expect(compilePythonRegex('(?m)^b\\Z').test('a\nb')).toBe(true);
    expect(compilePythonRegex('a\\Z').test('a\n')).toBe(false);
  });

  it('leaves escaped syntax alone', () => {
    expect(compilePythonRegex('\\\\A').test('\\A')).toBe(true);
    expect(compilePythonRegex('^a\\\\\\Z').test('a\\')).toBe(true);
    expect(compilePythonRegex('\\(?P<x>').test('P<x>')).toBe(true);
    expect(compilePythonRegex('[(?P<x>]+').exec('P<x>')?.[0]).toBe('P<x>');
  });

  it('reads a ] first in a class as a literal, as Python does', () => {
    expect(compilePythonRegex('[]a]+').exec('x]a]')?.[0]).toBe(']a]');
    expect(compilePythonRegex('[^]a]').exec(']ab')?.[0]).toBe('b');
    expect(() => compilePythonRegex('[]')).toThrow(RegexError);
  });

  it('names the argument and the pattern, not the translated source', () => {
    const err = errorOf(() => compilePythonRegex('\\A(', { argName: 'regexp' }));
    expect(err).toBeInstanceOf(RegexError);
    expect(err.message).toBe("regexp: invalid regular expression '\\A(': unterminated group");
    expect((err as RegexError).describe(JSON.stringify)).toBe('regexp: invalid regular expression "\\\\A(": unterminated group');
    expect(errorOf(() => compilePythonRegex('a\\')).message).toBe("invalid regular expression 'a\\': a trailing backslash escapes nothing");
    expect(errorOf(() => compilePythonRegex('(?x)a', { argName: 'regexp' })).message).toMatch(/^regexp: invalid regular expression '\(\?x\)a': the verbose flag/);
    expect(() => compilePythonRegex('(?P<a>x)(?P=b)')).toThrow(RegexError);
  });
});

describe('replacement templates', () => {
  const m = /(a)(?<rest>b+)(c)?/.exec('abbb')!;

  it('follows Python for digits: \\0 and three octal digits are characters, otherwise groups', () => {
    expect(expandTemplate('[\\0]', m)).toBe('[\0]');
    expect(expandTemplate('\\012', m)).toBe('\n');
    expect(expandTemplate('\\101', m)).toBe('A');
    expect(expandTemplate('\\10', /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)/.exec('abcdefghij')!)).toBe('j');
    expect(() => expandTemplate('\\18', m)).toThrow(/invalid group reference 18/);
    expect(() => expandTemplate('\\400', m)).toThrow(/octal escape value/);
    expect(expandTemplate('\\g<0>|\\g<1>', m)).toBe('abbb|a');
  });

  it('gives an empty string for a group that did not take part', () => {
    expect(expandTemplate('<\\3>', m)).toBe('<>');
  });

  it('refuses what Python refuses', () => {
    expect(() => expandTemplate('x\\', m)).toThrow(/bad escape \(end of pattern\)/);
    expect(() => expandTemplate('\\g', m)).toThrow(/missing </);
    expect(() => expandTemplate('\\g<rest', m)).toThrow(/missing >/);
    expect(() => expandTemplate('\\g<>', m)).toThrow(/missing group name/);
    expect(() => expandTemplate('\\g<1a>', m)).toThrow(/bad character in group name '1a'/);
    expect(() => expandTemplate('\\g<nope>', m)).toThrow(/unknown group name 'nope'/);
    expect(() => expandTemplate('\\w', m)).toThrow(/bad escape \\w/);
  });

  it('names the argument and the replacement', () => {
    expect(errorOf(() => expandTemplate('\\4', m, 'line')).message).toBe("line: invalid replacement '\\4': invalid group reference 4");
  });

  it('replacer expands for String.replace, with and without named groups', () => {
    expect('k=v'.replace(/(\w)=(\w)/, replacer('\\2=\\1'))).toBe('v=k');
    expect('k=v'.replace(/(?<key>\w)=(?<val>\w)/, replacer('\\g<val>:\\g<key>'))).toBe('v:k');
    expect('ab'.replace(/(x)?b/g, replacer('[\\1]'))).toBe('a[]');
    expect(() => 'a'.replace(/a/, replacer('\\1'))).toThrow(/invalid group reference 1/);
    expect(() => 'a'.replace(/a/, replacer('\\g<n>'))).toThrow(/unknown group name 'n'/);
  });
});

describe('group selectors', () => {
  it('are \\N or \\g<name>', () => {
    expect(groupSelector('\\1')).toBe(1);
    expect(groupSelector('\\g<2>')).toBe(2);
    expect(groupSelector('\\g<name>')).toBe('name');
    expect(errorOf(() => groupSelector('x')).message).toMatch(/^invalid group selector 'x': use/);
  });
});

describe('as the template filters and tests see it', () => {
  it('errors are template errors quoting the text as JSON', () => {
    const err = errorOf(() => applyFilter('regex_replace', 'a', ["it's("]));
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.message).toBe('invalid regular expression "it\'s(": unterminated group');
    expect(errorOf(() => applyFilter('regex_replace', 'a', ['a', '\\2']))).toBeInstanceOf(TemplateError);
    expect(errorOf(() => runTest('match', 'a', ['(']))).toBeInstanceOf(TemplateError);
  });

  it('use the Python replacement and anchor rules', () => {
    expect(applyFilter('regex_replace', 'a', ['a', '<\\0>'])).toBe('<\0>');
    expect(() => applyFilter('regex_replace', 'a', ['a', '\\d'])).toThrow(/bad escape \\d/);
    expect(applyFilter('regex_replace', 'a\nb', ['\\A', '> '], { multiline: true })).toBe('> a\nb');
    expect(runTest('search', 'a\nb', ['\\Ab'], { multiline: true })).toBe(false);
    expect(applyFilter('regex_search', ']', ['[]]'])).toBe(']');
  });
});
