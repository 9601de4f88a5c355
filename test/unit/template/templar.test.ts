import { describe, expect, it, vi } from 'vitest';
import { TemplateError } from '../../../core/template/errors.js';
import { Templar } from '../../../core/template/templar.js';
import { mergeLayers } from '../../../core/vars/precedence.js';

const templar = new Templar();

const vars = {
  name: 'web',
  port: 8080,
  ratio: 0.5,
  enabled: true,
  off: false,
  nul: null,
  empty: '',
  list: ['a', 'b'],
  users: [
    { name: 'alice', admin: true, groups: ['wheel'] },
    { name: 'bob', admin: false, groups: [] },
  ],
  settings: { CONFIG_A: 'y', nested: { deep: [10, 20] } },
  item: { key: 'net.ipv4.ip_forward', value: 1 },
  hostvars: { opctl: { ansible_host: '198.18.0.10', public_ip: '1.2.3.4' }, 'web-1': { ansible_host: '198.18.0.11' } },
  groups: { controller: ['opctl'], all: ['opctl', 'web-1'] },
  count: 3,
  hash: 'abc123',
  first: 'primary',
};

const r = (t: string, v: Record<string, unknown> = vars) => templar.render(t, v);
const s = (t: string, v: Record<string, unknown> = vars) => templar.renderString(t, v);

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw new Error(`expected a TemplateError, got ${String(err)}`);
  }
  throw new Error('expected an error, got none');
}

