/**
 * tsplay against ansible-playbook (and the OpenSSH floor) on the benchmark's own lab
 * hosts, in the same run on the same machine. Not part of `npm test`; needs root.
 *
 *   npm run build && npm run bench -- --hosts 10,50,100 [--workload pyinfra] [--runs 3]
 *
 * Per host count: boot bench1..N (light hosts: only sshd), then `runs` times, alternating
 * which tool goes first: fresh overlays, FIRST run, SECOND (idempotent) run, for tsplay
 * and for ansible-playbook; then the floor with the numbers of remote commands tsplay
 * issued in its FIRST and SECOND runs. The hosts are always removed at the end.
 * Writes a Markdown table to stdout, JSON + an SVG chart to bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { lineChart, type Series } from './lib/chart.js';
import { measureExtras, type Extras } from './lib/extras.js';
import { describeRelease, releaseDyingCgroups } from './lib/dying-cgroups.js';
import { BENCH_MAX_HOSTS, BenchHosts, benchHostAddress, teardownOnExit, type BootTiming, type HostKind } from './lib/hosts.js';
import { measure, type Measurement } from './lib/measure.js';
import { fmt, ratio, summarize, type Summary } from './lib/stats.js';
import {
  ansibleCommand, ensureAnsible, floorCommand, parseRecap, readCounts, tsplayCommand, writeAnsibleCfg, writeInventory,
  type Recap, type SshCounts, type Tool,
} from './lib/tools.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The key exchange ssh2 (tsplay's SSH library) negotiates with OpenSSH 9.2; checked per run. */
const FLOOR_KEX = 'curve25519-sha256@libssh.org';

/** Each workload's playbook, the host kind it needs and the Ansible collections its modules come from. */
const WORKLOADS: Record<string, { playbook: string; kind: HostKind; collections: string[] }> = {
  pyinfra: { playbook: 'bench/workloads/pyinfra/playbook.yml', kind: 'light', collections: [] },
  // systemd tasks need booted hosts; sysctl and ini_file are in ansible.posix and community.general.
  rdo: { playbook: 'bench/workloads/rdo/playbook.yml', kind: 'nspawn', collections: ['ansible.posix', 'community.general'] },
};

type Phase = 'first' | 'second';

interface RunRecord {
  tool: Tool;
  phase: Phase;
  rep: number;
  m: Omit<Measurement, 'stdout' | 'stderr'>;
  recap?: Recap;
  ssh?: SshCounts | null;
  commands?: number;
}

interface SizeResult {
  hosts: number;
  boot: BootTiming[];
  hostMemoryMB: Summary | null;
  runs: RunRecord[];
  summary: Record<string, Record<string, Summary | null>>;
}

function parseHosts(v: string): number[] {
  const list = v.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > BENCH_MAX_HOSTS)) throw new InvalidArgumentError(`a comma list of host counts from 1 to ${BENCH_MAX_HOSTS}, e.g. 10,50,100`);
  return list;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive whole number');
  return n;
}

function versions(ansible: string) {
  const one = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n')[0]!.trim();
  };
  return {
    tsplay: one(process.execPath, [join(REPO, 'bin', 'tsplay.js'), '--version']),
    tsplayCommit: one('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    node: process.version,
    ansible,
    openssh: one('ssh', ['-V']),
  };
}

