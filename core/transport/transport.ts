/**
 * The transport contract: everything tsplay does on a host goes through one of these.
 *
 * Modules run in the controller and send only plain POSIX shell commands and file
 * transfers; there is no agent and no Python on the target. A transport therefore needs
 * exactly two capabilities: run a shell command (with stdin), and move bytes. Atomic file
 * writes, become and environment handling are built on top of `exec` once, in
 * `core/transport/remote-shell.ts`, so the SSH and local transports cannot drift apart.
 */
import type { Duplex } from 'node:stream';

/** How to run a command as another user (Ansible's `become`). Only `sudo` for now. */
export interface BecomeSpec {
  user: string;
  /** Written to sudo's stdin only after sudo prompts for it (core/transport/become.ts); never on argv, never logged. */
  password?: string;
  method?: 'sudo';
}

/**
 * Input too large to hold in memory: buffers and controller files, sent in order and
 * streamed with backpressure (a 400 MB `copy` costs a read buffer, not 400 MB).
 */
export interface StreamedInput {
  parts: ReadonlyArray<Buffer | { file: string; size: number }>;
}

export interface ExecOptions {
  /** Bytes fed to the command's stdin; the stream is closed afterwards. */
  stdin?: string | Buffer | StreamedInput;
  /** Extra environment for the command (exported by the remote shell, values quoted). */
  env?: Record<string, string>;
  become?: BecomeSpec;
  /** Kill the command and fail with TimeoutError after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Each chunk of output as it arrives (stderr after become's prompt lines are taken out),
   * for -v streaming; the result still holds all of it.
   */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Raw stdout when a caller needs bytes (slurp, checksums of binary files). */
  stdoutBuffer: Buffer;
  /**
   * Bytes of output that were not kept (core/transport/capped-output.ts): the middle of a
   * stream longer than the limit. Absent when everything was kept.
   */
  truncated?: { stdout: number; stderr: number };
}

/** Raised when the host cannot be reached or the connection drops: the host is UNREACHABLE. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Raised when become (sudo) failed, so the command never ran: a wrong or missing password,
 * a sudoers rule that refuses, `requiretty`. The task fails; the host stays reachable.
 */
export class BecomeError extends Error {
  override name = 'BecomeError';
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Raised for a command stopped because the run was interrupted (SIGINT/SIGTERM), and for
 * any command asked for after that: the host's part of the run ends there.
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly host: string,
    message = 'interrupted: the command was stopped on the host',
  ) {
    super(message);
  }
}

/** Raised when a command outlives its `timeoutMs`. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`command timed out after ${timeoutMs} ms`);
  }
}

export interface Transport {
  /** Inventory name of the host this transport talks to. */
  readonly host: string;
  /**
   * Commands run on the controller itself (local connection, or SSH to a loopback
   * address): modules that must never touch the controller (reboot) refuse.
   */
  readonly local?: boolean;
  /** Open the connection (idempotent). Throws UnreachableError. */
  connect(): Promise<void>;
  /**
   * Run `command` with the target's POSIX `sh -c`. The command string is already
   * fully quoted by the caller (see `core/transport/shell-quote.ts`); a transport never
   * re-interprets it. A non-zero exit status is a result, not an error.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * A TCP connection to `host:port` opened FROM the target (an SSH direct-tcpip channel on
   * the existing connection; a plain socket for the local transport), for APIs that only
   * the target can reach. Optional: a transport without it cannot tunnel.
   */
  openTcpTunnel?(host: string, port: number): Promise<Duplex>;
  /** Close the connection and free its resources (idempotent). */
  close(): Promise<void>;
  /**
   * The run is being interrupted: stop every command running on the host (and what it
   * started), and refuse new ones with InterruptedError. Resolves once the kill was sent.
   */
  interrupt?(): Promise<void>;
}

/** What a transport factory needs to know about a host (Ansible's connection variables). */
export interface ConnectionSpec {
  host: string; // inventory name
  address: string; // ansible_host, else the name
  port?: number;
  user?: string;
  privateKeyFile?: string;
  password?: string;
  connectTimeoutMs?: number;
  hostKeyChecking?: 'strict' | 'accept-new' | 'off';
}