describe('native values', () => {
  it.each([
    ['{{list}}', ['a', 'b']],
    ['{{ list }}', ['a', 'b']],
    ['{{ settings }}\n', vars.settings],
    ['{{port}}', 8080],
    ['{{ ratio }}', 0.5],
    ['{{enabled}}', true],
    ['{{ off }}', false],
    ['{{nul}}', null],
    ['{{name}}', 'web'],
    ['{{length list}}', 2],
    ['{{ list | length }}', 2],
    ['{{ port > 80 }}', true],
    ['{{ [port, name] }}', [8080, 'web']],
    ["{{ {'a': port} }}", { a: 8080 }],
    ['{{ "8080" | int }}', 8080],
    ['{{from_json "[1, 2]"}}', [1, 2]],
    ['{{dict2items settings}}', [{ key: 'CONFIG_A', value: 'y' }, { key: 'nested', value: { deep: [10, 20] } }]],
    ['{{settings.nested.deep.[1]}}', 20],
    ['{{default missing (from_json "{}")}}', {}],
  ])('%s', (template, expected) => {
    expect(r(template)).toEqual(expected);
  });

  it('renders anything else to a string', () => {
    expect(r('port {{port}}')).toBe('port 8080');
    expect(r('{{port}}{{port}}')).toBe('80808080');
    expect(r('{{! a comment }}{{port}}')).toBe('8080');
    expect(r('{{#if enabled}}{{port}}{{/if}}')).toBe('8080');
  });

  it('keeps the text around a single mustache when the value is text, as Ansible does', () => {
    // content: "{{ x }}\n" must write the final newline (Ansible preserves trailing newlines).
    expect(r('{{ name }}\n')).toBe('web\n');
    expect(r('{{name}}\n\n')).toBe('web\n\n');
    expect(r('  {{ name | upper }}\n')).toBe('  WEB\n');
    expect(s('{{ port }}\n')).toBe('8080\n');
    expect(s('{{ list }}\n')).toBe("['a', 'b']\n");
    // Only trailing whitespace: other values keep their type, as ansible-core 2.14 gives them
    // (content: "{{ port }}\n" writes 8080 without the newline there too); leading: text.
    expect(r('{{ port }}\n')).toBe(8080);
    expect(r('{{ list }}\n')).toEqual(['a', 'b']);
    expect(r('  {{ port }}\n')).toBe('  8080\n');
  });

  it('keeps backslashes in string literals of playbook values, as Ansible escapes them (measured with its Templar)', () => {
    const v = { ...vars, l: ['a', 'b'], h: 'web.01' };
    expect(r("{{ l | join('\\n') }}", v)).toBe('a\\nb');
    expect(r("x {{ l | join('\\n') }}", v)).toBe('x a\\nb');
    expect(r("{{ h | regex_replace('\\.', '-') }}", v)).toBe('web-01');
    expect(r("{{ h | regex_replace('\\\\.', '-') }}", v)).toBe('web.01');
    expect(r("{% if 1 %}{{ l | join('\\t') }}{% endif %}", v)).toBe('a\\tb');
    expect(r("{{ 'a\\\\b' }}", v)).toBe('a\\\\b');
    expect(r("{% raw %}{{ 'a\\n' }}{% endraw %}", v)).toBe("{{ 'a\\n' }}");
    // Template files are not escaped: there '\n' is a newline.
    expect(templar.renderFile("{{ l | join('\\n') }}", v, { path: 'x.j2' })).toBe('a\nb');
    expect(templar.renderFile("{{ l | join('\\n') }}", v, { path: 'x.txt' })).toBe('a\nb');
  });

  it("follows Jinja's final-newline rule as ansible-core 2.14 does (measured with its Templar)", () => {
    // Jinja drops the template's last newline; Ansible restores only the newlines missing.
    const v = { ...vars, body: 'x\n', yaml: '[80, 443]\n' };
    expect(r('{{ body }}\n', v)).toBe('x\n');
    expect(r('{{ body }}\n\n\n', v)).toBe('x\n\n\n');
    expect(r('a {{ body }}\n', v)).toBe('a x\n');
    expect(r('p={{ yaml }}\n', v)).toBe('p=[80, 443]\n');
    expect(r('a\n{{ body }}\n\n', v)).toBe('a\nx\n\n');
    expect(r('a {{ name }}\n')).toBe('a web\n');
    // Whitespace left after the drop makes text of a number; a list comes back as data.
    expect(r('{{ port }}\n\n')).toBe('8080\n\n');
    expect(r('{{ port }} ')).toBe('8080 ');
    expect(r('{{ list }} \n')).toEqual(['a', 'b']);
    // Handlebars blocks keep their own whitespace rules.
    expect(r('{{#if enabled}}\nline\n{{/if}}\n')).toBe('line\n');
  });

  it('renderString always returns text', () => {
    expect(s('{{port}}')).toBe('8080');
    expect(s('{{list}}')).toBe("['a', 'b']");
    expect(s('{{nul}}')).toBe('');
    expect(s('no template')).toBe('no template');
  });

  it('prints values inside text as Jinja does in Ansible: Python reprs, null as nothing', () => {
    expect(r('x={{list}}')).toBe("x=['a', 'b']");
    expect(r('x={{ settings.nested }}')).toBe("x={'deep': [10, 20]}");
    expect(r('[{{nul}}]')).toBe('[]');
    expect(r('{{enabled}}/{{off}}')).toBe('True/False');
    expect(r('DEBUG = {{ enabled }}\n')).toBe('DEBUG = True\n');
    expect(r('x={{ enabled | bool }} {{ [nul, 1.5e-7, "it\'s"] }}')).toBe('x=True [None, 1.5e-07, "it\'s"]');
    expect(r('{{ name }}: {{ users[0] }}')).toBe("web: {'name': 'alice', 'admin': True, 'groups': ['wheel']}");
  });

  it('prints JSON-like in Handlebars forms (helpers, blocks), which keep their own output', () => {
    expect(r('x={{default missing list}}')).toBe('x=["a","b"]');
    expect(r('{{#if enabled}}{{ enabled }} {{list}}{{/if}}')).toBe('true ["a","b"]');
    expect(r('{{#each users}}{{admin}},{{/each}}')).toBe('true,false,');
    expect(templar.renderFile('x={{ list }} {{ enabled }}', vars, { path: 'a.hbs' })).toBe('x=["a","b"] true');
    expect(templar.renderFile('x={{ list }} {{ enabled }}', vars, { path: 'a.conf' })).toBe("x=['a', 'b'] True");
  });
});

