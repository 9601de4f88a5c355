/**
 * One command on one session channel: open it, send the command line, write stdin and
 * close it, collect stdout/stderr, and report how it ended. Deciding what an outcome means
 * for the run (error, retry, unreachable) is the transport's job, not this file's.
 */
import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import type ssh2 from 'ssh2';
import { counters } from './ssh-pool.js';

export type ChannelOutcome =
  | { kind: 'exited'; rc: number; stdout: Buffer; stderr: Buffer }
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
  stdin?: Buffer;
  timeoutMs?: number;
  /** Called once when the timeout fires, to kill the command by other means as well. */
  onTimeout?: () => void;
}

export function runOnChannel(client: ssh2.Client, commandLine: string, run: ChannelRun = {}): Promise<ChannelOutcome> {
  const { stdin, timeoutMs, onTimeout } = run;
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
            if (channel) stopChannel(channel);
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
        if (timedOut) stopChannel(ch);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        // Writing stdin to a command that already exited is not an error for us (as EPIPE locally).
        ch.on('error', () => {});
        ch.on('close', (code: number | null | undefined, signal?: string) => {
          if (timedOut) return finish({ kind: 'timeout' });
          if (typeof code === 'number') return finish({ kind: 'exited', rc: code, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
          if (signal) return finish({ kind: 'exited', rc: signalExitCode(signal), stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
          finish({ kind: 'dropped' });
        });
        ch.end(stdin && stdin.length > 0 ? stdin : undefined);
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
 * Stop what the command started. OpenSSH's sshd delivers a `signal` request with killpg()
 * to the session's process group, which holds the whole command tree (as the login user:
 * sudo passes TERM on to its command, but a non-root login cannot KILL root processes).
 * TERM first lets traps clean up; KILL and the channel close follow, so a server that
 * ignores signal requests at least sees the channel go.
 */
function stopChannel(ch: ClientChannel): void {
  sendSignal(ch, 'TERM');
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
 * requests ("session signalling requires privilege separation"). So a command run with a
 * timeout carries a marker in its environment, and on timeout a second channel kills every
 * process group led by a marked process (the command's session leader, which also holds
 * anything sudo started as root): TERM, a second look one second later, then KILL.
 */
export function markedCommandLine(commandLine: string, marker: string): string {
  return `export TSPLAY_EXEC_ID=${marker}; ${commandLine}`;
}

export function killMarkedScript(marker: string): string {
  if (!/^[0-9a-f]+$/.test(marker)) throw new Error('marker must be hex');
  return [
    `scan() { found=; for e in /proc/[0-9]*/environ; do grep -qzx 'TSPLAY_EXEC_ID=${marker}' "$e" 2>/dev/null || continue; p=\${e%/environ}; found="$found \${p#/proc/}"; done; }`,
    `hit() { for p in $found; do kill -"$1" -- "-$p" 2>/dev/null; kill -"$1" "$p" 2>/dev/null; done; }`,
    'scan; hit TERM; sleep 1; scan; hit KILL; exit 0',
  ].join('\n');
}
