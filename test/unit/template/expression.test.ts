import { describe, expect, it } from 'vitest';
import { ExpressionSyntaxError, TemplateError } from '../../../core/template/errors.js';
import { evaluate, evaluateCondition, parseExpression } from '../../../core/template/expression.js';
import { expressionCacheSize } from '../../../core/template/expression-parser.js';

const vars = {
  x: 5,
  s: 'Hello World',
  l: [1, 2, 3],
  d: { a: { b: 1 }, 'k-1': 'dash' },
  nul: null,
  empty: '',
  zero: 0,
  out: { changed: true, failed: false, skipped: false, rc: 0, stdout: 'ok\nline2', stdout_lines: ['ok', 'line2'] },
  bad: { changed: false, failed: true, rc: 2, stdout: '' },
  skip: { changed: false, failed: false, skipped: true },
  loop: { changed: false, failed: false, results: [{ changed: false }, { changed: true }] },
  ver: '2.10.1',
  hostvars: { web1: { ansible_host: '10.0.0.1' } },
  host: 'web1',
  flag_str: 'false',
};

const ev = (src: string, v: Record<string, unknown> = vars) => evaluate(src, v);

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw new Error(`expected a TemplateError, got ${String(err)}`);
  }
  throw new Error('expected an error, got none');
}

describe('literals', () => {
  it.each([
    ['42', 42],
    ['-3', -3],
    ['1.5', 1.5],
    ['1_000', 1000],
    ['0x1f', 31],
    ['1e3', 1000],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ["'a\\nb'", 'a\nb'],
    ["'a' 'b'", 'ab'],
    ['true', true],
    ['True', true],
    ['false', false],
    ['False', false],
    ['none', null],
    ['None', null],
    ['[1, "a", [2]]', [1, 'a', [2]]],
    ['[1, 2,]', [1, 2]],
    ['[]', []],
    ['(1, 2)', [1, 2]],
    ["{'a': 1, 'b': [x]}", { a: 1, b: [5] }],
    ['{}', {}],
  ])('%s', (src, expected) => {
    expect(ev(src)).toEqual(expected);
  });
});

describe('names, attributes and indexes', () => {
  it('reads names, attributes, keys and indexes', () => {
    expect(ev('x')).toBe(5);
    expect(ev('d.a.b')).toBe(1);
    expect(ev("d['a']['b']")).toBe(1);
    expect(ev("d['k-1']")).toBe('dash');
    expect(ev('l[0]')).toBe(1);
    expect(ev('l[-1]')).toBe(3);
    expect(ev('l.1')).toBe(2);
    expect(ev('s[0]')).toBe('H');
    expect(ev('hostvars[host].ansible_host')).toBe('10.0.0.1');
    expect(ev('out.stdout_lines[1]')).toBe('line2');
  });
  it('slices lists and strings like Python', () => {
    expect(ev('l[1:]')).toEqual([2, 3]);
    expect(ev('l[:-1]')).toEqual([1, 2]);
    expect(ev('l[::-1]')).toEqual([3, 2, 1]);
    expect(ev('l[::2]')).toEqual([1, 3]);
    expect(ev('s[:5]')).toBe('Hello');
    expect(ev('s[-5:]')).toBe('World');
  });
  it('does not reach prototype members', () => {
    expect(ev('d.constructor is defined')).toBe(false);
    expect(ev('l.__proto__ is defined')).toBe(false);
    expect(errorOf(() => ev('d.constructor')).message).toContain("'d.constructor' is undefined");
  });
  it('honours getters (lazily templated variables)', () => {
    let reads = 0;
    const lazy = Object.defineProperty({}, 'v', { enumerable: true, get: () => (reads++, 'computed') });
    expect(ev('v ~ "!"', lazy)).toBe('computed!');
    expect(reads).toBe(1);
  });
});

