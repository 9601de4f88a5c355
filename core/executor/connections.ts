/**
 * One transport per host for the whole run, opened on first use (a play of only
 * `debug`/`set_fact` tasks never connects) and closed at the end. The connection
 * variables follow Ansible's names; the SSH transport is imported only when a host
 * needs it, so local runs and `--version` stay fast.
 */
import type { Duplex } from 'node:stream';
import { LocalTransport } from '../transport/local.js';
import type { ConnectionSpec, ExecOptions, ExecResult, HeldOptions, Transport } from '../transport/transport.js';
import type { HeldProcess } from '../transport/held-process.js';
import { UnreachableError } from '../transport/transport.js';
import { ConnectionBudget, connectionCap, openFilesLimit, type Budgeted } from './connection-budget.js';

export interface ConnectionDefaults {
  remoteUser?: string;
  privateKeyFile?: string;
  password?: string;
  connectTimeoutMs?: number;
  connection?: string;
  /** --forks: also bounds concurrent SSH handshakes (capped by the SSH transport). */
  forks?: number;
  /** host_key_checking from ansible.cfg / ANSIBLE_HOST_KEY_CHECKING (a host's variable wins). */
  hostKeyChecking?: 'strict' | 'off' | 'accept-new';
  /**
   * Most remote connections open at once (also TSPLAY_MAX_CONNECTIONS); by default what the
   * open-files limit leaves (see connection-budget.ts). Idle ones are closed to make room.
   */
  maxOpenConnections?: number;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/** Build the connection spec for a host from its variables (Ansible's names win over CLI defaults). */
export function connectionSpecFor(host: string, vars: Record<string, unknown>, defaults: ConnectionDefaults): ConnectionSpec & { connection: string; sshArgs: string[] } {
  const connection = str(vars.ansible_connection) ?? defaults.connection ?? 'ssh';
  const spec: ConnectionSpec & { connection: string; sshArgs: string[] } = {
    host,
    address: str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host,
    connection,
    sshArgs: [str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter((s): s is string => !!s),
  };
  const port = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  if (port) spec.port = Number(port);
  const user = str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? defaults.remoteUser;
  if (user) spec.user = user;
  const key = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file) ?? defaults.privateKeyFile;
  if (key) spec.privateKeyFile = key;
  const password = str(vars.ansible_password) ?? str(vars.ansible_ssh_pass) ?? defaults.password;
  if (password) spec.password = password;
  const timeout = str(vars.ansible_timeout) ?? str(vars.ansible_ssh_timeout);
  if (timeout) spec.connectTimeoutMs = Number(timeout) * 1000;
  else if (defaults.connectTimeoutMs) spec.connectTimeoutMs = defaults.connectTimeoutMs;
  const checking = str(vars.ansible_host_key_checking);
  if (checking) {
    const c = checking.toLowerCase();
    spec.hostKeyChecking = c === 'accept-new' ? 'accept-new' : ['false', 'no', '0', 'off', 'n', 'f'].includes(c) ? 'off' : 'strict';
  } else if (defaults.hostKeyChecking) {
    spec.hostKeyChecking = defaults.hostKeyChecking;
  }
  return spec;
}

/** A local connection, or SSH to this machine's own loopback: the commands run on the controller. */
export function runsOnController(spec: ConnectionSpec & { connection: string }): boolean {
  if (spec.connection === 'local') return true;
  const a = spec.address.toLowerCase().replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || a === '0.0.0.0';
}

/**
 * Connects on first exec; an unreachable host stays unreachable for the rest of the run.
 * With a budget (remote hosts), an idle connection may be closed to make room for another
 * host's and is opened again by its next command.
 */
class LazyTransport implements Transport, Budgeted {
  private connecting?: Promise<void>;
  private running = 0;
  /** Set once a held session or tunnel used this connection: it is never closed for room. */
  pinned = false;
  constructor(
    readonly host: string,
    /** Known before connecting, so a guard never depends on whether a command ran yet. */
    readonly local: boolean,
    private readonly open: () => Promise<Transport>,
    private readonly budget?: ConnectionBudget,
  ) {}
  private inner?: Transport;

