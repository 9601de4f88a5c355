/**
 * Process-wide bookkeeping shared by every SSH connection: the bound on concurrent
 * handshakes (TCP connect, key exchange, authentication), the set of open connections so
 * that Ctrl-C can close them all, and counters that tests and benchmarks read.
 */
import PQueue from 'p-queue';

/**
 * A handshake costs ssh2 about 3 ms of client CPU (measured against the lab), so the bound
 * is not about our CPU: it keeps bursts of simultaneous connects (SYNs, key exchanges)
 * small enough for rate-limiting firewalls and for sshd's MaxStartups (10:30:100) when
 * several inventory names are the same machine. Large `--forks` values stop at this cap.
 */
const MAX_HANDSHAKES_CAP = 32;
const DEFAULT_HANDSHAKES = 10;

function fromEnv(): number | undefined {
  const v = Number(process.env.TSPLAY_SSH_MAX_HANDSHAKES);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

const handshakes = new PQueue({ concurrency: fromEnv() ?? DEFAULT_HANDSHAKES });

export interface SshTransportOptions {
  /** The run's `--forks`: the handshake bound follows it, capped at 32. */
  forks?: number;
  /** An explicit bound (also `TSPLAY_SSH_MAX_HANDSHAKES`), not capped. */
  maxConcurrentHandshakes?: number;
}

/** Set the handshake bound for the run (the CLI calls this with its forks value). */
export function configureSshTransport(options: SshTransportOptions): void {
  const explicit = options.maxConcurrentHandshakes ?? fromEnv();
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 1) throw new Error(`invalid SSH handshake limit ${explicit}: expected a positive integer`);
    handshakes.concurrency = explicit;
  } else if (options.forks !== undefined) {
    handshakes.concurrency = Math.max(1, Math.min(Math.floor(options.forks), MAX_HANDSHAKES_CAP));
  }
}

export function handshakeConcurrency(): number {
  return handshakes.concurrency;
}

/** Run one handshake (TCP connect, key exchange, authentication) within the bound. */
export function withHandshakeSlot<T>(fn: () => Promise<T>): Promise<T> {
  return handshakes.add(fn) as Promise<T>;
}

interface Closable {
  close(): Promise<void>;
}

const live = new Set<Closable>();

export function trackOpen(c: Closable): void {
  live.add(c);
}

export function untrackOpen(c: Closable): void {
  live.delete(c);
}

/** Close every open SSH connection (end of run, Ctrl-C). Never throws. */
export async function closeAll(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.allSettled(all.map((c) => c.close()));
}

export interface SshCounters {
  /** Completed handshakes (successful connections), jump hosts included. */
  handshakes: number;
  failedHandshakes: number;
  /** Session channels opened (one per exec). */
  channels: number;
}

export const counters: SshCounters = { handshakes: 0, failedHandshakes: 0, channels: 0 };

export function sshStats(): SshCounters {
  return { ...counters };
}
