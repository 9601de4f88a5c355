/** The benchmark's own lab hosts, through bench/lab/bench-hosts.sh (see there). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { removeControllerGroups } from './measure.js';

export const BENCH_STATE = join(process.env.TSPLAY_LAB_STATE ?? '/var/lib/tsplay-lab', 'bench');
export const LAB_KEY = join(process.env.TSPLAY_LAB_STATE ?? '/var/lib/tsplay-lab', 'ssh', 'id_ed25519');
export const BENCH_KNOWN_HOSTS = join(BENCH_STATE, 'ssh', 'known_hosts');

export type HostKind = 'light' | 'nspawn';

export interface BootTiming {
  hosts: number;
  kind: HostKind;
  sshReadyMs: number;
}

/** The most bench hosts bench-hosts.sh starts (its /22 holds them; a bridge takes 1024 ports). */
export const BENCH_MAX_HOSTS = 1000;

/** benchN's address: 198.18.4.10 upwards on the bench's own /22 (as bench-hosts.sh's host_ip). */
export function benchHostAddress(i: number): string {
  const offset = 10 + i - 1;
  return `198.18.${4 + Math.floor(offset / 256)}.${offset % 256}`;
}

export class BenchHosts {
  constructor(private readonly repoRoot: string) {}

  private run(args: string[]): string {
    const script = join(this.repoRoot, 'bench', 'lab', 'bench-hosts.sh');
    const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench-hosts.sh ${args.join(' ')} failed (exit ${r.status})`);
    return r.stdout.trim();
  }

  up(n: number, kind: HostKind): BootTiming {
    return JSON.parse(this.run(['up', String(n), '--kind', kind])) as BootTiming;
  }

  /** The same hosts on fresh overlay upper dirs (what a FIRST run starts from). */
  reset(): BootTiming {
    return JSON.parse(this.run(['reset'])) as BootTiming;
  }

  /** Memory charged to each host's cgroup, bytes. */
  memory(): Record<string, number | null> {
    return JSON.parse(this.run(['memory'])) as Record<string, number | null>;
  }

  down(): void {
    this.run(['down']);
  }
}

/**
 * The end of a benchmark: the hosts go down (unless `keep`) and the controller's measuring
 * cgroups go, whatever ends the process (Ctrl-C included). Returns the function to call
 * at a normal end; it runs once.
 */
export function teardownOnExit(hosts: BenchHosts, keep = false): () => void {
  let done = false;
  const teardown = () => {
    if (done) return;
    done = true;
    try {
      if (!keep) hosts.down();
    } catch (e) {
      process.stderr.write(`bench: teardown failed: ${(e as Error).message}\n`);
    }
    removeControllerGroups();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => { teardown(); process.exit(130); });
  process.on('exit', teardown);
  return teardown;
}
