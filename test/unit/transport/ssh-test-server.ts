/**
 * An in-process SSH server (ssh2's Server) on 127.0.0.1 for the transport's unit tests.
 * It behaves like sshd where the transport depends on it: an exec request runs
 * `/bin/sh -c <request string>` (sshd runs the login shell that way) in its own session and
 * process group, sessions beyond `maxSessions` are refused, and it counts connections so a
 * test can prove they are reused. Like sshd for root logins, it ignores `signal` requests
 * (ssh2's server cannot receive them once a command runs).
 */
import { spawn } from 'node:child_process';
import { AddressInfo, connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey } from 'ssh2';

export interface TestServerOptions {
  /** Accepted password for any user (password and keyboard-interactive). */
  password?: string;
  /** Accepted client public keys. */
  authorizedKeys?: ParsedKey[];
  maxSessions?: number;
  /** The host key algorithm: the tests use several to check known_hosts handling. */
  hostKeyType?: 'ed25519' | 'ecdsa';
  /** Advertise keyboard-interactive only (no plain password method). */
  keyboardInteractiveOnly?: boolean;
  /** Accept direct-tcpip channels (a jump host), answering each open after this many ms. */
  forwardDelayMs?: number;
}

export interface TestServer {
  port: number;
  /** The host public key blob, as the client sees it. */
  hostKey: Buffer;
  hostKeyType: string;
  connections: number;
  authAttempts: Array<{ method: string; user: string }>;
  /** Commands received in exec requests, verbatim. */
  commands: string[];
  maxConcurrentSessions: number;
  /** Peak number of connections in key exchange/authentication at the same time. */
  maxConcurrentHandshakes: number;
  /** Direct-tcpip channels opened through this server (as a jump host). */
  forwards: number;
  /** Peak number of direct-tcpip opens waiting for their answer at the same time. */
  maxPendingForwards: number;
  /** Destroy every client connection (a dropped network). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const type = options.hostKeyType ?? 'ed25519';
  const pair = type === 'ecdsa' ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }) : ssh2.utils.generateKeyPairSync('ed25519');
  const hostPublic = ssh2.utils.parseKey(pair.public) as ParsedKey;
  const sockets = new Set<Connection>();
  let handshaking = 0;
  const state: TestServer = {
    port: 0,
    hostKey: hostPublic.getPublicSSH(),
    hostKeyType: hostPublic.type,
    connections: 0,
    authAttempts: [],
    commands: [],
    maxConcurrentSessions: 0,
    maxConcurrentHandshakes: 0,
    forwards: 0,
    maxPendingForwards: 0,
    dropAll() {
      for (const c of sockets) (c as unknown as { _sock: Socket })._sock.destroy();
    },
    close: async () => {
      state.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const methods = options.keyboardInteractiveOnly ? ['publickey', 'keyboard-interactive'] : ['publickey', 'password', 'keyboard-interactive'];

  const server = new ssh2.Server({ hostKeys: [pair.private] }, (client) => {
    state.connections++;
    sockets.add(client);
    handshaking++;
    state.maxConcurrentHandshakes = Math.max(state.maxConcurrentHandshakes, handshaking);
    let authDone = false;
    const doneHandshaking = () => {
      if (!authDone) {
        authDone = true;
        handshaking--;
      }
    };
    client.on('close', () => {
      sockets.delete(client);
      doneHandshaking();
    });
    client.on('error', () => {});
    client.on('authentication', (ctx: AuthContext) => {
      state.authAttempts.push({ method: ctx.method, user: ctx.username });
      if (ctx.method === 'password' && !options.keyboardInteractiveOnly && options.password !== undefined && ctx.password === options.password) return ctx.accept();
      if (ctx.method === 'keyboard-interactive' && options.password !== undefined) {
        return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => (answers[0] === options.password ? ctx.accept() : ctx.reject(methods)));
      }
      if (ctx.method === 'publickey') {
        const match = (options.authorizedKeys ?? []).find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
        if (match) {
          if (!ctx.signature) return ctx.accept(); // the query before signing
          if (match.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.accept();
        }
      }
      ctx.reject(methods);
    });
    let sessions = 0;
    let pendingForwards = 0;
    client.on('ready', () => {
      doneHandshaking();
      client.on('tcpip', (accept, reject, info) => {
        if (options.forwardDelayMs === undefined) return reject();
        state.forwards++;
        pendingForwards++;
        state.maxPendingForwards = Math.max(state.maxPendingForwards, pendingForwards);
        setTimeout(() => {
          const upstream = connect(info.destPort, info.destIP);
          let connected = false;
          upstream.on('error', () => {
            if (connected) return;
            pendingForwards--;
            reject();
          });
          upstream.on('connect', () => {
            connected = true;
            pendingForwards--;
            const channel = accept();
            upstream.pipe(channel).pipe(upstream);
            channel.on('error', () => upstream.destroy());
          });
        }, options.forwardDelayMs);
      });
      client.on('session', (accept, reject) => {
        if (sessions >= (options.maxSessions ?? 10)) return reject();
        sessions++;
        state.maxConcurrentSessions = Math.max(state.maxConcurrentSessions, sessions);
        const session = accept();
        session.on('close', () => sessions--);
        session.on('exec', (acceptExec, _reject, info) => {
          state.commands.push(info.command);
          const channel = acceptExec();
          const child = spawn('/bin/sh', ['-c', info.command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          channel.pipe(child.stdin);
          child.stdin.on('error', () => {});
          child.on('close', (code, signal) => {
            if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
            else channel.exit(code ?? 0);
            channel.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** A TCP server that accepts and never says a word: an SSH handshake against it times out. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh client key pair: `privateKey` in OpenSSH format for a key file, `parsed` for the server. */
export function clientKeyPair(): { privateKey: string; parsed: ParsedKey } {
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  return { privateKey: pair.private, parsed: ssh2.utils.parseKey(pair.public) as ParsedKey };
}
