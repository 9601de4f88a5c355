/**
 * Runs one controller command and measures it: wall time, CPU (user+sys) of its whole
 * process tree (cgroup cpuacct, so ssh children and Ansible's ControlPersist masters count),
 * peak RSS of its largest process (/usr/bin/time), peak memory of the tree (memory cgroup,
 * page cache included), and the targets' CPU (their cpuacct groups, light hosts only).
 * Whatever the command left running in its cgroup (ControlPersist masters) is killed after,
 * so every run starts cold.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CG = '/sys/fs/cgroup';
const CTL_GROUP = 'tsplay-bench-controller';
const HOSTS_GROUP = 'tsplay-lab'; // where bench-hosts.sh puts benchN (shared layout of the lab)

export interface Measurement {
  wallS: number;
  cpuS: number | null;
  userS: number | null;
  sysS: number | null;
  maxRssMB: number | null;
  treePeakMB: number | null;
  targetCpuS: number | null;
  exitCode: number;
  stdout: string;
  stderr: string;
}

function cgDir(controller: string): string | null {
  const base = join(CG, controller);
  if (!existsSync(base)) return null;
  const d = join(base, CTL_GROUP);
  mkdirSync(d, { recursive: true });
  return d;
}

function readNum(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Sum of the bench hosts' CPU time in ns (null when not available). */
export function targetsCpuNs(): number | null {
  const dir = join(CG, 'cpuacct', HOSTS_GROUP);
  if (!existsSync(dir)) return null;
  let total = 0;
  let any = false;
  for (const name of readdirSync(dir)) {
    if (!/^bench\d+$/.test(name)) continue;
    const v = readNum(join(dir, name, 'cpuacct.usage'));
    if (v !== null) { total += v; any = true; }
  }
  return any ? total : null;
}

function killLeftovers(dirs: string[]): void {
  for (const d of dirs) {
    let pids: string[] = [];
    try { pids = readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean); } catch { /* gone */ }
    for (const p of pids) { try { process.kill(Number(p), 'SIGKILL'); } catch { /* exited */ } }
  }
}

export async function measure(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutS?: number }): Promise<Measurement> {
  const cpu = cgDir('cpuacct');
  const mem = cgDir('memory');
  const dirs = [cpu, mem].filter((d): d is string => d !== null);
  killLeftovers(dirs);
  if (mem) { try { writeFileSync(join(mem, 'memory.max_usage_in_bytes'), '0'); } catch { /* v2 or not resettable */ } }
  const cpu0 = cpu ? { u: readNum(join(cpu, 'cpuacct.usage_user')), s: readNum(join(cpu, 'cpuacct.usage_sys')) } : null;
  const t0ns = targetsCpuNs();
  const timeFile = `/tmp/tsplay-bench-time-${process.pid}`;
  // The shell joins the cgroups, then becomes /usr/bin/time, which runs the tool.
  const enter = dirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join(' && ');
  const script = `${enter || 'true'} && exec /usr/bin/time -f '%M' -o ${timeFile} "$@"`;
  const start = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script, 'bench-run', ...argv], { cwd: opts.cwd, env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = opts.timeoutS ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutS * 1000) : undefined;
    child.on('close', (c) => {
      if (timer) clearTimeout(timer);
      resolve({ code: c ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
  const wallS = (performance.now() - start) / 1000;
  const t1ns = targetsCpuNs();
  let userS: number | null = null;
  let sysS: number | null = null;
  if (cpu && cpu0 && cpu0.u !== null && cpu0.s !== null) {
    userS = (readNum(join(cpu, 'cpuacct.usage_user'))! - cpu0.u) / 1e9;
    sysS = (readNum(join(cpu, 'cpuacct.usage_sys'))! - cpu0.s) / 1e9;
  }
  const treePeak = mem ? readNum(join(mem, 'memory.max_usage_in_bytes')) : null;
  killLeftovers(dirs);
  let maxRssMB: number | null = null;
  try {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    maxRssMB = Number(lines[lines.length - 1]) / 1024;
  } catch { /* time did not write */ }
  return {
    wallS,
    cpuS: userS !== null && sysS !== null ? userS + sysS : null,
    userS,
    sysS,
    maxRssMB,
    treePeakMB: treePeak !== null ? treePeak / 1048576 : null,
    targetCpuS: t0ns !== null && t1ns !== null ? (t1ns - t0ns) / 1e9 : null,
    exitCode: code,
    stdout,
    stderr,
  };
}

/** Removes the controller cgroups (at the end of the benchmark). */
export function removeControllerGroups(): void {
  for (const c of ['cpuacct', 'memory']) {
    const d = join(CG, c, CTL_GROUP);
    if (existsSync(d)) { killLeftovers([d]); try { rmdirSync(d); } catch { /* busy */ } }
  }
}