describe('text that reads as data, as Ansible reads it back (ansible_eval_concat)', () => {
  const json = '{"name": "api", "ok": true, "none": null, "mods": ["auth", "db"]}';
  const data = { name: 'api', ok: true, none: null, mods: ['auth', 'db'] };
  const v = { ...vars, json, b64: Buffer.from(json).toString('base64'), t: 'True', lower: 'true', broken: '[1, 2', py: "{'a': (1, 2), 'b': 'it\\'s'}", cfg: { b: [1], a: 'x' } };

  it('makes a single {{ }} whose text is a Python or JSON literal into that data', () => {
    expect(r('{{ json }}', v)).toEqual(data);
    expect(r('{{ b64 | b64decode }}', v)).toEqual(data);
    expect(r('{{ py }}', v)).toEqual({ a: [1, 2], b: "it's" });
    expect(r('{{ t }}', v)).toBe(true);
    expect(r("{{ '[1, 2]' }}", v)).toEqual([1, 2]);
    // Jinja drops the final newline, so this is one value for Ansible too (measured: a dict).
    expect(r('{{ json }}\n', v)).toEqual(data);
  });

  it('keeps text that is not a literal, or not only a literal, or not one value', () => {
    expect(r('{{ lower }}', v)).toBe('true');
    expect(r('{{ broken }}', v)).toBe('[1, 2');
    expect(r('{{ json }} ', v)).toBe(`${json} `);
    expect(r('x{{ json }}', v)).toBe(`x${json}`);
    expect(r('{{ json }}{{ json }}', v)).toBe(json + json);
    expect(s('{{ json }}', v)).toBe(json);
  });

  it('keeps what to_json, to_nice_json, to_yaml and string return as text, also when used later through a variable', () => {
    const nice = r('{{ cfg | to_nice_json }}', v);
    expect(nice).toBe('{\n    "a": "x",\n    "b": [\n        1\n    ]\n}');
    expect(r('{{ cfg | to_json }}', v)).toBe('{"b": [1], "a": "x"}');
    expect(r('{{ cfg.b | string }}', v)).toBe('[1]');
    expect(r('{{ cfg.b | to_yaml }}', v)).toBe('[1]\n');
    expect(r('{{ later }}', { ...v, later: nice })).toBe(nice);
  });

  it('leaves Handlebars helper values as they are', () => {
    expect(r('{{default missing json}}', v)).toBe(json);
  });
});

