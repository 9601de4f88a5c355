/**
 * Keeps secrets out of output and logs. Two mechanisms: results of `no_log` tasks are
 * replaced wholesale, and known secret values (passwords given to tsplay) are masked
 * wherever they appear in a string, however they got there.
 */
export const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
const MASK = '********';

export class SecretRegistry {
  private readonly values = new Set<string>();

  add(secret: string | undefined | null): void {
    // Very short values would mask innocent text everywhere; they are still never logged
    // by field, only not searched for inside other strings.
    if (secret && secret.length >= 4) this.values.add(secret);
  }

  get size(): number {
    return this.values.size;
  }

  maskString(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
  }

  /** Deep copy with every secret occurrence masked. */
  mask<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.maskString(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v);
      return out;
    }
    return value;
  }
}

/** The public view of a `no_log` result: only its status survives. */
export function censorResult<T extends { changed?: unknown; failed?: unknown; skipped?: unknown }>(result: T): Record<string, unknown> {
  const out: Record<string, unknown> = { censored: NO_LOG_MESSAGE, changed: Boolean(result.changed) };
  if (result.failed) out.failed = true;
  if (result.skipped) out.skipped = true;
  return out;
}
