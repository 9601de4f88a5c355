/**
 * ansible.cfg through the compiled CLI, beside ansible-playbook where it is installed:
 * a project's ansible.cfg chooses the inventory, gathering and retry files; ANSIBLE_*
 * variables override it, flags override both; `tsplay config dump` shows the same origins
 * as `ansible-config dump`; a bad value stops the run naming the file and line.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

const hasAnsible = spawnSync('ansible-config', ['--version']).status === 0;

function project(cfg: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-cfg-e2e-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'ansible.cfg'), cfg);
  writeFileSync(join(dir, 'hosts'), '[web]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
  writeFileSync(
    join(dir, 'site.yml'),
    '- hosts: web\n  tasks:\n    - name: facts gathered?\n      debug:\n        msg: "{{ ansible_facts.keys() | list | length > 0 }}"\n    - name: fail here\n      fail:\n        msg: boom\n',
  );
  return dir;
}

function run(cmd: string[], cwd: string, env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const [bin, ...args] = cmd;
  const r = spawnSync(bin!, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const tsplay = (args: string[], cwd: string, env?: Record<string, string>) => run([process.execPath, cli, ...args], cwd, env);

describe('ansible.cfg', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('chooses the inventory, gathering and retry files of a run, as with ansible-playbook', () => {
    const dir = project('[defaults]\ninventory = hosts\ngathering = explicit\nretry_files_enabled = True\nretry_files_save_path = retries\n');
    const t = tsplay(['run', 'site.yml'], dir);
    expect(t.code).toBe(2);
    expect(t.out).not.toMatch(/Gathering Facts/);
    expect(t.out).toMatch(/"msg": false/);
    expect(t.out).toMatch(/to retry, use: --limit @.*retries\/site\.retry/);
    expect(readFileSync(join(dir, 'retries/site.retry'), 'utf8')).toBe('localhost\n');
    if (hasAnsible) {
      const a = run(['ansible-playbook', 'site.yml'], dir);
      expect(a.code).toBe(t.code);
      expect(a.out).not.toMatch(/Gathering Facts/);
    }
  });

  it('the environment overrides ansible.cfg, a flag overrides both', () => {
    const dir = project('[defaults]\ninventory = hosts\ngathering = explicit\n');
    const env = tsplay(['run', 'site.yml'], dir, { ANSIBLE_GATHERING: 'implicit' });
    expect(env.out).toMatch(/Gathering Facts/);
    expect(env.out).toMatch(/"msg": true/);
    expect(existsSync(join(dir, 'site.retry'))).toBe(false);
    const flag = tsplay(['run', 'site.yml', '-i', 'nowhere.ini', '--list-hosts'], dir);
    expect(flag.code).not.toBe(0);
    expect(flag.err + flag.out).toMatch(/nowhere\.ini/);
  });

  it('`tsplay config dump --only-changed` shows the origins ansible-config shows', () => {
    const dir = project('[defaults]\ninventory = hosts\nforks = 7\nremote_user = deploy\nhost_key_checking = False\nroles_path = roles:/opt/roles\n[privilege_escalation]\nbecome = yes\n');
    const t = tsplay(['config', 'dump', '--only-changed'], dir, { ANSIBLE_TIMEOUT: '30' });
    expect(t.code).toBe(0);
    expect(t.out).toContain(`DEFAULT_FORKS(${dir}/ansible.cfg) = 7`);
    expect(t.out).toContain('DEFAULT_TIMEOUT(env: ANSIBLE_TIMEOUT) = 30');
    expect(t.out).toContain(`DEFAULT_ROLES_PATH(${dir}/ansible.cfg) = ['${dir}/roles', '/opt/roles']`);
    if (hasAnsible) {
      const a = run(['ansible-config', 'dump', '--only-changed'], dir, { ANSIBLE_TIMEOUT: '30' });
      const lines = (s: string) => new Set(s.split('\n').filter((l) => /^[A-Z_]+\(/.test(l)));
      expect([...lines(t.out)].sort()).toEqual([...lines(a.out)].sort());
    }
  });

  it('a bad value stops the run before anything else, naming the file and line (exit 5)', () => {
    const dir = project('[defaults]\ninventory = hosts\nforks = lots\n');
    const t = tsplay(['run', 'site.yml'], dir);
    expect(t.code).toBe(5);
    expect(t.err).toContain(`ERROR! ${dir}/ansible.cfg:3: [defaults] forks must be a whole number, not 'lots'`);
    expect(t.err).not.toMatch(/\n\s+at /);
  });

  it('says which settings of the file it does not use, once', () => {
    const dir = project('[defaults]\ninventory = hosts\nstdout_callback = yaml\n[ssh_connection]\npipelining = True\n');
    const t = tsplay(['run', 'site.yml'], dir);
    expect(t.err).toMatch(/settings tsplay does not use \(ignored\): \[defaults\] stdout_callback \(line 3\)/);
    expect(t.err).not.toMatch(/pipelining/);
  });

  it('gathering = smart gathers a host once per run', () => {
    const dir = project('[defaults]\ninventory = hosts\ngathering = smart\n');
    mkdirSync(join(dir, 'two'));
    writeFileSync(join(dir, 'two.yml'), '- hosts: web\n  tasks: [{debug: {msg: one}}]\n- hosts: web\n  tasks: [{debug: {msg: two}}]\n');
    const t = tsplay(['run', 'two.yml'], dir);
    expect(t.code).toBe(0);
    expect(t.out.match(/Gathering Facts/g)?.length).toBe(1);
  });
});
