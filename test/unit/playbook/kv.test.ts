import { describe, expect, it } from 'vitest';
import { decodeEscapes, KeyValueError, parseKeyValue, splitArgs, unquote } from '../../../core/playbook/kv.js';

const words = (raw: string) => splitArgs(raw).map((w) => w.text);

describe('splitArgs', () => {
  it('splits on whitespace', () => {
    expect(words('a=b  c=d\te=f')).toEqual(['a=b', 'c=d', 'e=f']);
    expect(words('  ')).toEqual([]);
    expect(words('')).toEqual([]);
  });

  it('keeps quoted spans together, quotes included', () => {
    expect(words(`a="b c" d='e  f' g`)).toEqual(['a="b c"', "d='e  f'", 'g']);
    expect(words(`echo "hi there"`)).toEqual(['echo', '"hi there"']);
    expect(words(`msg="it's fine"`)).toEqual([`msg="it's fine"`]);
  });

  it('does not end a quote at an escaped quote', () => {
    expect(words(String.raw`a="x \" y" b`)).toEqual([String.raw`a="x \" y"`, 'b']);
  });

  it('keeps {{ }}, {% %} and {# #} spans with spaces as one word', () => {
    expect(words(`msg={{ x | default('a b') }} y`)).toEqual([`msg={{ x | default('a b') }}`, 'y']);
    expect(words('a={{ b }}{{ c }} d')).toEqual(['a={{ b }}{{ c }}', 'd']);
    expect(words('x={% if a %}1{% endif %} {# note #}')).toEqual(['x={% if a %}1{% endif %}', '{# note #}']);
    expect(words('path={{ dir }}/{{ "a b" }}.txt')).toEqual(['path={{ dir }}/{{ "a b" }}.txt']);
  });

  it('treats a lone backslash at the end of a line as a continuation', () => {
    expect(words('a=1 \\\n b=2')).toEqual(['a=1', 'b=2']);
  });

  it('records where each word is', () => {
    expect(splitArgs('ab  cd')).toEqual([
      { text: 'ab', start: 0, end: 2 },
      { text: 'cd', start: 4, end: 6 },
    ]);
  });

  it('refuses unbalanced quotes and template spans with a message', () => {
    expect(() => splitArgs(`echo "unterminated`)).toThrow(KeyValueError);
    expect(() => splitArgs(`echo "unterminated`)).toThrow(/unbalanced quotes \(\"\) in arguments: echo "unterminated/);
    expect(() => splitArgs(`echo it's`)).toThrow(/unbalanced quotes/);
    expect(() => splitArgs('msg={{ x')).toThrow(/unbalanced '\{\{ \}\}'/);
  });
});

describe('unquote and decodeEscapes', () => {
  it('removes one pair of matching quotes', () => {
    expect(unquote('"a b"')).toBe('a b');
    expect(unquote("'a'")).toBe('a');
    expect(unquote(`"a'`)).toBe(`"a'`);
    expect(unquote('"')).toBe('"');
    expect(unquote(`""`)).toBe('');
    expect(unquote(`"'a'"`)).toBe(`'a'`);
  });

  it("decodes Python's escapes", () => {
    expect(decodeEscapes(String.raw`a\nb\tc\\d\"e\'f`)).toBe(`a\nb\tc\\d"e'f`);
    expect(decodeEscapes(String.raw`\x41\u00e9\U0001F600`)).toBe('Aé😀');
    expect(decodeEscapes(String.raw`\s\d\.`)).toBe(String.raw`\s\d\.`); // regex escapes are left alone
  });
});

describe('parseKeyValue', () => {
  it('user: name=pyinfra home=/home/pyinfra shell=/bin/bash', () => {
    expect(parseKeyValue('name=pyinfra home=/home/pyinfra shell=/bin/bash')).toEqual({ name: 'pyinfra', home: '/home/pyinfra', shell: '/bin/bash' });
  });

  it('file: path=/var/log/pyinfra.log state=touch owner=pyinfra mode=777 (values stay strings)', () => {
    expect(parseKeyValue('path=/var/log/pyinfra.log state=touch owner=pyinfra mode=777')).toEqual({
      path: '/var/log/pyinfra.log',
      state: 'touch',
      owner: 'pyinfra',
      mode: '777',
    });
  });

  it('copy: src=files/test_file.txt dest=/home/pyinfra/test_file.txt owner=pyinfra', () => {
    expect(parseKeyValue('src=files/test_file.txt dest=/home/pyinfra/test_file.txt owner=pyinfra')).toEqual({
      src: 'files/test_file.txt',
      dest: '/home/pyinfra/test_file.txt',
      owner: 'pyinfra',
    });
  });

  it('shell: echo "hi!" is free-form text, quotes kept', () => {
    expect(parseKeyValue('echo "hi!"', 'cmd')).toEqual({ _raw_params: 'echo "hi!"' });
  });

  it('command: /bin/echo a=b chdir=/tmp: only the command options are arguments', () => {
    expect(parseKeyValue('/bin/echo a=b chdir=/tmp', 'cmd')).toEqual({ _raw_params: '/bin/echo a=b', chdir: '/tmp' });
  });

  it('free-form: creates/removes/stdin options anywhere in the text', () => {
    expect(parseKeyValue('creates=/tmp/x touch /tmp/x removes=/tmp/y', 'cmd')).toEqual({ creates: '/tmp/x', removes: '/tmp/y', _raw_params: 'touch /tmp/x' });
    expect(parseKeyValue('cat stdin="a b"', 'cmd')).toEqual({ stdin: 'a b', _raw_params: 'cat' });
  });

  it('free-form: the text between words is kept exactly (multi-line scripts survive)', () => {
    const script = 'if true; then\n  echo   "a  b"\nfi\n';
    expect(parseKeyValue(script, 'cmd')).toEqual({ _raw_params: 'if true; then\n  echo   "a  b"\nfi' });
    // a word taken out as an option becomes a single space
    expect(parseKeyValue('echo a chdir=/tmp    b', 'cmd')).toEqual({ chdir: '/tmp', _raw_params: 'echo a b' });
  });

  it('free-form with custom argument keys', () => {
    expect(parseKeyValue('run it mode=fast', 'cmd', ['mode'])).toEqual({ _raw_params: 'run it', mode: 'fast' });
  });

  it('without a free-form key, words without = are still reported as _raw_params', () => {
    expect(parseKeyValue('a=1 stray')).toEqual({ a: '1', _raw_params: 'stray' });
  });

  it('unquotes values and keeps inner quotes of other kinds', () => {
    expect(parseKeyValue(`dest='/tmp/a b' msg="it's ok" line='say "hi"'`)).toEqual({ dest: '/tmp/a b', msg: "it's ok", line: 'say "hi"' });
  });

  it('splits at the first = only', () => {
    expect(parseKeyValue('line=a=b regexp=^x=')).toEqual({ line: 'a=b', regexp: '^x=' });
  });

  it('honours escaped \\= in keys and words', () => {
    expect(parseKeyValue(String.raw`a\=b=c`)).toEqual({ [String.raw`a\=b`]: 'c' });
    expect(parseKeyValue(String.raw`x\=y`, 'cmd')).toEqual({ _raw_params: 'x=y' });
  });

  it('decodes escapes in values (as Ansible does)', () => {
    expect(parseKeyValue(String.raw`msg="line1\nline2" tab=a\tb`)).toEqual({ msg: 'line1\nline2', tab: 'a\tb' });
    expect(parseKeyValue(String.raw`msg="say \"hi\""`)).toEqual({ msg: 'say "hi"' });
  });

  it('keeps templates intact, spaces and quotes included', () => {
    expect(parseKeyValue(`msg={{ x | default('a b') }} dest={{ root }}/etc`)).toEqual({ msg: "{{ x | default('a b') }}", dest: '{{ root }}/etc' });
    expect(parseKeyValue(`content="{{ a }} and {{ b }}"`)).toEqual({ content: '{{ a }} and {{ b }}' });
  });

  it('empty values and empty input', () => {
    expect(parseKeyValue('a= b=""')).toEqual({ a: '', b: '' });
    expect(parseKeyValue('')).toEqual({});
    expect(parseKeyValue('   \n  ')).toEqual({});
  });

  it('a word starting with = is free-form text', () => {
    expect(parseKeyValue('=x', 'cmd')).toEqual({ _raw_params: '=x' });
  });

  it('propagates split errors', () => {
    expect(() => parseKeyValue(`a="b`)).toThrow(KeyValueError);
  });
});
