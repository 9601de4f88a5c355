import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, PlaybookError } from '../../../core/playbook/errors.js';
import { loadPlaybook, loadTaskFile, loadVarsFile } from '../../../core/playbook/load.js';
import { errorsOf, options, positions, tempTree } from './helpers.js';

/** Problems of a one-play playbook whose tasks are the given lines (indented under tasks:). */
async function taskErrors(tasks: string, extra = ''): Promise<string[]> {
  const body = tasks
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return positions(await errorsOf(`- hosts: all\n  tasks:\n${body}\n${extra}`));
}

describe('YAML errors', () => {
  it('syntax errors carry their position', async () => {
    // yaml reports an unclosed flow sequence where the input ends
    expect(positions(await errorsOf('- hosts: all\n  tasks: [\n'))).toEqual(['3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    // only the first syntax error of a file: what follows is mostly an echo of it
    expect(positions(await errorsOf('- hosts: all\n   tasks: []\n'))).toEqual(['1:10: YAML syntax error: Nested mappings are not allowed in compact mappings']);
  });

  it('a duplicate key is an error (one of the values would be lost)', async () => {
    expect(positions(await errorsOf('- hosts: all\n  tasks:\n    - ping:\n      when: a\n      when: b\n'))).toEqual([
      '5:7: duplicate key: the same key twice in one mapping (only one value would be used)',
    ]);
  });

  it('a damaged !vault value is an error at its position (decrypting: test/unit/vault)', async () => {
    expect(positions(await errorsOf('- hosts: all\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n'))[0]).toMatch(
      /^3:9: this !vault value: not a vault file or corrupt at line 2 of the vault text/,
    );
  });

  it('YAML 1.1 as Ansible reads it: yes/no are booleans, merge keys work', async () => {
    const { loadText } = await import('./helpers.js');
    const pb = await loadText('- hosts: all\n  gather_facts: no\n  vars:\n    base: &b { a: 1 }\n    more:\n      <<: *b\n      c: 2\n');
    expect(pb.plays[0]!.gatherFacts).toBe(false);
    expect(pb.plays[0]!.vars.more).toEqual({ a: 1, c: 2 });
  });
});

describe('playbook structure', () => {
  it('a playbook must be a list of plays', async () => {
    expect(positions(await errorsOf('hosts: all\ntasks: []\n'))).toEqual(["1:1: a playbook must be a list of plays, found a mapping (a playbook is a list: start each play with '- ')"]);
    expect(positions(await errorsOf('# nothing here\n'))).toEqual(['1:1: a playbook must be a list of plays, found nothing']);
    expect(positions(await errorsOf('- just a string\n'))).toEqual(["1:3: play 1 must be a play (a mapping with hosts and tasks), found 'just a string'"]);
  });

  it("a play needs hosts (unless the key is misspelt: then only the typo is reported)", async () => {
    expect(positions(await errorsOf('- name: x\n  tasks: []\n'))).toEqual(["1:3: play has no 'hosts': say which hosts it runs on (hosts: all, or a group name)"]);
    expect(positions(await errorsOf('- hots: all\n'))).toEqual(["1:3: unknown play keyword 'hots' - did you mean 'hosts'?"]);
  });

  it('unknown, misplaced and unsupported play keywords', async () => {
    expect(positions(await errorsOf('- hosts: all\n  taks: []\n  register: x\n  when: y\n  vars_prompt: []\n  frobnicate: 1\n'))).toEqual([
      "2:3: unknown play keyword 'taks' - did you mean 'tasks'?",
      "3:3: 'register' is a task keyword, not valid on a play: is it meant to be inside 'tasks:'?",
      "4:3: a play has no 'when'; put the condition on its tasks, blocks or roles (or select hosts with 'hosts:')",
      "5:3: 'vars_prompt' is not supported; pass the values with -e",
      "6:3: unknown play keyword 'frobnicate'",
    ]);
  });

  it('wrong types and values of play keywords', async () => {
    expect(
      positions(
        await errorsOf(
          [
            '- hosts: []',
            '  gather_facts: maybe',
            '  strategy: lnear',
            '  max_fail_percentage: 150',
            '  serial: many',
            '  become_method: su',
            '  vars: [a, b]',
            '  vars_files: { a: 1 }',
            '  tasks: { ping: }',
          ].join('\n'),
        ),
      ),
    ).toEqual([
      "1:3: 'hosts' must not be an empty list",
      "2:3: 'gather_facts' must be a boolean (true/false, yes/no), found 'maybe'",
      "3:3: 'strategy' must be one of: linear, free, found 'lnear' - did you mean 'linear'?",
      "4:3: 'max_fail_percentage' must be at most 100, found 150",
      "5:3: 'serial' must be an integer, a percentage ('30%'), a template string, or a list of them, found 'many'",
      "6:3: 'become_method' must be 'sudo', found 'su'",
      "7:3: 'vars' must be a mapping of variable names to values, found a list",
      "8:3: 'vars_files' must be a list of file names (an entry may itself be a list: the first file found wins), found a mapping",
      "9:3: 'tasks' must be a list of tasks, found a mapping",
    ]);
  });

  it('invalid variable names point at the name', async () => {
    expect(positions(await errorsOf('- hosts: all\n  vars:\n    ok: 1\n    not-ok: 2\n'))).toEqual([
      "4:5: 'not-ok' is not a valid variable name: use letters, digits and underscores, not starting with a digit",
    ]);
  });
});

describe('task errors', () => {
  it("unknown task keyword 'notfy' - did you mean 'notify'?", async () => {
    expect(await taskErrors('- name: x\n  copy: src=a dest=b\n  notfy: restart')).toEqual(["5:7: unknown task keyword 'notfy' - did you mean 'notify'?"]);
  });

  it("'retries' must be an integer or a template string", async () => {
    expect(await taskErrors('- command: ls\n  retries: three\n  delay: -1')).toEqual([
      "4:7: 'retries' must be an integer or a template string, found 'three'",
      "5:7: 'delay' must be an integer or a template string, found -1",
    ]);
  });

  it('task has no module', async () => {
    expect(await taskErrors('- name: lonely\n  when: x')).toEqual([
      "3:7: task has no module: expected one of the modules such as 'command', 'shell', 'copy', 'file' or 'debug' (tsplay doc --list shows them all)",
    ]);
  });

  it('two module keys: a misspelt keyword is named as such, a misspelt module gets module suggestions', async () => {
    expect(await taskErrors('- copy: src=a dest=b\n  whn: x')).toEqual(["4:7: unknown task keyword 'whn' - did you mean 'when'?"]);
    expect(await taskErrors('- name: x\n  cpy: src=a dest=b')).toEqual(["4:7: unknown module 'cpy' - did you mean 'copy'?"]);
    expect(await taskErrors('- name: x\n  frobnicate: yes')).toEqual([
      "4:7: unknown module 'frobnicate': no built-in or custom module has this name (custom modules go in a modules/ folder beside the playbook, or in a -M directory)",
    ]);
    expect(await taskErrors('- copy: src=a dest=b\n  frobnicate: yes')).toEqual(["4:7: unknown task keyword 'frobnicate'"]);
    expect(await taskErrors('- command: ls\n  shell: ls')).toEqual([
      "4:7: task has more than one module: 'command' and 'shell'; a task runs exactly one module (split it into separate tasks)",
    ]);
    expect(await taskErrors('- action: command ls\n  shell: ls')).toEqual([
      "4:7: task has more than one module: 'action' and 'shell'; a task runs exactly one module (split it into separate tasks)",
    ]);
  });

  it('module arguments of the wrong shape, and unbalanced quotes in k=v', async () => {
    expect(await taskErrors('- copy: [a, b]\n- command: echo "oops')).toEqual([
      "3:7: arguments of 'copy' must be a mapping or a 'key=value' string, found a list",
      '4:7: unbalanced quotes (") in arguments: echo "oops; quote the whole value, or close the quote',
    ]);
  });

  it('wrong types of task keywords', async () => {
    expect(
      await taskErrors(
        [
          '- debug: msg=x',
          '  when: { a: 1 }',
          '  loop: not-a-list',
          '  loop_control: { loop_vr: x }',
          '  register: my-result',
          '  tags: { a: 1 }',
          '  notify: [1]',
          '  environment: [A]',
          '  become: sometimes',
          '  name: [x]',
          '  args: k=v',
        ].join('\n'),
      ),
    ).toEqual([
      "4:7: 'when' must be a condition (an expression string or a boolean) or a list of conditions, found a mapping",
      "5:7: 'loop' must be a list or a template string, found 'not-a-list'",
      "6:23: unknown loop_control option 'loop_vr' - did you mean 'loop_var'?",
      "7:7: 'register' must be a variable name (letters, digits and underscores, not starting with a digit), found 'my-result'",
      "8:7: 'tags' must be a tag, a comma-separated string of tags, or a list of tags, found a mapping",
      "9:16: item 1 of 'notify' must be a name, found 1",
      "10:7: 'environment' must be a mapping of environment variables or a template string, found a list",
      "11:7: 'become' must be a boolean (true/false, yes/no) or a template string, found 'sometimes'",
      "12:7: 'name' must be a string, found a list",
      "13:7: 'args' must be a mapping of module arguments, found 'k=v'",
    ]);
  });

  it('a bad item inside a list is named and pointed at, not the whole list', async () => {
    expect(await taskErrors('- debug: msg=x\n  when: [a, { b: 1 }]\n  tags: [ok, [nested]]\n  environment:\n    LANG: C\n    PATH: [a]')).toEqual([
      "4:17: item 2 of 'when' must be a condition (an expression string or a boolean), found a mapping",
      "5:18: item 2 of 'tags' must be a tag (a string), found a list",
      "8:9: 'PATH' must be a string, a number or a boolean, found a list",
    ]);
    expect(positions(await errorsOf('- hosts: [web, 3]\n  serial: [1, lots]\n  vars_files: [a.yml, [b.yml, {c: 1}]]\n'))).toEqual([
      "1:16: item 2 of 'hosts' must be a host pattern, found 3",
      "2:15: item 2 of 'serial' must be an integer, a percentage ('30%') or a template string, found 'lots'",
      "3:31: item 2 of item 2 of 'vars_files' must be a file name, found a mapping",
    ]);
  });

  it('unsupported and misplaced keywords say what to do instead', async () => {
    expect(await taskErrors('- command: sleep 100\n  async: 60\n  poll: 0\n- debug: msg={{item}}\n  with_random_choice: "{{ d }}"\n- ping:\n  listen: x\n- ping:\n  hosts: all\n- ping:\n  rescue: []')).toEqual([
      "4:7: background tasks ('async'/'poll') are not supported by tsplay; run the command in the background yourself (e.g. nohup) or give it a timeout",
      "5:7: background tasks ('async'/'poll') are not supported by tsplay; run the command in the background yourself (e.g. nohup) or give it a timeout",
      expect.stringMatching(/^7:7: 'with_random_choice' loops are not supported \(no lookup 'random_choice'; available: .*fileglob.*\); use 'loop:' with a list instead/),
      "9:7: 'listen' is for handlers (under 'handlers:')",
      "11:7: 'hosts' is a play keyword, not valid on a task: is the indentation right?",
      "13:7: 'rescue' belongs to a block: add 'block:' with the tasks it protects",
    ]);
  });

  it('two loops at once', async () => {
    expect(await taskErrors('- debug: msg=x\n  loop: [1]\n  with_items: [2]')).toEqual(["5:7: use only one of 'loop' and 'with_items': each makes the task loop"]);
  });

  it('action/local_action mistakes', async () => {
    expect(await taskErrors('- action: cpy src=a\n- local_action: command ls\n  delegate_to: web1\n- action:\n    src: a')).toEqual([
      "3:7: unknown module 'cpy' in 'action' - did you mean 'copy'?",
      "5:7: local_action already runs on the controller: remove 'delegate_to' (or use 'action')",
      "6:7: 'action' must be a 'module key=value ...' string or a mapping with 'module', found a mapping",
    ]);
  });

  it('meta actions are checked', async () => {
    expect(await taskErrors('- meta: flush_handler\n- meta:\n    action: x')).toEqual([
      "3:7: unknown meta action 'flush_handler' - did you mean 'flush_handlers'? (supported: flush_handlers, end_play, end_host, clear_facts, clear_host_errors, noop, refresh_inventory)",
      "4:7: meta takes one action name, e.g. 'meta: flush_handlers' (one of: flush_handlers, end_play, end_host, clear_facts, clear_host_errors, noop, refresh_inventory)",
    ]);
  });

  it('a task list entry must be a mapping', async () => {
    expect(await taskErrors('- debug msg=hi')).toEqual(["3:7: item 1 of 'tasks' must be a task (a mapping with a module and keywords), found 'debug msg=hi'"]);
  });

  it('blocks: typos, modules, loops', async () => {
    expect(await taskErrors('- block:\n    - ping:\n  resuce:\n    - ping:\n- block: []\n  copy: src=a\n- block: []\n  loop: [1]')).toEqual([
      "5:7: unknown block keyword 'resuce' - did you mean 'rescue'?",
      "8:7: a block cannot also run a module ('copy'): move the module into its own task",
      '10:7: a block cannot loop; loop over an include_tasks file instead',
    ]);
  });

  it('include_tasks: typos and extra modules', async () => {
    expect(await taskErrors('- include_tasks: "{{ f }}"\n  wen: x\n- include_tasks: "{{ f }}"\n  debug: msg=x\n- include_tasks: { fiel: x }')).toEqual([
      "4:7: unknown include_tasks keyword 'wen' - did you mean 'when'?",
      "6:7: an include_tasks entry cannot also run a module ('debug'): move the module into its own task",
      "7:7: 'include_tasks' must be a file name or a mapping with 'file', found a mapping",
    ]);
  });

  it('import_playbook is not allowed among tasks', async () => {
    expect(await taskErrors('- import_playbook: x.yml')).toEqual([
      '3:7: import_playbook can only be used at the top level of a playbook (a list entry beside the plays), not among tasks',
    ]);
  });
});

describe('handler and notify errors', () => {
  it('a notify that matches no handler (typo hint, or the list of handlers)', async () => {
    expect(await taskErrors('- ping:\n  notify: restart ap\n- ping:\n  notify: [restart app, other]', '  handlers:\n    - name: restart app\n      ping:\n')).toEqual([
      "4:15: notify 'restart ap' matches no handler of this play - did you mean 'restart app'?",
      "6:29: notify 'other' matches no handler of this play (handlers: 'restart app')",
    ]);
    expect(await taskErrors('- ping:\n  notify: h')).toEqual(["4:15: notify 'h': this play has no handlers (add one under 'handlers:' with name: h)"]);
  });

  it('templated notify names are left to run time', async () => {
    const { loadText } = await import('./helpers.js');
    await expect(loadText('- hosts: all\n  tasks:\n    - ping:\n      notify: "{{ which }}"\n')).resolves.toBeDefined();
  });

  it('handlers need a name or listen; blocks and include_tasks cannot be handlers', async () => {
    const err = await errorsOf('- hosts: all\n  handlers:\n    - ping:\n    - block: []\n    - include_tasks: x.yml\n    - name: h\n      ping:\n      lisen: t\n');
    expect(positions(err)).toEqual([
      "3:7: a handler needs a 'name' (or 'listen') so that tasks can notify it",
      '4:7: a handler cannot be a block: make each handler a single task (several handlers may listen to the same topic)',
      '5:7: include_tasks cannot be a handler: use import_tasks among handlers, or several handlers with the same listen topic',
      "8:7: unknown handler keyword 'lisen' - did you mean 'listen'?",
    ]);
  });
});

describe('PlaybookError', () => {
  it('collects every problem of every file, sorted by file and position', async () => {
    const root = tempTree({
      'site.yml': '- hosts: all\n  tasks:\n    - import_tasks: b.yml\n    - ping:\n      notfy: x\n    - import_tasks: a.yml\n',
      'a.yml': '- ping:\n  tags: { x: 1 }\n',
      'b.yml': '- ping:\n  regster: r\n',
    });
    const err = await loadPlaybook(join(root, 'site.yml'), options).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof PlaybookError)) throw new Error(`expected a PlaybookError, got ${String(err)}`);
    expect(err.problems.map((p) => [p.file.slice(root.length + 1), p.line, p.column])).toEqual([
      ['a.yml', 2, 3],
      ['b.yml', 2, 3],
      ['site.yml', 5, 7],
    ]);
    expect(err.file).toBe(join(root, 'a.yml'));
  });

  it('formats problems with the source line and a caret under the column', () => {
    const text = formatProblems(
      [
        { file: '/p/site.yml', line: 12, column: 7, message: "unknown task keyword 'notfy' - did you mean 'notify'?", excerpt: '      notfy: restart' },
        { file: '/p/site.yml', line: 3, column: 3, message: 'first', excerpt: '  x: 1' },
      ],
      '/p',
    );
    expect(text).toBe(
      [
        '2 problems found:',
        '',
        'site.yml:3:3: first',
        '  3 |   x: 1',
        '    |   ^',
        '',
        "site.yml:12:7: unknown task keyword 'notfy' - did you mean 'notify'?",
        '  12 |       notfy: restart',
        '     |       ^',
      ].join('\n'),
    );
  });

  it('a single problem is one message; a file-level problem has no position', () => {
    expect(new PlaybookError([{ file: '/elsewhere/x.yml', line: 0, column: 0, message: 'file /elsewhere/x.yml: not found' }]).message).toBe(
      '/elsewhere/x.yml: file /elsewhere/x.yml: not found',
    );
  });

  it('is named PlaybookError (the CLI maps it to exit code 5 without a stack)', async () => {
    const err = await errorsOf('- hots: all\n');
    expect(err.name).toBe('PlaybookError');
    expect(err.message).toMatch(/site\.yml:1:3: unknown play keyword 'hots' - did you mean 'hosts'\?\n  1 \| - hots: all\n    \|   \^$/);
  });

  it('a missing playbook is a PlaybookError too', async () => {
    await expect(loadPlaybook('/nonexistent/site.yml', options)).rejects.toThrow(/playbook \/nonexistent\/site\.yml: not found/);
  });

  it('a tasks file whose root is a mapping gets a hint', async () => {
    const root = tempTree({ 't.yml': 'name: x\nping:\n' });
    await expect(loadTaskFile(join(root, 't.yml'), options)).rejects.toThrow(/t\.yml:1:1: a tasks file must be a list of tasks, found a mapping \(start each task with '- '\)/);
  });
});