describe('operators and precedence', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ** 3', 8],
    ['-2 ** 2', 4], // Jinja: unary minus binds tighter than **
    ['7 / 2', 3.5],
    ['7 // 2', 3],
    ['-7 // 2', -4],
    ['7 % 3', 1],
    ['-7 % 3', 2], // Python's modulo takes the divisor's sign
    ['"a" ~ 1 ~ true', 'a1True'],
    ['"a" ~ none ~ [1, "b"] ~ 0.5', "aNone[1, 'b']0.5"],
    ['"a" + "b"', 'ab'],
    ['[1] + [2]', [1, 2]],
    ['"ab" * 2', 'abab'],
  ])('%s', (src, expected) => {
    expect(ev(src)).toEqual(expected);
  });

  it('puts ~ between + and * like Jinja', () => {
    // Jinja: math1 (+ -) > concat (~) > math2 (* /): `1 + 2 ~ 3` is `1 + (2 ~ 3)`, a type error.
    expect(errorOf(() => ev('1 + 2 ~ 3')).message).toContain("unsupported operand types for +: 'int' and 'str'");
    expect(ev('2 * 3 ~ 4')).toBe('64');
  });

  it('binds filters tighter than comparisons and arithmetic', () => {
    expect(ev('out.stdout | length > 0')).toBe(true);
    expect(ev('l | length * 2')).toBe(6);
    expect(ev('-x | abs')).toBe(5);
    expect(ev('"5" | int + 1')).toBe(6);
  });

  it('compares like Python', () => {
    expect(ev('x == 5 and x != 4')).toBe(true);
    expect(ev('1 == 1.0')).toBe(true);
    expect(ev('"1" == 1')).toBe(false);
    expect(ev('[1, [2]] == [1, [2]]')).toBe(true);
    expect(ev("{'a': 1} == {'a': 1}")).toBe(true);
    expect(ev('1 < 2 < 3')).toBe(true);
    expect(ev('3 > 2 > 2')).toBe(false);
    expect(ev('"abc" < "abd"')).toBe(true);
    expect(ev('[1, 2] < [1, 3]')).toBe(true);
    expect(ev('x >= 5 and x <= 5')).toBe(true);
  });

  it('refuses to order strings against numbers, with a hint', () => {
    expect(errorOf(() => ev('"7" > 5')).message).toBe("'>' not supported between 'str' and 'int' (convert with '| int' or '| float' first)");
  });

  it('tests membership', () => {
    expect(ev('2 in l')).toBe(true);
    expect(ev('4 not in l')).toBe(true);
    expect(ev('"World" in s')).toBe(true);
    expect(ev("'a' in d")).toBe(true);
    expect(ev("'z' not in d")).toBe(true);
    expect(ev("'ok' in out.stdout")).toBe(true);
  });

  it('has Python boolean logic returning operands', () => {
    expect(ev('not x')).toBe(false);
    expect(ev('not not x')).toBe(true);
    expect(ev('empty or "fallback"')).toBe('fallback');
    expect(ev('x and "yes"')).toBe('yes');
    expect(ev('zero and undefined_name')).toBe(0); // short-circuit: the right side is not evaluated
    expect(ev('x or undefined_name')).toBe(5);
    expect(ev('not x == 4')).toBe(true); // not (x == 4)
    expect(ev('true or false and false')).toBe(true); // and binds tighter
    expect(ev('(true or false) and false')).toBe(false);
  });

  it('has the inline if', () => {
    expect(ev('"big" if x > 3 else "small"')).toBe('big');
    expect(ev('"big" if x > 9 else "small"')).toBe('small');
    expect(ev('1 if false else 2 if true else 3')).toBe(2);
    expect(errorOf(() => ev('1 if false')).message).toContain('no else branch');
    expect(ev('(1 if false) | default(7)')).toBe(7);
  });

  it('reports division by zero', () => {
    expect(errorOf(() => ev('1 / 0')).message).toBe("division by zero in '/'");
    expect(errorOf(() => ev('1 % 0')).message).toBe("division by zero in '%'");
  });

  it('uses Jinja truthiness', () => {
    for (const falsy of ['""', '[]', '{}', '0', 'none', 'false']) expect(ev(`not ${falsy}`)).toBe(true);
    for (const truthy of ['"0"', '[0]', "{'a': 0}", '0.1', '"false"']) expect(ev(`not ${truthy}`)).toBe(false);
  });
});

