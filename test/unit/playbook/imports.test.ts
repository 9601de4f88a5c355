import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook, loadTaskFile } from '../../../core/playbook/load.js';
import type { Block, IncludeTasks, Task } from '../../../core/playbook/model.js';
import { errorsOf, FIXTURES, loadText, options, positions } from './helpers.js';

const dir = join(FIXTURES, 'imports');

describe('import_playbook', () => {
  it('expands imported playbooks in place, nested, relative to the importing file', async () => {
    const pb = await loadPlaybook(join(dir, 'site.yml'), options);
    expect(pb.plays.map((p) => [p.name, p.hosts, p.loc.file, p.baseDir])).toEqual([
      ['First play', 'web', join(dir, 'site.yml'), dir],
      ['Second play', 'db', join(dir, 'plays/second.yml'), join(dir, 'plays')],
      ['Third play', 'all', join(dir, 'plays/third.yml'), join(dir, 'plays')],
    ]);
  });

  it("applies the import's vars over the plays' own vars and adds its tags", async () => {
    const [, second, third] = (await loadPlaybook(join(dir, 'site.yml'), options)).plays;
    expect(second!.vars).toEqual({ from_import: true, own: 1 });
    expect(second!.tags).toEqual(['second']);
    expect(third!.vars).toEqual({ from_import: true });
    expect(third!.tags.sort()).toEqual(['second', 'third']);
  });

  it('reports an import cycle between playbooks', async () => {
    const err = await loadPlaybook(join(FIXTURES, 'cycles/a.yml'), options).catch((e) => e);
    const messages = err.problems.map((p: { file: string; line: number; column: number; message: string }) => `${p.file.slice(FIXTURES.length)}:${p.line}:${p.column}: ${p.message}`);
    expect(messages).toEqual([
      'cycles/b.yml:1:20: import cycle: a.yml -> b.yml -> a.yml',
      'cycles/loop2.yml:2:17: import cycle: loop1.yml -> loop2.yml -> loop1.yml',
    ]);
  });

  it('reports a missing or templated playbook file at the import', async () => {
    const err = await errorsOf('- import_playbook: nope.yml\n- import_playbook: "{{ x }}.yml"\n- import_playbook: ok.yml\n  when: x\n', { 'ok.yml': '- hosts: all\n' });
    expect(positions(err)).toEqual([
      expect.stringMatching(/^1:20: import_playbook: file 'nope.yml' not found in \//),
      '2:20: import_playbook is expanded when the playbook loads, so its file name cannot use variables',
      "4:3: 'when' on import_playbook is not supported; put the condition on the tasks of the imported plays",
    ]);
  });

  it('accepts the FQCN form', async () => {
    const pb = await loadText('- ansible.builtin.import_playbook: other.yml\n', { 'other.yml': '- hosts: x\n' });
    expect(pb.plays.map((p) => p.hosts)).toEqual(['x']);
  });
});

describe('import_tasks', () => {
  it('expands nested imports now, each task keeping its own file, wrapped in a block with the import keywords', async () => {
    const play = (await loadPlaybook(join(dir, 'site.yml'), options)).plays[0]!;
    const imported = play.tasks[1] as Block;
    expect(imported).toMatchObject({ kind: 'block', when: ['do_import'], tags: ['imported'], vars: { where: 'outer' }, rescue: [], always: [] });
    expect(imported.loc).toEqual({ file: join(dir, 'site.yml'), line: 9, column: 7 });
    const [outer, inner] = imported.block as [Task, Block];
    expect(outer).toMatchObject({ name: 'Outer task', loc: { file: join(dir, 'tasks/outer.yml'), line: 1, column: 3 } });
    expect(inner.kind).toBe('block');
    expect(inner.block[0]).toMatchObject({ name: 'Inner task', module: 'command', loc: { file: join(dir, 'tasks/sub/inner.yml'), line: 1, column: 3 } });
  });

  it('resolves an import relative to the importing file, also from an imported playbook', async () => {
    const second = (await loadPlaybook(join(dir, 'site.yml'), options)).plays[1]!;
    const block = second.tasks[0] as Block;
    expect((block.block[0] as Task).loc.file).toBe(join(dir, 'tasks/outer.yml'));
  });

  it('rejects loops, templated names, missing files, and an import cycle', async () => {
    const err = await errorsOf(
      [
        '- hosts: all',
        '  tasks:',
        '    - import_tasks: t.yml',
        '      loop: [1, 2]',
        '    - import_tasks: "{{ name }}.yml"',
        '    - import_tasks: missing.yml',
        '    - import_tasks: self.yml',
      ].join('\n'),
      { 't.yml': '- ping:\n', 'self.yml': '- import_tasks: self.yml\n' },
    );
    // Sorted by file, then position: self.yml (where the cycle closes) before site.yml.
    expect(positions(err)).toEqual([
      '1:17: import cycle: self.yml -> self.yml',
      '4:7: import_tasks cannot loop (it is inserted when the playbook loads); use include_tasks to loop over a file',
      "5:21: import_tasks is inserted when the playbook loads, so its file name cannot use variables; use include_tasks to choose the file at run time",
      expect.stringMatching(/^6:21: import_tasks: file 'missing.yml' not found \(looked in \//),
    ]);
    expect(err.problems[0]!.file).toMatch(/self\.yml$/);
  });

  it('accepts `import_tasks: {file: ...}` and the FQCN', async () => {
    const pb = await loadText('- hosts: all\n  tasks:\n    - ansible.builtin.import_tasks:\n        file: t.yml\n', { 't.yml': '- ping:\n' });
    expect(((pb.plays[0]!.tasks[0] as Block).block[0] as Task).module).toBe('ping');
  });

  it('imports handlers: each imported task becomes a handler with the import keywords', async () => {
    const pb = await loadText('- hosts: all\n  handlers:\n    - import_tasks: h.yml\n      when: ok\n      tags: [h]\n', {
      'h.yml': '- name: restart\n  command: /bin/true\n  when: also\n',
    });
    expect(pb.plays[0]!.handlers).toEqual([expect.objectContaining({ name: 'restart', when: ['ok', 'also'], tags: ['h'], listen: [] })]);
  });
});

describe('include_tasks', () => {
  it('stays dynamic: file as written, the including directory, and its loop', async () => {
    const play = (await loadPlaybook(join(dir, 'site.yml'), options)).plays[0]!;
    const include = play.tasks[2] as IncludeTasks;
    expect(include).toMatchObject({
      kind: 'include_tasks',
      name: 'Dynamic include',
      file: 'tasks/dynamic.yml',
      baseDir: dir,
      loop: { items: ['a', 'b'], flatten: false, wrapString: false, loopVar: 'part' },
    });
    expect(play.tasks[3]).toMatchObject({ kind: 'include_tasks', file: 'tasks/{{ variant }}.yml', baseDir: dir });
  });

  it('checks a fixed file name now: missing file, or mistakes inside it', async () => {
    const err = await errorsOf('- hosts: all\n  tasks:\n    - include_tasks: gone.yml\n    - include_tasks: bad.yml\n', { 'bad.yml': '- name: x\n  debug: msg=x\n  regster: r\n' });
    expect(positions(err)).toEqual([
      "3:3: unknown task keyword 'regster' - did you mean 'register'?",
      expect.stringMatching(/^3:22: include_tasks: file 'gone.yml' not found in \//),
    ]);
    expect(err.problems[0]!.file).toMatch(/bad\.yml$/);
  });

  it('allows an include file to include itself (recursion is decided at run time)', async () => {
    const pb = await loadText('- hosts: all\n  tasks:\n    - include_tasks: again.yml\n', { 'again.yml': '- include_tasks: again.yml\n  when: more\n' });
    expect(pb.plays[0]!.tasks[0]!.kind).toBe('include_tasks');
  });

  it('loadTaskFile loads a tasks file for the executor, with its own positions', async () => {
    const tasks = await loadTaskFile(join(dir, 'tasks/outer.yml'), options);
    expect(tasks.map((t) => t.kind)).toEqual(['task', 'block']);
    expect(tasks[0]!.loc).toEqual({ file: join(dir, 'tasks/outer.yml'), line: 1, column: 3 });
    await expect(loadTaskFile(join(dir, 'nope.yml'), options)).rejects.toThrow(/tasks file .*nope\.yml: not found/);
  });
});
