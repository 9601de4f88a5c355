import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../core/playbook/load.js';
import type { Block, Handler, Task, TaskNode } from '../../../core/playbook/model.js';
import { errorsOf, FIXTURES, options, positions } from './helpers.js';

const dir = join(FIXTURES, 'roles');
const load = () => loadPlaybook(join(dir, 'site.yml'), { ...options, rolesPath: [join(dir, 'extra-roles')] });

/** Task names (or modules) of a node tree, with the role each task carries. */
function outline(nodes: TaskNode[]): unknown[] {
  return nodes.map((n) => {
    if (n.kind === 'block') return { block: n.role?.name ?? '-', of: outline(n.block) };
    if (n.kind === 'include_tasks') return `include ${n.file}`;
    return `${n.role?.name ?? '-'}: ${n.name ?? n.module}`;
  });
}

describe('roles', () => {
  it('expands roles in order, dependencies first, each (role, parameters) once', async () => {
    const play = (await load()).plays[0]!;
    expect(outline(play.roleTasks)).toEqual([
      // common depends on base
      { block: 'common', of: [{ block: 'base', of: ['base: Base task'] }, 'common: Common task'] },
      // web (port 8080): base already ran; common with other parameters runs again (its base is deduped)
      {
        block: 'web',
        of: [
          { block: 'common', of: ['common: Common task'] },
          'web: Web task',
          { block: 'web', of: ['web: Install web packages'] },
        ],
      },
      // web (port 9090): new parameters, so it runs again; its dependencies were already applied
      { block: 'web', of: ['web: Web task', { block: 'web', of: ['web: Install web packages'] }] },
      // plain `web`: no parameters is yet another application
      { block: 'web', of: ['web: Web task', { block: 'web', of: ['web: Install web packages'] }] },
      // the second `web` with port 8080 is a duplicate: gone
      { block: 'shared', of: ['shared: Shared task'] },
      { block: 'layered', of: ['layered: debug'] },
    ]);
    expect(outline(play.tasks)).toEqual(['-: Play task after the roles']);
  });

  it('gives every role task and block its RoleContext: path, defaults, vars, parameters', async () => {
    const play = (await load()).plays[0]!;
    const common = play.roleTasks[0] as Block;
    expect(common.role).toMatchObject({
      name: 'common',
      path: join(dir, 'roles/common'),
      defaults: { common_greeting: 'hello', common_port: 80 },
      vars: { common_port: 81 },
      entryVars: {},
      params: {},
    });
    const task = common.block[1] as Task;
    expect(task.role).toBe(common.role);
    const base = common.block[0] as Block;
    expect(base.role).toMatchObject({ name: 'base', defaults: { base_only: true } });
    const web = play.roleTasks[1] as Block;
    // `vars:` of an entry are role vars; other keys are role params.
    expect(web.role).toMatchObject({ entryVars: { port: 8080 }, params: {} });
    expect((web.block[0] as Block).role).toMatchObject({ entryVars: { from_web: true }, params: {} });
    expect((play.roleTasks[2] as Block).role).toMatchObject({ entryVars: {}, params: { port: 9090 } });
    expect((play.roleTasks[3] as Block).role).toMatchObject({ entryVars: {}, params: {} });
    // defaults/main/ as a directory: files merged in name order
    expect((play.roleTasks[5] as Block).role?.defaults).toEqual({ layer: 'second', first_only: 1 });
  });

  it("puts the role entry's keywords on the role's block (the executor inherits them)", async () => {
    const web = (await load()).plays[0]!.roleTasks[1] as Block;
    expect(web).toMatchObject({ kind: 'block', when: ['deploy_web'], tags: ['web'], become: true, vars: {} });
    expect(web.loc).toMatchObject({ file: join(dir, 'site.yml'), line: 8, column: 7 });
    // import_tasks inside a role: relative to the role's tasks/, wrapped with its own `when`
    const imported = web.block[2] as Block;
    expect(imported).toMatchObject({ kind: 'block', when: ['web_install'] });
    expect((imported.block[0] as Task).loc.file).toBe(join(dir, 'roles/web/tasks/install.yml'));
  });

  it('collects role handlers once per role, before the play handlers, with role topics and entry keywords', async () => {
    const play = (await load()).plays[0]!;
    const summary = play.handlers.map((h: Handler) => ({ name: h.name, role: h.role?.name, listen: h.listen }));
    expect(summary).toEqual([
      { name: 'reload common', role: 'common', listen: ['common : reload common'] },
      { name: 'restart web', role: 'web', listen: ['web config changed', 'web : restart web'] },
      { name: 'play handler', role: undefined, listen: [] },
    ]);
    // the web handler came in through the entry with when/tags/become
    expect(play.handlers[1]).toMatchObject({ when: ['deploy_web'], tags: ['web'], become: true });
    expect(play.handlers[1]!.loc.file).toBe(join(dir, 'roles/web/handlers/main.yml'));
  });

  it('reports a role dependency cycle at the entry that closes it', async () => {
    const err = await loadPlaybook(join(FIXTURES, 'role-cycle/site.yml'), options).catch((e) => e);
    expect(err.name).toBe('PlaybookError');
    expect(err.problems).toEqual([
      expect.objectContaining({ file: join(FIXTURES, 'role-cycle/roles/beta/meta/main.yml'), line: 2, column: 5, message: 'role dependency cycle: alpha -> beta -> alpha' }),
    ]);
  });

  it('reports a missing role with where it looked and a close name', async () => {
    const err = await errorsOf('- hosts: all\n  roles:\n    - comon\n', { 'roles/common/tasks/main.yml': '- ping:\n' });
    expect(positions(err)).toEqual([expect.stringMatching(/^3:7: role 'comon' not found - did you mean 'common'\? \(looked in: .*\/roles, /)]);
  });

  it('rejects entries without a role name, templated names, typos of role keywords and import_role options', async () => {
    const err = await errorsOf(
      [
        '- hosts: all',
        '  roles:',
        '    - { vars: { a: 1 } }',
        '    - "{{ which }}"',
        '    - role: r',
        '      wen: x',
        '      tasks_from: other.yml',
        '      listen_port: 80',
      ].join('\n'),
      { 'roles/r/tasks/main.yml': '- ping:\n' },
    );
    expect(positions(err)).toEqual([
      "3:7: role entry has no 'role': name the role (role: NAME), or write just its name",
      '4:7: role names cannot use variables: roles are loaded with the playbook',
      "6:7: unknown role keyword 'wen' - did you mean 'when'? (to pass a role parameter named 'wen', put it under 'vars:')",
      "7:7: 'tasks_from' is an option of import_role/include_role, not of a roles: entry; use a task: - import_role: {name: ROLE, tasks_from: FILE}",
    ]);
  });

  it('keeps other keys of a role entry as role parameters (Ansible style)', async () => {
    const { loadText } = await import('./helpers.js');
    const pb = await loadText('- hosts: all\n  roles:\n    - role: r\n      listen_port: 80\n      vars: { a: 1 }\n', { 'roles/r/tasks/main.yml': '- ping:\n' });
    expect((pb.plays[0]!.roleTasks[0] as Block).role).toMatchObject({ params: { listen_port: 80 }, entryVars: { a: 1 } });
  });

  it('refuses collection roles unless a directory of that name exists', async () => {
    const err = await errorsOf('- hosts: all\n  roles: [ns.coll.role]\n');
    expect(positions(err)).toEqual(["2:11: role 'ns.coll.role' looks like a collection role; collections are not supported, put the role under roles/"]);
    const { loadText } = await import('./helpers.js');
    const pb = await loadText('- hosts: all\n  roles: [ns.coll.role]\n', { 'roles/ns.coll.role/tasks/main.yml': '- ping:\n' });
    expect(pb.plays[0]!.roleTasks[0]!.role?.name).toBe('ns.coll.role');
  });

  it('honours allow_duplicates and finds roles by relative path', async () => {
    const { loadText } = await import('./helpers.js');
    const pb = await loadText('- hosts: all\n  roles: [r, r, ./lib/p]\n', {
      'roles/r/tasks/main.yml': '- ping:\n',
      'roles/r/meta/main.yml': 'allow_duplicates: yes\n',
      'lib/p/tasks/main.yml': '- ping:\n',
    });
    expect(pb.plays[0]!.roleTasks.map((b) => b.role?.name)).toEqual(['r', 'r', 'p']);
  });

  it('reports errors inside role files with their own file names', async () => {
    const err = await errorsOf('- hosts: all\n  roles: [r]\n', {
      'roles/r/tasks/main.yml': '- name: t\n  ping:\n  notfy: x\n',
      'roles/r/defaults/main.yml': 'bad-name: 1\n',
      'roles/r/meta/main.yml': 'dependencies: base\n',
    });
    expect(err.problems.map((p) => `${p.file.replace(/^.*\/roles\//, 'roles/')}:${p.line}:${p.column}: ${p.message}`)).toEqual([
      "roles/r/defaults/main.yml:1:1: 'bad-name' is not a valid variable name: use letters, digits and underscores, not starting with a digit",
      "roles/r/meta/main.yml:1:1: 'dependencies' must be a list of roles, found 'base'",
      "roles/r/tasks/main.yml:3:3: unknown task keyword 'notfy' - did you mean 'notify'?",
    ]);
  });
});
