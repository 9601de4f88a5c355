/**
 * One command on one session channel: open it, send the command line, write stdin and
 * close it, collect stdout/stderr, and report how it ended. Deciding what an outcome means
 * for the run (error, retry, unreachable) is the transport's job, not this file's.
 */
import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import type ssh2 from 'ssh2';
import type { ExecInput } from './become.js';
import { CappedOutput } from './capped-output.js';
import { counters } from './ssh-pool.js';

export type ChannelOutcome =
  | { kind: 'exited'; rc: number; stdout: Buffer; stderr: Buffer; dropped?: { stdout: number; stderr: number } }
  /** The server would not open a session channel (e.g. its MaxSessions is reached). */
  | { kind: 'refused'; message: string }
  | { kind: 'timeout' }
  /** The channel closed without an exit status: the connection dropped. */
  | { kind: 'dropped'; message?: string };

// After a timeout: SIGTERM first (so traps run: the atomic write removes its temp file),
// SIGKILL and channel close this much later, and stop waiting for the server after that.
const KILL_AFTER_MS = 1000;
const CLOSE_GRACE_MS = 3000;

/** 128 + signal number, as a shell reports a command killed by a signal. */
export function signalExitCode(signal: string): number {
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof osConstants.signals;
  return 128 + (osConstants.signals[name] ?? 0);
}

