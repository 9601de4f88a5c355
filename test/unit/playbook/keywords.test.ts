import { describe, expect, it } from 'vitest';
import type { Block, Handler, IncludeTasks, Play, Task } from '../../../core/playbook/model.js';
import { loadText } from './helpers.js';

async function play(yaml: string, files: Record<string, string> = {}): Promise<Play> {
  return (await loadText(yaml, files)).plays[0]!;
}

/** The first task of a one-task play, written as the indented task lines. */
async function task(lines: string, files: Record<string, string> = {}): Promise<Task> {
  const body = lines
    .trim()
    .split('\n')
    .map((l, i) => (i === 0 ? `    - ${l}` : `      ${l}`))
    .join('\n');
  return (await play(`- hosts: all\n  tasks:\n${body}\n  handlers:\n    - name: h\n      ping:\n    - name: h2\n      ping:\n`, files)).tasks[0] as Task;
}

describe('play keywords', () => {
  it('defaults: name = hosts, gather_facts true, linear, empty sections', async () => {
    const p = await play('- hosts: web\n');
    expect(p).toMatchObject({
      name: 'web',
      hosts: 'web',
      gatherFacts: true,
      strategy: 'linear',
      varsFiles: [],
      tags: [],
      vars: {},
      preTasks: [],
      roleTasks: [],
      tasks: [],
      postTasks: [],
      handlers: [],
      loc: { line: 1, column: 3 },
    });
    expect(p.serial).toBeUndefined();
    expect(p.maxFailPercentage).toBeUndefined();
  });

  it('hosts as a list is joined with ":"', async () => {
    expect((await play('- hosts: [web, "db:&prod"]\n')).hosts).toBe('web:db:&prod');
  });

  it('every play keyword', async () => {
    const p = await play(
      [
        '- name: Everything',
        '  hosts: all',
        '  gather_facts: no',
        '  vars: { a: 1, b: "{{ a }}" }',
        '  vars_files: [common.yml, ["{{ os }}.yml", default.yml]]',
        '  become: yes',
        '  become_user: admin',
        '  become_method: sudo',
        '  serial: [1, "30%"]',
        '  strategy: free',
        '  max_fail_percentage: 25',
        '  any_errors_fatal: true',
        '  tags: deploy, web',
        '  environment: { PATH: /opt/bin }',
        '  check_mode: false',
        '  diff: "{{ show }}"',
        '  no_log: true',
        '  ignore_errors: true',
        '  remote_user: ops',
        '  pre_tasks: [{ ping: }]',
        '  tasks: [{ ping: }]',
        '  post_tasks: [{ ping: }]',
      ].join('\n'),
    );
    expect(p).toMatchObject({
      name: 'Everything',
      gatherFacts: false,
      vars: { a: 1, b: '{{ a }}' },
      varsFiles: ['common.yml', ['{{ os }}.yml', 'default.yml']],
      become: true,
      becomeUser: 'admin',
      serial: [1, '30%'],
      strategy: 'free',
      maxFailPercentage: 25,
      anyErrorsFatal: true,
      tags: ['deploy', 'web'],
      environment: { PATH: '/opt/bin' },
      checkMode: false,
      diff: '{{ show }}',
      noLog: true,
      ignoreErrors: true,
      remoteUser: 'ops',
    });
    expect([p.preTasks.length, p.tasks.length, p.postTasks.length]).toEqual([1, 1, 1]);
  });

  it('serial as a single number or percentage', async () => {
    expect((await play('- hosts: all\n  serial: 2\n')).serial).toEqual([2]);
    expect((await play('- hosts: all\n  serial: 50%\n')).serial).toEqual(['50%']);
  });

  it('vars_files as a single string', async () => {
    expect((await play('- hosts: all\n  vars_files: one.yml\n')).varsFiles).toEqual(['one.yml']);
  });

  it('the play keeps its directory for relative paths', async () => {
    const p = await play('- hosts: all\n');
    expect(p.baseDir).toBe(p.loc.file.replace(/\/site\.yml$/, ''));
  });
});