describe('Handlebars', () => {
  it('looks up nested paths, indexes and bracketed keys', () => {
    expect(r('{{settings.nested.deep.[0]}}')).toBe(10);
    expect(r('{{hostvars.[opctl].ansible_host}}')).toBe('198.18.0.10');
    expect(r('{{hostvars.[web-1].ansible_host}}')).toBe('198.18.0.11');
    expect(r('{{lookup (lookup hostvars (lookup groups.controller 0)) "public_ip"}}')).toBe('1.2.3.4');
    expect(r('{{lookup settings "CONFIG_A"}}')).toBe('y');
  });

  it('iterates with #each, @index, @key, this, @first/@last and block params', () => {
    expect(r('{{#each list}}{{@index}}={{this}}{{#unless @last}},{{/unless}}{{/each}}')).toBe('0=a,1=b');
    expect(r('{{#each settings}}{{@key}};{{/each}}')).toBe('CONFIG_A;nested;');
    expect(r('{{#each users as |u i|}}{{i}}:{{u.name}} {{/each}}')).toBe('0:alice 1:bob ');
    expect(r('{{#each users}}{{name}}@{{../name}} {{/each}}')).toBe('alice@web bob@web ');
    expect(r('{{#each users}}{{#if @first}}first={{name}}{{/if}}{{/each}}')).toBe('first=alice');
    expect(r('{{#each empty_list}}x{{else}}empty{{/each}}', { empty_list: [] })).toBe('empty');
  });

  it('has #with, #if/else if/else, #unless and whitespace control', () => {
    expect(r('{{#with settings.nested}}{{deep.[1]}}{{/with}}')).toBe('20');
    expect(r('{{#if off}}a{{else if enabled}}b{{else}}c{{/if}}')).toBe('b');
    expect(r('{{#unless off}}shown{{/unless}}')).toBe('shown');
    expect(r('a  {{~name~}}  b')).toBe('awebb');
    expect(r('{{#if enabled}}\nline\n{{/if}}\n')).toBe('line\n');
  });

  it('uses Jinja truthiness in #if (empty list/mapping/string are false)', () => {
    expect(r('{{#if empty_list}}y{{else}}n{{/if}}', { empty_list: [] })).toBe('n');
    expect(r('{{#if m}}y{{else}}n{{/if}}', { m: {} })).toBe('n');
    expect(r('{{#if z}}y{{else}}n{{/if}}', { z: 0 })).toBe('n');
    expect(r('{{#if z}}y{{else}}n{{/if}}', { z: '0' })).toBe('y');
  });

  it('has comparison and logic helpers for block conditions', () => {
    expect(r('{{#if (eq name "web")}}y{{/if}}')).toBe('y');
    expect(r('{{#if (ne name "web")}}y{{else}}n{{/if}}')).toBe('n');
    expect(r('{{#if (gt port 80)}}y{{/if}}')).toBe('y');
    expect(r('{{#if (and enabled (lt port 9000))}}y{{/if}}')).toBe('y');
    expect(r('{{#if (or off empty)}}y{{else}}n{{/if}}')).toBe('n');
    expect(r('{{#if (not off)}}y{{/if}}')).toBe('y');
    expect(r('{{ge 2 2}}')).toBe(true);
    expect(r('{{le 3 2}}')).toBe(false);
  });

  it('passes helper options as keyword arguments', () => {
    expect(r('{{to_nice_json settings.nested indent=2}}')).toBe('{\n  "deep": [\n    10,\n    20\n  ]\n}');
    expect(r('{{default empty "x" boolean=true}}')).toBe('x');
    expect(r('{{regex_replace "Hello" "hello" "bye" ignorecase=true}}')).toBe('bye');
  });

  it('keeps literal text: comments, raw blocks and escaped mustaches', () => {
    expect(r('a{{!-- {{not rendered}} --}}b')).toBe('ab');
    expect(r('{{{{raw}}}}{{name}}{{{{/raw}}}}')).toBe('{{name}}');
    expect(r('\\{{name}} {{name}}')).toBe('{{name}} web');
  });

  it('treats a variable named like a helper as the variable', () => {
    expect(r('{{count}}')).toBe(3);
    expect(r('{{ hash }}-{{first}}')).toBe('abc123-primary');
    expect(r('{{#each users as |first|}}{{first.name}},{{/each}}')).toBe('alice,bob,');
    expect(r('{{upper first}}')).toBe('PRIMARY');
  });

  it('reports unknown helpers with a suggestion, and unsupported partials', () => {
    expect(errorOf(() => r('{{uper name}}')).message).toBe(`unknown helper 'uper' at line 1 (did you mean 'upper'?) (in "{{uper name}}")`);
    expect(errorOf(() => r('{{#each (nosuch list)}}{{/each}}')).message).toContain("unknown helper 'nosuch'");
    expect(errorOf(() => r('{{#if (name)}}{{/if}}')).message).toContain("unknown helper 'name'");
    expect(errorOf(() => r('x\n{{#eahc list}}{{/eahc}}')).message).toContain("unknown helper 'eahc' at line 2");
    expect(errorOf(() => r('{{log name}}')).message).toContain("unknown helper 'log'");
    expect(errorOf(() => r('{{> header}}')).message).toContain('partials ({{> header}}) are not supported');
  });

  it('reports Handlebars syntax errors in one line', () => {
    expect(errorOf(() => r('{{#if enabled}}x')).message).toBe(
      'Handlebars parse error on line 1: unexpected end of template (is a block such as {{#if}} not closed?) (in "{{#if enabled}}x")',
    );
    expect(errorOf(() => r('{{#if enabled}}x{{/each}}')).message).toContain("if doesn't match each");
    expect(errorOf(() => r('{{name')).message).toContain("unclosed '{{'");
  });

  it('names the line of a template file error, never an offset', () => {
    const unclosed = errorOf(() => s('line one\nline two {{ name \nline three\n').valueOf());
    expect(unclosed.message).toContain("unclosed '{{' at line 2, column 10");
    expect(unclosed.message).not.toContain('offset');
    expect(unclosed.line).toBe(2);
    const jinja = errorOf(() => s('a\nb\n{% if x %}\nc\n{% endif %}\n'));
    expect(jinja.line).toBe(3);
    expect(jinja.message).toContain('line 3: "{% if x %}"');
    const block = errorOf(() => s('a\n{{#if enabled}}\nb\n{{/each}}\n'));
    expect(block.line).toBe(2); // the block that is not closed
  });
});

