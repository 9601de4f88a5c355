/**
 * Collects a command's stdout or stderr with a bounded memory cost: up to `limit` bytes are
 * kept whole; beyond that the first and last `limit / 2` bytes are kept and the middle is
 * counted, not stored. Without the cap, 100 MB of output cost ~400 MB in the controller and
 * 600 MB crashed the run (a string longer than V8 allows). The limit is per stream and per
 * command: TSPLAY_MAX_OUTPUT (bytes, or with a K/M/G suffix), 32 MiB by default.
 */
export const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;

/** The per-stream limit in force (TSPLAY_MAX_OUTPUT, else the default). */
export function maxOutputBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TSPLAY_MAX_OUTPUT?.trim();
  if (!raw) return DEFAULT_MAX_OUTPUT;
  const m = /^(\d+)\s*([KMG]i?B?)?$/i.exec(raw);
  if (!m) throw new Error(`TSPLAY_MAX_OUTPUT must be a number of bytes (suffix K, M or G allowed), got '${raw}'`);
  const unit = (m[2] ?? '').toUpperCase()[0];
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  return Math.max(1024, Number(m[1]) * factor);
}

export class CappedOutput {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private overflowed = false;

  constructor(private readonly limit: number = maxOutputBytes()) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (!this.overflowed && this.headBytes + chunk.length <= this.limit) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      return;
    }
    const half = Math.floor(this.limit / 2);
    if (!this.overflowed) {
      // First overflow: the head keeps the first half, the rest starts the tail. Copies, so
      // the kept parts do not pin the whole concatenation in memory.
      this.overflowed = true;
      const all = Buffer.concat([...this.head, chunk]);
      this.head = [Buffer.from(all.subarray(0, half))];
      this.headBytes = half;
      this.tail = [Buffer.from(all.subarray(half))];
      this.tailBytes = all.length - half;
    } else {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
    }
    // Keep only the last `half` bytes of the tail.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= half) this.tailBytes -= this.tail.shift()!.length;
    if (this.tailBytes > half) {
      this.tail[0] = Buffer.from(this.tail[0]!.subarray(this.tailBytes - half));
      this.tailBytes = half;
    }
  }

  /** Bytes received but not kept. */
  get dropped(): number {
    return this.total - this.headBytes - this.tailBytes;
  }

  /** What was kept; when something was dropped, a line in the middle says how much. */
  result(): Buffer {
    if (this.dropped === 0) return Buffer.concat([...this.head, ...this.tail]);
    const note = Buffer.from(`\n[tsplay: ${this.dropped} bytes of output dropped here (the first and last ${Math.floor(this.limit / 2)} are kept; TSPLAY_MAX_OUTPUT)]\n`);
    return Buffer.concat([...this.head, note, ...this.tail]);
  }
}