  connect(): Promise<void> {
    this.connecting ??= (async () => {
      await this.budget?.makeRoom();
      this.inner = await this.open();
      await this.inner.connect();
      this.budget?.opened(this);
    })();
    return this.connecting;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.running++;
    this.budget?.busy(this);
    try {
      await this.connect();
      return await this.inner!.exec(command, options);
    } finally {
      if (--this.running === 0) this.budget?.idle(this);
    }
  }

  async interrupt(): Promise<void> {
    await this.inner?.interrupt?.();
  }

  async openHeld(command: string, options?: HeldOptions): Promise<HeldProcess> {
    this.pinned = true;
    await this.connect();
    if (!this.inner!.openHeld) throw new Error(`${this.host}: its connection type cannot hold sessions`);
    return this.inner!.openHeld(command, options);
  }

  async openTcpTunnel(host: string, port: number): Promise<Duplex> {
    this.pinned = true;
    await this.connect();
    if (!this.inner!.openTcpTunnel) throw new Error(`${this.host}: its connection type cannot open TCP tunnels`);
    return this.inner!.openTcpTunnel(host, port);
  }

  closeForBudget(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.connecting = undefined;
    this.inner = undefined;
    this.budget?.closed(this);
    if (inner) await inner.close();
  }
}

function maxConnectionsFromEnv(): number | undefined {
  const v = Number(process.env.TSPLAY_MAX_CONNECTIONS);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export class ConnectionManager {
  private readonly transports = new Map<string, Transport>();
  /** Remote connections only: a local "connection" holds no socket. */
  readonly budget: ConnectionBudget;

  constructor(private readonly defaults: ConnectionDefaults) {
    this.budget = new ConnectionBudget(
      defaults.maxOpenConnections ?? maxConnectionsFromEnv() ?? connectionCap(defaults.forks ?? 25, openFilesLimit()),
    );
  }

  /**
   * The transport for `host`, created from its variables on first request. `remoteUser` is
   * the play/task keyword `remote_user`: it overrides -u, and ansible_user overrides it. A
   * task that logs in as another user gets a connection of its own.
   */
  get(host: string, vars: Record<string, unknown>, remoteUser?: string): Transport {
    const defaults = remoteUser ? { ...this.defaults, remoteUser } : this.defaults;
    const spec = connectionSpecFor(host, vars, defaults);
    const key = `${host}\0${spec.user ?? ''}`;
    let t = this.transports.get(key);
    if (!t) {
      const local = spec.connection === 'local';
      t = new LazyTransport(host, runsOnController(spec), () => openTransport(spec, this.defaults), local ? undefined : this.budget);
      this.transports.set(key, t);
    }
    return t;
  }

  /** Stop what runs on every host (see Transport.interrupt); waits at most `limitMs`. */
  async interruptAll(limitMs = 5000): Promise<void> {
    const all = Promise.allSettled([...this.transports.values()].map((t) => t.interrupt?.()));
    await Promise.race([all, new Promise((r) => setTimeout(r, limitMs).unref())]);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
  }
}

let sshConfigured = false;

async function openTransport(spec: ConnectionSpec & { connection: string; sshArgs: string[] }, defaults: ConnectionDefaults): Promise<Transport> {
  switch (spec.connection) {
    case 'local':
      return new LocalTransport(spec.host);
    case 'ssh':
    case 'paramiko':
    case 'smart': {
      const { SshTransport, configureSshTransport } = await import('../transport/ssh.js');
      if (!sshConfigured) {
        sshConfigured = true;
        configureSshTransport(defaults.forks !== undefined ? { forks: defaults.forks } : {});
      }
      return new SshTransport(spec);
    }
    default:
      throw new UnreachableError(spec.host, `unsupported ansible_connection '${spec.connection}' (tsplay supports ssh and local)`);
  }
}