describe('Jinja-style mustaches', () => {
  it('evaluates pipes, comparisons, inline if and literals', () => {
    expect(r('{{ item.key | upper }}={{ item.value }}')).toBe('NET.IPV4.IP_FORWARD=1');
    expect(r("{{ missing | default('kvm') }}")).toBe('kvm');
    expect(r("port: {{ port if enabled else 'none' }}")).toBe('port: 8080');
    expect(r("{{ hostvars['opctl'].ansible_host }}")).toBe('198.18.0.10');
    expect(r('{{ users | selectattr("admin") | map(attribute="name") | join(",") }}')).toBe('alice');
    expect(r("{{ 'a' ~ name }}")).toBe('aweb');
    expect(r('{{ not enabled }}')).toBe(false);
    expect(r('{{ name == "web" and port > 80 }}')).toBe(true);
    expect(r("{{ lookup('env', 'TSPLAY_UNSET_FOR_TEST') }}")).toBe('');
    expect(r('{{ -1 }}')).toBe(-1);
    expect(r('{{ "}}" }}')).toBe('}}');
    expect(r("{{ {'a': {'b': 1}} }}")).toEqual({ a: { b: 1 } });
  });

  it('keeps quotes, backslashes, braces and newlines of expressions intact', () => {
    expect(r(`{{ "say \\"hi\\"" ~ ' it\\'s' }}`)).toBe(`say "hi" it's`);
    // A playbook value's literal means what it says (Ansible doubles its backslashes): one `\d`.
    expect(r("{{ 'a1b22' | regex_replace('\\d+', '#') }}")).toBe('a#b#');
    expect(r('{{ "{{" ~ "}}" }}')).toBe('{{}}');
    expect(r("{{ list\n   | join(', ') }}")).toBe('a, b');
  });

  it('reports errors in template files with their line', () => {
    const file = 'line one\n{{ name | upper }}\n{{#if enabled}}\n  {{uper name}}\n{{/if}}\n';
    expect(errorOf(() => s(file, vars)).reason).toBe("unknown helper 'uper' at line 4 (did you mean 'upper'?)");
    const where = '/srv/roles/app/templates/app.conf.hbs';
    const at = (template: string) => errorOf(() => templar.renderString(template, vars, where)).message;
    expect(at('a\n{{ missing_var }}\n')).toBe(`'missing_var' is undefined (in ${where}, line 2: "{{ missing_var }}")`);
    expect(at('port={{port}}\nname={{ missing_var }}\n')).toBe(`'missing_var' is undefined (in ${where}, line 2: "name={{ missing_var }}")`);
    expect(at('{{#each users}}\n{{name}}\n  {{upper missing_var}}\n{{/each}}')).toBe(`'missing_var' is undefined (in ${where}, line 3: "{{upper missing_var}}")`);
    expect(at('{{#if enabled}}\n\n{{ missing_var | upper }}\n{{/if}}')).toBe(`'missing_var' is undefined (in ${where}, line 3: "{{ missing_var | upper }}")`);
    expect(at('x\n{{#each missing_var}}{{/each}}')).toBe(`'missing_var' is undefined (in ${where}, line 2: "{{#each missing_var}}{{/each}}")`);
    expect(at('x\n\n{{ 1 / 0 }}')).toBe(`division by zero in '/' (in ${where}, line 3: "{{ 1 / 0 }}")`);
  });

  it('accepts expressions as block conditions, including else if', () => {
    expect(r('{{#if missing is defined}}a{{else if port > 80}}b{{else}}c{{/if}}')).toBe('b');
    expect(r('{{#unless users | length > 5}}few{{/unless}}')).toBe('few');
    expect(r("{{#each users | selectattr('admin')}}{{name}}{{/each}}")).toBe('alice');
    expect(r('{{#each users as |u|}}{{#if u.admin and u.groups | length > 0}}{{u.name}}{{/if}}{{/each}}')).toBe('alice');
  });

  it('sees the current context, block parameters and the root variables', () => {
    expect(r('{{#each users}}{{ name | upper }}@{{ name ~ "/" ~ port }} {{/each}}')).toBe('ALICE@alice/8080 BOB@bob/8080 ');
    expect(r('{{#each list as |x i|}}{{ i }}:{{ x | upper }} {{/each}}')).toBe('0:A 1:B ');
    expect(r('{{#each users as |u|}}{{#each u.groups as |g|}}{{ u.name ~ ":" ~ g }}{{/each}}{{/each}}')).toBe('alice:wheel');
  });

  it('reports a mustache that is neither style with the expression error', () => {
    expect(errorOf(() => r('{{ name | uper }}')).message).toBe(
      `cannot parse {{ name | uper }}: unknown filter 'uper' (did you mean 'upper'?) at column 8 in "name | uper" (in "{{ name | uper }}")`,
    );
  });

  it('renders Jinja statements in playbook strings, and leaves a lone {% that is no statement as text', () => {
    expect(r('{% if x is defined %}y{% else %}n{% endif %}')).toBe('n');
    expect(s('{% for u in users %}{{ u.name }} {% endfor %}', { users: [{ name: 'a' }, { name: 'b' }] })).toBe('a b ');
    expect(r("printf '{%s}'")).toBe("printf '{%s}'");
    expect(r('echo ${#list[@]}')).toBe('echo ${#list[@]}');
  });

  it('refuses Jinja statements in a .hbs file, pointing to Handlebars blocks or .j2', () => {
    const err = errorOf(() => templar.renderFile('a\n{% if x %}y{% endif %}\n', vars, { path: 'roles/r/templates/app.conf.hbs' }));
    expect(err.message).toContain("Jinja statements such as '{% if %}' are not supported in a Handlebars (.hbs) template");
    expect(err.message).toContain('or name the file .j2');
    expect(err.message).toContain('app.conf.hbs, line 2');
  });
});

