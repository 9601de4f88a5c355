/**
 * The `local` transport (`ansible_connection=local`): runs commands on the controller with
 * /bin/sh. It implements the same contract as SSH, so modules cannot tell them apart.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { BecomeError, CommandTimeoutError, InterruptedError, type ExecOptions, type ExecResult, type Transport } from './transport.js';
import { execInput, prepareExec } from './remote-shell.js';
import { CappedOutput } from './capped-output.js';

export class LocalTransport implements Transport {
  readonly local = true;
  /** Process groups of the commands running now (each command is a group leader: detached). */
  private readonly running = new Set<number>();
  /** Those an interrupt stopped: they end in InterruptedError. */
  private readonly stopped = new Set<number>();
  constructor(readonly host: string) {}

  /** TERM to every running command's process group (traps run), KILL a second later. */
  async interrupt(): Promise<void> {
    const groups = [...this.running];
    for (const pid of groups) this.stopped.add(pid);
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of groups) {
        try {
          process.kill(-pid, sig);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGTERM');
    if (groups.length === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
    signal('SIGKILL');
  }

  async connect(): Promise<void> {}

  /** The controller is the target: a tunnel is a plain TCP connection. */
  openTcpTunnel(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const prepared = prepareExec(command, options);
    const input = execInput(prepared);
    return new Promise((resolve, reject) => {
      // detached: the command gets its own process group, so a timeout kills all of it.
      const child = spawn('/bin/sh', ['-c', prepared.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const pid = child.pid;
      if (pid !== undefined) this.running.add(pid);
      const out = new CappedOutput();
      const err = new CappedOutput();
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (options.timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, options.timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => {
        out.push(d);
        options.onOutput?.('stdout', d);
      });
      child.stderr.on('data', (d: Buffer) => {
        const kept = input.stderr(d);
        err.push(kept);
        if (kept.length) options.onOutput?.('stderr', kept);
      });
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        if (pid !== undefined) this.running.delete(pid);
        reject(e);
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (pid !== undefined) this.running.delete(pid);
        if (pid !== undefined && this.stopped.delete(pid)) return reject(new InterruptedError(this.host));
        if (timedOut) return reject(new CommandTimeoutError(command, options.timeoutMs!));
        const becomeFailure = input.failure();
        if (becomeFailure) return reject(new BecomeError(this.host, becomeFailure));
        const stdoutBuffer = out.result();
        const result: ExecResult = {
          rc: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1),
          stdout: stdoutBuffer.toString('utf8'),
          stderr: err.result().toString('utf8'),
          stdoutBuffer,
        };
        if (out.dropped || err.dropped) result.truncated = { stdout: out.dropped, stderr: err.dropped };
        resolve(result);
      });
      // EPIPE when the command exits without reading its stdin is not an error for us.
      child.stdin.on('error', () => {});
      input.start({
        write: (data) => void child.stdin.write(data),
        end: (data) => void child.stdin.end(data),
        stream: child.stdin,
      });
    });
  }

  async close(): Promise<void> {}
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return table[signal];
}
