/** CLI flags that list, check or reshape output, through the compiled CLI. */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

function tsplay(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('tsplay CLI flags', () => {
  let dir: string;
  let pb: string;
  let inv: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tsplay-flags-'));
    inv = join(dir, 'hosts.ini');
    writeFileSync(inv, '[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n[db]\nd1 ansible_connection=local secret_pw=hunter2hunter2\n');
    pb = join(dir, 'site.yml');
    writeFileSync(
      pb,
      `- name: web play
  hosts: web
  gather_facts: false
  tags: [webtag]
  tasks:
    - { name: first task, debug: msg=one, tags: [a] }
    - { name: second task, debug: msg=two, tags: [b, c] }
- name: db play
  hosts: db
  gather_facts: false
  tasks:
    - name: secret
      command: echo {{secret_pw}}
      no_log: true
      changed_when: false
`,
    );
  });

  it('--list-hosts, --list-tasks, --list-tags print like ansible-playbook and run nothing', () => {
    const hosts = tsplay(['run', pb, '-i', inv, '--list-hosts']);
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain(`\nplaybook: ${pb}\n`);
    expect(hosts.stdout).toContain('play #1 (web): web play');
    expect(hosts.stdout).toMatch(/hosts \(2\):\n\s+w1\n\s+w2\n/);
    const tasks = tsplay(['run', pb, '-i', inv, '--list-tasks', '-t', 'a']);
    expect(tasks.stdout).toMatch(/first task\tTAGS: \[a, webtag\]/);
    expect(tasks.stdout).not.toContain('second task');
    const tags = tsplay(['run', pb, '-i', inv, '--list-tags']);
    expect(tags.stdout).toContain('TASK TAGS: [a, b, c, webtag]');
  });

  it('--syntax-check validates without an inventory or hosts', () => {
    const r = tsplay(['run', pb, '--syntax-check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`playbook: ${pb}`);
  });

  it('--json prints one document with every result; no_log results and secrets stay hidden', () => {
    const log = join(dir, 'run.log');
    const r = tsplay(['run', pb, '-i', inv, '--json', '--log-file', log]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, unknown>> }> }>; stats: Record<string, { ok: number }> };
    expect(doc.plays).toHaveLength(2);
    expect(doc.plays[0]!.tasks[0]!.hosts.w2).toMatchObject({ msg: 'one' });
    expect(doc.stats.d1).toMatchObject({ ok: 1, failed: 0 });
    const secret = doc.plays[1]!.tasks[0]!.hosts.d1!;
    expect(secret.censored).toMatch(/no_log/);
    expect(r.stdout).not.toContain('hunter2hunter2');
    const logText = readFileSync(log, 'utf8');
    expect(logText).toContain('"msg":"task result"');
    expect(logText).toMatch(/"ms":\d+/);
    expect(logText).not.toContain('hunter2hunter2');
  });

  it('bad options exit 5; an unknown playbook path is named', () => {
    expect(tsplay(['run', pb, '--forks', 'zero']).code).toBe(5);
    const missing = tsplay(['run', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('nope.yml could not be found');
  });

  it('tsplay inventory --graph and --host, tsplay doc', () => {
    const graph = tsplay(['inventory', '-i', inv, '--graph']);
    expect(graph.stdout).toContain('@all:');
    expect(graph.stdout).toContain('|--@web:');
    expect(graph.stdout).toContain('|  |--w1');
    const host = JSON.parse(tsplay(['inventory', '-i', inv, '--host', 'w1']).stdout) as Record<string, unknown>;
    expect(host).toMatchObject({ ansible_connection: 'local' });
    const doc = tsplay(['doc', 'ini_file']);
    expect(doc.code).toBe(0);
    expect(doc.stdout).toContain('> INI_FILE');
    expect(doc.stdout).toContain('EXAMPLES');
    expect(tsplay(['doc', '--list']).stdout).toMatch(/^yum\s+/m);
  });
});
