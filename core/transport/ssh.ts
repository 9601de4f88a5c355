/**
 * The SSH transport on ssh2: one connection per host for the whole run; every exec is a
 * session channel on it, at most MaxSessions at a time. Commands are run as
 * `exec /bin/sh -c '<command>'`: sshd hands the exec string to the user's login shell, so
 * we give that shell one single-quoted word (the same for every POSIX shell, bash, dash,
 * ksh, zsh, busybox ash) and the command itself always runs under /bin/sh, exactly as the
 * local transport runs it. A non-POSIX login shell (csh, fish) is not supported.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import PQueue from 'p-queue';
import type { NegotiatedAlgorithms } from 'ssh2';
import { execInput, prepareExec, type PreparedExec } from './remote-shell.js';
import { quote } from './shell-quote.js';
import { endpoint, openSshConnection, type SshConnection } from './ssh-connect.js';
import { killMarkedScript, markedCommandLine, runOnChannel, type ChannelRun } from './ssh-exec.js';
import { sshLog } from './ssh-log.js';
import { trackOpen, untrackOpen } from './ssh-pool.js';
import { ignoredSshArgs, resolveSshSettings, type SshConnectionSpec, type SshSettings } from './ssh-settings.js';
import { BecomeError, CommandTimeoutError, InterruptedError, UnreachableError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

export { closeAll, configureSshTransport, sshStats } from './ssh-pool.js';
export { setSshLogger } from './ssh-log.js';
export type { SshConnectionSpec } from './ssh-settings.js';

/**
 * Session channels we open at once on one connection: OpenSSH's default MaxSessions (10)
 * minus one kept spare for killing a timed-out command. A server with a lower limit is
 * detected when it refuses a channel.
 */
const DEFAULT_MAX_SESSIONS = 9;

/**
 * How long closing the transport may spend reconnecting to kill what a dropped connection
 * left running (see `reap`): bounded, so a host that stays down delays the end of the run
 * by at most this much.
 */
