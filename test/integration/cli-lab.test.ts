/**
 * `tsplay run` through the CLI against lab hosts: a multi-task playbook over ONE SSH
 * connection per host (counted on the hosts from sshd's journal), become with and
 * without a password, an unreachable host that does not stop the others (exit 4), and
 * the general modules with values full of shell metacharacters, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLab, type Lab } from './modules-lab.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
/** The lab's connection settings (key, known_hosts) as INI group vars, from the lab's inventory. */
let LAB_VARS: (group: string) => string;
const NASTY = `a'b"c $HOME $(id) \`id\` \\ ; & | < > * ? ~ # ! é 日本\n\tsecond line`;

function tsplay(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function recapOf(stdout: string, host: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith(`${host} `) && l.includes('ok='));
  if (!line) throw new Error(`no recap for ${host} in:\n${stdout}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('tsplay run against lab hosts', () => {
  let lab: Lab;
  let dir: string;
  let passwordFile: string;
  beforeAll(async () => {
    lab = await openLab();
    const v = lab.inventory.varsFor('opctl');
    LAB_VARS = (group) =>
      `[${group}:vars]\nansible_ssh_private_key_file=${String(v.ansible_ssh_private_key_file)}\nansible_ssh_common_args="${String(v.ansible_ssh_common_args)}"\n`;
    passwordFile = String(v.lab_sudo_password_file);
    dir = mkdtempSync(join(tmpdir(), 'tsplay-cli-lab-'));
    writeFileSync(join(dir, 'nasty.txt'), NASTY);
  });
  afterAll(async () => lab?.close());

  it('runs a multi-task play over one SSH connection per host', async () => {
    const count = (h: string) => lab.out(h, "journalctl -u ssh --no-pager -o cat | grep -c '^Accepted publickey for root' || true").then((s) => Number(s.trim()));
    const before = await Promise.all(['opctl', 'opnet'].map(count));
    writeFileSync(
      join(dir, 'multi.yml'),
      `- hosts: opctl,opnet
  tasks:
${Array.from({ length: 12 }, (_, i) => `    - name: step ${i}\n      command: echo ${i}\n      changed_when: false`).join('\n')}
    - copy: { content: "{{inventory_hostname}}\\n", dest: /tmp/tsplay-multi }
`,
    );
    const r = tsplay(['run', join(dir, 'multi.yml'), '-i', `${repo}/inventories/lab`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await Promise.all(['opctl', 'opnet'].map(count));
    // Exactly one new login per host for facts + 13 tasks.
    expect(after.map((a, i) => a - before[i]!)).toEqual([1, 1]);
  });

  it('becomes root from a passwordless-sudo user and from one whose sudo needs a password', async () => {
    const password = readFileSync(passwordFile, 'utf8').trim();
    writeFileSync(
      join(dir, 'become.ini'),
      `[u]\nopctl ansible_host=198.18.0.10 ansible_user=tester\nopnet ansible_host=198.18.0.11 ansible_user=tester2 ansible_become_password=${password}\n${LAB_VARS('u')}`,
    );
    writeFileSync(
      join(dir, 'become.yml'),
      `- hosts: u
  gather_facts: false
  become: true
  tasks:
    - command: id -un
      register: who
      changed_when: false
    - assert: { that: "who.stdout == 'root'" }
    - name: a root-only file, written atomically through sudo
      copy: { content: "x\\n", dest: /root/tsplay-become, mode: "0600" }
`,
    );
    const r = tsplay(['run', join(dir, 'become.yml'), '-i', join(dir, 'become.ini'), '--log-file', join(dir, 'become.log')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The password never reaches output or logs.
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(readFileSync(join(dir, 'become.log'), 'utf8')).not.toContain(password);
    expect(await lab.out('opnet', 'stat -c %U:%a /root/tsplay-become')).toBe('root:600\n');
  });

  it('reports an unreachable host and finishes the others (exit 4)', () => {
    writeFileSync(join(dir, 'unreach.ini'), `[all_hosts]\nopctl ansible_host=198.18.0.10 ansible_user=root\nghost ansible_host=198.18.0.250 ansible_user=root ansible_timeout=3\n${LAB_VARS('all_hosts')}`);
    writeFileSync(join(dir, 'unreach.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n    - { name: after, command: "true", changed_when: false }\n');
    const r = tsplay(['run', join(dir, 'unreach.yml'), '-i', join(dir, 'unreach.ini')]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^fatal: \[ghost\]: UNREACHABLE! => \{"changed": false, "msg": ".+", "unreachable": true\}$/m);
    expect(recapOf(r.stdout, 'opctl')).toMatchObject({ ok: 2, failed: 0, unreachable: 0 });
    expect(recapOf(r.stdout, 'ghost')).toMatchObject({ unreachable: 1 });
  });

  it('general modules on a lab host: metacharacters round-trip byte for byte, second run changes nothing', async () => {
    writeFileSync(
      join(dir, 'general.yml'),
      `- hosts: opnet
  gather_facts: false
  vars:
    nasty: "{{lookup 'file' '${join(dir, 'nasty.txt')}'}}"
  tasks:
    - file: { path: /tmp/tsplay-gen, state: directory, mode: "0750" }
    - copy: { src: ${join(dir, 'nasty.txt')}, dest: /tmp/tsplay-gen/copied }
    - lineinfile: { path: /tmp/tsplay-gen/lines, create: true, line: "key={{nasty_line}}" }
      vars: { nasty_line: "a'b\\"c $HOME $(id) \`id\` ; & | < > * ? # ! é" }
    - command:
        argv: [printf, "%s", "{{nasty_line}}"]
        expand_argument_vars: false
      vars: { nasty_line: "a'b\\"c $HOME $(id) \`id\` ; & | < > * ? # ! é" }
      register: echoed
      changed_when: false
    - assert: { that: "echoed.stdout == \\"a'b\\\\\\"c $HOME $(id) \`id\` ; & | < > * ? # ! é\\"" }
    - stat: { path: /tmp/tsplay-gen/copied, checksum_algorithm: sha1 }
      register: st
    - slurp: { src: /tmp/tsplay-gen/copied }
      register: sl
    - template: { src: ${join(dir, 't.hbs')}, dest: /tmp/tsplay-gen/templated }
    - blockinfile: { path: /tmp/tsplay-gen/lines, block: "managed line" }
`,
    );
    writeFileSync(join(dir, 't.hbs'), 'host={{inventory_hostname}}\n');
    const inv = ['-i', `${repo}/inventories/lab`];
    const first = tsplay(['run', join(dir, 'general.yml'), ...inv]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(recapOf(first.stdout, 'opnet')).toMatchObject({ failed: 0, changed: 5 });
    expect(await lab.out('opnet', 'cat /tmp/tsplay-gen/copied')).toBe(NASTY);
    expect(await lab.out('opnet', 'head -1 /tmp/tsplay-gen/lines')).toBe("key=a'b\"c $HOME $(id) `id` ; & | < > * ? # ! é\n");
    expect(await lab.out('opnet', 'cat /tmp/tsplay-gen/templated')).toBe('host=opnet\n');
    const second = tsplay(['run', join(dir, 'general.yml'), ...inv]);
    expect(recapOf(second.stdout, 'opnet')).toMatchObject({ failed: 0, changed: 0 });
  });
});