describe('tests (is)', () => {
  it.each([
    ['x is defined', true],
    ['nope is defined', false],
    ['nope is undefined', true],
    ['nope.a.b.c is defined', false],
    ['d.a.missing is defined', false],
    ['d.a.b is defined', true],
    ['nul.attr is defined', false],
    ['l[10] is defined', false],
    ['x is not defined', false],
    ['nul is none', true],
    ['x is none', false],
    ['out is changed', true],
    ['bad is changed', false],
    ['loop is changed', true],
    ['bad is failed', true],
    ['out is failed', false],
    ['out is succeeded', true],
    ['out is success', true],
    ['bad is successful', false],
    ['skip is skipped', true],
    ['out is skipped', false],
    ['s is string', true],
    ['x is string', false],
    ['x is number', true],
    ['x is integer', true],
    ['1.5 is float', true],
    ['true is boolean', true],
    ['d is mapping', true],
    ['l is mapping', false],
    ['l is iterable', true],
    ['s is iterable', true],
    ['x is iterable', false],
    ['l is sequence', true],
    ['d is sequence', false],
    ['l is truthy', true],
    ['empty is falsy', true],
    ['s is match("Hel+o")', true],
    ['s is match("World")', false],
    ['s is search("World")', true],
    ['s is search("world", ignorecase=true)', true],
    ['s is regex("^H.*d$")', true],
    ['s is regex("World", match_type="match")', false],
    ['ver is version("2.9", ">")', true],
    ['ver is version("2.10.1")', true],
    ['ver is version("2.10.1", "ne")', false],
    ["ver is version('10.0', '<')", true],
    ['"1.0a" is version("1.0.1", "<")', true],
    ['x is divisibleby 5', true],
    ['x is divisibleby(2)', false],
    ['x is odd', true],
    ['4 is even', true],
    ['2 is in l', true],
    ['l is contains 3', true],
    ['[1, 2] is subset(l)', true],
    ['l is superset([3])', true],
    ['x is eq 5', true],
    ['x is equalto(5)', true],
    ['x is ne(5)', false],
    ['x is lt 6', true],
    ['x is gt 6', false],
    ['x is ge 5', true],
    ['x is le 4', false],
    ['"abc" is lower', true],
    ['"ABC" is upper', true],
    ['x is ansible.builtin.defined', true],
    ['not nope is defined', true],
  ])('%s', (src, expected) => {
    expect(ev(src)).toBe(expected);
  });

  it('requires a task result for result tests', () => {
    expect(errorOf(() => ev('x is changed')).message).toContain("the 'changed' test expects a registered task result (a mapping), got 'int'");
  });

  it('is an error on undefined values, except defined/undefined', () => {
    const e = errorOf(() => ev('result is changed'));
    expect(e.variable).toBe('result');
    expect(e.message).toBe("'result' is undefined");
    expect(errorOf(() => ev('nope is none')).variable).toBe('nope');
  });

  it('rejects bad versions operators and arity', () => {
    expect(errorOf(() => ev('ver is version("1", "~=")')).message).toContain("unknown operator '~='");
    expect(errorOf(() => ev('x is defined(1)')).message).toContain("test 'defined' takes 0 arguments, got 1");
  });
});

describe('filters in expressions', () => {
  it('applies filters with positional and keyword arguments', () => {
    expect(ev("nope | default('a')")).toBe('a');
    expect(ev("empty | default('a', true)")).toBe('a');
    expect(ev("empty | default('a', boolean=true)")).toBe('a');
    expect(ev("empty | d('a')")).toBe('');
    expect(ev('flag_str | bool')).toBe(false);
    expect(ev('"yes" | bool')).toBe(true);
    expect(ev("s | regex_replace('o', '0')")).toBe('Hell0 W0rld');
    expect(ev("s | regex_replace('WORLD', 'there', ignorecase=true)")).toBe('Hello there');
    expect(ev("l | map('string') | join('-')")).toBe('1-2-3');
    expect(ev('l | sum')).toBe(6);
    expect(ev("s | split(' ') | first | lower")).toBe('hello');
    expect(ev('s | ansible.builtin.upper')).toBe('HELLO WORLD');
  });
  it('keeps default working through missing parents', () => {
    expect(ev('nope.a.b | default(3)')).toBe(3);
    expect(ev('d.a.c | default(d.a.b)')).toBe(1);
    expect(ev('nul.x | default("n")')).toBe('n');
    expect(ev('(l | select("gt", 5) | first) | default(0)')).toBe(0);
  });
  it('rejects filter misuse clearly', () => {
    expect(errorOf(() => ev("x | default('a', 'b', 'c')")).message).toBe("filter 'default' takes at most 2 arguments, got 3");
    expect(errorOf(() => ev("x | join(sep=',')")).message).toContain("filter 'join' has no argument 'sep' (it takes d, attribute)");
    expect(errorOf(() => ev('nope | upper')).message).toBe("'nope' is undefined");
    expect(errorOf(() => ev("x | default(nope)")).message).toBe("'nope' is undefined");
    expect(errorOf(() => ev('nope | mandatory')).message).toBe("mandatory variable 'nope' is not defined");
    expect(errorOf(() => ev('nope | mandatory("set nope in group_vars")')).message).toBe('set nope in group_vars');
  });
});

