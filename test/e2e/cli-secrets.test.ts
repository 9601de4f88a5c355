/**
 * Security regressions through the compiled CLI on `ansible_connection=local` (issue 13,
 * items 2-5): text from a host is data, never a template; a templated no_log hides; every
 * password variable and no_log value is masked wherever it came from; reboot refuses the
 * controller behind delegate_to. Each playbook is written into a temp dir by the test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './project-helper.js';

const dirs: string[] = [];

function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-secrets-'));
  dirs.push(d);
  writeFileSync(join(d, 'inventory.ini'), 'localhost ansible_connection=local\n');
  return d;
}

function tsplay(dir: string, playbook: string, ...extra: string[]): { code: number; stdout: string; stderr: string; log: string } {
  writeFileSync(join(dir, 'site.yml'), playbook);
  const logFile = join(dir, `log-${Math.random().toString(16).slice(2)}.jsonl`);
  const r = spawnSync(process.execPath, [cli, 'run', join(dir, 'site.yml'), '-i', join(dir, 'inventory.ini'), '--log-file', logFile, ...extra], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', EVIL_ENV: "{{ lookup('file', '" + join(dir, 'controller-secret') + "') }}" },
  });
  // pino writes asynchronously; the process has exited, so the file is complete.
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, log };
}

beforeAll(() => {
  ensureBuilt();
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('text from a host is data, never a template', () => {
  it('a registered file holding a lookup copies the text, not the controller secret', () => {
    const d = workdir();
    writeFileSync(join(d, 'controller-secret'), 'TOP-SECRET-ON-CONTROLLER');
    writeFileSync(join(d, 'target-file'), `{{ lookup('file', '${join(d, 'controller-secret')}') }}`);
    const r = tsplay(
      d,
      `- hosts: all
  gather_facts: true
  tasks:
    - command: cat ${join(d, 'target-file')}
      register: r
    - copy:
        content: "{{ r.stdout }}"
        dest: ${join(d, 'out-register')}
    - set_fact:
        again: "{{ r.stdout }}"
    - copy:
        content: "{{ again }}"
        dest: ${join(d, 'out-set-fact')}
    - copy:
        content: "{{ ansible_env.EVIL_ENV }}"
        dest: ${join(d, 'out-facts')}
    - copy:
        content: "{{ hostvars[inventory_hostname].r.stdout }}"
        dest: ${join(d, 'out-hostvars')}
`,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const literal = `{{ lookup('file', '${join(d, 'controller-secret')}') }}`;
    for (const f of ['out-register', 'out-set-fact', 'out-facts', 'out-hostvars']) {
      expect(readFileSync(join(d, f), 'utf8'), f).toBe(literal);
    }
    expect(r.stdout).not.toContain('TOP-SECRET-ON-CONTROLLER');
  });

  it('!unsafe values stay literal in vars, nested mappings and module arguments', () => {
    const d = workdir();
    const r = tsplay(
      d,
      `- hosts: all
  gather_facts: false
  vars:
    plain: rendered
    raw: !unsafe "{{ plain }}"
    nested:
      keep: !unsafe "{{ plain }}"
      render: "{{ plain }}"
  tasks:
    - copy:
        content: "{{ raw }}|{{ nested.keep }}|{{ nested.render }}"
        dest: ${join(d, 'out')}
    - copy:
        content: !unsafe "{{ plain }}"
        dest: ${join(d, 'out2')}
`,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(d, 'out'), 'utf8')).toBe('{{ plain }}|{{ plain }}|rendered');
    expect(readFileSync(join(d, 'out2'), 'utf8')).toBe('{{ plain }}');
  });
});

describe('no_log', () => {
  const playbook = (extraTask = '') => `- hosts: all
  gather_facts: false
  vars:
    hide: true
  tasks:
    - command: echo the-hidden-value-4711
      register: r
      no_log: "{{ hide }}"
${extraTask}`;

  it('a templated no_log hides the result in the terminal, -vvv, --json and the log', () => {
    const d = workdir();
    for (const flags of [[], ['-vvv'], ['--json']]) {
      const r = tsplay(d, playbook(), ...flags);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout, flags.join(' ')).not.toContain('the-hidden-value-4711');
      expect(r.log).not.toContain('the-hidden-value-4711');
      if (flags.includes('--json')) expect(r.stdout).toContain("'no_log: true' was specified");
    }
  });

  it('a no_log value stays masked when a later task prints it', () => {
    const d = workdir();
    const r = tsplay(d, playbook('    - debug:\n        msg: "value is {{ r.stdout }}"\n'), '-v');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('the-hidden-value-4711');
    expect(r.stdout).toContain('value is ********');
  });

  it('a templated no_log that is false shows the result', () => {
    const d = workdir();
    const r = tsplay(d, playbook(), '-v', '-e', 'hide=false');
    expect(r.stdout).toContain('the-hidden-value-4711');
  });

  it('a no_log that cannot be decided hides and fails the task', () => {
    const d = workdir();
    const r = tsplay(d, playbook().replace('{{ hide }}', '{{ no_such_var }}'), '-vvv');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/error in 'no_log'/);
    expect(r.stdout).not.toContain('the-hidden-value-4711');
  });
});

describe('password variables are masked wherever they came from', () => {
  it('play vars, vars_files, -e, set_fact and templates', () => {
    const d = workdir();
    writeFileSync(join(d, 'secrets.yml'), 'vault_pw: from-vars-file-pw-1\n');
    const cases: Array<[string, string[], string]> = [
      ['play vars', [], 'vars:\n    ansible_become_password: from-play-vars-pw-2'],
      ['vars_files', [], 'vars_files:\n    - secrets.yml\n  vars:\n    ansible_become_password: "{{ vault_pw }}"'],
      ['-e', ['-e', 'ansible_become_password=from-extra-vars-pw-3'], 'vars: {}'],
    ];
    for (const [label, flags, header] of cases) {
      const r = tsplay(
        d,
        `- hosts: all
  gather_facts: false
  ${header}
  tasks:
    - debug:
        msg: "pw={{ ansible_become_password }}"
`,
        ...flags,
      );
      expect(r.code, label + r.stdout + r.stderr).toBe(0);
      expect(r.stdout, label).toMatch(/pw=\*{8}/);
      expect(r.stdout, label).not.toMatch(/from-[a-z-]+-pw-\d/);
    }
    const viaSetFact = tsplay(
      d,
      `- hosts: all
  gather_facts: false
  tasks:
    - set_fact:
        ansible_password: "from-set-fact-{{ 'pw-4' }}"
    - debug:
        msg: "pw={{ ansible_password }}"
`,
      '--json',
    );
    expect(viaSetFact.stdout).not.toContain('from-set-fact-pw-4');
  });
});

describe('reboot never reboots the controller', () => {
  it('refuses behind delegate_to: localhost', () => {
    const d = workdir();
    writeFileSync(join(d, 'inventory.ini'), 'target ansible_host=198.18.0.250 ansible_connection=ssh\n');
    const r = tsplay(
      d,
      `- hosts: all
  gather_facts: false
  tasks:
    - reboot:
      delegate_to: localhost
`,
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/would reboot the controller itself; refusing/);
  });
});
