/**
 * Opening one authenticated ssh2 connection, directly or through ProxyJump hosts, and
 * turning every way that can fail into one sentence for the UNREACHABLE line: refused,
 * no route, timed out, host key, authentication. Jump-host connections are shared by all
 * targets behind them and closed when the last one goes.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Algorithms, ConnectConfig, NegotiatedAlgorithms } from 'ssh2';
import { planAuth } from './ssh-auth.js';
import { HostKeyPolicy } from './ssh-host-key.js';
import { counters, withHandshakeSlot } from './ssh-pool.js';
import { resolveJumpSettings, type SshSettings } from './ssh-settings.js';

/** A connection could not be opened; the message is ready for the user. */
export class SshConnectError extends Error {
  override name = 'SshConnectError';
}

type SshError = Error & { code?: string; level?: string };

export function endpoint(settings: SshSettings): string {
  return `${settings.hostname.includes(':') ? `[${settings.hostname}]` : settings.hostname}:${settings.port}`;
}

/** One sentence for a socket or protocol error. */
export function describeSshError(err: SshError, settings: SshSettings): string {
  const at = endpoint(settings);
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${at}`;
    case 'EHOSTUNREACH':
      return `no route to host ${at}`;
    case 'ENETUNREACH':
      return `network unreachable for ${at}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `cannot resolve host name '${settings.hostname}'`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${at}`;
    case 'ECONNRESET':
      return `connection reset by ${at}`;
    case 'EPIPE':
      return `connection to ${at} broken (EPIPE)`;
  }
  if (/connection lost before handshake/i.test(err.message)) {
    return `${at} closed the connection before the SSH handshake (sshd restarting, or its MaxStartups limit reached)`;
  }
  if (err.level === 'client-timeout' && /keepalive/i.test(err.message)) {
    return `${at} stopped answering keepalives (${settings.keepaliveCountMax} x ${settings.keepaliveIntervalMs / 1000} s)`;
  }
  return `${at}: ${err.message}`;
}

export class SshConnection {
  private closed = false;
  private ending = false;
  private lastError?: SshError;
  private readonly closeListeners: Array<(reason: string) => void> = [];
  /** Why the connection ended (set once closed). */
  lostReason?: string;

  constructor(
    readonly client: ssh2.Client,
    readonly settings: SshSettings,
    readonly negotiated: NegotiatedAlgorithms | undefined,
    readonly handshakeMs: number,
    private readonly releaseVia?: () => void,
  ) {
    client.on('error', (err: SshError) => {
      this.lastError = err;
    });
    keepaliveOnSilenceOnly(client);
    client.on('close', () => {
      this.closed = true;
      this.lostReason = this.ending
        ? 'connection closed by tsplay'
        : this.lastError
          ? describeSshError(this.lastError, settings)
          : `connection closed by ${endpoint(settings)}`;
      this.releaseVia?.();
      for (const l of this.closeListeners.splice(0)) l(this.lostReason);
    });
  }

  get alive(): boolean {
    return !this.closed;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closed) listener(this.lostReason!);
    else this.closeListeners.push(listener);
  }

  /** Polite end (SSH_MSG_DISCONNECT); the socket is destroyed if the server lingers. */
  end(graceMs = 2000): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ending = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.client.destroy(), graceMs);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }
}

/**
 * ssh2 counts a keepalive as unanswered until its reply arrives, even while the server
 * keeps sending us other packets, and the keepalive request waits behind everything queued
 * for sending: during a large upload on a slow or busy link (a full 2 MB channel window
 * takes seconds at a few Mbit/s) a live connection was declared dead ("stopped answering
 * keepalives") and the host UNREACHABLE. OpenSSH's ServerAliveInterval probes only a server
 * that has sent nothing for the interval; so here any bytes from the server restart ssh2's
 * keepalive count and timer (at most every 100 ms). A server that goes silent (paused,
 * cut off) is still declared dead after interval x count.
 */
function keepaliveOnSilenceOnly(client: ssh2.Client): void {
  const internals = client as unknown as { _sock?: Duplex; _resetKA?: () => void };
  const reset = internals._resetKA;
  if (!reset || !internals._sock) return;
  let last = 0;
  internals._sock.on('data', () => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    reset();
  });
}

/** Key exchange and authentication over `sock` (a jump-host channel) or a new TCP socket. */
async function handshake(settings: SshSettings, sock: Duplex | undefined, releaseVia?: () => void): Promise<SshConnection> {
  const at = endpoint(settings);
  const policy = await HostKeyPolicy.load(settings);
  const auth = await planAuth(settings);
  if (auth.empty) throw new SshConnectError(auth.failureMessage(at));
  const client = new ssh2.Client();
  const started = process.hrtime.bigint();

  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    let hostKeyRefusal: string | undefined;
    let authFailed = false;
    let lastError: SshError | undefined;
    let negotiated: NegotiatedAlgorithms | undefined;

    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      counters.failedHandshakes++;
      client.removeAllListeners('ready');
      client.on('error', () => {}); // late errors of a destroyed client are of no interest
      client.destroy();
      if (sock && !sock.destroyed) sock.destroy();
      reject(new SshConnectError(message));
    };
    const timer = setTimeout(
      () => fail(`timed out after ${settings.connectTimeoutMs / 1000} s connecting to ${at}`),
      settings.connectTimeoutMs,
    );

    client.on('handshake', (n) => {
      negotiated = n;
    });
    client.on('error', (err: SshError) => {
      if (settled) return;
      if (err.level === 'agent') return auth.note(`ssh-agent: ${err.message}`);
      if (err.level === 'client-authentication') {
        if (/all configured authentication methods failed/i.test(err.message)) authFailed = true;
        else auth.note(err.message);
        return;
      }
      lastError = err;
    });
    client.on('change password', () => {
      auth.note('the server says the password has expired and must be changed');
      client.end();
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      counters.handshakes++;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve(new SshConnection(client, settings, negotiated, ms, releaseVia));
    });
    client.on('close', () => {
      if (hostKeyRefusal) fail(hostKeyRefusal);
      else if (authFailed) fail(auth.failureMessage(at));
      else if (lastError) fail(describeSshError(lastError, settings));
      else fail(`${at} closed the connection during the SSH handshake`);
    });

    const algorithms: Algorithms = {};
    const preferred = policy.preferredHostKeyAlgorithms();
    if (preferred) algorithms.serverHostKey = preferred as Algorithms['serverHostKey'];
    if (settings.kexAlgorithms) algorithms.kex = settings.kexAlgorithms as Algorithms['kex'];
    const config: ConnectConfig = {
      host: settings.hostname,
      port: settings.port,
      username: settings.user,
      authHandler: auth.handler,
      // Asynchronous form: ssh2 waits for verify(); returning undefined selects it.
      hostVerifier: ((key: Buffer, verify: (valid: boolean) => void) => {
        policy.verify(key).then(
          (verdict) => {
            if (!verdict.ok) hostKeyRefusal = verdict.message;
            verify(verdict.ok);
          },
          (e: Error) => {
            hostKeyRefusal = `cannot check the host key of ${at}: ${e.message}`;
            verify(false);
          },
        );
      }) as ConnectConfig['hostVerifier'],
      keepaliveInterval: settings.keepaliveIntervalMs,
      keepaliveCountMax: settings.keepaliveCountMax,
      readyTimeout: 0, // our own timer covers the whole attempt, jump hops included
      algorithms,
    };
    if (sock) config.sock = sock as ConnectConfig['sock'];
    try {
      client.connect(config);
      // Every exec is a few small packets that wait for each other's replies: with Nagle's
      // algorithm and the server's delayed ACKs each one would stall for ~40 ms.
      client.setNoDelay(true);
    } catch (e) {
      // ssh2 validates options synchronously (e.g. an unsupported KexAlgorithms name).
      fail(`cannot connect to ${at}: ${(e as Error).message}`);
    }
  });
}

/** A direct-tcpip channel through `via` to the settings' host and port. */
function forwardThrough(via: SshConnection, settings: SshSettings): Promise<Duplex> {
  const at = endpoint(settings);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new SshConnectError(`timed out after ${settings.connectTimeoutMs / 1000} s waiting for jump host ${endpoint(via.settings)} to reach ${at}`)),
      settings.connectTimeoutMs,
    );
    try {
      via.client.forwardOut('127.0.0.1', 0, settings.hostname, settings.port, (err, stream) => {
        clearTimeout(timer);
        if (err) reject(new SshConnectError(`jump host ${endpoint(via.settings)} could not connect to ${at}: ${err.message}`));
        else resolve(stream);
      });
    } catch (e) {
      clearTimeout(timer);
      reject(new SshConnectError(`jump host ${endpoint(via.settings)} is not connected: ${(e as Error).message}`));
    }
  });
}

interface PooledJump {
  connection: Promise<SshConnection>;
  refs: number;
}

const jumpPool = new Map<string, PooledJump>();

function jumpKey(chain: SshSettings[]): string {
  return chain.map((s) => `${s.user}@${s.hostname}:${s.port}`).join(' > ');
}

/**
 * A shared connection to the last hop of `chain` (each hop reached through the previous
 * one). The returned release() drops this reference; the last one closes the connection.
 */
async function acquireJump(chain: SshSettings[]): Promise<{ connection: SshConnection; release: () => void }> {
  const key = jumpKey(chain);
  let entry = jumpPool.get(key);
  if (!entry) {
    const hop = chain[chain.length - 1]!;
    const created: PooledJump = {
      refs: 0,
      connection: (async () => {
        const previous = chain.length > 1 ? await acquireJump(chain.slice(0, -1)) : undefined;
        const releasePrevious = previous?.release;
        try {
          return await withHandshakeSlot(async () => handshake(hop, previous ? await forwardThrough(previous.connection, hop) : undefined, releasePrevious));
        } catch (e) {
          releasePrevious?.();
          throw e;
        }
      })(),
    };
    entry = created;
    jumpPool.set(key, created);
    created.connection.then(
      (c) => c.onClose(() => jumpPool.get(key) === created && jumpPool.delete(key)),
      () => jumpPool.get(key) === created && jumpPool.delete(key),
    );
  }
  entry.refs++;
  const held = entry;
  let connection: SshConnection;
  try {
    connection = await held.connection;
  } catch (e) {
    held.refs--;
    throw new SshConnectError(`cannot reach ${chain[chain.length - 1]!.host}: ${(e as Error).message}`);
  }
  let released = false;
  return {
    connection,
    release: () => {
      if (released) return;
      released = true;
      if (--held.refs === 0) {
        if (jumpPool.get(key) === held) jumpPool.delete(key);
        void connection.end();
      }
    },
  };
}

/** Open the connection for `settings`: through its ProxyJump chain if it has one. */
export async function openSshConnection(settings: SshSettings): Promise<SshConnection> {
  if (settings.proxyJump.length === 0) return withHandshakeSlot(() => handshake(settings, undefined));
  const chain = settings.proxyJump.map((j) => resolveJumpSettings(j, settings));
  const jump = await acquireJump(chain);
  try {
    // The channel open is part of the slot: a thousand hosts behind one jump host would
    // otherwise send a thousand direct-tcpip opens at once over its single connection, and
    // every one would wait its whole timeout in the jump host's queue.
    return await withHandshakeSlot(async () => handshake(settings, await forwardThrough(jump.connection, settings), jump.release));
  } catch (e) {
    jump.release();
    throw e;
  }
}