describe('methods and functions', () => {
  it('calls the allowed Python methods', () => {
    expect(ev("s.split(' ')[0]")).toBe('Hello');
    expect(ev('s.split()')).toEqual(['Hello', 'World']);
    expect(ev("s.startswith('Hel')")).toBe(true);
    expect(ev("s.endswith(('x', 'ld'))")).toBe(true);
    expect(ev('s.lower()')).toBe('hello world');
    expect(ev('"  pad ".strip()')).toBe('pad');
    expect(ev("'-'.join(['a', 'b'])")).toBe('a-b');
    expect(ev('out.stdout.splitlines()')).toEqual(['ok', 'line2']);
    expect(ev('d.keys() | list')).toEqual(['a', 'k-1']);
    expect(ev("d.get('zz', 'dflt')")).toBe('dflt');
    expect(ev("d.get('a').b")).toBe(1);
    expect(ev('d.items() | length')).toBe(2);
    expect(ev('l.index(2)')).toBe(1);
    expect(ev('"5".zfill(3)')).toBe('005');
  });
  it('refuses other calls', () => {
    expect(errorOf(() => ev('s.constructor()')).message).toBe("'s' (str) has no method 'constructor'");
    expect(errorOf(() => ev('x.bit_length()')).message).toBe("'x' (int) has no method 'bit_length'");
    expect(errorOf(() => ev('foo(1)')).message).toContain("'foo' is not a function");
  });
  it('has range, dict and lookup', () => {
    expect(ev('range(3)')).toEqual([0, 1, 2]);
    expect(ev('range(1, 7, 2)')).toEqual([1, 3, 5]);
    expect(ev('range(3, 0, -1)')).toEqual([3, 2, 1]);
    expect(ev('dict(a=1, b=x)')).toEqual({ a: 1, b: 5 });
    expect(ev("dict([['k', 'v']])")).toEqual({ k: 'v' });
    process.env.TSPLAY_TEST_ENV = 'from-env';
    expect(ev("lookup('env', 'TSPLAY_TEST_ENV')")).toBe('from-env');
    expect(ev("lookup('env', 'TSPLAY_TEST_UNSET_VAR')")).toBe('');
    expect(ev("lookup('env', 'TSPLAY_TEST_UNSET_VAR', default='d')")).toBe('d');
    expect(ev("query('env', 'TSPLAY_TEST_ENV')")).toEqual(['from-env']);
    expect(ev("lookup('vars', 'x')")).toBe(5);
    expect(ev("lookup('vars', 'nope', default=1)")).toBe(1);
    expect(errorOf(() => ev("lookup('pipe', 'id')")).message).toContain("lookup plugin 'pipe' is not supported");
  });
});

describe('undefined names', () => {
  it('names the missing variable, its full path and the cause', () => {
    const e = errorOf(() => ev('nova_virt_type == "kvm"'));
    expect(e.message).toBe("'nova_virt_type' is undefined");
    expect(e.variable).toBe('nova_virt_type');
    const nested = errorOf(() => ev('d.a.c'));
    expect(nested.variable).toBe('d.a.c');
    expect(nested.message).toBe("'d.a.c' is undefined: 'd.a' (mapping) has no key 'c'");
    expect(errorOf(() => ev('nope.a.b')).message).toBe("'nope.a.b' is undefined: 'nope' is undefined");
    expect(errorOf(() => ev('nul.a')).message).toBe("'nul.a' is undefined: 'nul' is null");
    expect(errorOf(() => ev('l[7]')).message).toBe("'l[7]' is undefined: 'l' (list) has no index 7");
    expect(errorOf(() => ev("hostvars['web2'].ansible_host")).message).toBe(
      "'hostvars.web2.ansible_host' is undefined: 'hostvars' (mapping) has no key 'web2'",
    );
  });
  it('is an error in every use except the defined tests and default', () => {
    for (const src of ['nope', 'nope + 1', 'not nope', 'nope and true', '[nope]', "'x' in nope", 'nope ~ "a"', '-nope', 'nope if true else 1', '1 if nope else 2']) {
      expect(errorOf(() => ev(src)).variable, src).toBe('nope');
    }
  });
});

