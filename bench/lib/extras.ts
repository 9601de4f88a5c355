/**
 * The measurements that need no hosts: start-up time (`--version`) and planning a
 * generated 1,000-task playbook over 100 hosts (`--list-tasks`, `--syntax-check`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.js';
import { summarize, type Summary } from './stats.js';

export interface Extras {
  startup: { tsplay: Summary | null; ansible: Summary | null; runs: number };
  planning: Record<string, { wallS: Summary | null; maxRssMB: Summary | null; exitCode: number }>;
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

export async function measureExtras(repoRoot: string, tmp: string, haveAnsible: boolean, runs = 20): Promise<Extras> {
  const tsplay = [process.execPath, join(repoRoot, 'bin', 'tsplay.js')];
  const startup = {
    tsplay: (await repeat([...tsplay, '--version'], runs, repoRoot)).wallS,
    ansible: haveAnsible ? (await repeat(['ansible-playbook', '--version'], Math.min(runs, 5), repoRoot)).wallS : null,
    runs,
  };
  const { playbook, inventory } = writePlanningWorkload(join(tmp, 'plan'), 1000, 100);
  const planning: Extras['planning'] = {};
  for (const flag of ['--list-tasks', '--syntax-check']) {
    planning[`tsplay ${flag}`] = await repeat([...tsplay, 'run', playbook, '-i', inventory, flag], 5, repoRoot);
    if (haveAnsible) planning[`ansible-playbook ${flag}`] = await repeat(['ansible-playbook', playbook, '-i', inventory, flag], 3, repoRoot);
  }
  return { startup, planning };
}
