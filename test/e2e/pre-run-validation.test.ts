/**
 * Module arguments are checked before anything runs (--syntax-check and the start of
 * every run), and module schemas are compiled in ajv's strict mode when modules load.
 * Runs the compiled CLI on temp projects, on localhost over the local connection.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonResults, runProject, tsplay, writeProject } from './project-helper.js';

beforeAll(ensureBuilt);

const BAD = `- hosts: localhost
  gather_facts: false
  tasks:
    - name: would run first
      file: path={{ marker }} state=touch
    - copy: srcc=a dest=/tmp/x
    - copy:
        content: x
        dest: "{{ somewhere }}"
        bakup: yes
    - file: { path: /tmp/y, state: directoy }
    - command: /bin/true chdir=/tmp
    - shell: echo "{{ anything }}"
      args: { executabel: /bin/bash }
    - systemd: { state: started }
    - ping: "{{ ping_args }}"
    - debug: msg="{{ x }}" verbosity="{{ level }}"
`;

describe('arguments checked before the run', () => {
  it('--syntax-check reports every literal argument mistake at once, at its key, with did-you-mean, exit 5', () => {
    const dir = writeProject({ 'site.yml': BAD });
    const r = tsplay(['run', join(dir, 'site.yml'), '--syntax-check'], dir);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => /^site\.yml:\d+:\d+: /.test(l));
    expect(lines).toEqual([
      "site.yml:6:13: copy: unsupported argument 'srcc' - did you mean 'src'? (supported: src, content, dest, mode, owner, group, backup, force, directory_mode, remote_src, validate, decrypt)",
      "site.yml:10:9: copy: unsupported argument 'bakup' - did you mean 'backup'? (supported: src, content, dest, mode, owner, group, backup, force, directory_mode, remote_src, validate, decrypt)",
      "site.yml:11:36: file: argument 'state' must be one of: file, directory, link, hard, absent, touch (got \"directoy\") - did you mean 'directory'?",
      "site.yml:14:15: shell: unsupported argument 'executabel' - did you mean 'executable'? (supported: cmd, executable, chdir, creates, removes, stdin, stdin_add_newline, strip_empty_ends)",
      "site.yml:15:7: systemd: missing required argument: one of 'name', 'daemon_reload', 'daemon_reexec'",
    ]);
    expect(r.stderr).toMatch(/^ERROR! 5 problems found:/);
    // The caret points at the word inside a k=v string.
    expect(r.stderr).toContain('  6 |     - copy: srcc=a dest=/tmp/x\n    |             ^');
  });

  it('a run stops before any task when an argument is wrong, even a task far below a good one', () => {
    const dir = writeProject({ 'site.yml': BAD });
    const marker = join(dir, 'ran');
    const r = runProject(dir, '-e', `marker=${marker}`);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("copy: unsupported argument 'srcc'");
    expect(existsSync(marker)).toBe(false);
    expect(r.stdout).not.toContain('PLAY RECAP');
  });

  it('templated values are checked after rendering, per host, as before (the task fails, the run goes on)', () => {
    const dir = writeProject({
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - name: bad after rendering
      file: { path: /tmp/never, state: "{{ wanted }}" }
      ignore_errors: true
    - { name: after, debug: { msg: reached } }
`,
    });
    const r = runProject(dir, '--json', '-e', 'wanted=directoy');
    const results = jsonResults(r);
    expect(results.get('bad after rendering')).toMatchObject({ failed: true, msg: expect.stringContaining("argument 'state' must be one of") });
    expect(results.get('after')!.msg).toBe('reached');
  });

  it('arguments of a statically named include_tasks file and of role tasks are checked too', () => {
    const dir = writeProject({
      'site.yml': '- hosts: localhost\n  gather_facts: false\n  roles: [web]\n  tasks:\n    - include_tasks: more.yml\n',
      'more.yml': '- lineinfile: { path: /tmp/x, line: a, stat: present }\n',
      'roles/web/tasks/main.yml': '- debug: { msg: hi, verbosity: lots }\n',
    });
    const r = tsplay(['run', join(dir, 'site.yml'), '--syntax-check'], dir);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("more.yml:1:40: lineinfile: unsupported argument 'stat' - did you mean 'state'?");
    expect(r.stderr).toContain("roles/web/tasks/main.yml:1:32: debug: argument 'verbosity' must be integer (got \"lots\")");
  });

  it('custom module arguments are checked with their own schema; k=v booleans and numbers are coerced as at run time', () => {
    const dir = writeProject({
      'modules/motd.ts': `import { defineModule } from 'tsplay';
export default defineModule({
  name: 'motd',
  schema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' }, lines: { type: 'integer' }, force: { type: 'boolean' } } },
  docs: { short: 'motd', examples: '- motd: { text: hi }' },
  async run() { return { changed: false }; },
});
`,
      'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - motd: text=hi lines=3 force=yes\n    - motd: { txet: hi }\n',
    });
    const r = tsplay(['run', join(dir, 'site.yml'), '--syntax-check'], dir);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("site.yml:5:15: motd: unsupported argument 'txet' - did you mean 'text'? (supported: text, lines, force)");
    expect(r.stderr).toContain("site.yml:5:7: motd: missing required argument 'text'");
    expect(r.stderr).not.toContain('site.yml:4:');
  });

  it('a vault-encrypted value quoted by a message is masked', () => {
    const dir = writeProject({ pass: 'pw\n' });
    const enc = tsplay(['vault', 'encrypt_string', '--vault-password-file', join(dir, 'pass'), '--name', 'state', 'SECRETVALUE'], dir);
    expect(enc.code).toBe(0);
    const site = `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - file:\n        path: /x\n${enc.stdout.trimEnd().replace(/^/gm, '        ')}\n`;
    const project = writeProject({ 'site.yml': site, pass: 'pw\n' });
    const r = tsplay(['run', join(project, 'site.yml'), '--syntax-check', '--vault-password-file', join(project, 'pass')], project);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("file: argument 'state' must be one of: file, directory, link, hard, absent, touch (got \"********\")");
    expect(r.stderr).not.toContain('SECRETVALUE');
  });
});

describe('module schemas in strict mode', () => {
  const moduleWith = (name: string, schema: string, extra = '') => `import { defineModule } from 'tsplay';
export default defineModule({
  name: '${name}',${extra}
  schema: ${schema},
  docs: { short: '${name}', examples: '' },
  async run() { return { changed: false, msg: '${name} ran' }; },
});
`;

  it('an unknown keyword, an invalid schema or a required name not in properties is reported at the start, naming the file; only tasks using it fail', () => {
    const dir = writeProject({
      'modules/typo.ts': moduleWith('typo', "{ type: 'object', properties: { path: { type: 'string', descripton: 'where' } } }"),
      'modules/invalid.ts': moduleWith('invalid', "{ type: 'object', properties: { n: { type: 'integr' } } }"),
      'modules/needs.ts': moduleWith('needs', "{ type: 'object', additionalProperties: false, required: ['nmae'], properties: { name: { type: 'string' } } }"),
      'modules/good.ts': moduleWith('good', "{ type: 'object', properties: { path: { type: 'string', description: 'where' } } }"),
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - { name: typo, typo: { path: /x }, ignore_errors: true }
    - { name: invalid, invalid: {}, ignore_errors: true }
    - { name: needs, needs: { name: x }, ignore_errors: true }
    - { name: good, good: { path: /x } }
`,
    });
    const r = runProject(dir, '--json');
    expect(r.stderr).toContain(`[WARNING]: ${dir}/modules/typo.ts: module 'typo' has an invalid argument schema: strict mode: unknown keyword: "descripton"`);
    expect(r.stderr).toContain(`[WARNING]: ${dir}/modules/invalid.ts: module 'invalid' has an invalid argument schema: schema is invalid: data/properties/n/type must be equal to one of the allowed values`);
    expect(r.stderr).toContain(`[WARNING]: ${dir}/modules/needs.ts: module 'needs' has an invalid argument schema: required property "nmae" at "#" is not declared in properties`);
    const results = jsonResults(r);
    expect(results.get('typo')).toMatchObject({ failed: true, msg: expect.stringContaining(`${dir}/modules/typo.ts: module 'typo' has an invalid argument schema`) });
    expect(results.get('invalid')).toMatchObject({ failed: true });
    expect(results.get('needs')).toMatchObject({ failed: true });
    expect(results.get('good')!.msg).toBe('good ran');
    expect(r.code).toBe(0); // the failures were ignored
  });

  it('a module shadowing a built-in names both files; overrides: true without a built-in of that name is warned about', () => {
    const dir = writeProject({
      'modules/copy.ts': moduleWith('copy', "{ type: 'object' }"),
      'modules/mine.ts': moduleWith('mine', "{ type: 'object' }", '\n  overrides: true,'),
      'more/mine.ts': moduleWith('mine', "{ type: 'object' }"),
      'site.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - { name: mine, mine: {} }\n',
    });
    const r = runProject(dir, '--json', '-M', join(dir, 'more'));
    expect(r.stderr).toMatch(new RegExp(`module 'copy' in ${dir}/modules/copy.ts has the name of the built-in module in \\S+/modules/copy.js; add overrides: true`));
    expect(r.stderr).toContain(`module 'mine' in ${dir}/modules/mine.ts says overrides: true, but no built-in module has its name or aliases`);
    expect(r.stderr).toContain(`module 'mine' in ${dir}/modules/mine.ts replaces the one in ${dir}/more/mine.ts (a later module folder wins)`);
    expect(jsonResults(r).get('mine')!.msg).toBe('mine ran');
  });
});
