/**
 * The `local` transport (`ansible_connection=local`): runs commands on the controller with
 * /bin/sh. It implements the same contract as SSH, so modules cannot tell them apart.
 */
import { spawn } from 'node:child_process';
import { BecomeError, CommandTimeoutError, type ExecOptions, type ExecResult, type Transport } from './transport.js';
import { execInput, prepareExec } from './remote-shell.js';

export class LocalTransport implements Transport {
  readonly local = true;
  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const prepared = prepareExec(command, options);
    const input = execInput(prepared);
    return new Promise((resolve, reject) => {
      // detached: the command gets its own process group, so a timeout kills all of it.
      const child = spawn('/bin/sh', ['-c', prepared.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
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
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(input.stderr(d)));
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) return reject(new CommandTimeoutError(command, options.timeoutMs!));
        const becomeFailure = input.failure();
        if (becomeFailure) return reject(new BecomeError(this.host, becomeFailure));
        const stdoutBuffer = Buffer.concat(out);
        resolve({
          rc: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1),
          stdout: stdoutBuffer.toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          stdoutBuffer,
        });
      });
      // EPIPE when the command exits without reading its stdin is not an error for us.
      child.stdin.on('error', () => {});
      input.start({
        write: (data) => void child.stdin.write(data),
        end: (data) => void child.stdin.end(data),
      });
    });
  }

  async close(): Promise<void> {}
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return table[signal];
}
