/**
 * A process kept running on a host across tasks (a "held session", docs/held-sessions.md):
 * its stdin stays open, so a later task can send it more input, and it ends when its input
 * ends. The transports start it (an SSH session channel that is not closed after the
 * command; a local child process); this class is the part they share: collecting output,
 * waiting for a reply, ending it.
 *
 * The contract with the process on the host: it reads its stdin until end of file and then
 * exits, undoing what it holds (a `mysql` client quits and the server drops its locks; a
 * freeze helper thaws). End of input is what a dropped connection, a closed channel or an
 * exiting controller all look like from the host, so the safe outcome never depends on
 * tsplay getting to run anything afterwards.
 */

/** How a held process ended. */
export interface HeldExit {
  /** Exit status, when the process reported one. */
  rc: number | null;
  /** In words, for messages: 'exited with status 0', 'connection lost: ...'. */
  reason: string;
}

/** What a transport gives the held process to drive the real one. */
export interface HeldIo {
  write(data: Buffer): void;
  /** Close the process's stdin (end of file on the host). */
  endInput(): void;
  /** Stop the process and everything it started (TERM, then KILL); resolves once sent. */
  kill(): Promise<void>;
}

/** Raised when a held process is used after it ended, or ends while a reply is awaited. */
export class HeldProcessEnded extends Error {
  override name = 'HeldProcessEnded';
  constructor(
    message: string,
    /** What the process wrote since the last reply (its last words, often the reason). */
    readonly output: string,
  ) {
    super(message);
  }
}

/** A reply was not complete within the time given. */
export class HeldReplyTimeout extends Error {
  override name = 'HeldReplyTimeout';
}

/** A reply was abandoned because the task's signal fired (its timeout, the run's interrupt). */
export class HeldReplyAborted extends Error {
  override name = 'HeldReplyAborted';
}

/**
 * Finds the end of a reply in the output read so far: the index just past it, or -1 while
 * it is not complete. The text before that index is the reply and is consumed.
 */
export type ReplyEnd = (output: string) => number;

/** At most this much output is kept between replies (a process that floods is cut short). */
const MAX_PENDING = 4 * 1024 * 1024;

export class HeldProcess {
  private output = '';
  private dropped = 0;
  private exit?: HeldExit;
  private readonly exitWaiters: Array<(e: HeldExit) => void> = [];
  private wake?: () => void;
  /** Set while `reply` waits: one conversation at a time. */
  private busy = false;

  constructor(
    readonly host: string,
    /** For messages: what runs ('mysql', 'xfs_freeze -f /mnt/data'). */
    readonly label: string,
    private readonly io: HeldIo,
  ) {}

  /** Output from the process (stdout, and stderr unless the transport keeps it apart). */
  pushOutput(chunk: Buffer | string): void {
    this.output += chunk.toString();
    if (this.output.length > MAX_PENDING) {
      this.dropped += this.output.length - MAX_PENDING;
      this.output = this.output.slice(-MAX_PENDING);
    }
    this.wake?.();
  }

  /** The transport saw the process end (or its channel go). Idempotent: the first report wins. */
  ended(exit: HeldExit): void {
    if (this.exit) return;
    this.exit = exit;
    for (const w of this.exitWaiters.splice(0)) w(exit);
    this.wake?.();
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** How it ended, once it did. */
  get exitStatus(): HeldExit | undefined {
    return this.exit;
  }

  /** Resolves when the process has ended. */
  exited(): Promise<HeldExit> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Send input; throws HeldProcessEnded once the process is gone. */
  write(data: string | Buffer): void {
    if (this.exit) throw new HeldProcessEnded(`${this.label} on ${this.host} has ended (${this.exit.reason})`, this.takeOutput());
    this.io.write(Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  /** Everything read since the last reply (consumed). */
  takeOutput(): string {
    const out = this.output;
    this.output = '';
    return this.dropped ? `[${this.dropped} bytes of output dropped]\n${out}` : out;
  }

  /**
   * Send `input` (if any) and wait until `end` finds the end of the reply in the output.
   * Throws HeldProcessEnded if the process ends first, HeldReplyTimeout after `timeoutMs`,
   * HeldReplyAborted when `signal` fires. After a timeout or an abort the conversation is out
   * of step (the rest of the reply may still come): callers end the process then.
   */
  async reply(input: string | Buffer | undefined, end: ReplyEnd, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    if (this.busy) throw new Error(`${this.label} on ${this.host} is already waiting for a reply`);
    this.busy = true;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const onAbort = () => this.wake?.();
    try {
      if (input !== undefined) this.write(input);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          this.wake?.();
        }, options.timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      for (;;) {
        const at = end(this.output);
        if (at >= 0) {
          const text = this.output.slice(0, at);
          this.output = this.output.slice(at);
          return text;
        }
        if (this.exit) throw new HeldProcessEnded(`${this.label} on ${this.host} ended before it replied (${this.exit.reason})`, this.takeOutput());
        if (options.signal?.aborted) throw new HeldReplyAborted(`waiting for ${this.label} on ${this.host} was abandoned: ${String((options.signal.reason as Error)?.message ?? 'aborted')}`);
        if (timedOut) throw new HeldReplyTimeout(`${this.label} on ${this.host} did not reply within ${options.timeoutMs! / 1000} s`);
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.busy = false;
      this.wake = undefined;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * End it: optional last input, then end of input, and wait up to `graceMs` for the process
   * to exit by itself (what it holds is undone by the process, in order). If it does not,
   * it is killed (TERM, then KILL): still the safe direction, what it held dies with it.
   */
  async end(options: { input?: string | Buffer; graceMs?: number } = {}): Promise<HeldExit & { killed: boolean; output: string }> {
    if (!this.exit) {
      try {
        if (options.input !== undefined) this.io.write(Buffer.isBuffer(options.input) ? options.input : Buffer.from(options.input));
        this.io.endInput();
      } catch {
        /* the channel is already going: the exit report follows */
      }
    }
    const grace = options.graceMs ?? 10_000;
    let killed = false;
    if (!this.exit) {
      let timer: NodeJS.Timeout | undefined;
      const first = await Promise.race([this.exited(), new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), grace)))]);
      clearTimeout(timer);
      if (first === 'late') {
        killed = true;
        await this.io.kill();
        let t2: NodeJS.Timeout | undefined;
        await Promise.race([this.exited(), new Promise((r) => (t2 = setTimeout(r, 5000)))]);
        clearTimeout(t2);
        this.ended({ rc: null, reason: `killed: it did not exit within ${grace / 1000} s of the end of its input` });
      }
    }
    return { ...this.exit!, killed, output: this.takeOutput() };
  }

  /** Kill it now (a reply timed out or was abandoned: its state is unknown). */
  async kill(reason: string): Promise<void> {
    if (this.exit) return;
    try {
      this.io.endInput();
    } catch {
      /* going anyway */
    }
    await this.io.kill();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    this.ended({ rc: null, reason });
  }
}
