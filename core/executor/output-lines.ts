/**
 * Command output arrives in chunks that split lines (and UTF-8 characters) anywhere; -v
 * shows it a whole line at a time, per stream, the unfinished last line when it ends.
 */
export interface OutputLines {
  push(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  flush(): void;
}

/** Lines longer than this are shown in pieces rather than held back indefinitely. */
const MAX_LINE = 16 * 1024;

export function outputLines(emit: (stream: 'stdout' | 'stderr', line: string) => void): OutputLines {
  const pending: Record<'stdout' | 'stderr', Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  return {
    push(stream, chunk) {
      let buf = pending[stream].length ? Buffer.concat([pending[stream], chunk]) : chunk;
      for (;;) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) break;
        emit(stream, buf.subarray(0, nl).toString('utf8').replace(/\r$/, ''));
        buf = buf.subarray(nl + 1);
      }
      while (buf.length > MAX_LINE) {
        emit(stream, buf.subarray(0, MAX_LINE).toString('utf8'));
        buf = buf.subarray(MAX_LINE);
      }
      pending[stream] = Buffer.from(buf);
    },
    flush() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream].length) emit(stream, pending[stream].toString('utf8'));
        pending[stream] = Buffer.alloc(0);
      }
    },
  };
}
