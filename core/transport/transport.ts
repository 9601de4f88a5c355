/**
 * The transport contract: everything tsplay does on a host goes through one of these.
 *
 * Modules run in the controller and send only plain POSIX shell commands and file
 * transfers; there is no agent and no Python on the target. A transport therefore needs
 * exactly two capabilities: run a shell command (with stdin), and move bytes. Atomic file
 * writes, become and environment handling are built on top of `exec` once, in
 * `core/transport/remote-shell.ts`, so the SSH and local transports cannot drift apart.
 */

/** How to run a command as another user (Ansible's `become`). Only `sudo` for now. */
export interface BecomeSpec {
  user: string;
  /** Written to sudo's stdin only after sudo prompts for it (core/transport/become.ts); never on argv, never logged. */
  password?: string;
  method?: 'sudo';
}

export interface ExecOptions {
  /** Bytes fed to the command's stdin; the stream is closed afterwards. */
  stdin?: string | Buffer;
  /** Extra environment for the command (exported by the remote shell, values quoted). */
  env?: Record<string, string>;
  become?: BecomeSpec;
  /** Kill the command and fail with TimeoutError after this many milliseconds. */
  timeoutMs?: number;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Raw stdout when a caller needs bytes (slurp, checksums of binary files). */
  stdoutBuffer: Buffer;
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
  /** Close the connection and free its resources (idempotent). */
  close(): Promise<void>;
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
