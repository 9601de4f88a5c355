/**
 * How each tool is invoked on a workload: the shared inventory, Ansible's configuration
 * (its fastest standard settings), tsplay with the command counter preloaded, and the
 * OpenSSH floor. Also reads the changed counts from each tool's PLAY RECAP.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_KNOWN_HOSTS, LAB_KEY, benchHostAddress } from './hosts.js';

export type Tool = 'tsplay' | 'ansible' | 'floor';

function aptInstall(pkg: string): void {
  const apt = spawnSync('bash', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${pkg} || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${pkg})`], { stdio: 'inherit' });
  if (apt.status !== 0) throw new Error(`cannot install ${pkg} with apt-get; install it and run again`);
}

function missingCollections(collections: string[]): string[] {
  if (collections.length === 0) return [];
  const r = spawnSync('ansible-galaxy', ['collection', 'list'], { encoding: 'utf8' });
  const have = new Set((r.stdout ?? '').split('\n').map((l) => l.split(/\s+/)[0]));
  return collections.filter((c) => !have.has(c));
}

/**
 * ansible-playbook, installed with apt-get when missing: Debian's ansible-core, or the full
 * `ansible` package when the workload's modules live in collections ansible-core lacks
 * (ansible.posix, community.general). Returns its version line.
 */
export function ensureAnsible(collections: string[], log: (msg: string) => void): string {
  const have = () => spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  let r = have();
  if (r.status !== 0) {
    log('installing ansible-core (apt-get)');
    aptInstall('ansible-core');
    r = have();
  }
  const missing = missingCollections(collections);
  if (missing.length > 0) {
    log(`installing Debian's ansible package for the collections ${missing.join(', ')} (apt-get)`);
    aptInstall('ansible');
    const still = missingCollections(collections);
    if (still.length > 0) throw new Error(`the Ansible collections ${still.join(', ')} are still missing after installing Debian's ansible package`);
  }
  return (r.stdout.split('\n')[0] ?? '').trim();
}

/** One INI inventory both tools read. */
export function writeInventory(dir: string, hosts: number): string {
  const lines = ['[all]'];
  for (let i = 1; i <= hosts; i++) lines.push(`bench${i} ansible_host=${benchHostAddress(i)}`);
  lines.push('', '[all:vars]', 'ansible_user=root', `ansible_ssh_private_key_file=${LAB_KEY}`,
    'ansible_python_interpreter=/usr/bin/python3',
    `ansible_ssh_common_args="-o UserKnownHostsFile=${BENCH_KNOWN_HOSTS}"`, '');
  const file = join(dir, `hosts-${hosts}.ini`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** ansible.cfg: forks = hosts, no host key checking, pipelining, ControlPersist. */
export function writeAnsibleCfg(dir: string, forks: number): string {
  const cp = join(dir, 'cp');
  mkdirSync(cp, { recursive: true });
  const file = join(dir, `ansible-${forks}.cfg`);
  writeFileSync(file, [
    '[defaults]',
    `forks = ${forks}`,
    'host_key_checking = False',
    'interpreter_python = /usr/bin/python3',
    'retry_files_enabled = False',
    '',
    '[ssh_connection]',
    'pipelining = True',
    'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s',
    `control_path_dir = ${cp}`,
    '',
  ].join('\n'));
  return file;
}

export interface ToolCommand {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

export function tsplayCommand(repoRoot: string, playbook: string, inventory: string, forks: number, countFile: string): ToolCommand {
  return {
    argv: [process.execPath, '--import', join(repoRoot, 'dist', 'bench', 'preload', 'count-ssh.js'),
      join(repoRoot, 'bin', 'tsplay.js'), 'run', playbook, '-i', inventory, '-f', String(forks)],
    env: { ...process.env, TSPLAY_BENCH_COUNT_FILE: countFile, NO_COLOR: '1' },
  };
}

export function ansibleCommand(playbook: string, inventory: string, cfg: string): ToolCommand {
  return {
    argv: ['ansible-playbook', playbook, '-i', inventory],
    env: { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' },
  };
}

/** The OpenSSH floor for these per-host command counts; `parallel` hosts at once (0: all). */
export function floorCommand(repoRoot: string, kex: string, perHost: Record<string, number>, dir: string, parallel = 0): ToolCommand & { input: string } {
  const input = Object.entries(perHost).map(([addr, n]) => `${addr} ${n}`).join('\n') + '\n';
  const file = join(dir, 'floor-input.txt');
  writeFileSync(file, input);
  return {
    argv: ['bash', '-c', `exec bash ${join(repoRoot, 'bench', 'lab', 'floor.sh')} "$1" "$2" "$3" "$5" < "$4"`, 'floor', kex, BENCH_KNOWN_HOSTS, LAB_KEY, file, String(parallel)],
    env: process.env,
    input,
  };
}

export interface Recap {
  hosts: number;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  /** Distinct per-host changed counts, e.g. {4: 100}. */
  changedPerHost: Record<string, number>;
}

/** Totals from the PLAY RECAP lines both tools print ("host : ok=4 changed=4 ..."). */
export function parseRecap(stdout: string): Recap {
  const r: Recap = { hosts: 0, ok: 0, changed: 0, failed: 0, unreachable: 0, changedPerHost: {} };
  const re = /^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm;
  for (const m of stdout.matchAll(re)) {
    r.hosts++;
    r.ok += Number(m[1]);
    r.changed += Number(m[2]);
    r.unreachable += Number(m[3]);
    r.failed += Number(m[4]);
    r.changedPerHost[m[2]!] = (r.changedPerHost[m[2]!] ?? 0) + 1;
  }
  return r;
}

export interface SshCounts {
  connections: number;
  kex: Record<string, number>;
  execsPerHost: Record<string, number>;
}

export function readCounts(file: string): SshCounts | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SshCounts;
  } catch {
    return null;
  }
}
