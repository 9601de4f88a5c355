/**
 * How many connections a run may keep open at once, and which to close when it has
 * reached that number. A run keeps one connection per host for its whole length (the
 * next task needs it again), so a play over more hosts than the process may open files
 * would fail with EMFILE part-way through. The open-files limit decides:
 *
 *  - Node raises the soft RLIMIT_NOFILE to the hard limit when it starts (src/node.cc,
 *    PlatformInit), so the soft limit read here is already the most this process may have.
 *  - `--forks` beyond what the limit allows is refused before anything runs, naming the
 *    limit (see `forksLimitError`).
 *  - Within the limit, connections of hosts that are not running a command are closed,
 *    least recently used first, when a new one is needed; they reconnect on their next task.
 */
import { readFileSync } from 'node:fs';

export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/**
 * Files kept back for everything else a run opens: stdio, log files, the playbook and
 * task files being read, a controller file each busy host is copying (counted per fork
 * in `connectionCap`), Node's own handles.
 */
export const FILES_RESERVED = 128;

/** This process's open-files limit (Linux: /proc/self/limits); undefined where unknown. */
export function openFilesLimit(limitsText?: string): OpenFilesLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  const num = (s: string) => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
  const soft = num(m[1]!), hard = num(m[2]!);
  return Number.isFinite(soft) && Number.isFinite(hard) ? { soft, hard } : undefined;
}

/** A busy host holds its connection and may have one controller file open (copy, template). */
const FILES_PER_FORK = 2;

/** The most forks `limit` allows. */
export function maxForks(limit: OpenFilesLimit): number {
  return Math.max(1, Math.floor((limit.soft - FILES_RESERVED) / FILES_PER_FORK));
}

/** A message for the user when `forks` cannot run within `limit`, else undefined. */
export function forksLimitError(forks: number, limit: OpenFilesLimit | undefined): string | undefined {
  if (!limit || forks <= maxForks(limit)) return undefined;
  const most = maxForks(limit);
  return `--forks ${forks} needs up to ${forks * FILES_PER_FORK + FILES_RESERVED} open files, but this process may open only ${limit.soft} `
    + `(the open-files limit, ulimit -n; hard limit ${limit.hard}): use --forks ${most} or fewer, or raise the hard limit `
    + '(LimitNOFILE= in a systemd unit, "nofile" in /etc/security/limits.conf, ulimit -Hn as root)';
}

/** Connections a run may keep open at once: what the limit leaves after the reserve and the forks' files. */
export function connectionCap(forks: number, limit: OpenFilesLimit | undefined): number {
  if (!limit) return Number.POSITIVE_INFINITY;
  return Math.max(1, limit.soft - FILES_RESERVED - forks);
}

/** What the budget needs of a connection: whether it is open, idle, pinned, and how to close it. */
export interface Budgeted {
  /** A held session or tunnel lives on this connection: never closed to make room. */
  readonly pinned: boolean;
  closeForBudget(): Promise<void>;
}

/**
 * Counts open connections and closes idle ones, least recently used first, to stay under
 * `cap`. Connections report `opened`, `busy` (a command started), `idle` (the last
 * command ended) and `closed`.
 */
export class ConnectionBudget {
  private readonly open = new Set<Budgeted>();
  /** Open and not running anything, in the order they became idle (oldest first). */
  private readonly idleOrder = new Set<Budgeted>();
  /** How many connections were closed to make room (tests and benchmarks read it). */
  evictions = 0;
  /** The most connections open at once. */
  peakOpen = 0;

  constructor(readonly cap: number) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Before opening a connection: close idle ones until there is room. */
  async makeRoom(): Promise<void> {
    while (this.open.size >= this.cap) {
      const victim = [...this.idleOrder].find((c) => !c.pinned);
      // Every open connection is busy or pinned: going over the cap beats waiting for a
      // command that may itself wait on this one (forksLimitError keeps this rare).
      if (!victim) return;
      this.idleOrder.delete(victim);
      this.open.delete(victim);
      this.evictions++;
      await victim.closeForBudget();
    }
  }

  opened(c: Budgeted): void {
    this.open.add(c);
    this.idleOrder.delete(c);
    this.peakOpen = Math.max(this.peakOpen, this.open.size);
  }

  busy(c: Budgeted): void {
    this.idleOrder.delete(c);
  }

  idle(c: Budgeted): void {
    if (!this.open.has(c)) return;
    this.idleOrder.delete(c); // re-inserted at the end: most recently used
    this.idleOrder.add(c);
  }

  closed(c: Budgeted): void {
    this.open.delete(c);
    this.idleOrder.delete(c);
  }
}