describe('undefined variables', () => {
  it('are errors naming the variable', () => {
    const e = errorOf(() => r('{{nova_virt_type}}'));
    expect(e.variable).toBe('nova_virt_type');
    expect(e.reason).toBe("'nova_virt_type' is undefined");
    for (const t of ['x={{nova_virt_type}}', '{{ nova_virt_type }}', '{{upper nova_virt_type}}', '{{ nova_virt_type | upper }}', '{{#each nova_virt_type}}{{/each}}', '{{#with nova_virt_type}}{{/with}}', 'a {{#if enabled}}{{nova_virt_type}}{{/if}}']) {
      expect(errorOf(() => r(t)).variable, t).toBe('nova_virt_type');
    }
  });

  it('name the full path and where it broke', () => {
    expect(errorOf(() => r('{{settings.nested.missing}}')).reason).toBe("'settings.nested.missing' is undefined: 'settings.nested' (mapping) has no key 'missing'");
    expect(errorOf(() => r('{{a.b.c}}')).reason).toBe("'a.b.c' is undefined: 'a' is undefined");
    expect(errorOf(() => r('{{hostvars.[web-2].ansible_host}}')).variable).toBe('hostvars["web-2"].ansible_host');
    expect(errorOf(() => r('{{#each users as |u|}}{{u.email}}{{/each}}')).reason).toBe("'u.email' is undefined: 'u' (mapping) has no key 'email'");
    expect(errorOf(() => r('{{#each users}}{{email}}{{/each}}')).reason).toBe("'email' is undefined");
    expect(errorOf(() => r('{{lookup hostvars "db"}}')).reason).toBe("'db' is undefined: the dict given to lookup has no key 'db'");
    expect(errorOf(() => r('{{@foo}}')).reason).toBe("'@foo' is undefined");
    expect(r('{{@root.name}}')).toBe('web');
    expect(r('{{#each list}}{{@root.name}}{{/each}}')).toBe('webweb');
  });

  it('are accepted by default, #if and #unless', () => {
    expect(r('{{default nova_virt_type "kvm"}}')).toBe('kvm');
    expect(r('{{d nova_virt_type "kvm"}}')).toBe('kvm');
    expect(r('{{default a.b.c "deep"}}')).toBe('deep');
    expect(r('{{#if nova_virt_type}}set{{else}}unset{{/if}}')).toBe('unset');
    expect(r('{{#if a.b.c}}set{{else}}unset{{/if}}')).toBe('unset');
    expect(r('{{#unless a.b}}unset{{/unless}}')).toBe('unset');
    expect(r('{{#flag}}on{{else}}off{{/flag}}')).toBe('off');
  });

  it('mandatory names the variable', () => {
    expect(errorOf(() => r('{{mandatory db_password}}')).reason).toBe("mandatory variable 'db_password' is not defined");
  });

  it('carry the caller context, the key path and the template', () => {
    const e = errorOf(() => templar.render({ dest: '/etc/{{ app }}.conf', mode: '0644' }, vars, "task 'Write config'"));
    expect(e.message).toBe(`'app' is undefined (in task 'Write config', key 'dest': "/etc/{{ app }}.conf")`);
    const nested = errorOf(() => templar.render({ a: [{ b: '{{ nope }}' }] }, vars));
    expect(nested.message).toBe(`'nope' is undefined (in key 'a[0].b': "{{ nope }}")`);
  });

  it('through a lazily templated variable, say which variable and which use', () => {
    const merged = mergeLayers([{ controller_ip: '{{ hostvars[groups.controller[0]].private_ip }}' }, { hostvars: vars.hostvars, groups: vars.groups }], templar);
    const e = errorOf(() => templar.render('{{ controller_ip }}:5000', merged, "task 'Keystone'"));
    expect(e.variable).toBe('hostvars.opctl.private_ip');
    expect(e.message).toBe(
      `'hostvars.opctl.private_ip' is undefined: 'hostvars.opctl' (mapping) has no key 'private_ip' (in variable 'controller_ip': "{{ hostvars[groups.controller[0]].private_ip }}", via task 'Keystone')`,
    );
  });

  it('are not fooled by prototype members', () => {
    expect(errorOf(() => r('{{constructor}}')).variable).toBe('constructor');
    expect(errorOf(() => r('{{list.constructor.name}}')).variable).toBe('list.constructor.name');
    expect(errorOf(() => r('{{__proto__}}')).variable).toBe('__proto__');
  });
});

