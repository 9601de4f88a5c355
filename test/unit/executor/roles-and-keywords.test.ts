import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runYaml } from './run-helper.js';

const LOCAL = '[web]\na ansible_connection=local\n';

describe('roles through the executor', () => {
  it('runs role tasks before play tasks, with defaults < inventory < role vars, templates from the role, and role handlers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsplay-role-out-'));
    const files: Record<string, string> = {};
    const roleDir = (sub: string) => `roles/app/${sub}`;
    files[`${roleDir('defaults')}/main.yml`] = 'app_port: 80\napp_name: default-name\napp_user: default-user\n';
    files[`${roleDir('vars')}/main.yml`] = 'app_user: role-var-user\n';
    files[`${roleDir('tasks')}/main.yml`] = `- name: render config
  template: { src: app.conf.hbs, dest: "{{out}}/app.conf" }
  notify: app changed
`;
    files[`${roleDir('handlers')}/main.yml`] = `- name: app changed
  copy: { content: "handled\\n", dest: "{{out}}/handled" }
`;
    files[`${roleDir('templates')}/app.conf.hbs`] = 'port={{app_port}} name={{app_name}} user={{app_user}} role={{role_name}}\n';
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  roles: [app]
  tasks:
    - { name: play task, debug: msg=after-role }
`,
      '[web]\na ansible_connection=local app_port=8080 app_user=inventory-user\n',
      { extraVars: { out } },
      files,
    );
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('port=8080 name=default-name user=role-var-user role=app\n');
    expect(existsSync(join(out, 'handled'))).toBe(true);
    expect(r.log.indexOf('task app : render config')).toBeLessThan(r.log.indexOf('task play task'));
  });
});

describe('role identity and role vars, as Ansible 2.14', () => {
  it("a dependency's vars: are role vars for the whole play; the same role listed without them is another role", async () => {
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  roles: [webapp, database]
  tasks:
    - name: play sees
      debug: { msg: "{{ db_engine }}" }
`,
      LOCAL,
      {},
      {
        'roles/common/tasks/main.yml': '- { name: common, debug: msg=common }\n',
        'roles/database/meta/main.yml': 'dependencies: [common]\n',
        'roles/database/defaults/main.yml': 'db_engine: postgres\n',
        'roles/database/tasks/main.yml': '- name: database\n  debug: { msg: "{{ db_engine }}" }\n',
        'roles/webapp/meta/main.yml': 'dependencies:\n  - common\n  - { role: database, vars: { db_engine: mysql } }\n',
        'roles/webapp/tasks/main.yml': '- name: webapp\n  debug: { msg: "{{ db_engine }}" }\n',
      },
    );
    const seen = r.log.filter((l) => l.startsWith('a ok ')).map((l) => `${l.slice(5)}=${String(r.results.get(l.replace(' ok ', ' '))?.msg)}`);
    expect(seen).toEqual(['common : common=common', 'database : database=mysql', 'webapp : webapp=mysql', 'database : database=mysql', 'play sees=mysql']);
  });
});

describe('task keywords', () => {
  it('environment reaches the command, and the innermost definition wins', async () => {
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  environment: { GREETING: play, OTHER: kept }
  tasks:
    - name: env
      shell: 'printf "%s %s" "$GREETING" "$OTHER"'
      environment: { GREETING: "task value; with $chars" }
      register: e
      changed_when: false
`,
      LOCAL,
    );
    expect(r.results.get('a env')).toMatchObject({ stdout: 'task value; with $chars kept' });
  });

  it("command expands $VAR in its words from the task's environment, and the value stays one literal word", async () => {
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  environment: { GREETING: "hi there; $(id) *" }
  tasks:
    - name: env
      command: printf "[%s]" $GREETING "$GREETING!" $NOT_SET_ANYWHERE
      changed_when: false
`,
      LOCAL,
    );
    expect(r.results.get('a env')).toMatchObject({ stdout: '[hi there; $(id) *][hi there; $(id) *!][$NOT_SET_ANYWHERE]' });
  });

  it("delegate_to runs on another host with the delegating host's variables", async () => {
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  tasks:
    - name: delegated
      command: "echo {{inventory_hostname}}"
      delegate_to: localhost
      changed_when: false
`,
      LOCAL,
    );
    expect(r.results.get('a delegated')).toMatchObject({ stdout: 'a', failed: false });
  });

  it('check_mode: false runs for real inside --check; check_mode: true only predicts in a real run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-checkmode-'));
    mkdirSync(join(dir, 'sub'));
    const pb = `
- hosts: web
  gather_facts: false
  tasks:
    - name: always real
      copy: { content: "x\\n", dest: "${dir}/real" }
      check_mode: false
    - name: always predicted
      copy: { content: "y\\n", dest: "${dir}/predicted" }
      check_mode: true
`;
    const check = await runYaml(pb, LOCAL, { check: true });
    expect(check.results.get('a always real')).toMatchObject({ changed: true });
    expect(existsSync(join(dir, 'real'))).toBe(true);
    const real = await runYaml(pb, LOCAL);
    expect(real.results.get('a always predicted')).toMatchObject({ changed: true });
    expect(existsSync(join(dir, 'predicted'))).toBe(false);
  });

  it("a block's when and vars are inherited by its tasks", async () => {
    const r = await runYaml(
      `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - { name: inside, debug: "msg={{block_var}}" }
      vars: { block_var: from-block }
      when: run_block | bool
`,
      LOCAL,
      { extraVars: { run_block: 'yes' } },
    );
    expect(r.results.get('a inside')).toMatchObject({ msg: 'from-block' });
    const skipped = await runYaml(
      `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - { name: inside, debug: msg=x }
      when: false
`,
      LOCAL,
    );
    expect(skipped.results.get('a inside')).toMatchObject({ skipped: true });
  });
});
