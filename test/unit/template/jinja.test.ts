/**
 * The Jinja statement renderer (core/template/jinja*.ts): every construct, whitespace
 * control byte for byte, errors with line and column, limits. Byte-for-byte agreement
 * with ansible-core itself is checked by test/e2e/jinja-compat.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../core/template/errors.js';
import { scopeOf } from '../../../core/template/expression.js';
import { compileJinja, hasJinjaSyntax, renderJinja } from '../../../core/template/jinja.js';
import { Templar } from '../../../core/template/templar.js';

const vars = {
  users: [
    { name: 'alice', admin: true },
    { name: 'bob', admin: false },
    { name: 'carol', admin: true },
  ],
  settings: { b: 2, a: 1 },
  flag: true,
  off: false,
  nothing: null,
  n: 3,
  name: 'web',
};

type Options = { trimBlocks?: boolean; lstripBlocks?: boolean };
const j = (src: string, v: Record<string, unknown> = vars, o: Options = {}) => renderJinja(compileJinja(src, o), scopeOf(v), o);

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected an error');
}

describe('Jinja statements', () => {
  it('if / elif / else', () => {
    const t = '{% if n > 5 %}big{% elif n > 2 %}mid{% else %}small{% endif %}';
    expect(j(t)).toBe('mid');
    expect(j(t, { n: 9 })).toBe('big');
    expect(j(t, { n: 0 })).toBe('small');
    expect(j('{% if users | selectattr("admin") | list | length == 2 %}two admins{% endif %}')).toBe('two admins');
    expect(j('{% if nothing is none and not off %}ok{% endif %}')).toBe('ok');
  });

  it('for with loop variables', () => {
    expect(j('{% for u in users %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}')).toBe(
      '1032TrueFalse3 2121FalseFalse3 3210FalseTrue3 ',
    );
    expect(j("{% for u in users %}{{ loop.cycle('a', 'b') }}{% endfor %}")).toBe('aba');
    expect(j("{% for u in users %}{{ loop.previtem.name | default('-') }}>{{ loop.nextitem.name | default('-') }} {% endfor %}")).toBe('->bob alice>carol bob>- ');
    expect(j('{% for x in [1, 1, 2] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}')).toBe('12');
    expect(j('{% for u in users %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}')).toBe('101010');
  });

  it('for with else, an inline if filter, tuple targets and mappings', () => {
    expect(j('{% for x in [] %}x{% else %}empty{% endfor %}')).toBe('empty');
    expect(j('{% for u in users if u.admin %}{{ u.name }}:{{ loop.index }}/{{ loop.length }} {% endfor %}')).toBe('alice:1/2 carol:2/2 ');
    expect(j('{% for u in users if u.name == "zed" %}x{% else %}none{% endfor %}')).toBe('none');
    expect(j('{% for k, v in settings.items() %}{{ k }}={{ v }};{% endfor %}')).toBe('b=2;a=1;');
    expect(j('{% for (k, v) in settings | dictsort %}{{ k }}={{ v }};{% endfor %}')).toBe('a=1;b=2;');
    expect(j('{% for k in settings %}{{ k }}{% endfor %}')).toBe('ba');
    expect(j('{% for c in "abc" %}{{ c | upper }}{% endfor %}')).toBe('ABC');
    // The filter sees the loop variable but not a loop.* of its own.
    expect(j('{% for x in range(5) if x is odd %}{{ x }}{% endfor %}')).toBe('13');
  });

  it('recursive loops', () => {
    const tree = { tree: [{ n: 'a', c: [{ n: 'b', c: [{ n: 'c' }] }] }, { n: 'd' }] };
    expect(j('{% for x in tree recursive %}{{ x.n }}{{ loop.depth }}{% if x.c is defined %}({{ loop(x.c) }}){% endif %}{% endfor %}', tree)).toBe('a1(b2(c3))d1');
    expect(errorOf(() => j('{% for x in [1] %}{{ loop([2]) }}{% endfor %}')).message).toContain("marked 'recursive'");
  });

  it('set: expression, tuple, block, block with filters, loop scoping and namespace', () => {
    expect(j('{% set x = n * 2 %}{{ x }}')).toBe('6');
    expect(j('{% set a, b = [1, 2] %}{{ b }}{{ a }}')).toBe('21');
    expect(j('{% set x %}[{{ name }}]{% endset %}{{ x }}{{ x }}')).toBe('[web][web]');
    expect(j('{% set x | trim | upper %}  a b  {% endset %}<{{ x }}>')).toBe('<A B>');
    expect(j('{% set x = 1 %}{% for u in users %}{% set x = 5 %}{% endfor %}{{ x }}')).toBe('1');
    expect(j('{% set ns = namespace(c=0) %}{% for u in users %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}')).toBe('3');
    expect(errorOf(() => j('{% set settings.c = 1 %}')).message).toContain("only a namespace() can be changed this way ('settings' is a 'dict')");
    expect(errorOf(() => j('{% set a, b = [1, 2, 3] %}')).message).toContain('cannot unpack 3 values into 2 names (a, b)');
  });

  it('raw and comments', () => {
    expect(j('{% raw %}{{ x }}{% if %}{% endraw %}')).toBe('{{ x }}{% if %}');
    expect(j('a{# {{ undefined_var }} #}b')).toBe('ab');
    expect(j('a{#\nmulti\nline\n#}\nb')).toBe('ab');
  });

  it('macros, call blocks, filter blocks, with', () => {
    expect(j("{% macro kv(k, v='d') %}{{ k }}={{ v }}{% endmacro %}{{ kv('a') }} {{ kv('b', 2) }} {{ kv(v=3, k='c') }}")).toBe('a=d b=2 c=3');
    expect(j('{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}in{{ n }}{% endcall %}')).toBe('[in3]');
    expect(j('{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}')).toBe('<1><2>');
    expect(j('{% filter upper %}hello {{ name }}{% endfilter %}')).toBe('HELLO WEB');
    expect(j('{% filter replace("a", "o") | upper %}banana{% endfilter %}')).toBe('BONONO');
    expect(j('{% with a = 1, b = n %}{{ a + b }}{% endwith %}{{ a | default("gone") }}')).toBe('4gone');
    expect(errorOf(() => j('{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}')).message).toContain("macro 'm' takes 1 argument, got 2");
    expect(errorOf(() => j('{% macro m(a) %}{% endmacro %}{{ m(b=1) }}')).message).toContain("macro 'm' has no parameter 'b'");
  });

  it('inline if expressions', () => {
    expect(j("{{ 'on' if flag else 'off' }} {{ 'on' if off else 'off' }}")).toBe('on off');
    expect(j("{{ 'x' if off }}|")).toBe('|');
  });

  it('prints values as Jinja does under Ansible', () => {
    expect(j('{{ flag }} {{ off }} [{{ nothing }}] {{ n }} {{ 0.5 }}')).toBe('True False [] 3 0.5');
    expect(j("{{ ['a', 1, none, true] }} {{ {'k': \"it's\"} }}")).toBe(`['a', 1, None, True] {'k': "it's"}`);
  });
});

describe('whitespace, byte for byte', () => {
  it('trim_blocks (default on) removes the newline after a block tag and a comment, not after {{ }}', () => {
    expect(j('{% if flag %}\nyes\n{% endif %}\nend')).toBe('yes\nend');
    expect(j('{# c #}\nx')).toBe('x');
    expect(j('{{ n }}\nx')).toBe('3\nx');
    expect(j('{% if flag %}\nyes\n{% endif %}\nend', vars, { trimBlocks: false })).toBe('\nyes\n\nend');
    expect(j('{% if flag +%}\nyes{% endif %}')).toBe('\nyes');
  });

  it('- strips all whitespace on its side, newlines included', () => {
    expect(j('a  \n  {%- if flag -%}  \n\n  b  \n  {%- endif -%}\n  c')).toBe('abc');
    expect(j('a \n {{- n -}} \n b')).toBe('a3b');
    expect(j('a \n {#- c -#} \n b')).toBe('ab');
    expect(j('{%- raw -%}  x  {%- endraw -%}  y')).toBe('xy');
  });

  it('lstrip_blocks removes indentation before block tags only, unless {%+', () => {
    const t = 'l:\n    {% for x in [1, 2] %}\n    - {{ x }}\n    {% endfor %}\n  {# c #}\nend';
    expect(j(t, vars, { lstripBlocks: true })).toBe('l:\n    - 1\n    - 2\nend');
    expect(j(t)).toBe('l:\n        - 1\n        - 2\n      end');
    expect(j('  {%+ if flag %}x{% endif %}', vars, { lstripBlocks: true })).toBe('  x');
    expect(j('text {% if flag %}x{% endif %}', vars, { lstripBlocks: true })).toBe('text x');
    expect(j('  {{ n }}', vars, { lstripBlocks: true })).toBe('  3');
  });

  it('keeps the final newlines of the template, drops none of the text', () => {
    expect(j('a\n')).toBe('a\n');
    expect(j('a\n\n')).toBe('a\n\n');
    expect(j('a')).toBe('a');
    expect(j('{% for x in [1] %}\n{{ x }}\n{% endfor %}\n')).toBe('1\n');
    expect(j('x\r\ny\r\n')).toBe('x\ny\n');
  });

  it('reads the #jinja2: header', () => {
    expect(j('#jinja2: trim_blocks: False\n{% if flag %}\nx{% endif %}')).toBe('\nx');
    expect(j('#jinja2: lstrip_blocks: True, trim_blocks: True\n  {% if flag %}\nx{% endif %}')).toBe('x');
    expect(errorOf(() => j('#jinja2: autoescape: True\nx')).message).toContain("cannot read the '#jinja2:' override 'autoescape: True'");
  });

  it("ends a tag at the right '%}' and '}}', not inside strings or brackets", () => {
    expect(j("{{ '%}' ~ '}}' }}")).toBe('%}}}');
    expect(j("{{ {'a': 1}['a'] }}")).toBe('1');
    expect(j("{% set x = {'k': '%}'} %}{{ x.k }}")).toBe('%}');
  });
});

describe('errors name the line and column', () => {
  it('unclosed and stray blocks', () => {
    expect(errorOf(() => j('a\nb\n{% for x in users %}\n{{ x }}\n')).message).toBe(
      "unclosed '{% for %}' opened at line 3, column 1: expected '{% endfor %}' before the end of the template",
    );
    expect(errorOf(() => j('{% if flag %}\n{% for x in users %}{% endif %}')).message).toContain("unexpected '{% endif %}' (no '{% if %}' is open) at line 2, column 21");
    expect(errorOf(() => j('x\n  {% endfor %}')).message).toBe("unexpected '{% endfor %}' (no '{% for %}' is open) at line 2, column 3");
    expect(errorOf(() => j('{% else %}')).message).toContain("unexpected '{% else %}' (outside an if or for)");
    expect(errorOf(() => j('{% raw %}x')).message).toBe("unclosed '{% raw %}' at line 1, column 1 (no '{% endraw %}' after it)");
    expect(errorOf(() => j('a {# b')).message).toBe("unclosed comment '{#' at line 1, column 3 (no matching '#}')");
    expect(errorOf(() => j('\n  {% if flag')).message).toBe("unclosed '{%' at line 2, column 3 (no matching '%}')");
  });

  it('bad statements and expressions', () => {
    expect(errorOf(() => j('{% if %}x{% endif %}')).message).toBe("expected a condition after 'if' at line 1, column 6");
    expect(errorOf(() => j('\n{% for x users %}{% endfor %}')).message).toContain("expected 'in' in '{% for x in list %}' at line 2");
    expect(errorOf(() => j('{{ name | uper }}')).message).toBe("unknown filter 'uper' (did you mean 'upper'?) at line 1, column 11");
    expect(errorOf(() => j('ab\n  {% if x == %}{% endif %}')).message).toBe('unexpected end of expression at line 2, column 14');
    expect(errorOf(() => j('{% if flag %}{{default name "d"}}{% endif %}')).message).toBe(
      "unexpected token 'name' at line 1, column 24 ({{ }} in a Jinja template holds an expression: write x | default(...) rather than the Handlebars form {{default x ...}})",
    );
    expect(errorOf(() => j('{% frobnicate %}')).message).toContain("unknown statement '{% frobnicate %}'");
    expect(errorOf(() => j('{% extends "base.j2" %}')).message).toContain('template inheritance is not supported');
    expect(errorOf(() => j('{% for x in users %}{% break %}{% endfor %}')).message).toContain('loopcontrols');
  });

  it('undefined variables carry the template line', () => {
    const err = errorOf(() => j('a\n{% for u in users %}\n{{ u.nmae }}\n{% endfor %}'));
    expect(err.message).toBe("'u.nmae' is undefined: 'u' (mapping) has no key 'nmae'");
    expect(err.line).toBe(3);
    expect(errorOf(() => j('{% if missing %}x{% endif %}')).message).toBe("'missing' is undefined");
  });
});

describe('limits', () => {
  it('statement nesting, macro recursion, loop iterations', () => {
    const deep = '{% if true %}'.repeat(101) + '{% endif %}'.repeat(101);
    expect(errorOf(() => j(deep)).message).toContain('statements nest more than 100 levels deep');
    expect(j('{% if true %}'.repeat(100) + 'ok' + '{% endif %}'.repeat(100))).toBe('ok');
    expect(errorOf(() => j('{% macro m(x) %}{{ m(x) }}{% endmacro %}{{ m(1) }}')).message).toContain("macro 'm' calls itself more than 100 levels deep");
    expect(errorOf(() => j('{% for a in range(1000) %}{% for b in range(1001) %}{% endfor %}{% endfor %}')).message).toContain('more than 1,000,000 loop iterations');
  });
});

describe('routing in the Templar', () => {
  const templar = new Templar();

  it('finds Jinja syntax only where there is a statement or a closed comment', () => {
    expect(hasJinjaSyntax('{% if x %}')).toBe(true);
    expect(hasJinjaSyntax('{%- for x in y -%}')).toBe(true);
    expect(hasJinjaSyntax('a {# note #} b')).toBe(true);
    expect(hasJinjaSyntax("printf '{%s}' ${#list[@]}")).toBe(false);
    expect(hasJinjaSyntax('{{ x }}')).toBe(false);
  });

  it('renders playbook strings with statements to text, keeping `{{ x }}` values elsewhere typed', () => {
    expect(templar.render('{% for u in users %}{{ u.name }},{% endfor %}', vars)).toBe('alice,bob,carol,');
    expect(templar.render('{{ users | length }}', vars)).toBe(3);
    expect(templar.render({ a: '{% if flag %}on{% endif %}' }, vars)).toEqual({ a: 'on' });
  });

  it('keeps the final newline of content with one expression (issue 14)', () => {
    expect(templar.render('{{ name }}\n', vars)).toBe('web\n');
    expect(templar.render('{{ name }}\n\n', vars)).toBe('web\n\n');
    expect(templar.render('  {{ name }}\n', vars)).toBe('  web\n');
    expect(templar.render('{% if flag %}{{ name }}{% endif %}\n', vars)).toBe('web\n');
  });

  it('routes template files by extension, then content', () => {
    const hbsLike = 'x={{default missing "d"}}\n';
    expect(templar.renderFile(hbsLike, vars, { path: 'a.hbs' })).toBe('x=d\n');
    expect(templar.renderFile(hbsLike, vars, { path: 'a.conf' })).toBe('x=d\n');
    expect(errorOf(() => templar.renderFile(hbsLike, vars, { path: 'a.j2' })).message).toContain('a.j2');
    expect(templar.renderFile('{{ flag }}\n', vars, { path: 'a.j2' })).toBe('True\n');
    expect(templar.renderFile('{{ flag }}\n', vars, { path: 'a.conf' })).toBe('True\n');
    expect(templar.renderFile('{{ flag }}\n', vars, { path: 'a.hbs' })).toBe('true\n');
    expect(templar.renderFile('{% if flag %}\ny\n{% endif %}\n', vars, { path: 'a.conf' })).toBe('y\n');
    expect(templar.renderFile('  {% if flag %}\ny\n  {% endif %}\n', vars, { path: 'a.j2', lstripBlocks: true })).toBe('y\n');
    expect(templar.renderFile('{% if flag %}\ny{% endif %}', vars, { path: 'a.j2', trimBlocks: false })).toBe('\ny');
  });

  it('gives template files their own variables over the task variables, leaving lazy variables unread', () => {
    const lazy = Object.defineProperty({ name: 'web' }, 'broken', {
      enumerable: true,
      get() {
        throw new Error('read a variable the template does not use');
      },
    });
    expect(templar.renderFile('{{name}} {{ansible_managed}}', lazy, { path: 'a.conf', templateVars: { ansible_managed: 'm' } })).toBe('web m');
    expect(templar.renderFile('{{ name }} {{ ansible_managed }}', lazy, { path: 'a.j2', templateVars: { ansible_managed: 'm' } })).toBe('web m');
    expect(templar.renderFile('# {{ ansible_managed }} {{ name }}', vars, { path: 'a.j2', templateVars: { ansible_managed: 'Ansible managed', name: 'over' } })).toBe('# Ansible managed over');
  });

  it('includes templates from the template directory and the playbook templates/ folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-jinja-'));
    mkdirSync(join(dir, 'templates', 'parts'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'parts', 'row.j2'), '{{ u.name }}{% if u.admin %}*{% endif %}\n');
    writeFileSync(join(dir, 'templates', 'self.j2'), "{% include 'self.j2' %}");
    const main = join(dir, 'templates', 'main.j2');
    const src = "{% for u in users %}\n{% include 'parts/row.j2' %}\n{% endfor %}\n{% include 'nope.j2' ignore missing %}";
    // An included template loses its final newline and trim_blocks eats the one after the tag (as in Jinja).
    expect(templar.renderFile(src, { ...vars, playbook_dir: dir }, { path: main })).toBe('alice*bobcarol*');
    expect(errorOf(() => templar.renderFile("{% include 'nope.j2' %}", { ...vars, playbook_dir: dir }, { path: main })).message).toContain("template 'nope.j2' not found");
    expect(errorOf(() => templar.renderFile("{% include 'self.j2' %}", { playbook_dir: dir }, { path: main })).message).toContain('{% include %} nests more than 100 levels deep');
    expect(errorOf(() => templar.render("{% include 'x.j2' %}", vars)).message).toContain('only available in template files');
  });
});