describe('loadVarsFile', () => {
  it('loads a mapping with Ansible YAML rules; an empty file is no variables', async () => {
    const root = tempTree({ 'v.yml': 'a: yes\nb: [1, 2]\nmode: 0644\n', 'empty.yml': '# nothing\n' });
    expect(await loadVarsFile(join(root, 'v.yml'))).toEqual({ a: true, b: [1, 2], mode: 0o644 });
    expect(await loadVarsFile(join(root, 'empty.yml'))).toEqual({});
  });

  it('reports missing files, syntax errors, non-mappings and bad names with positions', async () => {
    const root = tempTree({ 'list.yml': '- a\n- b\n', 'bad.yml': 'a: [\n', 'names.yml': 'good: 1\n2bad: 2\n' });
    await expect(loadVarsFile(join(root, 'nope.yml'))).rejects.toThrow(/vars file .*nope\.yml: not found/);
    await expect(loadVarsFile(join(root, 'bad.yml'))).rejects.toThrow(/bad\.yml:\d+:\d+: YAML syntax error/);
    await expect(loadVarsFile(join(root, 'list.yml'))).rejects.toThrow(/list\.yml:1:1: a vars file must be a mapping of variable names to values, found a list/);
    await expect(loadVarsFile(join(root, 'names.yml'))).rejects.toThrow(/names\.yml:2:1: '2bad' is not a valid variable name/);
  });
});
