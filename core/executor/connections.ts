/**
 * One transport per host for the whole run, opened on first use (a play of only
 * `debug`/`set_fact` tasks never connects) and closed at the end. The connection
 * variables follow Ansible's names; the SSH transport is imported only when a host
 * needs it, so local runs and `--version` stay fast.
 */
import type { Duplex } from 'node:stream';
import { LocalTransport } from '../transport/local.js';
import type { ConnectionSpec, ExecOptions, ExecResult, Transport } from '../transport/transport.js';
import { UnreachableError } from '../transport/transport.js';

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

/** Connects on first exec; an unreachable host stays unreachable for the rest of the run. */
class LazyTransport implements Transport {
  private connecting?: Promise<void>;
  constructor(
    readonly host: string,
    /** Known before connecting, so a guard never depends on whether a command ran yet. */
    readonly local: boolean,
    private readonly open: () => Promise<Transport>,
  ) {}
  private inner?: Transport;

  connect(): Promise<void> {
    this.connecting ??= (async () => {
      this.inner = await this.open();
      await this.inner.connect();
    })();
    return this.connecting;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    await this.connect();
    return this.inner!.exec(command, options);
  }

  async interrupt(): Promise<void> {
    await this.inner?.interrupt?.();
  }

  async openTcpTunnel(host: string, port: number): Promise<Duplex> {
    await this.connect();
    if (!this.inner!.openTcpTunnel) throw new Error(`${this.host}: its connection type cannot open TCP tunnels`);
    return this.inner!.openTcpTunnel(host, port);
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.connecting = undefined;
    this.inner = undefined;
    if (inner) await inner.close();
  }
}

export class ConnectionManager {
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly defaults: ConnectionDefaults) {}

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
      t = new LazyTransport(host, runsOnController(spec), () => openTransport(spec, this.defaults));
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
