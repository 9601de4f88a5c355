/**
 * One controller, many hosts (issue 12): the pyinfra workload on up to 1,000 light bench
 * hosts, side by side with the OpenSSH floor and (up to --ansible-hosts) ansible-playbook,
 * in one run on one machine. Not part of `npm test`; needs root.
 *
 *   npm run build && node dist/bench/scale.js --hosts 1000 [--ansible-hosts 200] [--runs 1]
 *
 * Boots bench1..N once, then per scenario: fresh overlays (a reset) where the scenario
 * starts from a first run, and the scenario's runs:
 *  - `tsplay -f N`       --check --diff on the fresh hosts (its cost against the real run),
 *                        then FIRST and SECOND; the floor with N hosts at once replays the
 *                        per-host command counts of both runs;
 *  - `tsplay` (default forks), FIRST and SECOND; the floor with as many hosts at once;
 *  - `strategy: free` and `serial: 10%` (tsplay -f N), FIRST and SECOND, with the order in
 *    which the hosts' results were printed;
 *  - through a jump host (ProxyJump to bench1, tsplay -f N), a SECOND run: N connections
 *    through one sshd, whose MaxStartups stays at its default;
 *  - at --ansible-hosts (bench1..M): ansible-playbook (forks M, pipelining, ControlPersist),
 *    tsplay -f M and the floor, FIRST and SECOND;
 *  - at 10 hosts: tsplay with --cpu-prof, and where its CPU time goes.
 * Writes bench/results/<date>-scale-<N>.{json,md}.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Command, InvalidArgumentError } from 'commander';
import { summarizeCpuProfile, type CpuBreakdown } from './lib/cpu-profile.js';
import { describeRelease, releaseDyingCgroups } from './lib/dying-cgroups.js';
import { BENCH_KNOWN_HOSTS, BENCH_MAX_HOSTS, BenchHosts, LAB_KEY, benchHostAddress, teardownOnExit, type BootTiming } from './lib/hosts.js';
import { measure, type Measurement } from './lib/measure.js';
import { ansibleCommand, ensureAnsible, floorCommand, parseRecap, readCounts, tsplayCommand, writeAnsibleCfg, writeInventory, type ToolCommand } from './lib/tools.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKLOAD_DIR = join(REPO, 'bench', 'workloads', 'pyinfra');
const FLOOR_KEX = 'curve25519-sha256@libssh.org';
/** tsplay's default --forks (core/cli/program.ts); the floor runs as many hosts at once. */
const DEFAULT_FORKS = 25;

type Phase = 'check' | 'first' | 'second';

interface Row {
  scenario: string;
  hosts: number;
  phase: Phase;
  tool: 'tsplay' | 'ansible' | 'floor';
  parallel: number;
  wallS: number;
  cpuS: number | null;
  maxRssMB: number | null;
  treePeakMB: number | null;
  targetCpuS: number | null;
  exitCode: number;
  changed: number | null;
  recapHosts: number | null;
  commands?: number;
  /** Hosts in the order their result for the last task was printed (first and last few). */
  order?: string;
}