describe('deep render', () => {
  it('renders strings in lists, mappings and keys, keeping native values', () => {
    const out = templar.render({ '{{ name }}_port': '{{port}}', list: ['{{ list }}', 'x{{name}}'], n: 1, b: true, nul: null }, vars);
    expect(out).toEqual({ web_port: 8080, list: [['a', 'b'], 'xweb'], n: 1, b: true, nul: null });
  });

  it('returns untemplated parts as the same objects', () => {
    const plain = { a: [1, { b: 'c' }], d: 'e' };
    expect(templar.render(plain, vars)).toBe(plain);
    const mixed = { keep: { x: 1 }, change: '{{name}}' };
    const out = templar.render(mixed, vars) as typeof mixed;
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(mixed.keep);
  });

  it('works with lazily templated variables from the precedence layers', () => {
    const merged = mergeLayers([{ base: '/srv', conf: '{{ base }}/etc', files: ['{{ conf }}/a', '{{ conf }}/b'], ports: '{{ [80, 443] }}' }], templar);
    expect(templar.render('{{ files }}', merged)).toEqual(['/srv/etc/a', '/srv/etc/b']);
    expect(templar.render('{{ ports | sum }}', merged)).toBe(523);
    const loop = mergeLayers([{ a: '{{ b }}', b: '{{ a }}' }], templar);
    expect(() => templar.render('{{ a }}', loop)).toThrow(/recursive loop detected in template for variable/);
  });

  it('says isTemplate only for {{', () => {
    expect(templar.isTemplate('a {{ b }}')).toBe(true);
    expect(templar.isTemplate('a { b }')).toBe(false);
  });
});

describe('caching', () => {
  it('compiles each distinct Handlebars template once, whatever the variables', () => {
    const t = new Templar();
    const compile = vi.spyOn(t.handlebars, 'compile');
    const templates = ['{{#each list}}{{this}}{{/each}}', '{{upper name}} and {{lower name}}', '{{default x "y"}}'];
    for (let host = 0; host < 50; host++) {
      const hv = { list: [host, host + 1], name: `h${host}` };
      for (const tpl of templates) t.render(tpl, hv);
    }
    expect(compile).toHaveBeenCalledTimes(3);
    expect(t.cacheSize).toBe(3);
  });

  it('renders plain-variable templates and single expressions without compiling', () => {
    const t = new Templar();
    const compile = vi.spyOn(t.handlebars, 'compile');
    for (let i = 0; i < 20; i++) {
      expect(t.render('{{root}}/etc/{{name}}.conf', { root: `/r${i}`, name: 'app' })).toBe(`/r${i}/etc/app.conf`);
      expect(t.render('{{ port | int + i }}', { port: '80', i })).toBe(80 + i);
    }
    expect(compile).not.toHaveBeenCalled();
    expect(t.cacheSize).toBe(2);
  });

  it('keeps nested renders of the same captured template apart', () => {
    const t = new Templar();
    const template = '{{length x}}';
    // Reading `x` renders the same template with other variables, as a lazily templated
    // variable does: each render must get its own value back.
    const inner = { x: [1, 2, 3, 4, 5] };
    const outer = Object.defineProperty({}, 'x', { enumerable: true, get: () => new Array((t.render(template, inner) as number) + 1).fill(0) });
    expect(t.render(template, outer)).toBe(6);
    expect(t.render(template, inner)).toBe(5);
  });
});