describe('parse errors', () => {
  it.each([
    ['a == (b))', "unexpected token ')' at column 9 in \"a == (b))\""],
    ['x +', 'unexpected end of expression at column 4 in "x +"'],
    ['x = 1', "unexpected '=' (use '==' to compare) at column 3 in \"x = 1\""],
    ["'open", 'unterminated string at column 1 in "\'open"'],
    ['x | uper', "unknown filter 'uper' (did you mean 'upper'?) at column 5 in \"x | uper\""],
    ['x is defind', "unknown test 'defind' (did you mean 'defined'?) at column 6 in \"x is defind\""],
    ['x $ y', "unexpected character '$' at column 3 in \"x $ y\""],
    ['[1, 2', "expected ']' to close the list, got end of expression at column 6 in \"[1, 2\""],
    ['f(a=1, 2)', 'positional argument after a keyword argument at column 8 in "f(a=1, 2)"'],
    ['', 'empty expression at column 1 in ""'],
    ['a and', 'unexpected end of expression at column 6 in "a and"'],
    ['x.', "expected an attribute name after '.', got end of expression at column 3 in \"x.\""],
  ])('%s', (src, message) => {
    const e = errorOf(() => parseExpression(src));
    expect(e).toBeInstanceOf(ExpressionSyntaxError);
    expect(e.message).toBe(message);
  });
});

describe('caching', () => {
  it('parses each distinct source once', () => {
    const src = `x + ${Math.random()}`;
    const before = expressionCacheSize();
    const a = parseExpression(src);
    const b = parseExpression(src);
    expect(a).toBe(b);
    expect(expressionCacheSize()).toBe(before + 1);
  });
});

describe('evaluateCondition', () => {
  it('passes booleans and numbers through', () => {
    expect(evaluateCondition(true, {})).toBe(true);
    expect(evaluateCondition(false, {})).toBe(false);
    expect(evaluateCondition(0 as unknown as string, {})).toBe(false);
  });
  it('reads YAML 1.1 boolean words', () => {
    for (const w of ['yes', 'Yes', 'on', 'true', 'True']) expect(evaluateCondition(w, {})).toBe(true);
    for (const w of ['no', 'off', 'false', 'False']) expect(evaluateCondition(w, {})).toBe(false);
  });
  it('interprets string results by meaning (-e flag=false)', () => {
    expect(evaluateCondition('flag', { flag: 'false' })).toBe(false);
    expect(evaluateCondition('flag', { flag: 'yes' })).toBe(true);
    expect(evaluateCondition('flag', { flag: '0' })).toBe(false);
    expect(evaluateCondition('flag', { flag: 'anything' })).toBe(true);
    expect(evaluateCondition('flag', { flag: '' })).toBe(false);
  });
  it('accepts a condition wrapped in {{ }}', () => {
    expect(evaluateCondition('{{ x > 3 }}', { x: 5 })).toBe(true);
  });
  it('evaluates typical Ansible conditions', () => {
    expect(evaluateCondition('out.rc == 0 and "ok" in out.stdout', vars)).toBe(true);
    expect(evaluateCondition('bad.rc != 0 or bad is failed', vars)).toBe(true);
    expect(evaluateCondition('out.stdout_lines | length > 1', vars)).toBe(true);
    expect(evaluateCondition('nope is not defined or nope == 1', vars)).toBe(true);
  });
  it('reports undefined variables and empty conditions', () => {
    expect(errorOf(() => evaluateCondition('nope', {})).message).toBe("'nope' is undefined");
    expect(errorOf(() => evaluateCondition('  ', {})).message).toBe('empty condition');
  });
});
