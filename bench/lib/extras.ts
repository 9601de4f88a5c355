/**
 * The measurements that need no hosts: start-up time (`--version`), the fixed cost of a
 * real run (one command on localhost over the local connection, what every run pays
 * before its first SSH handshake), and planning a generated 1,000-task playbook over 100
 * hosts (`--list-tasks`, `--syntax-check`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.js';
import { summarize, type Summary } from './stats.js';

export interface Extras {
  startup: { tsplay: Summary | null; ansible: Summary | null; runs: number };
  /** `run` of a one-task playbook on localhost (connection local): wall time and peak RSS. */
  localRun?: Record<'tsplay' | 'ansible', { wallS: Summary | null; maxRssMB: Summary | null; exitCode: number } | null>;
  planning: Record<string, { wallS: Summary | null; maxRssMB: Summary | null; exitCode: number }>;
}

/**
 * Wall time of a bare spawn, for start-up: `measure` runs the tool through bash, a cgroup
 * move and /usr/bin/time, which adds ~0.1 s on cgroup v1 and would swamp a 0.1 s start.
 */
export function repeatBare(argv: string[], runs: number, cwd: string): Summary | null {
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited with ${r.status}`);
    wall.push((performance.now() - start) / 1000);
  }
  return summarize(wall);
}

async function repeat(argv: string[], runs: number, cwd: string, env?: NodeJS.ProcessEnv) {
  const wall: number[] = [];
  const rss: number[] = [];
  let exitCode = 0;
  for (let i = 0; i < runs; i++) {
    const m = await measure(argv, env ? { cwd, env } : { cwd });
    if (m.exitCode !== 0) { exitCode = m.exitCode; process.stderr.write(m.stderr.slice(0, 2000)); }
    wall.push(m.wallS);
    if (m.maxRssMB !== null) rss.push(m.maxRssMB);
  }
  return { wallS: summarize(wall), maxRssMB: summarize(rss), exitCode };
}

/** 1,000 tasks of the kinds real playbooks have, every one with templated arguments. */
export function writePlanningWorkload(dir: string, tasks: number, hosts: number): { playbook: string; inventory: string } {
  mkdirSync(dir, { recursive: true });
  const shapes = [
    (i: number) => `  - name: copy ${i}\n    copy: content="rp_filter={{ rp_filter }}\\n" dest=/etc/sysctl.d/${i}.conf`,
    (i: number) => `  - name: line ${i}\n    lineinfile:\n      path: /etc/app-{{ app_name }}.conf\n      regexp: '^key${i}='\n      line: 'key${i}={{ app_name }}-${i}'`,
    (i: number) => `  - name: file ${i}\n    file: path=/srv/{{ app_name }}/d${i} state=directory mode=0755`,
    (i: number) => `  - name: shell ${i}\n    shell: echo {{ inventory_hostname }} ${i}\n    when: rp_filter | int == 0`,
    (i: number) => `  - name: user ${i}\n    user: name=u${i} shell=/bin/bash`,
  ];
  const body = ['- hosts: all', '  gather_facts: no', '  vars:', '    app_name: demo', '    rp_filter: 0', '  tasks:'];
  for (let i = 0; i < tasks; i++) body.push(shapes[i % shapes.length]!(i));
  const playbook = join(dir, `plan-${tasks}.yml`);
  writeFileSync(playbook, body.join('\n') + '\n');
  const inv = ['[all]'];
  for (let i = 1; i <= hosts; i++) inv.push(`plan${i} ansible_host=198.18.0.${99 + (i % 150) + 1}`);
  const inventory = join(dir, `plan-${hosts}.ini`);
  writeFileSync(inventory, inv.join('\n') + '\n');
  return { playbook, inventory };
}

/** One `command` task on localhost over the local connection. */
export function writeLocalRunWorkload(dir: string): { playbook: string; inventory: string } {
  mkdirSync(dir, { recursive: true });
  const playbook = join(dir, 'one-task.yml');
  writeFileSync(playbook, '- hosts: all\n  gather_facts: no\n  tasks:\n  - name: one command\n    command: "true"\n');
  const inventory = join(dir, 'localhost.ini');
  writeFileSync(inventory, 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
  return { playbook, inventory };
}

export async function measureExtras(repoRoot: string, tmp: string, haveAnsible: boolean, runs = 20): Promise<Extras> {
  const tsplay = [process.execPath, join(repoRoot, 'bin', 'tsplay.js')];
  const startup = {
    tsplay: repeatBare([...tsplay, '--version'], runs, repoRoot),
    ansible: haveAnsible ? repeatBare(['ansible-playbook', '--version'], Math.min(runs, 5), repoRoot) : null,
    runs,
  };
  const local = writeLocalRunWorkload(join(tmp, 'local'));
  const localRun: Extras['localRun'] = {
    tsplay: await repeat([...tsplay, 'run', local.playbook, '-i', local.inventory], runs, repoRoot),
    ansible: haveAnsible ? await repeat(['ansible-playbook', local.playbook, '-i', local.inventory], Math.min(runs, 5), repoRoot) : null,
  };
  const { playbook, inventory } = writePlanningWorkload(join(tmp, 'plan'), 1000, 100);
  const planning: Extras['planning'] = {};
  for (const flag of ['--list-tasks', '--syntax-check']) {
    planning[`tsplay ${flag}`] = await repeat([...tsplay, 'run', playbook, '-i', inventory, flag], 5, repoRoot);
    if (haveAnsible) planning[`ansible-playbook ${flag}`] = await repeat(['ansible-playbook', playbook, '-i', inventory, flag], 3, repoRoot);
  }
  return { startup, localRun, planning };
}