const REAP_AT_CLOSE_MS = 5000;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Wait for `promise`, at most `ms` (the timer is cleared, so it never holds the process). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}

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
  /** Commands running or queued now, by marker, with the become they run under (to kill them on interrupt). */
  private readonly running = new Map<string, ExecOptions['become']>();
  /** Markers of the commands an interrupt stopped: they end in InterruptedError. */
  private readonly stopped = new Set<string>();
  /** Kills in flight: closing the connection waits for them, or they would be cut off. */
  private readonly killers = new Set<Promise<boolean>>();
  /**
   * Commands that were running when their connection dropped (sshd killed or paused, link
   * down, keepalives unanswered), by marker. Without a tty nothing kills them on the host
   * (no SIGHUP): a `sleep`, a `cat` waiting for the rest of a file would keep running. They
   * are killed through the next connection that gets through (see `reap`).
   */
  private readonly orphans = new Map<string, ExecOptions['become']>();
  private reaping?: Promise<void>;

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
    // Every command carries a marker, so a timeout or an interrupt can find what it started.
    const marker = randomBytes(8).toString('hex');
    // Under become, sudo resets the environment: export the marker again inside the command
    // sudo runs. Otherwise, once sudo is gone (the channel's KILL reaches it before the kill
    // script on a slow host), its orphaned root shell and children carry no marker and have
    // no marked parent left: nothing could find them.
    const prepared = prepareExec(command, options.become ? { ...options, env: { ...options.env, TSPLAY_EXEC_ID: marker } } : options);
    const line = markedCommandLine(sshCommandLine(prepared.command), marker);
    this.running.set(marker, options.become);
    try {
      return await this.execMarked(command, options, prepared, line, marker);
    } finally {
      this.running.delete(marker);
      this.stopped.delete(marker);
    }
  }

  private async execMarked(command: string, options: ExecOptions, prepared: PreparedExec, line: string, marker: string): Promise<ExecResult> {
    for (;;) {
      const connection = await this.ensureConnection();
      const input = execInput(prepared);
      const run: ChannelRun = { timeoutMs: options.timeoutMs, input, ...(options.onOutput ? { onOutput: options.onOutput } : {}) };
      run.onTimeout = () => void this.killMarked(connection, [marker], options.become);
      // A command still queued when the run is interrupted never starts.
      const outcome = await this.channels.add(() => (this.stopped.has(marker) ? Promise.resolve(undefined) : runOnChannel(connection.client, line, run)));
      if (this.stopped.has(marker) || !outcome) throw new InterruptedError(this.host);
      switch (outcome.kind) {
        case 'exited': {
          const becomeFailure = input.failure();
          if (becomeFailure) throw new BecomeError(this.host, becomeFailure);
          const result: ExecResult = { rc: outcome.rc, stdout: outcome.stdout.toString('utf8'), stderr: outcome.stderr.toString('utf8'), stdoutBuffer: outcome.stdout };
          if (outcome.dropped) result.truncated = outcome.dropped;
          return result;
        }
        case 'timeout':
          throw new CommandTimeoutError(command, options.timeoutMs!);
        case 'dropped':
          this.orphans.set(marker, options.become);
          void this.reap();
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
   * A direct-tcpip channel on this host's connection: sshd connects to `host:port` from the
   * target, so `host` is resolved there (127.0.0.1 is the target itself). Needs sshd's
   * AllowTcpForwarding (OpenSSH's default); a refusal says so.
   */
  async openTcpTunnel(host: string, port: number): Promise<Duplex> {
    const connection = await this.ensureConnection();
    return new Promise((resolve, reject) => {
      connection.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) {
          // RFC 4254 reason 1: the server forbids forwarding; otherwise its connect failed.
          const reason = (err as Error & { reason?: number }).reason;
          const why = reason === 1 ? 'sshd forbids TCP forwarding (AllowTcpForwarding)' : `${err.message.replace(/^\(SSH\) Channel open failure: ?/, '') || 'connect failed'}`;
          reject(new Error(`${this.host} could not connect to ${host}:${port}: ${why}`));
          return;
        }
        resolve(channel);
      });
    });
  }

  /**
   * Kill a timed-out command's processes from a second channel (see killMarkedScript).
   * It bypasses the channel queue: the slot we keep spare for it is why the queue allows
   * one session less than the server.
   */
  private killMarked(connection: SshConnection, markers: string[], become: ExecOptions['become']): Promise<boolean> {
    const kill = this.runKiller(connection, markers, become).finally(() => this.killers.delete(kill));
    this.killers.add(kill);
    return kill;
  }

  /** True when the kill script ran to its end on the host. */
  private async runKiller(connection: SshConnection, markers: string[], become: ExecOptions['become']): Promise<boolean> {
    const prepared = prepareExec(killMarkedScript(markers), become ? { become } : {});
    const run: ChannelRun = { timeoutMs: 15_000, input: execInput(prepared) };
    const outcome = await runOnChannel(connection.client, sshCommandLine(prepared.command), run);
    const killed = outcome.kind === 'exited' && outcome.rc === 0;
    if (!killed) sshLog().debug(`${this.host}: could not kill a stopped command (${outcome.kind})`);
    return killed;
  }

  /** Group markers by the become they ran under: one kill script per identity. */
  private static byBecome(commands: Map<string, ExecOptions['become']>): Array<{ become: ExecOptions['become']; markers: string[] }> {
    const groups = new Map<string, { become: ExecOptions['become']; markers: string[] }>();
    for (const [marker, become] of commands) {
      const key = JSON.stringify(become ?? null);
      const group = groups.get(key) ?? { become, markers: [] };
      group.markers.push(marker);
      groups.set(key, group);
    }
    return [...groups.values()];
  }

  /**
   * Kill what dropped connections left running: reconnect (at once, and again when the
   * transport closes at the end of the run) and run the marker kill script. The task
   * itself stays UNREACHABLE (its outcome is unknown); this only makes sure it does not go
   * on behind the run's back: a killed atomic write's trap removes its temp file, and the
   * destination keeps its old content. A host still unreachable keeps its orphans for the
   * next attempt; a host that rebooted has nothing left to kill.
   */
  private reap(): Promise<void> {
    this.reaping ??= (async () => {
      try {
        const connection = await this.ensureConnection();
        const batch = new Map(this.orphans);
        const groups = SshTransport.byBecome(batch);
        const done = await Promise.all(groups.map((g) => this.killMarked(connection, g.markers, g.become)));
        groups.forEach((g, i) => {
          if (done[i]) for (const m of g.markers) this.orphans.delete(m);
        });
      } catch (e) {
        sshLog().debug(`${this.host}: cannot reconnect yet to stop what a dropped connection left running: ${(e as Error).message}`);
      }
    })().finally(() => {
      this.reaping = undefined;
    });
    return this.reaping;
  }

  /**
   * Stop every running (or queued) command and what it started: the same /proc walk as a
   * timeout, one kill per become identity. Commands asked for afterwards run normally
   * (an interrupted run still runs its `always:` cleanup). A connection that is gone has
   * nothing left to kill: sshd ended its sessions.
   */
  async interrupt(): Promise<void> {
    for (const marker of this.running.keys()) this.stopped.add(marker);
    const connection = this.connection;
    if (!connection?.alive || this.running.size === 0) return;
    await Promise.allSettled(SshTransport.byBecome(this.running).map((g) => this.killMarked(connection, g.markers, g.become)));
  }

  /** End the connection (idempotent); commands still running fail as unreachable. */
  async close(): Promise<void> {
    // Last chance to stop what dropped connections left running (the host may be back).
    const deadline = Date.now() + REAP_AT_CLOSE_MS;
    while ((this.orphans.size > 0 || this.reaping) && Date.now() < deadline) {
      const attempt = this.reaping ?? this.reap();
      await within(attempt, deadline - Date.now());
      if (this.orphans.size > 0) await pause(Math.min(500, deadline - Date.now()));
    }
    if (this.killers.size > 0) await Promise.race([Promise.allSettled([...this.killers]), new Promise((r) => setTimeout(r, 5000).unref())]);
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
