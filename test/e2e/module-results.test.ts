/**
 * What the executor does with a module's result: `changed` is required (a clear failed
 * task otherwise, which ignore_errors can let pass), and `ansible_facts` from any module
 * become facts seen both as `ansible_facts.x` and as `x`, as in Ansible.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonResults, moduleSource, runProject, writeProject } from './project-helper.js';

beforeAll(ensureBuilt);

describe('module results', () => {
  it('a run() that returns nothing, or no boolean changed, fails that task naming the module and its file; the run goes on', () => {
    const dir = writeProject({
      'site.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - { name: nothing, returns_nothing: {}, ignore_errors: true }
    - { name: no changed, no_changed: {}, ignore_errors: true }
    - { name: string changed, string_changed: {}, ignore_errors: true }
    - { name: after, debug: msg=still-running }
    - { name: fails for real, returns_nothing: {} }
    - { name: never, debug: msg=not-reached }
`,
      'modules/returns_nothing.ts': moduleSource('returns_nothing', 'return undefined;'),
      'modules/no_changed.ts': moduleSource('no_changed', "return { msg: 'forgot' };"),
      'modules/string_changed.ts': moduleSource('string_changed', "return { changed: 'yes' };"),
    });
    const run = runProject(dir, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    const r = jsonResults(run);
    expect(r.get('nothing')).toMatchObject({ failed: true });
    expect(r.get('nothing')!.msg).toBe(
      `module 'returns_nothing' (${dir}/modules/returns_nothing.ts) returned no result: its run() must return an object such as { changed: false }`,
    );
    expect(r.get('no changed')!.msg).toBe(
      `module 'no_changed' (${dir}/modules/no_changed.ts) returned a result without 'changed': its run() must return an object such as { changed: false } or { changed: true }`,
    );
    expect(r.get('string changed')!.msg).toMatch(/returned 'changed' as "yes" \(string\); it must be true or false$/);
    expect(r.get('after')).toMatchObject({ failed: false, msg: 'still-running' });
    expect(r.get('fails for real')).toMatchObject({ failed: true });
    expect(r.has('never')).toBe(false);
    expect(JSON.parse(run.stdout).stats.localhost).toMatchObject({ ok: 4, failed: 1, ignored: 3 });
  });

  it('ansible_facts from any module are ansible_facts.x and x (below play vars); set_fact stays a host variable; facts are data', () => {
    const dir = writeProject({
      'site.yml': `
- hosts: localhost
  gather_facts: false
  vars: { app_color: from-play-vars }
  tasks:
    - { name: facts, app_facts: {} }
    - name: show
      debug:
        msg: "{{ ansible_facts.app_port }} {{ app_port }} {{ ansible_facts.app_release }} {{ ansible_app_release }} {{ ansible_facts.app_color }} {{ app_color }}"
    - { name: set, set_fact: { chosen: 1 } }
    - name: set_fact is not a fact
      debug:
        msg: "{{ chosen }} {{ ansible_facts.chosen is defined }}"
    - name: looped facts
      app_facts: { suffix: "{{ item }}" }
      loop: [x, y]
    - { name: show loop, debug: { msg: "{{ ansible_facts.app_port }}" } }
    - { name: raw text stays text, debug: { msg: "{{ app_template }}" } }
    - { name: clear, meta: clear_facts }
    - { name: after clear, debug: { msg: "{{ app_port | default('gone') }} {{ ansible_facts.app_port | default('gone') }}" } }
`,
      'modules/app_facts.ts': moduleSource(
        'app_facts',
        "const s = ctx.args.suffix ?? ''; return { changed: false, ansible_facts: { app_port: '8080' + s, ansible_app_release: 'r2', app_color: 'from-facts', app_template: '{{ app_port }}' } };",
      ),
    });
    const run = runProject(dir, '--json');
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    const r = jsonResults(run);
    expect(r.get('show')!.msg).toBe('8080 8080 r2 r2 from-facts from-play-vars');
    expect(r.get('set_fact is not a fact')!.msg).toBe('1 False');
    expect(r.get('show loop')!.msg).toBe('8080y');
    // A fact holding template text is data: it is not rendered when read.
    expect(r.get('raw text stays text')!.msg).toBe('{{ app_port }}');
    expect(r.get('after clear')!.msg).toBe('gone gone');
  });
});
