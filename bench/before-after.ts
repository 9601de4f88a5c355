/**
 * Two builds of tsplay side by side on the same bench hosts, in the same run: a baseline
 * commit (checked out into a temporary git worktree and built there) and this checkout.
 * How a change to tsplay is shown to be faster: same machine, same time, alternating.
 *
 *   npm run build && node dist/bench/before-after.js --baseline <commit> [--hosts 10,100] [--runs 3]
 *
 * Per host count: boot bench1..N (light hosts), then `runs` times, alternating which build
 * goes first: fresh overlays, FIRST run, SECOND run of the pyinfra workload. Plus, per
 * build, `--version` and a one-task local run (the fixed cost of every run). Writes
 * bench/results/<date>-before-after-<baseline>.{json,md}. Needs root, like bench/run.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { repeatBare, writeLocalRunWorkload } from './lib/extras.js';
import { BenchHosts } from './lib/hosts.js';
import { measure, removeControllerGroups } from './lib/measure.js';
import { fmt, ratio, summarize, type Summary } from './lib/stats.js';
import { parseRecap, readCounts, tsplayCommand, writeInventory } from './lib/tools.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PLAYBOOK = join(REPO, 'bench', 'workloads', 'pyinfra', 'playbook.yml');

type Build = 'baseline' | 'current';
type Phase = 'first' | 'second';

interface Row {
  build: Build;
  phase: Phase;
  wallS: number;
  cpuS: number | null;
  targetCpuS: number | null;
  maxRssMB: number | null;
  changed: number;
  commands: number | null;
}

function log(msg: string): void {
  process.stderr.write(`[before-after ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Check the baseline out beside us and build it with our node_modules (same dependencies). */
function buildBaseline(rev: string, dir: string): string {
  execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', dir, rev], { stdio: 'ignore' });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
  if (!existsSync(join(dir, 'dist', 'bench', 'preload', 'count-ssh.js'))) throw new Error(`${rev} has no bench preload to count its commands`);
  return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
}

async function runOnce(root: string, build: Build, phase: Phase, inventory: string, hosts: number, tmp: string): Promise<Row> {
  const countFile = join(tmp, `count-${build}-${phase}.json`);
  const cmd = tsplayCommand(root, PLAYBOOK, inventory, hosts, countFile);
  const m = await measure(cmd.argv, { cwd: root, env: cmd.env, timeoutS: 600 });
  const recap = parseRecap(m.stdout);
  if (m.exitCode !== 0 || recap.hosts !== hosts) throw new Error(`${build} ${phase} run failed (exit ${m.exitCode}):\n${m.stdout.slice(-2000)}\n${m.stderr.slice(-2000)}`);
  const counts = readCounts(countFile);
  const commands = counts ? Object.values(counts.execsPerHost).reduce((a, b) => a + b, 0) : null;
  log(`${hosts} hosts: ${build} ${phase}: ${m.wallS.toFixed(2)} s, cpu ${m.cpuS?.toFixed(2)} s, targets ${m.targetCpuS?.toFixed(2)} s, ${commands} commands`);
  return { build, phase, wallS: m.wallS, cpuS: m.cpuS, targetCpuS: m.targetCpuS, maxRssMB: m.maxRssMB, changed: recap.changed, commands };
}

function parseHosts(v: string): number[] {
  const list = v.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 151)) throw new InvalidArgumentError('a comma list of host counts from 1 to 151');
  return list;
}