function log(msg: string): void {
  process.stderr.write(`[bench scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive whole number');
  return n;
}

/** The pyinfra workload with a play keyword added (strategy, serial), in `dir` beside its files. */
function playbookVariant(dir: string, name: string, keyword?: string): string {
  const target = join(dir, `workload-${name}`);
  mkdirSync(join(target, 'files'), { recursive: true });
  for (const f of readdirSync(join(WORKLOAD_DIR, 'files'))) copyFileSync(join(WORKLOAD_DIR, 'files', f), join(target, 'files', f));
  let text = readFileSync(join(WORKLOAD_DIR, 'playbook.yml'), 'utf8');
  if (keyword) {
    if (!text.includes('  gather_facts: no\n')) throw new Error('bench/workloads/pyinfra/playbook.yml changed: cannot add a play keyword');
    text = text.replace('  gather_facts: no\n', `  gather_facts: no\n  ${keyword}\n`);
  }
  const file = join(target, 'playbook.yml');
  writeFileSync(file, text);
  return file;
}

/** The inventory of bench1..n, optionally reached through bench1 as jump host. */
function inventory(dir: string, n: number, jump: boolean): string {
  const plain = writeInventory(dir, n);
  if (!jump) return plain;
  const text = readFileSync(plain, 'utf8').replace(
    `ansible_ssh_common_args="-o UserKnownHostsFile=${BENCH_KNOWN_HOSTS}"`,
    `ansible_ssh_common_args="-o UserKnownHostsFile=${BENCH_KNOWN_HOSTS} -o ProxyJump=root@${benchHostAddress(1)}"`,
  );
  const file = join(dir, `hosts-${n}-jump.ini`);
  writeFileSync(file, text);
  return file;
}

/** Host names in the order of their `ok:`/`changed:` lines for the last task of the output. */
function resultOrder(stdout: string, lastTask: string): string[] {
  const out: string[] = [];
  let inLast = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('TASK [')) inLast = line.startsWith(`TASK [${lastTask}]`);
    const m = inLast ? /^(?:ok|changed): \[([^\]]+)\]/.exec(line) : null;
    if (m) out.push(m[1]!);
  }
  return out;
}

function describeOrder(order: string[]): string {
  if (order.length === 0) return '';
  const sorted = order.every((h, i) => i === 0 || Number(h.slice(5)) > Number(order[i - 1]!.slice(5)));
  const ends = order.length > 8 ? `${order.slice(0, 4).join(' ')} ... ${order.slice(-4).join(' ')}` : order.join(' ');
  return `${sorted ? 'in host order' : 'in completion order'}: ${ends}`;
}

async function runMeasured(cmd: ToolCommand, tmp: string, label: string): Promise<Measurement> {
  const m = await measure(cmd.argv, { cwd: REPO, env: cmd.env, timeoutS: 1800 });
  if (m.exitCode !== 0) {
    const file = join(tmp, `failed-${label.replace(/[^a-z0-9]+/gi, '-')}.log`);
    writeFileSync(file, `${m.stdout}\n--- stderr ---\n${m.stderr}`);
    log(`${label}: exit ${m.exitCode} (output in ${file})`);
  }
  return m;
}

function row(scenario: string, hosts: number, phase: Phase, tool: Row['tool'], parallel: number, m: Measurement, extra: Partial<Row> = {}): Row {
  const recap = tool === 'floor' ? null : parseRecap(m.stdout);
  const r: Row = {
    scenario, hosts, phase, tool, parallel,
    wallS: m.wallS, cpuS: m.cpuS, maxRssMB: m.maxRssMB, treePeakMB: m.treePeakMB, targetCpuS: m.targetCpuS, exitCode: m.exitCode,
    changed: recap ? recap.changed : null, recapHosts: recap ? recap.hosts : null, ...extra,
  };
  log(`${scenario} ${phase} ${tool} (${hosts} hosts, ${parallel} at once): ${m.wallS.toFixed(2)} s wall, ${m.cpuS?.toFixed(2)} s CPU, ${m.maxRssMB ?? '?'} MB peak RSS${r.changed !== null ? `, changed ${r.changed}` : ''}${r.commands !== undefined ? `, ${r.commands} commands` : ''}`);
  return r;
}

async function main(): Promise<number> {
  const o = new Command('bench-scale')
    .option('--hosts <n>', `hosts (up to ${BENCH_MAX_HOSTS})`, positive, 1000)
    .option('--ansible-hosts <n>', 'hosts for the side-by-side run with ansible-playbook (0: none)', (v) => Number(v), 200)
    .option('--only <list>', 'scenarios to run, comma list (forks,default-forks,free,serial,jump,ansible,profile)')
    .option('--keep-hosts', 'leave the bench hosts running at the end (for another run; bench-hosts.sh down removes them)')
    .option('--reuse-hosts', 'the N bench hosts are already running (left by --keep-hosts): do not start them again')
    .option('--no-resets', 'after the forks scenario, only second (idempotent) runs on the configured hosts: a reset of 1,000 light hosts takes minutes')
    .option('--out <dir>', 'results directory', join(REPO, 'bench', 'results'))
    .option('--report <json>', 'write the Markdown of an earlier run again from its JSON, and stop')
    .parse(process.argv)
    .opts<{ hosts: number; ansibleHosts: number; only?: string; out: string; resets: boolean; keepHosts?: boolean; reuseHosts?: boolean; report?: string }>();
  if (o.report) {
    // Only the Markdown again, from a run's JSON (after a change to this report).
    const j = JSON.parse(readFileSync(o.report, 'utf8'));
    process.stdout.write(writeResults(dirname(o.report), new Date(j.date), j.hosts, j.ansibleHosts, j.rows, j.boots, j.profile, j.loadAtStart ?? [], j.ansible, true, j.notes ?? []));
    return 0;
  }
  if (o.hosts > BENCH_MAX_HOSTS) throw new InvalidArgumentError(`at most ${BENCH_MAX_HOSTS} hosts`);
  if (process.getuid?.() !== 0) { process.stderr.write('bench: needs root (namespaces, overlays, cgroups)\n'); return 2; }
  const want = (s: string) => !o.only || o.only.split(',').includes(s);
  const N = o.hosts;
  const M = Math.min(o.ansibleHosts, N);
  const started = new Date();
  const cgroups = describeRelease(releaseDyingCgroups()); // before anything is measured
  const loadAtStart = loadavg().map((l) => l.toFixed(2));
  const ansibleVersion = M > 0 && want('ansible') ? ensureAnsible([], log) : '';
  const tmp = mkdtempSync(join(tmpdir(), 'tsplay-bench-scale-'));
  const hosts = new BenchHosts(REPO);
  const cleanup = teardownOnExit(hosts, o.keepHosts);

  const rows: Row[] = [];
  const boots: Array<BootTiming & { what: string; wallS: number }> = [];
  let profile: CpuBreakdown | null = null;
  const timedBoot = (what: string, f: () => BootTiming) => {
    const t0 = performance.now();
    const b = f();
    boots.push({ ...b, what, wallS: (performance.now() - t0) / 1000 });
    log(`${what}: ${b.hosts} hosts answering after ${(b.sshReadyMs / 1000).toFixed(1)} s (${((performance.now() - t0) / 1000).toFixed(1)} s in all)`);
  };
  const plain = playbookVariant(tmp, 'linear');
  const invN = inventory(tmp, N, false);
  const tsplay = async (scenario: string, phase: Phase, playbook: string, inv: string, n: number, forks: number | null, extraArgs: string[] = []): Promise<Row> => {
    const countFile = join(tmp, `count-${scenario}-${phase}.json`);
    const cmd = tsplayCommand(REPO, playbook, inv, forks ?? DEFAULT_FORKS, countFile);
    if (forks === null) cmd.argv.splice(cmd.argv.indexOf('-f'), 2); // tsplay's own default
    cmd.argv.push(...extraArgs);
    const m = await runMeasured(cmd, tmp, `${scenario}-${phase}-tsplay`);
    const counts = readCounts(countFile);
    const commands = counts ? Object.values(counts.execsPerHost).reduce((a, b) => a + b, 0) : undefined;
    return row(scenario, n, phase, 'tsplay', forks ?? DEFAULT_FORKS, m, { ...(commands !== undefined ? { commands } : {}), order: describeOrder(resultOrder(m.stdout, 'Run some shell')) });
  };
  const floor = async (scenario: string, phase: Phase, n: number, parallel: number, like: Row): Promise<Row> => {
    const countFile = join(tmp, `count-${scenario}-${phase}.json`);
    const perHost: Record<string, number> = {};
    const counts = readCounts(countFile);
    for (let i = 1; i <= n; i++) perHost[benchHostAddress(i)] = counts?.execsPerHost[benchHostAddress(i)] ?? 0;
    const m = await runMeasured(floorCommand(REPO, FLOOR_KEX, perHost, tmp, parallel >= n ? 0 : parallel), tmp, `${scenario}-${phase}-floor`);
    return row(scenario, n, phase, 'floor', parallel, m, { commands: like.commands ?? 0 });
  };

  const save = () => writeResults(o.out, started, N, M, rows, boots, profile, loadAtStart, ansibleVersion, false, [`At the start, ${cgroups}.`]);
  // Hosts this run started have never been configured: the first scenario that wants a
  // reset (22 minutes at 1,000 hosts on the 2-core machine) does not need one.
  let fresh = !o.reuseHosts;
  try {
    if (!o.reuseHosts) timedBoot(`up ${N}`, () => hosts.up(N, 'light'));
    if (want('forks')) {
      // Fresh hosts: the dry run first, then the real runs it predicts.
      rows.push(await tsplay('forks', 'check', plain, invN, N, N, ['--check', '--diff']));
      const first = await tsplay('forks', 'first', plain, invN, N, N);
      rows.push(first);
      const second = await tsplay('forks', 'second', plain, invN, N, N);
      rows.push(second);
      rows.push(await floor('forks', 'first', N, N, first));
      rows.push(await floor('forks', 'second', N, N, second));
      fresh = false;
      save();
    }
    if (want('jump')) {
      // A second run (hosts configured) through one jump host: the burst of N connections.
      rows.push(await tsplay('jump', 'second', plain, inventory(tmp, N, true), N, N));
      fresh = false;
      save();
    }
    for (const [scenario, keyword] of [['default-forks', undefined], ['free', 'strategy: free'], ['serial', 'serial: "10%"']] as const) {
      if (!want(scenario)) continue;
      const pb = keyword ? playbookVariant(tmp, scenario, keyword) : plain;
      const forks = scenario === 'default-forks' ? null : N;
      if (o.resets) {
        if (!fresh) timedBoot(`reset for ${scenario}`, () => hosts.reset());
        fresh = false;
        const first = await tsplay(scenario, 'first', pb, invN, N, forks);
        rows.push(first);
        if (scenario === 'default-forks') rows.push(await floor(scenario, 'first', N, DEFAULT_FORKS, first));
        save(); // the first run's rows stand on their own if the run is stopped later
      }
      const second = await tsplay(scenario, 'second', pb, invN, N, forks);
      rows.push(second);
      if (scenario === 'default-forks') rows.push(await floor(scenario, 'second', N, DEFAULT_FORKS, second));
      save();
    }
    if (M > 0 && want('ansible')) {
      const invM = inventory(tmp, M, false);
      const cfg = writeAnsibleCfg(tmp, M);
      const phases = o.resets ? (['first', 'second'] as const) : (['second'] as const);
      if (o.resets && !fresh) timedBoot(`reset for ansible at ${M}`, () => hosts.reset());
      fresh = false;
      for (const phase of phases) {
        rows.push(row(`ansible-${M}`, M, phase, 'ansible', M, await runMeasured(ansibleCommand(plain, invM, cfg), tmp, `ansible-${phase}`)));
      }
      if (o.resets) timedBoot(`reset for tsplay at ${M}`, () => hosts.reset());
      for (const phase of phases) {
        const r = await tsplay(`ansible-${M}`, phase, plain, invM, M, M);
        rows.push(r);
        rows.push(await floor(`ansible-${M}`, phase, M, M, r));
      }
      save();
    }
    if (want('profile')) {
      const dir = join(tmp, 'prof');
      const inv10 = inventory(tmp, 10, false);
      rows.push(await tsplay('profile-10', 'second', plain, inv10, 10, 10, []));
      const cmd = tsplayCommand(REPO, plain, inv10, 10, join(tmp, 'count-prof.json'));
      cmd.argv.splice(1, 0, '--cpu-prof', `--cpu-prof-dir=${dir}`);
      await runMeasured(cmd, tmp, 'profile-10-second');
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file) profile = summarizeCpuProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      save();
    }
  } finally {
    cleanup();
  }
  process.stdout.write(save());
  if (readdirSync(tmp).some((f) => f.startsWith('failed-'))) log(`outputs of failed runs kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  return 0;
}

function writeResults(out: string, started: Date, N: number, M: number, rows: Row[], boots: Array<BootTiming & { what: string; wallS: number }>, profile: CpuBreakdown | null, loadAtStart: string[], ansibleVersion: string, reportOnly = false, notes: string[] = []): string {
  const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));
  const lines: string[] = [
    `# One controller, ${N} hosts: tsplay, the OpenSSH floor and ansible-playbook (${started.toISOString().slice(0, 16)} UTC)`,
    '',
    `Workload pyinfra (bench/workloads/pyinfra) on light bench hosts; one run per row. Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB, ${hostname()} ${release()}. Load average at the start: ${loadAtStart.join(', ') || '?'}${reportOnly ? '' : `; at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`}.`,
    '',
    '| scenario | hosts | run | tool | at once | wall s | controller CPU s | peak RSS MB | tree peak MB | targets CPU s | changed | commands | exit |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.scenario} | ${r.hosts} | ${r.phase} | ${r.tool === 'ansible' ? 'ansible-playbook' : r.tool === 'floor' ? 'OpenSSH floor' : 'tsplay'} | ${r.parallel} | ${f(r.wallS)} | ${f(r.cpuS)} | ${f(r.maxRssMB, 0)} | ${f(r.treePeakMB, 0)} | ${f(r.targetCpuS)} | ${r.changed ?? '-'} | ${r.commands ?? '-'} | ${r.exitCode} |`);
  }
  const find = (s: string, p: Phase, t: Row['tool']) => rows.find((r) => r.scenario === s && r.phase === p && r.tool === t);
  const x = (a?: Row, b?: Row) => (a && a.exitCode !== 0 ? `failed (exit ${a.exitCode})` : a && b && b.exitCode === 0 && b.wallS > 0 ? `${(a.wallS / b.wallS).toFixed(2)}x` : '-');
  lines.push('', '| comparison | first run | second run |', '| --- | ---: | ---: |');
  lines.push(`| tsplay -f ${N} / floor (${N} at once) | ${x(find('forks', 'first', 'tsplay'), find('forks', 'first', 'floor'))} | ${x(find('forks', 'second', 'tsplay'), find('forks', 'second', 'floor'))} |`);
  lines.push(`| tsplay default forks / floor (${DEFAULT_FORKS} at once) | ${x(find('default-forks', 'first', 'tsplay'), find('default-forks', 'first', 'floor'))} | ${x(find('default-forks', 'second', 'tsplay'), find('default-forks', 'second', 'floor'))} |`);
  if (M > 0) {
    lines.push(`| ansible-playbook / tsplay at ${M} hosts | ${x(find(`ansible-${M}`, 'first', 'ansible'), find(`ansible-${M}`, 'first', 'tsplay'))} | ${x(find(`ansible-${M}`, 'second', 'ansible'), find(`ansible-${M}`, 'second', 'tsplay'))} |`);
    lines.push(`| tsplay / floor at ${M} hosts | ${x(find(`ansible-${M}`, 'first', 'tsplay'), find(`ansible-${M}`, 'first', 'floor'))} | ${x(find(`ansible-${M}`, 'second', 'tsplay'), find(`ansible-${M}`, 'second', 'floor'))} |`);
  }
  lines.push(`| --check --diff / real first run, tsplay -f ${N} | ${x(find('forks', 'check', 'tsplay'), find('forks', 'first', 'tsplay'))} | |`);
  lines.push(`| strategy free / linear, tsplay -f ${N} | ${x(find('free', 'first', 'tsplay'), find('forks', 'first', 'tsplay'))} | ${x(find('free', 'second', 'tsplay'), find('forks', 'second', 'tsplay'))} |`);
  lines.push(`| serial 10% / linear, tsplay -f ${N} | ${x(find('serial', 'first', 'tsplay'), find('forks', 'first', 'tsplay'))} | ${x(find('serial', 'second', 'tsplay'), find('forks', 'second', 'tsplay'))} |`);
  lines.push(`| through one jump host / direct, tsplay -f ${N} | | ${x(find('jump', 'second', 'tsplay'), find('forks', 'second', 'tsplay'))} |`);
  lines.push('', 'Order of the results of the last task (`Run some shell`):', '');
  for (const s of ['forks', 'default-forks', 'free', 'serial']) {
    for (const phase of ['first', 'second'] as const) {
      const r = find(s, phase, 'tsplay');
      if (r?.order) lines.push(`- ${s}, ${phase} run: ${r.order}`);
    }
  }
  lines.push('', '| hosts started | hosts | sshd answering s | whole command s |', '| --- | ---: | ---: | ---: |');
  for (const b of boots) lines.push(`| ${b.what} | ${b.hosts} | ${(b.sshReadyMs / 1000).toFixed(1)} | ${b.wallS.toFixed(1)} |`);
  if (profile) {
    lines.push('', `tsplay --cpu-prof, second run on 10 hosts (${profile.totalMs.toFixed(0)} ms profiled):`, '', '| where | ms | share |', '| --- | ---: | ---: |');
    for (const [k, v] of Object.entries(profile.byCategory)) lines.push(`| ${k} | ${v.toFixed(0)} | ${((100 * v) / profile.totalMs).toFixed(0)}% |`);
  }
  // The machine's state at the start, and notes written into a run's JSON afterwards.
  if (notes.length) lines.push('', 'Notes:', '', ...notes.map((n) => `- ${n}`));
  const md = lines.join('\n') + '\n';
  mkdirSync(out, { recursive: true });
  const base = join(out, `${started.toISOString().replace(/[:]/g, '').slice(0, 15)}-scale-${N}`);
  const commit = spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  if (!reportOnly) writeFileSync(`${base}.json`, JSON.stringify({ date: started.toISOString(), hosts: N, ansibleHosts: M, commit, ansible: ansibleVersion, loadAtStart, key: LAB_KEY, rows, boots, profile, notes }, null, 2) + '\n');
  writeFileSync(`${base}.md`, md);
  return md;
}

main().then((code) => { process.exitCode = code; }, (err: Error) => { process.stderr.write(`bench: ${err.message}\n`); process.exitCode = 1; });