describe('task keywords', () => {
  it('module with a mapping', async () => {
    const t = await task('name: Copy\ncopy:\n  src: a\n  dest: b');
    expect(t).toMatchObject({ kind: 'task', name: 'Copy', module: 'copy', args: { src: 'a', dest: 'b' }, notify: [], when: [], tags: [], vars: {} });
    expect(t.loc).toMatchObject({ line: 3, column: 7 });
    expect(t.moduleLoc).toMatchObject({ line: 4, column: 7 });
  });

  it('module with the k=v string keeps the raw string for the executor', async () => {
    expect((await task('copy: src=a dest="b c"')).args).toBe('src=a dest="b c"');
    expect((await task('shell: echo "hi!"')).args).toBe('echo "hi!"');
  });

  it('module with no arguments', async () => {
    expect((await task('ping:')).args).toEqual({});
  });

  it('args: merges under the module arguments (the module key wins)', async () => {
    expect((await task('copy:\n  src: a\n  mode: "0600"\nargs:\n  mode: "0644"\n  owner: root')).args).toEqual({ mode: '0600', owner: 'root', src: 'a' });
  });

  it('args: with a k=v string parses it with the module free-form rule', async () => {
    expect((await task('command: /bin/echo a=b\nargs:\n  chdir: /tmp')).args).toEqual({ chdir: '/tmp', _raw_params: '/bin/echo a=b' });
    expect((await task('copy: src=a dest=b\nargs:\n  mode: "0644"')).args).toEqual({ mode: '0644', src: 'a', dest: 'b' });
  });

  it('action: and local_action: forms', async () => {
    expect(await task('action: copy src=a dest=b')).toMatchObject({ module: 'copy', args: 'src=a dest=b' });
    expect(await task('action:\n  module: file\n  path: /x\n  state: touch')).toMatchObject({ module: 'file', args: { path: '/x', state: 'touch' } });
    expect(await task('local_action: command /bin/true')).toMatchObject({ module: 'command', args: '/bin/true', delegateTo: 'localhost' });
  });

  it('FQCN module names are kept for the registry', async () => {
    expect((await task('ansible.builtin.copy:\n  src: a')).module).toBe('ansible.builtin.copy');
  });

  it('when: string, boolean or list', async () => {
    expect((await task('ping:\nwhen: x is defined')).when).toEqual(['x is defined']);
    expect((await task('ping:\nwhen: false')).when).toEqual([false]);
    expect((await task('ping:\nwhen:\n  - a\n  - b == 1')).when).toEqual(['a', 'b == 1']);
  });

  it('loop, with_items (flattened) and with_list', async () => {
    expect((await task('debug: msg={{item}}\nloop: [1, [2, 3]]')).loop).toEqual({ items: [1, [2, 3]], flatten: false, wrapString: false, loopVar: 'item' });
    expect((await task('debug: msg={{item}}\nwith_items: "{{ things }}"')).loop).toEqual({ items: '{{ things }}', flatten: true, wrapString: true, loopVar: 'item' });
    expect((await task('debug: msg={{item}}\nwith_list: [a]')).loop).toEqual({ items: ['a'], flatten: false, wrapString: true, loopVar: 'item' });
  });

  it('loop_control: loop_var, index_var, label, pause', async () => {
    const t = await task('debug: msg={{pkg}}\nloop: [a]\nloop_control:\n  loop_var: pkg\n  index_var: i\n  label: "{{ pkg }}"\n  pause: 0.5');
    expect(t.loop).toEqual({ items: ['a'], flatten: false, wrapString: false, loopVar: 'pkg', indexVar: 'i', label: '{{ pkg }}', pause: 0.5 });
  });

  it('register, notify (string or list), changed_when, failed_when', async () => {
    const t = await task('command: ls\nregister: out\nnotify: h\nchanged_when: false\nfailed_when:\n  - out.rc > 1');
    expect(t).toMatchObject({ register: 'out', notify: ['h'], changedWhen: [false], failedWhen: ['out.rc > 1'] });
    expect((await task('ping:\nnotify: [h, h2]')).notify).toEqual(['h', 'h2']);
  });

  it('retries / until / delay (numbers or templates)', async () => {
    expect(await task('command: ls\nregister: r\nuntil: r.rc == 0\nretries: 5\ndelay: "{{ wait }}"')).toMatchObject({ until: ['r.rc == 0'], retries: 5, delay: '{{ wait }}' });
  });

  it('tags: string, comma list, or list (numbers become strings)', async () => {
    expect((await task('ping:\ntags: one')).tags).toEqual(['one']);
    expect((await task('ping:\ntags: "a, b,c"')).tags).toEqual(['a', 'b', 'c']);
    expect((await task('ping:\ntags: [x, 42]')).tags).toEqual(['x', '42']);
  });

  it('become, become_user, check_mode, diff, no_log, ignore_errors, run_once (booleans, yes/no, templates)', async () => {
    const t = await task('ping:\nbecome: yes\nbecome_user: postgres\ncheck_mode: no\ndiff: true\nno_log: "{{ secret }}"\nignore_errors: "yes"\nrun_once: on');
    expect(t).toMatchObject({ become: true, becomeUser: 'postgres', checkMode: false, diff: true, noLog: '{{ secret }}', ignoreErrors: true, runOnce: true });
  });

  it('delegate_to, environment, vars, remote_user, any_errors_fatal', async () => {
    const t = await task('ping:\ndelegate_to: localhost\nenvironment:\n  LANG: C\nvars:\n  x: 1\nremote_user: deploy\nany_errors_fatal: true');
    expect(t).toMatchObject({ delegateTo: 'localhost', environment: { LANG: 'C' }, vars: { x: 1 }, remoteUser: 'deploy', anyErrorsFatal: true });
    expect((await task('ping:\nenvironment: "{{ proxy_env }}"')).environment).toBe('{{ proxy_env }}');
  });

  it('meta: flush_handlers is a task with module meta', async () => {
    expect(await task('meta: flush_handlers')).toMatchObject({ kind: 'task', module: 'meta', args: 'flush_handlers' });
  });

  it('set_fact, debug, assert and fail are ordinary module tasks', async () => {
    expect(await task('set_fact:\n  a: 1')).toMatchObject({ module: 'set_fact', args: { a: 1 } });
    expect(await task('assert:\n  that: [a]')).toMatchObject({ module: 'assert', args: { that: ['a'] } });
    expect(await task('fail: msg=stop')).toMatchObject({ module: 'fail', args: 'msg=stop' });
  });

  it('block / rescue / always with block keywords (not copied into the tasks)', async () => {
    const b = (await task('name: guarded\nblock:\n  - command: /bin/false\nrescue:\n  - debug: msg=r\nalways:\n  - debug: msg=a\nwhen: x\nbecome: true\ntags: [b]')) as unknown as Block;
    expect(b).toMatchObject({ kind: 'block', name: 'guarded', when: ['x'], become: true, tags: ['b'] });
    expect(b.block.map((t) => (t as Task).module)).toEqual(['command']);
    expect(b.rescue.map((t) => (t as Task).args)).toEqual(['msg=r']);
    expect(b.always.map((t) => (t as Task).args)).toEqual(['msg=a']);
    expect(b.block[0]).toMatchObject({ when: [], tags: [] });
    expect(b.block[0]!.become).toBeUndefined();
  });

  it('include_tasks with when, tags and vars', async () => {
    const inc = (await task('include_tasks: other.yml\nwhen: x\ntags: t\nvars:\n  v: 1', { 'other.yml': '- ping:\n' })) as unknown as IncludeTasks;
    expect(inc).toMatchObject({ kind: 'include_tasks', file: 'other.yml', when: ['x'], tags: ['t'], vars: { v: 1 } });
    expect(inc.loop).toBeUndefined();
  });
});

describe('handlers', () => {
  it('name and listen (string or list)', async () => {
    const p = await play('- hosts: all\n  handlers:\n    - name: restart\n      service: name=x state=restarted\n      listen: cfg\n    - name: reload\n      command: reload\n      listen: [a, b]\n');
    expect(p.handlers.map((h: Handler) => [h.name, h.listen, h.module])).toEqual([
      ['restart', ['cfg'], 'service'],
      ['reload', ['a', 'b'], 'command'],
    ]);
  });

  it('a notify may name a listen topic', async () => {
    const p = await play('- hosts: all\n  tasks:\n    - ping:\n      notify: topic\n  handlers:\n    - listen: topic\n      ping:\n');
    expect((p.tasks[0] as Task).notify).toEqual(['topic']);
  });
});
