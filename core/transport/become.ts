/**
 * Become (sudo) that never hands the password to the command.
 *
 * Sending the password blindly at the front of stdin is wrong whenever sudo does not ask
 * for it (NOPASSWD, cached credentials, root becoming root): the command then reads the
 * password as its own input and, for a file write, stores it on the target. So, like
 * Ansible's become plugins, we give sudo a prompt that is unique to this command and have
 * the become shell announce itself with a unique "ready" line before it runs the command:
 *
 *   sudo -S -p '<prompt>' -H -u USER -- /bin/sh -c 'echo <ready> >&2; COMMAND'
 *
 * Both appear on stderr. The password is written only when the prompt is seen; the
 * command's own stdin only after the ready line; both markers are cut out of stderr.
 * A command that never became ready did not run at all: that is a BecomeError, never an
 * exit status a module could mistake for its command's (rc 1 from `grep`, `rpm -q`...).
 *
 * Without a password (`sudo -n`) nothing can leak, so stdin is sent at once (no extra
 * round trip); the ready line still tells a sudo failure from the command's own.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { quote } from './shell-quote.js';
import type { BecomeSpec, StreamedInput } from './transport.js';

export interface BecomePlan {
  user: string;
  /** The line the become shell writes to stderr before running the command. */
  ready: string;
  /** sudo's prompt (only when a password is given). */
  prompt?: string;
  password?: string;
}

/** Wrap `command` for sudo; the plan says what to watch for on stderr. */
export function becomeCommand(command: string, become: BecomeSpec): { command: string; plan: BecomePlan } {
  if (become.password !== undefined && /[\r\n]/.test(become.password)) {
    throw new Error('the become password contains a line break; sudo reads one line');
  }
  const id = randomBytes(8).toString('hex');
  const ready = `tsplay-become-ready-${id}`;
  const inner = quote(`echo ${ready} >&2; ${command}`);
  const user = quote(become.user);
  if (become.password === undefined) {
    return { command: `sudo -n -H -u ${user} -- /bin/sh -c ${inner}`, plan: { user: become.user, ready } };
  }
  // No '%' in the prompt: sudo expands %u, %h, %p... there.
  const prompt = `[tsplay-become-${id}] password:`;
  return {
    command: `sudo -S -p ${quote(prompt)} -H -u ${user} -- /bin/sh -c ${inner}`,
    plan: { user: become.user, ready, prompt, password: become.password },
  };
}

/** Where a transport lets the driver write the process's stdin. */
export interface ProcessInput {
  write(data: Buffer): void;
  end(data?: Buffer): void;
  /** The same stdin as a stream, for input piped with backpressure (StreamedInput). */
  stream?: NodeJS.WritableStream;
}

/** A StreamedInput as one Readable: its buffers and files in order. */
function streamOf(input: StreamedInput): Readable {
  return Readable.from(
    (async function* () {
      for (const part of input.parts) {
        if (Buffer.isBuffer(part)) yield part;
        else yield* createReadStream(part.file, { highWaterMark: 256 * 1024 });
      }
    })(),
  );
}

/**
 * Drives one command's stdin and filters its stderr. Transports create one per attempt:
 * `start` once the process exists, every stderr chunk through `stderr`, and `failure`
 * after it exited (a message when the become step failed and the command never ran).
 */
export class ExecInput {
  private io?: ProcessInput;
  private ready: boolean;
  private pending = Buffer.alloc(0);
  private prompts = 0;
  private wrongPassword = false;
  /** Input of a held process written before sudo took its password: sent right after it. */
  private queued: Buffer[] = [];
  private sent = false;

  constructor(
    private readonly stdin: Buffer | StreamedInput | undefined,
    private readonly plan?: BecomePlan,
    /** A held process (core/transport/held-process.ts): its input stays open after `stdin`. */
    private readonly options: { keepOpen?: boolean } = {},
  ) {
    this.ready = plan === undefined;
  }

  /**
   * More input for a held process. Until sudo has taken the password, input would be read
   * as the password: it waits in a queue and follows the password.
   */
  more(data: Buffer): void {
    if (this.sent) this.io?.write(data);
    else this.queued.push(data);
  }

  start(io: ProcessInput): void {
    this.io = io;
    // Without a password there is nothing to wait for: pipeline the input with the command.
    if (!this.plan?.password) this.send();
  }

  /** The command's own input, then end of input. */
  private send(): void {
    const io = this.io!;
    const stdin = this.stdin;
    if (this.options.keepOpen) {
      if (stdin !== undefined && !Buffer.isBuffer(stdin)) throw new Error('a held process takes its input as buffers');
      this.sent = true;
      for (const data of [...(stdin && stdin.length > 0 ? [stdin] : []), ...this.queued.splice(0)]) io.write(data);
      return;
    }
    if (stdin === undefined || Buffer.isBuffer(stdin)) {
      io.end(stdin && stdin.length > 0 ? stdin : undefined);
      return;
    }
    if (!io.stream) throw new Error('this transport cannot stream input');
    // A controller file that cannot be read ends the input early: the host's byte count
    // check then refuses the short file, so nothing half-written is installed.
    const source = streamOf(stdin);
    source.on('error', () => io.end());
    source.pipe(io.stream);
  }

  /** Returns the part of `chunk` that is the command's own stderr. */
  stderr(chunk: Buffer): Buffer {
    if (this.ready) return chunk;
    this.pending = Buffer.concat([this.pending, chunk]);
    const plan = this.plan!;
    if (plan.prompt !== undefined) {
      for (let at = this.pending.indexOf(plan.prompt); at >= 0; at = this.pending.indexOf(plan.prompt)) {
        this.pending = Buffer.concat([this.pending.subarray(0, at), this.pending.subarray(at + plan.prompt.length)]);
        this.prompts++;
        if (this.prompts === 1) {
          this.io?.write(Buffer.from(`${plan.password}\n`));
        } else {
          // Asked again: the password was wrong. End the input so sudo gives up now.
          this.wrongPassword = true;
          this.io?.end();
        }
      }
    }
    const marker = Buffer.from(`${plan.ready}\n`);
    const at = this.pending.indexOf(marker);
    if (at < 0) return Buffer.alloc(0);
    this.ready = true;
    const own = Buffer.concat([this.pending.subarray(0, at), this.pending.subarray(at + marker.length)]);
    this.pending = Buffer.alloc(0);
    if (plan.password !== undefined && this.io) this.send();
    return own;
  }

  /** After exit: why the command never ran, or undefined when it did. */
  failure(): string | undefined {
    if (this.ready) return undefined;
    const plan = this.plan!;
    const said = this.pending.toString('utf8').trim();
    if (this.wrongPassword) return `sudo rejected the become password (become_user ${plan.user}); check ansible_become_password / -K`;
    if (/must have a tty/i.test(said)) {
      return `sudo requires a tty here (Defaults requiretty): allow this login to sudo without one ("Defaults:USER !requiretty"). sudo said: ${said}`;
    }
    return said ? `sudo failed (become_user ${plan.user}): ${said}` : `sudo failed before running the command (become_user ${plan.user})`;
  }
}