function strip(m: Measurement): RunRecord['m'] {
  const { stdout: _o, stderr: _e, ...rest } = m;
  return rest;
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function runTool(tool: 'tsplay' | 'ansible', phase: Phase, rep: number, ctx: { playbook: string; inventory: string; cfg: string; hosts: number; tmp: string }): Promise<RunRecord> {
  const countFile = join(ctx.tmp, `count-${tool}-${phase}-${rep}.json`);
  const cmd = tool === 'tsplay'
    ? tsplayCommand(REPO, ctx.playbook, ctx.inventory, ctx.hosts, countFile)
    : ansibleCommand(ctx.playbook, ctx.inventory, ctx.cfg);
  const m = await measure(cmd.argv, { cwd: REPO, env: cmd.env, timeoutS: 600 });
  const recap = parseRecap(m.stdout);
  if (m.exitCode !== 0 || recap.hosts !== ctx.hosts) {
    writeFileSync(join(ctx.tmp, `failed-${tool}-${phase}-${rep}.log`), `${m.stdout}\n--- stderr ---\n${m.stderr}`);
    log(`${tool} ${phase} run exited ${m.exitCode} with ${recap.hosts}/${ctx.hosts} hosts in its recap (output kept in ${ctx.tmp})`);
  }
  const rec: RunRecord = { tool, phase, rep, m: strip(m), recap };
  if (tool === 'tsplay') {
    rec.ssh = readCounts(countFile);
    rec.commands = rec.ssh ? Object.values(rec.ssh.execsPerHost).reduce((a, b) => a + b, 0) : undefined;
  }
  log(`${ctx.hosts} hosts, rep ${rep}: ${tool} ${phase}: ${m.wallS.toFixed(2)} s, cpu ${m.cpuS?.toFixed(2)} s, targets ${m.targetCpuS?.toFixed(2)} s, changed ${recap.changed}${rec.commands !== undefined ? `, ${rec.commands} commands` : ''}`);
  return rec;
}

async function runFloor(phase: Phase, rep: number, perHost: Record<string, number>, hosts: number, tmp: string): Promise<RunRecord> {
  const cmd = floorCommand(REPO, FLOOR_KEX, perHost, tmp);
  const m = await measure(cmd.argv, { cwd: REPO, env: cmd.env, timeoutS: 600 });
  if (m.exitCode !== 0) log(`floor ${phase} failed (exit ${m.exitCode}): ${m.stderr.slice(0, 500)}`);
  const commands = Object.values(perHost).reduce((a, b) => a + b, 0);
  log(`${hosts} hosts, rep ${rep}: floor ${phase} (${commands} commands): ${m.wallS.toFixed(2)} s, cpu ${m.cpuS?.toFixed(2)} s`);
  return { tool: 'floor', phase, rep, m: strip(m), commands };
}

/** tsplay's per-host command counts keyed by address (what the floor replays). */
function floorPlan(rec: RunRecord | undefined, hosts: number): Record<string, number> {
  const plan: Record<string, number> = {};
  for (let i = 1; i <= hosts; i++) plan[benchHostAddress(i)] = rec?.ssh?.execsPerHost[benchHostAddress(i)] ?? 0;
  return plan;
}

async function benchSize(hosts: number, runs: number, workload: { playbook: string; kind: HostKind; collections: string[] }, benchHosts: BenchHosts, tmp: string): Promise<SizeResult> {
  const boot: BootTiming[] = [benchHosts.up(hosts, workload.kind)];
  log(`${hosts} ${workload.kind} hosts answering on ssh after ${boot[0]!.sshReadyMs} ms`);
  const mem = Object.values(benchHosts.memory()).filter((v): v is number => v !== null).map((b) => b / 1048576);
  const ctx = { playbook: join(REPO, workload.playbook), inventory: writeInventory(tmp, hosts), cfg: writeAnsibleCfg(tmp, hosts), hosts, tmp };
  const records: RunRecord[] = [];
  for (let rep = 1; rep <= runs; rep++) {
    const order: Array<'tsplay' | 'ansible'> = rep % 2 ? ['tsplay', 'ansible'] : ['ansible', 'tsplay'];
    for (const tool of order) {
      boot.push(benchHosts.reset());
      records.push(await runTool(tool, 'first', rep, ctx));
      records.push(await runTool(tool, 'second', rep, ctx));
    }
    const ts = records.filter((r) => r.tool === 'tsplay' && r.rep === rep);
    for (const phase of ['first', 'second'] as const) {
      records.push(await runFloor(phase, rep, floorPlan(ts.find((r) => r.phase === phase), hosts), hosts, tmp));
    }
  }
  const summary: SizeResult['summary'] = {};
  for (const tool of ['tsplay', 'ansible', 'floor'] as const) {
    for (const phase of ['first', 'second'] as const) {
      const rs = records.filter((r) => r.tool === tool && r.phase === phase);
      const pick = (f: (r: RunRecord) => number | null | undefined) => summarize(rs.map(f).filter((v): v is number => typeof v === 'number'));
      summary[`${tool}/${phase}`] = {
        wallS: pick((r) => r.m.wallS),
        cpuS: pick((r) => r.m.cpuS),
        targetCpuS: pick((r) => r.m.targetCpuS),
        maxRssMB: pick((r) => r.m.maxRssMB),
        treePeakMB: pick((r) => r.m.treePeakMB),
        changed: pick((r) => r.recap?.changed),
        commands: pick((r) => r.commands),
      };
    }
  }
  return { hosts, boot, hostMemoryMB: summarize(mem), runs: records, summary };
}

function markdown(results: SizeResult[], extras: Extras | null, meta: { workload: string; runs: number; kex: string[] }): string {
  const out: string[] = [];
  out.push(`### Workload \`${meta.workload}\`: median (min-max) of ${meta.runs} runs`, '',
    '| hosts | run | tool | wall s | controller CPU s | targets CPU s | peak RSS MB (largest process) | tree memory peak MB | changed | remote commands |',
    '| ---: | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    for (const phase of ['first', 'second'] as const) {
      for (const tool of ['tsplay', 'ansible', 'floor'] as const) {
        const s = r.summary[`${tool}/${phase}`]!;
        out.push(`| ${r.hosts} | ${phase} | ${tool === 'ansible' ? 'ansible-playbook' : tool === 'floor' ? 'OpenSSH floor' : 'tsplay'} | ${fmt(s.wallS)} | ${fmt(s.cpuS)} | ${fmt(s.targetCpuS)} | ${fmt(s.maxRssMB, 0)} | ${fmt(s.treePeakMB, 0)} | ${tool === 'floor' ? '-' : fmt(s.changed, 0)} | ${tool === 'ansible' ? '-' : fmt(s.commands, 0)} |`);
      }
    }
  }
  out.push('', '| hosts | run | ansible / tsplay (wall) | tsplay / floor (wall) | ansible / tsplay (controller CPU) |', '| ---: | --- | ---: | ---: | ---: |');
  for (const r of results) {
    for (const phase of ['first', 'second'] as const) {
      const t = r.summary[`tsplay/${phase}`]!, a = r.summary[`ansible/${phase}`]!, f = r.summary[`floor/${phase}`]!;
      const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}x`);
      out.push(`| ${r.hosts} | ${phase} | ${x(ratio(a.wallS!, t.wallS!))} | ${x(ratio(t.wallS!, f.wallS!))} | ${x(ratio(a.cpuS!, t.cpuS!))} |`);
    }
  }
  out.push('', '| hosts | boot (sshd answering), first up / resets, s | memory per idle host MB |', '| ---: | --- | --- |');
  for (const r of results) {
    out.push(`| ${r.hosts} | ${(r.boot[0]!.sshReadyMs / 1000).toFixed(2)} / ${fmt(summarize(r.boot.slice(1).map((b) => b.sshReadyMs / 1000)))} | ${fmt(r.hostMemoryMB, 1)} |`);
  }
  out.push('', `Key exchange negotiated by tsplay (ssh2): ${meta.kex.join(', ') || 'unknown'}; the floor used KexAlgorithms=${FLOOR_KEX}.`);
  if (extras) {
    out.push('', '| measurement | wall s, median (min-max) | peak RSS MB |', '| --- | --- | --- |',
      `| \`tsplay --version\` (${extras.startup.runs} runs) | ${fmt(extras.startup.tsplay, 3)} | |`,
      `| \`ansible-playbook --version\` | ${fmt(extras.startup.ansible, 3)} | |`);
    for (const [tool, v] of Object.entries(extras.localRun ?? {})) {
      if (v) out.push(`| ${tool === 'tsplay' ? 'tsplay run' : 'ansible-playbook'}, one command on localhost (local connection)${v.exitCode ? ` (exit ${v.exitCode})` : ''} | ${fmt(v.wallS, 3)} | ${fmt(v.maxRssMB, 0)} |`);
    }
    for (const [k, v] of Object.entries(extras.planning)) {
      out.push(`| ${k}, 1,000 tasks x 100 hosts${v.exitCode ? ` (exit ${v.exitCode})` : ''} | ${fmt(v.wallS, 3)} | ${fmt(v.maxRssMB, 0)} |`);
    }
  }
  return out.join('\n') + '\n';
}

