/**
 * Held sessions of one host for one run (docs/held-sessions.md): named processes that a
 * task starts and later tasks talk to or end (a `mysql` client holding FLUSH TABLES WITH
 * READ LOCK, a helper keeping a filesystem frozen). The registry lives in the host's
 * HostRuntime; the executor ends whatever is still open when the play ends, and the
 * transport's connection takes the rest with it when the run ends.
 */
import type { HeldSessionHandle, HeldSessionsApi, HeldSessionOpenOptions } from '../modules/api.js';
import { HeldProcess, HeldReplyAborted, HeldReplyTimeout, type HeldExit, type ReplyEnd } from '../transport/held-process.js';
import type { BecomeSpec, Transport } from '../transport/transport.js';

/** How long a session may take to exit by itself once its input ended (then it is killed). */
export const SESSION_END_GRACE_MS = 10_000;

interface Entry {
  name: string;
  kind: string;
  process: HeldProcess;
  /** The task that opened it, for the warning when the play ends with it open. */
  openedBy: string;
}

export interface ClosedSession {
  name: string;
  kind: string;
  openedBy: string;
  exit: HeldExit & { killed: boolean };
}

export class HeldSessions {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The API one task sees: opened sessions are registered under the task's name. */
  forTask(o: { transport: Transport; taskName: string; become?: BecomeSpec; environment?: Record<string, string>; signal: AbortSignal }): HeldSessionsApi {
    const handle = (e: Entry): HeldSessionHandle => this.handle(e, o.signal);
    return {
      get: (name) => {
        const e = this.entries.get(name);
        return e ? handle(e) : undefined;
      },
      open: async (name: string, kind: string, command: string, options: HeldSessionOpenOptions = {}) => {
        const existing = this.entries.get(name);
        if (existing?.process.alive) throw new Error(`held session '${name}' (${existing.kind}) is already open on ${o.transport.host}`);
        if (!o.transport.openHeld) throw new Error(`${o.transport.host}: its connection type cannot hold sessions`);
        const env = { ...(o.environment ?? {}), ...(options.env ?? {}) };
        const become = options.noBecome ? undefined : o.become;
        const process = await o.transport.openHeld(command, {
          ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
          ...(Object.keys(env).length ? { env } : {}),
          ...(become ? { become } : {}),
          label: options.label ?? kind,
        });
        const entry: Entry = { name, kind, process, openedBy: o.taskName };
        this.entries.set(name, entry);
        return handle(entry);
      },
    };
  }

  private handle(e: Entry, signal: AbortSignal): HeldSessionHandle {
    const p = e.process;
    return {
      name: e.name,
      kind: e.kind,
      get alive() {
        return p.alive;
      },
      get endReason() {
        return p.exitStatus?.reason;
      },
      takeOutput: () => p.takeOutput(),
      reply: async (input: string | undefined, end: ReplyEnd, options: { timeoutMs?: number } = {}) => {
        try {
          return await p.reply(input, end, { ...options, signal });
        } catch (err) {
          // Out of step with the process (the rest of the reply may still come, a statement may
          // still be waiting for a lock): end it. What it held dies with it.
          if (err instanceof HeldReplyTimeout || err instanceof HeldReplyAborted) {
            await p.kill(err instanceof HeldReplyTimeout ? `killed: ${err.message}` : `killed: the task waiting for its reply was stopped`);
          }
          throw err;
        }
      },
      end: async (options: { input?: string; graceMs?: number } = {}) => {
        const exit = await p.end({ ...options, graceMs: options.graceMs ?? SESSION_END_GRACE_MS });
        if (this.entries.get(e.name) === e) this.entries.delete(e.name);
        return exit;
      },
    };
  }

  /** End every session (the play ended, the run is over): input closed, killed after the grace. */
  async closeAll(graceMs = SESSION_END_GRACE_MS): Promise<ClosedSession[]> {
    const all = [...this.entries.values()];
    this.entries.clear();
    return Promise.all(
      all.map(async (e) => {
        const wasAlive = e.process.alive;
        const exit = await e.process.end({ graceMs });
        return { name: e.name, kind: e.kind, openedBy: e.openedBy, exit: wasAlive ? exit : { ...exit, reason: `had already ended: ${exit.reason}` } };
      }),
    );
  }
}
