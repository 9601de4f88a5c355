import { describe, expect, it } from 'vitest';
import { prepareAst } from '../../../core/template/handlebars-ast.js';
import { HandlebarsEnvironment } from '../../../core/template/handlebars-env.js';
import { scanTemplate } from '../../../core/template/mustache-scan.js';
import { plainTemplate } from '../../../core/template/plain-template.js';
import { Templar } from '../../../core/template/templar.js';

const env = new HandlebarsEnvironment();

/** What the Handlebars path makes of `template`: the scan's single/around and the AST's segments. */
function throughHandlebars(template: string) {
  const scan = scanTemplate(template, env);
  const prepared = prepareAst(env.parse(scan.source), env.helperNames);
  return { scan, segments: prepared.segments };
}

const PLAIN = [
  '{{ item }}',
  '{{item}}',
  'tsplay-bench-snap-{{ item }}',
  '{{ root }}/etc/{{ name }}.conf',
  '{{ a.b.c }}',
  '  {{ x }}\n',
  '{{ x }}\n',
  '\n{{ x }}',
  'line1\nline2 {{ a }}\n{{ b }} and {{ c.d }}\nend',
  '{{ a\n }} then {{ b }}',
  '{{ count }} {{ hash }}',
  '{{ upper }}',
  'a }} b {{ c }}',
  '{ {{ c }} }',
  'x{{a}}{{b}}y',
  '{{ _private }}-{{ v2 }}',
  'back\\slash {{ x }}',
];

const NOT_PLAIN = [
  'no mustache',
  '{{ item | upper }}',
  '{{ a if b else c }}',
  '{{ true }}',
  '{{ null }}',
  '{{ this }}',
  '{{ a.true }}',
  '{{ @index }}',
  '{{ ../x }}',
  '{{ a.[b] }}',
  '{{ a[0] }}',
  '{{ a.0 }}',
  '{{{ raw }}}',
  '{{ x }}}',
  '{{~ x }}',
  '{{ x ~}}',
  '{{! comment }} {{ x }}',
  '{{#if x}}y{{/if}}',
  '\\{{ x }}',
  '{{ x',
  '{{default x "kvm"}}',
  '{{ lookup(x) }}',
];

describe('plainTemplate', () => {
  it.each(PLAIN)('reads %j exactly as the Handlebars path does', (template) => {
    const plain = plainTemplate(template);
    expect(plain).toBeDefined();
    const { scan, segments } = throughHandlebars(template);
    expect(plain!.segments).toEqual(segments);
    expect(plain!.single !== undefined).toBe(scan.single !== undefined);
    expect(plain!.around).toEqual(scan.around);
  });

  it.each(NOT_PLAIN)('leaves %j to Handlebars', (template) => {
    expect(plainTemplate(template)).toBeUndefined();
  });

  it('renders the same values and errors as before, and Handlebars is not made for them', () => {
    const vars = { item: 3, root: '/r', name: 'app', a: { b: { c: [1, 2] } }, x: 'text', count: 3, hash: 'h' };
    const t = new Templar();
    expect(t.render('{{ item }}', vars)).toBe(3);
    expect(t.render('{{ item }}\n', vars)).toBe(3);
    expect(t.render('{{ x }}\n', vars)).toBe('text\n');
    expect(t.render('  {{ item }}', vars)).toBe('  3');
    expect(t.render('{{ a.b.c }}', vars)).toEqual([1, 2]);
    expect(t.render('{{ root }}/etc/{{ name }}.conf', vars)).toBe('/r/etc/app.conf');
    expect(t.render('{{ count }}-{{ hash }}', vars)).toBe('3-h');
    expect(() => t.render('a\n{{ missing }}', vars, "task 't'")).toThrow(/missing/);
    expect((t as unknown as { handlebarsEnv?: unknown }).handlebarsEnv).toBeUndefined();
    expect(t.render('{{upper name}}', vars)).toBe('APP');
    expect((t as unknown as { handlebarsEnv?: unknown }).handlebarsEnv).toBeDefined();
  });

  it('recognises piped expressions as not Handlebars without asking Handlebars', () => {
    const calls: string[] = [];
    const counting = { parse: (src: string) => (calls.push(src), env.parse(src)), isHelper: (n: string) => env.isHelper(n) };
    const expected = (template: string) => scanTemplate(template, env);
    for (const template of ['{{ x | default(1) }}', 'v={{ x|int }}', '{{ [1, 2] | join(",") }}', "{{ 'a|b' | upper }}", '{{ a | replace("|", "-") }}']) {
      const want = expected(template);
      calls.length = 0;
      expect(scanTemplate(template, counting)).toEqual(want);
      expect(calls).toEqual([]);
    }
    // Where a `|` sits inside a Handlebars literal, Handlebars still decides.
    for (const template of ['{{ a.[|] }}', '{{ [a|b] }}', '{{ a "|" b }}']) {
      calls.length = 0;
      try {
        scanTemplate(template, counting);
      } catch {
        // the outcome is the old one either way; only who decided matters here
      }
      expect(calls.length).toBeGreaterThan(0);
    }
  });

  it('a template of piped expressions alone does not make the Handlebars environment', () => {
    const t = new Templar();
    expect(t.render('{{ x | default(2) }}', {})).toBe(2);
    expect(t.render('{{ item }}', { item: 'a' })).toBe('a');
    expect((t as unknown as { handlebarsEnv?: unknown }).handlebarsEnv).toBeUndefined();
  });
});