function chart(results: SizeResult[], workload: string): string {
  const series: Series[] = [];
  const colors: Record<Tool, string> = { tsplay: '#1f77b4', ansible: '#d62728', floor: '#2ca02c' };
  const names: Record<Tool, string> = { tsplay: 'tsplay', ansible: 'ansible-playbook', floor: 'OpenSSH floor' };
  for (const tool of ['ansible', 'tsplay', 'floor'] as const) {
    for (const phase of ['first', 'second'] as const) {
      series.push({
        label: `${names[tool]} (${phase})`, color: colors[tool], dashed: phase === 'second',
        points: results.map((r) => ({ x: r.hosts, y: r.summary[`${tool}/${phase}`]!.wallS?.median ?? 0 })),
      });
    }
  }
  return lineChart(`Workload ${workload}: wall time (median) vs hosts`, 'hosts', 'seconds', series);
}

async function main(): Promise<number> {
  const program = new Command('bench')
    .description('tsplay vs ansible-playbook vs the OpenSSH floor on the benchmark\'s own lab hosts')
    .option('--hosts <list>', 'host counts, comma list', parseHosts, [10, 50])
    .option('--workload <name>', `workload: ${Object.keys(WORKLOADS).join(', ')}`, 'pyinfra')
    .option('--runs <n>', 'repetitions per tool and phase', positive, 3)
    .option('--no-extras', 'skip start-up and planning measurements')
    .option('--out <dir>', 'results directory', join(REPO, 'bench', 'results'));
  program.parse(process.argv);
  const o = program.opts<{ hosts: number[]; workload: string; runs: number; extras: boolean; out: string }>();
  const workload = WORKLOADS[o.workload];
  if (!workload) { process.stderr.write(`bench: unknown workload '${o.workload}' (known: ${Object.keys(WORKLOADS).join(', ')})\n`); return 2; }
  if (process.getuid?.() !== 0) { process.stderr.write('bench: needs root (namespaces, overlays, cgroups)\n'); return 2; }

  const ansible = ensureAnsible(workload.collections, (m) => log(m));
  MACHINE_AT_START = describeRelease(releaseDyingCgroups()); // before anything is measured
  log(MACHINE_AT_START);
  const tmp = mkdtempSync(join(tmpdir(), 'tsplay-bench-'));
  const benchHosts = new BenchHosts(REPO);
  const cleanup = teardownOnExit(benchHosts);

  const results: SizeResult[] = [];
  let extras: Extras | null = null;
  try {
    for (const hosts of o.hosts) {
      results.push(await benchSize(hosts, o.runs, workload, benchHosts, tmp));
      writeResults(results, null, o, workload, ansible); // partial results survive a later failure
    }
    if (o.extras) extras = await measureExtras(REPO, tmp, true);
  } finally {
    cleanup();
  }
  process.stdout.write(writeResults(results, extras, o, workload, ansible));
  if (readdirSync(tmp).some((f) => f.startsWith('failed-'))) log(`outputs of failed runs kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  return 0;
}

const STARTED = new Date();
let MACHINE_AT_START = '';

/** Writes the JSON, Markdown and SVG for what has been measured so far; returns the Markdown. */
function writeResults(results: SizeResult[], extras: Extras | null, o: { hosts: number[]; workload: string; runs: number; out: string }, workload: { playbook: string; kind: HostKind; collections: string[] }, ansible: string): string {
  const kex = [...new Set(results.flatMap((r) => r.runs.flatMap((x) => Object.keys(x.ssh?.kex ?? {}))))];
  const md = markdown(results, extras, { workload: o.workload, runs: o.runs, kex });

  mkdirSync(o.out, { recursive: true });
  const stamp = STARTED.toISOString().replace(/[:]/g, '').slice(0, 15);
  const base = `${stamp}-${o.workload}-${o.hosts.join('-')}`;
  const doc = {
    date: STARTED.toISOString(),
    complete: extras !== null || results.length === o.hosts.length,
    machine: { hostname: hostname(), kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGB: +(totalmem() / 2 ** 30).toFixed(1), atStart: MACHINE_AT_START },
    versions: versions(ansible),
    settings: { workload: o.workload, playbook: workload.playbook, hostKind: workload.kind, runs: o.runs, forks: 'number of hosts', floorKex: FLOOR_KEX, tsplayKex: kex,
      ansibleCfg: 'host_key_checking=False, pipelining=True, ssh_args=-C -o ControlMaster=auto -o ControlPersist=60s (default KexAlgorithms); masters killed after each run' },
    results,
    extras,
  };
  writeFileSync(join(o.out, `${base}.json`), JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(o.out, `${base}.md`), md);
  writeFileSync(join(o.out, `wall-${o.workload}.svg`), chart(results, o.workload));
  log(`results: ${join(o.out, base)}.json, .md and ${join(o.out, `wall-${o.workload}.svg`)}`);
  return md;
}

main().then((code) => { process.exitCode = code; }, (err: Error) => { process.stderr.write(`bench: ${err.message}\n`); process.exitCode = 1; });