export interface ChannelRun {
  /** Writes the command's stdin (and a become password, only when sudo asks) and filters stderr. */
  input?: ExecInput;
  stdin?: Buffer;
  timeoutMs?: number;
  /** Called once when the timeout fires, to kill the command by other means as well. */
  onTimeout?: () => void;
  /** Output as it arrives (ExecOptions.onOutput). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export function runOnChannel(client: ssh2.Client, commandLine: string, run: ChannelRun = {}): Promise<ChannelOutcome> {
  const { stdin, timeoutMs, onTimeout, input, onOutput } = run;
  return new Promise((resolve) => {
    let done = false;
    let channel: ClientChannel | undefined;
    let timedOut = false;
    const finish = (outcome: ChannelOutcome) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(outcome);
    };
    const timer =
      timeoutMs !== undefined && timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            // With a killer, no TERM over the channel: it would kill the command's shell and
            // orphan its children before the killer can find them through their parents.
            if (channel) stopChannel(channel, !onTimeout);
            onTimeout?.();
            // A server that never confirms the close must not hold the caller forever.
            setTimeout(() => finish({ kind: 'timeout' }), KILL_AFTER_MS + CLOSE_GRACE_MS).unref();
          }, timeoutMs)
        : undefined;

    try {
      client.exec(commandLine, (err, ch) => {
        if (err) {
          const reason = (err as Error & { reason?: number }).reason;
          if (timedOut) return finish({ kind: 'timeout' });
          // `reason` is set only for CHANNEL_OPEN_FAILURE; anything else means the connection went.
          return finish(reason !== undefined || /unable to exec/i.test(err.message) ? { kind: 'refused', message: err.message } : { kind: 'dropped', message: err.message });
        }
        counters.channels++;
        channel = ch;
        if (timedOut) stopChannel(ch, !onTimeout);
        const out = new CappedOutput();
        const errOut = new CappedOutput();
        ch.on('data', (d: Buffer) => {
          out.push(d);
          onOutput?.('stdout', d);
        });
        ch.stderr.on('data', (d: Buffer) => {
          const kept = input ? input.stderr(d) : d;
          errOut.push(kept);
          if (kept.length) onOutput?.('stderr', kept);
        });
        const exited = (rc: number): ChannelOutcome => {
          const outcome: ChannelOutcome = { kind: 'exited', rc, stdout: out.result(), stderr: errOut.result() };
          if (out.dropped || errOut.dropped) outcome.dropped = { stdout: out.dropped, stderr: errOut.dropped };
          return outcome;
        };
        // Writing stdin to a command that already exited is not an error for us (as EPIPE locally).
        ch.on('error', () => {});
        ch.on('close', (code: number | null | undefined, signal?: string) => {
          if (timedOut) return finish({ kind: 'timeout' });
          if (typeof code === 'number') return finish(exited(code));
          if (signal) return finish(exited(signalExitCode(signal)));
          finish({ kind: 'dropped' });
        });
        if (input) {
          input.start({
            write: (data) => void ch.write(data),
            end: (data) => void ch.end(data),
            stream: ch,
          });
        } else {
          ch.end(stdin && stdin.length > 0 ? stdin : undefined);
        }
      });
    } catch (e) {
      // ssh2 throws synchronously when the socket is already gone.
      finish({ kind: 'dropped', message: (e as Error).message });
    }
  });
}

/**
 * Send an SSH `signal` channel request. ssh2's public `channel.signal()` is a no-op once
 * our side of the channel is ended (we end it right after writing stdin), although the
 * protocol allows requests after EOF; so we go to its protocol object directly.
 */
function sendSignal(ch: ClientChannel, name: string): void {
  const c = ch as unknown as { outgoing: { id: number; state: string }; _client: { _protocol: { signal(id: number, signal: string): void } } };
  if (c.outgoing.state !== 'open' && c.outgoing.state !== 'eof') return;
  try {
    c._client._protocol.signal(c.outgoing.id, name);
  } catch {
    /* connection already gone */
  }
}

/**
 * Stop what the command started, as far as the channel can. OpenSSH's sshd delivers a
 * `signal` request with killpg() to the session's process group (as the login user, and
 * not at all for root logins); TERM first lets traps clean up. KILL and the channel close
 * follow, so a server that ignores signal requests at least sees the channel go.
 */
function stopChannel(ch: ClientChannel, term: boolean): void {
  if (term) sendSignal(ch, 'TERM');
  setTimeout(() => {
    sendSignal(ch, 'KILL');
    try {
      ch.close();
    } catch {
      /* already closed */
    }
  }, KILL_AFTER_MS).unref();
}

/**
 * Root logins get no privilege separation in sshd, and sshd then refuses `signal`
 * requests ("session signalling requires privilege separation"); a non-root login's
 * killpg() cannot touch what sudo runs as root; and a command can leave the process group
 * (sudo with a pty, anything calling setsid). So a command run with a timeout carries a
 * marker in its environment, and on timeout a second channel (with the same become) kills
 * the marked processes and all their descendants, found through /proc: TERM, then one
 * second later KILL to everything seen in either pass (a process orphaned by the TERM has
 * lost its parent link by then).
 */
export function markedCommandLine(commandLine: string, marker: string): string {
  return `export TSPLAY_EXEC_ID=${marker}; ${commandLine}`;
}

export function killMarkedScript(marker: string | string[]): string {
  const markers = Array.isArray(marker) ? marker : [marker];
  if (markers.length === 0 || markers.some((m) => !/^[0-9a-f]+$/.test(m))) throw new Error('markers must be hex');
  const patterns = markers.map((m) => `-e 'TSPLAY_EXEC_ID=${m}'`).join(' ');
  return [
    // Marked processes: the command's shell and what inherited its environment.
    // One grep over every process's environment (not one per process: on a busy host a
    // fork per process made a pass take seconds).
    `marked() { grep -lzx ${patterns} /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\\([0-9]*\\)/environ$|\\1|p' | tr '\\n' ' '; }`,
    // The given pids plus all their descendants ("pid/stat state ppid ..." after the comm field).
    `tree() { for s in /proc/[0-9]*/stat; do read -r l 2>/dev/null < "$s" && printf '%s %s\\n' "\${s#/proc/}" "\${l##*) }"; done |`,
    `  awk -v roots="$1" 'BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }`,
    `    { sub("/stat", "", $1); parent[$1] = $3 }`,
    `    END { do { grew = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } } while (grew); for (p in keep) print p }'; }`,
    'first=$(tree "$(marked)")',
    '[ -n "$first" ] && kill -TERM $first 2>/dev/null',
    'sleep 1',
    'rest=$(tree "$first $(marked)")',
    '[ -n "$rest$first" ] && kill -KILL $first $rest 2>/dev/null',
    // A command that was still starting (a loaded host) is marked only now: one more pass.
    'sleep 1',
    'late=$(tree "$(marked)")',
    '[ -n "$late" ] && kill -KILL $late 2>/dev/null',
    'exit 0',
  ].join('\n');
}
