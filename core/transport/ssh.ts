/**
 * The SSH transport on ssh2: one connection per host for the whole run; every exec is a
 * session channel on it, at most MaxSessions at a time. Commands are run as
 * `exec /bin/sh -c '<command>'`: sshd hands the exec string to the user's login shell, so
 * we give that shell one single-quoted word (the same for every POSIX shell, bash, dash,
 * ksh, zsh, busybox ash) and the command itself always runs under /bin/sh, exactly as the
 * local transport runs it. A non-POSIX login shell (csh, fish) is not supported.
 */
import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import type { NegotiatedAlgorithms } from 'ssh2';
import { execInput, prepareExec } from './remote-shell.js';
import { quote } from './shell-quote.js';
import { endpoint, openSshConnection, type SshConnection } from './ssh-connect.js';
import { killMarkedScript, markedCommandLine, runOnChannel, type ChannelRun } from './ssh-exec.js';
import { sshLog } from './ssh-log.js';
import { trackOpen, untrackOpen } from './ssh-pool.js';
import { ignoredSshArgs, resolveSshSettings, type SshConnectionSpec, type SshSettings } from './ssh-settings.js';
import { BecomeError, CommandTimeoutError, UnreachableError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

export { closeAll, configureSshTransport, sshStats } from './ssh-pool.js';
export { setSshLogger } from './ssh-log.js';
export type { SshConnectionSpec } from './ssh-settings.js';

/**
 * Session channels we open at once on one connection: OpenSSH's default MaxSessions (10)
 * minus one kept spare for killing a timed-out command. A server with a lower limit is
 * detected when it refuses a channel.
 */
const DEFAULT_MAX_SESSIONS = 9;

/** The command line sent in the SSH exec request for a prepared POSIX command. */
export function sshCommandLine(command: string): string {
  return `exec /bin/sh -c ${quote(command)}`;
}

export interface SshConnectionInfo {
  kex?: string;
  serverHostKey?: string;
  cipher?: string;
  handshakeMs: number;
}

export class SshTransport implements Transport {
  readonly host: string;
  private settings?: SshSettings;
  private connection?: SshConnection;
  private connecting?: Promise<SshConnection>;
  private readonly channels = new PQueue({ concurrency: DEFAULT_MAX_SESSIONS });

  constructor(private readonly spec: SshConnectionSpec) {
    this.host = spec.host;
  }

  async connect(): Promise<void> {
    await this.ensureConnection();
  }

  /** The algorithms negotiated and how long the handshake took (for `-vvv` and benchmarks). */
  info(): SshConnectionInfo | undefined {
    const c = this.connection;
    if (!c) return undefined;
    const n: NegotiatedAlgorithms | undefined = c.negotiated;
    return { kex: n?.kex, serverHostKey: n?.serverHostKey, cipher: n?.cs.cipher, handshakeMs: c.handshakeMs };
  }

  /**
   * The open connection, or a new one: the first call connects, concurrent callers share
   * that attempt, and after a drop (a reboot task, a restarted sshd) the next call
   * reconnects. Throws UnreachableError.
   */
  private ensureConnection(): Promise<SshConnection> {
    if (this.connection?.alive) return Promise.resolve(this.connection);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<SshConnection> {
    if (!this.settings) {
      try {
        this.settings = resolveSshSettings(this.spec);
      } catch (e) {
        throw new UnreachableError(this.host, (e as Error).message);
      }
      const ignored = ignoredSshArgs(this.spec);
      if (ignored.length > 0) sshLog().debug(`${this.host}: ignoring ssh arguments tsplay does not use: ${ignored.join(', ')}`);
    }
    let connection: SshConnection;
    try {
      connection = await openSshConnection(this.settings);
    } catch (e) {
      throw new UnreachableError(this.host, (e as Error).message);
    }
    this.connection = connection;
    trackOpen(this);
    connection.onClose((reason) => {
      if (this.connection === connection) sshLog().debug(`${this.host}: ${reason}`);
    });
    return connection;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const prepared = prepareExec(command, options);
    const timed = options.timeoutMs !== undefined && options.timeoutMs > 0;
    const marker = timed ? randomBytes(8).toString('hex') : undefined;
    const line = marker ? markedCommandLine(sshCommandLine(prepared.command), marker) : sshCommandLine(prepared.command);
    for (;;) {
      const connection = await this.ensureConnection();
      const input = execInput(prepared);
      const run: ChannelRun = { timeoutMs: options.timeoutMs, input };
      if (marker) run.onTimeout = () => void this.killMarked(connection, marker, options.become);
      const outcome = await this.channels.add(() => runOnChannel(connection.client, line, run));
      switch (outcome.kind) {
        case 'exited': {
          const becomeFailure = input.failure();
          if (becomeFailure) throw new BecomeError(this.host, becomeFailure);
          return { rc: outcome.rc, stdout: outcome.stdout.toString('utf8'), stderr: outcome.stderr.toString('utf8'), stdoutBuffer: outcome.stdout };
        }
        case 'timeout':
          throw new CommandTimeoutError(command, options.timeoutMs!);
        case 'dropped':
          throw new UnreachableError(
            this.host,
            connection.alive
              ? `${endpoint(connection.settings)} closed the session without an exit status${outcome.message ? ` (${outcome.message})` : ''}`
              : `connection lost while running a command: ${connection.lostReason}`,
          );
        case 'refused': {
          // Channels still running on this connection: the server allows fewer sessions
          // than we assumed (MaxSessions). Lower our limit to what it accepted and retry.
          const running = this.channels.pending;
          if (running === 0 || !connection.alive) {
            throw new UnreachableError(this.host, `${endpoint(connection.settings)} refused to open a session: ${outcome.message}`);
          }
          if (this.channels.concurrency > running) {
            sshLog().debug(`${this.host}: server refused a session with ${running} open; limiting this connection to ${running} (MaxSessions)`);
            this.channels.concurrency = running;
          }
          continue;
        }
      }
    }
  }

  /**
   * Kill a timed-out command's processes from a second channel (see killMarkedScript).
   * It bypasses the channel queue: the slot we keep spare for it is why the queue allows
   * one session less than the server.
   */
  private async killMarked(connection: SshConnection, marker: string, become: ExecOptions['become']): Promise<void> {
    const prepared = prepareExec(killMarkedScript(marker), become ? { become } : {});
    const run: ChannelRun = { timeoutMs: 15_000, input: execInput(prepared) };
    const outcome = await runOnChannel(connection.client, sshCommandLine(prepared.command), run);
    if (outcome.kind !== 'exited' || outcome.rc !== 0) sshLog().debug(`${this.host}: could not kill a timed-out command (${outcome.kind})`);
  }

  /** End the connection (idempotent); commands still running fail as unreachable. */
  async close(): Promise<void> {
    untrackOpen(this);
    const pending = this.connecting;
    const connection = this.connection;
    this.connection = undefined;
    if (pending) {
      try {
        await (await pending).end();
      } catch {
        /* the attempt failed: nothing to close */
      }
    }
    if (connection) await connection.end();
    this.connection = undefined;
    untrackOpen(this); // open() may have registered us again meanwhile
  }
}
