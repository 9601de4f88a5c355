/**
 * Process-wide bookkeeping shared by every SSH connection: the bound on concurrent
 * handshakes (key exchange and authentication cost CPU on both ends, and sshd drops
 * connections beyond its MaxStartups, 10 by default), the set of open connections so that
 * Ctrl-C can close them all, and counters that tests and benchmarks read.
 */
import PQueue from 'p-queue';

/** Above this, sshd's default MaxStartups (10:30:100) starts dropping handshakes at random. */
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
