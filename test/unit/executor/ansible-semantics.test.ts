/**
 * Behaviours where tsplay must give ansible-playbook's results (issue 15): each case was
 * checked against ansible-core 2.14 on localhost; test/compat runs the same playbooks
 * under both tools.
 */
import { describe, expect, it } from 'vitest';
import { runYaml } from './run-helper.js';

const TWO = '[web]\na ansible_connection=local\nb ansible_connection=local\n';
const ONE = 'a ansible_connection=local\n';
const counts = (r: { stats: { toJSON(): Record<string, unknown> } }, host: string) => r.stats.toJSON()[host];

describe('ansible semantics', () => {
  it('a command skipped in check mode registers empty output and rc 0', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { command: echo hi, register: out }
    - { name: use, debug: { msg: "[{{ out.stdout }}] {{ out.stdout_lines | length }} {{ out.rc }}" } }
`, ONE, { check: true });
    expect(r.results.get('a command')).toMatchObject({ skipped: true, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], rc: 0 });
    expect(r.results.get('a use')?.msg).toBe('[] 0 0');
  });

  it('set_fact in a loop: each item sees the facts of the items before it', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - set_fact: { acc: "{{ acc | default([]) + [item] }}" }
      loop: [1, 2, 3]
    - { name: show, debug: { msg: "{{ acc }}" } }
`, ONE);
    expect(r.results.get('a show')?.msg).toEqual([1, 2, 3]);
  });

  it('any_errors_fatal stops the later plays too', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - { name: boom, fail: { msg: x }, when: inventory_hostname == 'a' }
    - { name: after, debug: { msg: y } }
- hosts: web
  gather_facts: false
  tasks:
    - { name: play2, debug: { msg: z } }
`, TWO);
    expect(r.log.filter((l) => l.startsWith('play '))).toHaveLength(1);
    expect(r.log.some((l) => l.includes('play2') || l.includes('after'))).toBe(false);
    expect(r.exitCode).toBe(2);
  });

  it('a play whose hosts all failed ends the playbook', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks: [{ name: boom, fail: { msg: x } }]
- hosts: web
  gather_facts: false
  tasks: [{ name: play2, debug: { msg: z } }]
`, TWO);
    expect(r.log.some((l) => l.includes('play2'))).toBe(false);
  });

  it('rescue sees ansible_failed_task and ansible_failed_result', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - block:
        - { name: breaks, command: /bin/false }
      rescue:
        - { name: why, debug: { msg: "{{ ansible_failed_task.name }}/{{ ansible_failed_task.action }}/{{ ansible_failed_result.rc }}" } }
`, ONE);
    expect(r.results.get('a why')?.msg).toBe('breaks/command/1');
    expect(counts(r, 'a')).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('a failure that enters rescue counts rescued even when the rescue fails (ansible-core 2.14)', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - block:
        - { name: breaks, command: /bin/false }
      rescue:
        - { name: rescue breaks too, fail: { msg: no } }
`, ONE);
    expect(counts(r, 'a')).toMatchObject({ failed: 1, rescued: 1 });
  });

  it('vars_files naming a fact are read once facts exist, with the first-found list form', async () => {
    const r = await runYaml(`
- hosts: a
  vars_files:
    - common.yml
    - "os/{{ ansible_system }}.yml"
    - ["os/{{ ansible_system }}-missing.yml", "os/{{ ansible_system }}.yml"]
  tasks:
    - { name: show, debug: { msg: "{{ common }} {{ system_var }}" } }
`, ONE, {}, { 'vars/common.yml': 'common: c\n', 'os/Linux.yml': 'system_var: linux\n' });
    expect(r.results.get('a show')?.msg).toBe('c linux');
  });

  it('recap: includes count ok, run_once once, an ignored change as changed', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - include_tasks: inc.yml
    - include_tasks: inc.yml
      loop: [x, y]
    - include_tasks: inc.yml
      when: inventory_hostname == 'a'
    - { command: echo once, run_once: true, register: once }
    - { shell: "echo x; exit 1", ignore_errors: true }
`, TWO, {}, { 'inc.yml': '- debug: { msg: inc }\n' });
    expect(counts(r, 'a')).toMatchObject({ ok: 10, changed: 2, skipped: 0, ignored: 1 });
    expect(counts(r, 'b')).toMatchObject({ ok: 7, changed: 1, skipped: 1, ignored: 1 });
  });
});

describe('roles and inventory changes during a run', () => {
  it('import_role and include_role with tasks_from, vars_from, loops and public', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - import_role: { name: web, tasks_from: setup }
    - include_role: { name: web, vars_from: other }
    - include_role: { name: web, tasks_from: setup }
      loop: [x, y]
    - include_role: { name: web, public: true, defaults_from: alt }
    - { name: after, debug: { msg: "{{ web_port }}" } }
`, ONE, {}, {
      'roles/web/tasks/main.yml': '- { name: main, debug: { msg: "{{ web_port }} {{ extra | default(0) }}" } }\n',
      'roles/web/tasks/setup.yml': '- { name: setup, debug: { msg: "setup {{ item | default(0) }}" } }\n',
      'roles/web/defaults/main.yml': 'web_port: 80\n',
      'roles/web/defaults/alt.yml': 'web_port: 8080\n',
      'roles/web/vars/other.yml': 'extra: 1\n',
    });
    expect(r.log.filter((l) => l.startsWith('a ok web : setup'))).toHaveLength(3);
    expect(r.results.get('a after')?.msg).toBe(8080);
    expect(counts(r, 'a')).toMatchObject({ ok: 6, failed: 0 });
  });

  it('include_vars, group_by and add_host change what later tasks and plays see', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - include_vars: one.yml
    - include_vars: { dir: conf, files_matching: "^app_", name: conf }
    - group_by: { key: "grp_{{ v }}" }
    - add_host: { name: "new{{ item }}", groups: extras, ansible_connection: local, mine: "m{{ item }}" }
      loop: [1, 2]
- hosts: grp_1
  gather_facts: false
  tasks:
    - { name: members, debug: { msg: "{{ groups.extras }} {{ conf }}" } }
- hosts: extras
  gather_facts: false
  tasks:
    - { name: added, debug: { msg: "{{ mine }}" } }
`, ONE, {}, { 'vars/one.yml': 'v: 1\n', 'conf/app_a.yml': 'x: 1\n', 'conf/other.yml': 'y: 2\n' });
    expect(r.results.get('a members')?.msg).toBe("['new1', 'new2'] {'x': 1}");
    expect(r.results.get('new2 added')?.msg).toBe('m2');
  });
});