async function main(): Promise<number> {
  const o = new Command('before-after')
    .requiredOption('--baseline <rev>', 'the commit to compare this checkout with')
    .option('--hosts <list>', 'host counts, comma list', parseHosts, [10, 100])
    .option('--runs <n>', 'repetitions per build and phase', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive whole number');
      return n;
    }, 3)
    .option('--out <dir>', 'results directory', join(REPO, 'bench', 'results'))
    .parse(process.argv)
    .opts<{ baseline: string; hosts: number[]; runs: number; out: string }>();
  if (process.getuid?.() !== 0) { process.stderr.write('before-after: needs root (namespaces, overlays, cgroups)\n'); return 2; }

  const tmp = mkdtempSync(join(tmpdir(), 'tsplay-before-after-'));
  const baselineDir = join(tmp, 'baseline');
  const roots: Record<Build, string> = { baseline: baselineDir, current: REPO };
  const benchHosts = new BenchHosts(REPO);
  const started = new Date();
  const rows: Record<number, Row[]> = {};
  const fixed: Record<Build, { version: Summary | null; localRun: Summary | null }> = { baseline: { version: null, localRun: null }, current: { version: null, localRun: null } };
  let baselineRev = o.baseline;
  try {
    log(`building ${o.baseline} in ${baselineDir}`);
    baselineRev = buildBaseline(o.baseline, baselineDir);
    const local = writeLocalRunWorkload(join(tmp, 'local'));
    for (const build of ['baseline', 'current'] as const) {
      const bin = [process.execPath, join(roots[build], 'bin', 'tsplay.js')];
      fixed[build] = { version: repeatBare([...bin, '--version'], 20, REPO), localRun: repeatBare([...bin, 'run', local.playbook, '-i', local.inventory], 10, REPO) };
    }
    for (const hosts of o.hosts) {
      benchHosts.up(hosts, 'light');
      const inventory = writeInventory(tmp, hosts);
      rows[hosts] = [];
      for (let rep = 1; rep <= o.runs; rep++) {
        const order: Build[] = rep % 2 ? ['baseline', 'current'] : ['current', 'baseline'];
        for (const build of order) {
          benchHosts.reset();
          for (const phase of ['first', 'second'] as const) rows[hosts]!.push(await runOnce(roots[build], build, phase, inventory, hosts, tmp));
        }
      }
    }
  } finally {
    try { benchHosts.down(); } catch (e) { process.stderr.write(`before-after: teardown failed: ${(e as Error).message}\n`); }
    removeControllerGroups();
    spawnSync('git', ['-C', REPO, 'worktree', 'remove', '--force', baselineDir], { stdio: 'ignore' });
  }

  const head = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const md = [`### tsplay ${baselineRev} (baseline) vs ${head} (current), pyinfra workload, median (min-max) of ${o.runs} runs`, '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; both builds use the same node_modules.`, '',
    '| measurement | baseline | current | baseline / current |', '| --- | --- | --- | ---: |',
    `| \`tsplay --version\`, wall s (20 runs) | ${fmt(fixed.baseline.version, 3)} | ${fmt(fixed.current.version, 3)} | ${ratio(fixed.baseline.version, fixed.current.version)?.toFixed(2) ?? '-'}x |`,
    `| one command on localhost (local connection), wall s (10 runs) | ${fmt(fixed.baseline.localRun, 3)} | ${fmt(fixed.current.localRun, 3)} | ${ratio(fixed.baseline.localRun, fixed.current.localRun)?.toFixed(2) ?? '-'}x |`];
  for (const hosts of o.hosts) {
    for (const phase of ['first', 'second'] as const) {
      const pick = (build: Build, f: (r: Row) => number | null) => summarize(rows[hosts]!.filter((r) => r.build === build && r.phase === phase).map(f).filter((v): v is number => v !== null));
      for (const [label, f, digits] of [
        ['wall s', (r: Row) => r.wallS, 2],
        ['controller CPU s', (r: Row) => r.cpuS, 2],
        ['targets CPU s', (r: Row) => r.targetCpuS, 2],
        ['peak RSS MB', (r: Row) => r.maxRssMB, 0],
        ['remote commands', (r: Row) => r.commands, 0],
        ['changed', (r: Row) => r.changed, 0],
      ] as const) {
        const b = pick('baseline', f);
        const c = pick('current', f);
        md.push(`| ${hosts} hosts, ${phase} run: ${label} | ${fmt(b, digits)} | ${fmt(c, digits)} | ${ratio(b, c)?.toFixed(2) ?? '-'}x |`);
      }
    }
  }
  const text = md.join('\n') + '\n';
  const base = join(o.out, `${started.toISOString().replace(/[:]/g, '').slice(0, 15)}-before-after-${baselineRev}`);
  writeFileSync(`${base}.md`, text);
  writeFileSync(`${base}.json`, JSON.stringify({ date: started.toISOString(), baseline: baselineRev, current: head, runs: o.runs, fixed, rows }, null, 2) + '\n');
  process.stdout.write(text);
  log(`results: ${base}.md and .json`);
  rmSync(tmp, { recursive: true, force: true });
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: Error) => { process.stderr.write(`before-after: ${err.message}\n`); process.exitCode = 1; });
