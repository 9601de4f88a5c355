import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../core/template/errors.js';
import { applyFilter, filterNames } from '../../../core/template/filters.js';
import { Templar } from '../../../core/template/templar.js';
import { Undefined } from '../../../core/template/undefined.js';

const f = (name: string, input: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => applyFilter(name, input, args, kwargs);

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

/** [filter, input, args, kwargs, expected] — at least one row per filter (checked below). */
/** Jinja's groupby result: a (grouper, list) pair that also has those attributes. */
const group = (grouper: unknown, list: unknown[]) => Object.assign([grouper, list], { grouper, list });

const CASES: Array<[string, unknown, unknown[], Record<string, unknown>, unknown]> = [
  ['default', new Undefined('x'), ['d'], {}, 'd'],
  ['default', 'v', ['d'], {}, 'v'],
  ['default', '', ['d'], {}, ''],
  ['default', '', ['d', true], {}, 'd'],
  ['default', 0, ['d'], { boolean: true }, 'd'],
  ['default', null, ['d'], {}, null],
  ['default', new Undefined('x'), [], {}, ''],
  ['d', new Undefined('x'), [1], {}, 1],
  ['mandatory', 'set', [], {}, 'set'],
  ['ternary', true, ['y', 'n'], {}, 'y'],
  ['ternary', 0, ['y', 'n'], {}, 'n'],
  ['ternary', null, ['y', 'n', 'none'], {}, 'none'],
  ['lower', 'AbC', [], {}, 'abc'],
  ['upper', 'AbC', [], {}, 'ABC'],
  ['upper', 5, [], {}, '5'],
  ['capitalize', 'hELLO world', [], {}, 'Hello world'],
  ['title', "hello wORLD it's", [], {}, "Hello World It's"],
  ['trim', '  a b \n', [], {}, 'a b'],
  ['trim', 'xxaxx', ['x'], {}, 'a'],
  ['replace', 'a-b-c', ['-', '+'], {}, 'a+b+c'],
  ['replace', 'a-b-c', ['-', '+', 1], {}, 'a+b-c'],
  ['split', ' a  b c ', [], {}, ['a', 'b', 'c']],
  ['split', 'a,b,,c', [','], {}, ['a', 'b', '', 'c']],
  ['split', 'a,b,c', [',', 1], {}, ['a', 'b,c']],
  ['join', ['a', 1, true], [], {}, 'a1True'],
  ['join', ['a', 'b'], [', '], {}, 'a, b'],
  ['join', [{ n: 'x' }, { n: 'y' }], [','], { attribute: 'n' }, 'x,y'],
  ['indent', 'a\nb\n\nc', [2], {}, 'a\n  b\n\n  c'],
  ['indent', 'a\nb', [2, true], {}, '  a\n  b'],
  ['format', '%s-%05d-%.2f-%x-%%', ['a', 42, 3.14159, 255], {}, 'a-00042-3.14-ff-%'],
  ['string', 42, [], {}, '42'],
  ['string', [1, 'a'], [], {}, "[1, 'a']"],
  ['string', null, [], {}, 'None'],
  ['string', { k: false, f: 1.5e-7 }, [], {}, "{'k': False, 'f': 1.5e-07}"],
  ['quote', "it's $HOME; `x`", [], {}, `'it'"'"'s $HOME; \`x\`'`],
  ['quote', 'plain', [], {}, 'plain'],
  ['urlencode', 'a b&c/d~é', [], {}, 'a%20b%26c/d~%C3%A9'],
  ['win_basename', 'C:\\tmp\\x.txt', [], {}, 'x.txt'],
  ['win_basename', 'a/b\\c', [], {}, 'c'],
  ['win_dirname', 'C:\\tmp\\x.txt', [], {}, 'C:\\tmp'],
  ['win_dirname', 'C:\\x.txt', [], {}, 'C:\\'],
  ['win_dirname', 'C:x.txt', [], {}, 'C:'],
  ['win_dirname', '\\a\\b\\', [], {}, '\\a\\b'],
  ['product', [1, 2], [['a']], { repeat: 2 }, [[1, 'a', 1, 'a'], [1, 'a', 2, 'a'], [2, 'a', 1, 'a'], [2, 'a', 2, 'a']]],
  ['product', ['x', 'y'], [[80, 443]], {}, [['x', 80], ['x', 443], ['y', 80], ['y', 443]]],
  ['zip_longest', [1, 2, 3], [['a']], { fillvalue: '-' }, [[1, 'a'], [2, '-'], [3, '-']]],
  ['zip_longest', [1], [[2, 3]], {}, [[1, 2], [null, 3]]],
  ['urlencode', { q: 'a b', path: '/x' }, [], {}, 'q=a+b&path=%2Fx'],
  ['urlencode', [['k', 1]], [], {}, 'k=1'],
  ['regex_replace', 'abc-123', ['(\\w+)-(\\d+)', '\\2:\\1'], {}, '123:abc'],
  ['regex_replace', 'abc-123', ['(?P<w>\\w+)-(?P<n>\\d+)', '\\g<n>/\\g<w>'], {}, '123/abc'],
  ['regex_replace', 'aaa', ['a', 'b'], { count: 2 }, 'bba'],
  ['regex_replace', 'Hello', ['hello', 'bye'], { ignorecase: true }, 'bye'],
  ['regex_replace', 'a\nb', ['^', '> '], { multiline: true }, '> a\n> b'],
  ['regex_replace', 'cost 5', ['(\\d)', '$\\1'], {}, 'cost $5'],
  ['regex_replace', 'path/to', ['/'], {}, 'pathto'],
  ['regex_search', 'server1 port 80', ['port (\\d+)'], {}, 'port 80'],
  ['regex_search', 'server1 port 80', ['port (\\d+)', '\\1'], {}, ['80']],
  ['regex_search', 'k=v', ['(?P<key>\\w)=(?P<val>\\w)', '\\g<val>', '\\g<key>'], {}, ['v', 'k']],
  ['regex_search', 'nothing', ['\\d'], {}, null],
  ['regex_search', 'ABC', ['b'], { ignorecase: true }, 'B'],
  ['regex_findall', 'a1 b2 c3', ['\\d'], {}, ['1', '2', '3']],
  ['regex_findall', 'a1 b2', ['(\\w)(\\d)'], {}, [['a', '1'], ['b', '2']]],
  ['regex_escape', 'a.b*c', [], {}, 'a\\.b\\*c'],
  ['to_json', { b: 1, a: [1, 'x', {}] }, [], {}, '{"b": 1, "a": [1, "x", {}]}'],
  ['to_json', { b: 1, a: 2 }, [], { sort_keys: true }, '{"a": 2, "b": 1}'],
  ['to_json', { a: 'é' }, [], {}, '{"a": "\\u00e9"}'],
  ['to_json', { a: [1] }, [], { indent: 2 }, '{\n  "a": [\n    1\n  ]\n}'],
  ['to_nice_json', { b: 'é', a: [] }, [], {}, '{\n    "a": [],\n    "b": "\\u00e9"\n}'],
  ['to_nice_json', { b: 1, a: 2 }, [], {}, '{\n    "a": 2,\n    "b": 1\n}'],
  ['to_nice_json', { b: 1 }, [2], {}, '{\n  "b": 1\n}'],
  // PyYAML's layout, as Ansible writes it: flow style for lists of scalars in to_yaml,
  // lists not indented under their key, a mapping in a list padded to the indent.
  ['to_yaml', { a: [1, 2] }, [], {}, 'a: [1, 2]\n'],
  ['to_yaml', { a: [{ b: 'yes' }] }, [], { default_flow_style: false }, "a:\n- b: 'yes'\n"],
  ['to_nice_yaml', { b: { c: 1 }, a: 1 }, [], {}, 'a: 1\nb:\n    c: 1\n'],
  ['to_nice_yaml', { l: [{ k: 1, v: ['x'] }, 'plain'] }, [], {}, 'l:\n-   k: 1\n    v:\n    - x\n- plain\n'],
  ['to_nice_yaml', { s: '1.0', e: '', m: 'a\nb' }, [2], {}, "e: ''\nm: 'a\n\n  b'\ns: '1.0'\n"],
  ['from_json', '{"a": [1, null]}', [], {}, { a: [1, null] }],
  ['dictsort', { b: 1, A: 2, c: 0 }, [], {}, [['A', 2], ['b', 1], ['c', 0]]],
  ['dictsort', { b: 1, a: 2 }, [false, 'value'], {}, [['b', 1], ['a', 2]]],
  ['safe', 'x', [], {}, 'x'],
  ['attr', { name: 'n' }, ['name'], {}, 'n'],
  ['batch', [1, 2, 3], [2], {}, [[1, 2], [3]]],
  ['batch', [1, 2, 3], [2, 0], {}, [[1, 2], [3, 0]]],
  ['center', 'ab', [7], {}, '   ab  '],
  ['wordcount', 'two words, three', [], {}, 3],
  ['truncate', 'a b c d e f g h i j', [9], { leeway: 0 }, 'a b c...'],
  ['truncate', 'short', [9], {}, 'short'],
  ['groupby', [{ k: 'b', n: 1 }, { k: 'a', n: 2 }, { k: 'b', n: 3 }], ['k'], {}, [group('a', [{ k: 'a', n: 2 }]), group('b', [{ k: 'b', n: 1 }, { k: 'b', n: 3 }])]],
  ['from_yaml', 'a: 1\nb: [x, y]\n', [], {}, { a: 1, b: ['x', 'y'] }],
  ['from_yaml_all', 'a: 1\n---\nb: 2\n', [], {}, [{ a: 1 }, { b: 2 }]],
  ['b64encode', 'héllo', [], {}, 'aMOpbGxv'],
  ['b64decode', 'aMOpbGxv', [], {}, 'héllo'],
  ['b64encode', 'é', ['latin-1'], {}, '6Q=='],
  ['basename', '/etc/nginx/nginx.conf', [], {}, 'nginx.conf'],
  ['basename', '/etc/nginx/', [], {}, ''],
  ['dirname', '/etc/nginx/nginx.conf', [], {}, '/etc/nginx'],
  ['dirname', '/etc', [], {}, '/'],
  ['dirname', 'file', [], {}, ''],
  ['relpath', '/srv/app/conf/a.ini', ['/srv/app'], {}, 'conf/a.ini'],
  ['relpath', '/srv/app/', ['/srv/app'], {}, '.'],
  ['relpath', '/srv/other/x', ['/srv/app/'], {}, '../other/x'],
  ['splitext', '/a/b.tar.gz', [], {}, ['/a/b.tar', '.gz']],
  ['splitext', '/a/.bashrc', [], {}, ['/a/.bashrc', '']],
  ['path_join', ['/etc', 'app', 'x.conf'], [], {}, '/etc/app/x.conf'],
  ['path_join', ['/etc', '/opt', 'x'], [], {}, '/opt/x'],
  ['bool', 'Yes', [], {}, true],
  ['bool', 'off', [], {}, false],
  ['bool', 1, [], {}, true],
  ['bool', 2, [], {}, false],
  ['bool', null, [], {}, false],
  ['bool', true, [], {}, true],
  ['int', '42', [], {}, 42],
  ['int', ' -7 ', [], {}, -7],
  ['int', '12.9', [], {}, 12],
  ['int', 'abc', [], {}, 0],
  ['int', 'abc', [5], {}, 5],
  ['int', '0x1f', [0, 16], {}, 31],
  ['int', 'ff', [], { base: 16 }, 255],
  ['int', true, [], {}, 1],
  ['float', '1.5', [], {}, 1.5],
  ['float', 'x', [], {}, 0],
  ['float', 'x', [2.5], {}, 2.5],
  ['abs', -3, [], {}, 3],
  ['round', 2.567, [1], {}, 2.6],
  // Python's round(): halves go to the even neighbour (Jinja's 'common' method).
  ['round', 2.5, [], {}, 2],
  ['round', 3.5, [], {}, 4],
  ['round', -2.5, [], {}, -2],
  ['round', 0.125, [2], {}, 0.12],
  ['round', 2.675, [2], {}, 2.67],
  ['round', 2.11, [1, 'ceil'], {}, 2.2],
  ['round', 2.19, [1, 'floor'], {}, 2.1],
  ['type_debug', { a: 1 }, [], {}, 'dict'],
  ['type_debug', new Undefined('x'), [], {}, 'Undefined'],
  ['length', 'abc', [], {}, 3],
  ['length', [1, 2], [], {}, 2],
  ['length', { a: 1 }, [], {}, 1],
  ['count', [1, 2, 3], [], {}, 3],
  ['first', [3, 4], [], {}, 3],
  ['first', 'xy', [], {}, 'x'],
  ['last', [3, 4], [], {}, 4],
  ['list', 'ab', [], {}, ['a', 'b']],
  ['list', { k: 1, j: 2 }, [], {}, ['k', 'j']],
  ['reverse', [1, 2, 3], [], {}, [3, 2, 1]],
  ['reverse', 'abc', [], {}, 'cba'],
  ['unique', [1, 2, 1, 'a', 'A', [1], [1]], [], {}, [1, 2, 'a', [1]]],
  ['unique', ['a', 'A'], [true], {}, ['a', 'A']],
  ['unique', [{ n: 1 }, { n: 1 }, { n: 2 }], [], { attribute: 'n' }, [{ n: 1 }, { n: 2 }]],
  ['sort', [3, 1, 2], [], {}, [1, 2, 3]],
  ['sort', ['b', 'A', 'c'], [], {}, ['A', 'b', 'c']],
  ['sort', ['b', 'A', 'c'], [], { case_sensitive: true }, ['A', 'b', 'c']],
  ['sort', [3, 1, 2], [true], {}, [3, 2, 1]],
  ['sort', [{ n: 2 }, { n: 1 }], [], { attribute: 'n' }, [{ n: 1 }, { n: 2 }]],
  ['min', [3, 1, 2], [], {}, 1],
  ['max', [3, 1, 2], [], {}, 3],
  ['max', [{ n: 2 }, { n: 5 }], [], { attribute: 'n' }, { n: 5 }],
  ['sum', [1, 2, 3.5], [], {}, 6.5],
  ['sum', [{ n: 2 }, { n: 5 }], [], { attribute: 'n' }, 7],
  ['sum', [[1], [2, 3]], [], { start: [] }, [1, 2, 3]],
  ['flatten', [1, [2, [3, [4]]], null], [], {}, [1, 2, 3, 4]],
  ['flatten', [1, [2, [3]]], [1], {}, [1, 2, [3]]],
  ['zip', [1, 2, 3], [['a', 'b']], {}, [[1, 'a'], [2, 'b']]],
  ['difference', [1, 2, 3, 2], [[2]], {}, [1, 3]],
  ['intersect', [1, 2, 3], [[3, 2, 9]], {}, [2, 3]],
  ['union', [1, 2], [[2, 3]], {}, [1, 2, 3]],
  ['symmetric_difference', [1, 2], [[2, 3]], {}, [1, 3]],
  ['dict2items', { a: 1, b: 2 }, [], {}, [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
  ['dict2items', { a: 1 }, ['k', 'v'], {}, [{ k: 'a', v: 1 }]],
  ['items2dict', [{ key: 'a', value: 1 }], [], {}, { a: 1 }],
  ['items2dict', [{ n: 'a', v: 1 }], [], { key_name: 'n', value_name: 'v' }, { a: 1 }],
  ['items', { a: 1 }, [], {}, [['a', 1]]],
  ['combine', { a: 1, n: { x: 1 } }, [{ b: 2, n: { y: 2 } }], {}, { a: 1, b: 2, n: { y: 2 } }],
  ['combine', { n: { x: 1 } }, [{ n: { y: 2 } }], { recursive: true }, { n: { x: 1, y: 2 } }],
  ['combine', [{ a: 1 }, { a: 2 }], [], {}, { a: 2 }],
  ['combine', { l: [1] }, [{ l: [2] }], { list_merge: 'append' }, { l: [1, 2] }],
  ['subelements', [{ u: 'a', g: ['x', 'y'] }], ['g'], {}, [[{ u: 'a', g: ['x', 'y'] }, 'x'], [{ u: 'a', g: ['x', 'y'] }, 'y']]],
  ['subelements', [{ u: 'a' }], ['g'], { skip_missing: true }, []],
  ['extract', 'web', [{ web: { ip: '1.1.1.1' } }, 'ip'], {}, '1.1.1.1'],
  ['map', ['a', 'b'], ['upper'], {}, ['A', 'B']],
  ['map', ['1', '2'], ['int'], {}, [1, 2]],
  ['map', [{ n: 1 }, { n: 2 }], [], { attribute: 'n' }, [1, 2]],
  ['map', [{ n: 1 }, {}], [], { attribute: 'n', default: 0 }, [1, 0]],
  ['map', ['a', 'b'], ['regex_replace', '$', '!'], {}, ['a!', 'b!']],
  ['select', [0, 1, '', 'x'], [], {}, [1, 'x']],
  ['select', [1, 2, 3, 4], ['even'], {}, [2, 4]],
  ['select', ['eth0', 'lo', 'eth1'], ['match', 'eth'], {}, ['eth0', 'eth1']],
  ['reject', [1, 2, 3, 4], ['gt', 2], {}, [1, 2]],
  ['selectattr', [{ on: true, n: 1 }, { on: false, n: 2 }, { n: 3 }], ['on'], {}, [{ on: true, n: 1 }]],
  ['selectattr', [{ s: 'up' }, { s: 'down' }, {}], ['s', 'equalto', 'up'], {}, [{ s: 'up' }]],
  ['selectattr', [{ s: 'up' }, {}], ['s', 'defined'], {}, [{ s: 'up' }]],
  ['rejectattr', [{ s: 'up' }, {}], ['s', 'defined'], {}, [{}]],
  ['hash', 'abc', [], {}, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ['hash', 'abc', ['md5'], {}, '900150983cd24fb0d6963f7d28e17f72'],
  ['hash', 'abc', ['sha256'], {}, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['checksum', 'abc', [], {}, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ['md5', 'abc', [], {}, '900150983cd24fb0d6963f7d28e17f72'],
  ['sha1', 'abc', [], {}, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
];

describe('every filter', () => {
  it.each(CASES.map((c, i) => [`${c[0]} #${i}`, ...c] as const))('%s', (_label, name, input, args, kwargs, expected) => {
    expect(f(name, input, [...args], { ...kwargs })).toEqual(expected);
  });

  it('has a case for every filter name', () => {
    const covered = new Set(CASES.map((c) => c[0]));
    expect(filterNames().filter((n) => !covered.has(n))).toEqual([]);
  });

  it('accepts collection-qualified names', () => {
    expect(f('ansible.builtin.to_json', [1])).toBe('[1]');
    expect(f('community.general.upper', 'a')).toBe('A');
  });
});

describe('filters with undefined values', () => {
  it('default and mandatory accept an undefined input; others name the variable', () => {
    const missing = new Undefined('nova_virt_type');
    expect(f('default', missing, ['kvm'])).toBe('kvm');
    const e = errorOf(() => f('mandatory', missing));
    expect(e.message).toBe("mandatory variable 'nova_virt_type' is not defined");
    expect(e.variable).toBe('nova_virt_type');
    expect(errorOf(() => f('upper', missing)).variable).toBe('nova_virt_type');
    expect(errorOf(() => f('join', ['a'], [missing])).variable).toBe('nova_virt_type');
    expect(errorOf(() => f('regex_replace', 'a', ['a'], { replace: missing })).variable).toBe('nova_virt_type');
  });

  it('first/last of an empty list are undefined (default applies)', () => {
    const first = f('first', []);
    expect(first).toBeInstanceOf(Undefined);
    expect(f('default', first, ['none'])).toBe('none');
    expect(errorOf(() => f('upper', f('last', []))).message).toBe('no last item, the sequence was empty');
  });
});

describe('filter errors', () => {
  it.each([
    ['length', [5, [], {}], "filter 'length': object of type 'int' has no length"],
    ['from_json', ['{bad', [], {}], 'from_json: '],
    ['from_yaml', ['a: [', [], {}], 'from_yaml: '],
    ['hash', ['x', ['crc32'], {}], "hash: unsupported algorithm 'crc32'"],
    ['combine', [{ a: 1 }, [5], {}], "filter 'combine' expects a mapping, got 'int'"],
    ['dict2items', [[1], [], {}], "filter 'dict2items' expects a mapping, got 'list'"],
    ['items2dict', [[{ a: 1 }], [], {}], "items2dict: an item has no 'key' key"],
    ['sum', [['a'], [], {}], "sum: unsupported operand type 'str'"],
    ['regex_replace', ['a', ['('], {}], 'invalid regular expression "("'],
    ['regex_search', ['a', ['a', 'x'], {}], 'invalid group selector'],
    ['replace', ['a', ['x'], {}], "filter 'replace' needs argument 'new'"],
    ['map', [[1], [], {}], 'map: give a filter name'],
    ['select', [[1], ['nosuchtest'], {}], "no test named 'nosuchtest'"],
    ['b64encode', ['a', ['ebcdic'], {}], "unsupported encoding 'ebcdic'"],
    ['upper', [null, [], {}], "filter 'upper' expects a string, got None"],
    ['nosuch', ['a', [], {}], "no filter named 'nosuch'"],
  ] as const)('%s', (name, [input, args, kwargs], message) => {
    expect(errorOf(() => f(name, input, [...args], { ...kwargs })).message).toContain(message);
  });
});

describe('one implementation for both template styles', () => {
  const templar = new Templar();
  const vars = { name: 'Web Server', list: ['b', 'a', 'b'], d: { k: 'v' }, path: '/etc/app/app.conf' };
  it.each([
    ['{{upper name}}', '{{ name | upper }}'],
    ['{{join (unique list) ","}}', "{{ list | unique | join(',') }}"],
    ['{{to_json d}}', '{{ d | to_json }}'],
    ['{{regex_replace name "\\s+" "-"}}', "{{ name | regex_replace('\\s+', '-') }}"],
    ['{{basename path}}', '{{ path | basename }}'],
    ['{{default missing "dflt"}}', "{{ missing | default('dflt') }}"],
    ['{{to_nice_json d indent=2}}', '{{ d | to_nice_json(indent=2) }}'],
    ['{{quote name}}', '{{ name | quote }}'],
    ['{{length list}}', '{{ list | length }}'],
  ])('%s == %s', (hbs, jinja) => {
    expect(templar.render(hbs, vars)).toEqual(templar.render(jinja, vars));
  });
});
