/**
 * Entry point of the executor: runs playbooks (already loaded and validated) against an
 * inventory, plays in order, and returns Ansible's exit code. Connections are closed at
 * the end whatever happens.
 */
import type { Logger } from 'pino';
import { SecretRegistry } from '../log/redact.js';
import type { Inventory } from '../inventory/model.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Block, Handler, Playbook, TaskNode } from '../playbook/model.js';
import type { Templar } from '../template/templar.js';
import type { Vars } from '../vars/precedence.js';
import { ConnectionManager, type ConnectionDefaults } from './connections.js';
import type { RunEvents } from './events.js';
import { endHeldSessions, runPlay } from './play-runner.js';
import type { ExecutorOptions, RoleRequest, RunContext } from './run-context.js';
import { HostSession, RunInterrupt } from './run-context.js';
import { RecapStats } from './stats.js';

export interface RunPlaybooksInput {
  playbooks: Playbook[];
  inventory: Inventory;
  registry: ModuleRegistry;
  templar: Templar;
  options: ExecutorOptions;
  connection: ConnectionDefaults;
  events: RunEvents;
  log: Logger;
  /** Secrets to mask; the same registry the printers and the logger mask with. */
  secrets?: SecretRegistry;
  loadTaskFile(path: string): Promise<TaskNode[]>;
  loadVarsFile(path: string): Promise<Vars>;
  /** Loads a role for include_role (without it, include_role fails the task). */
  loadRole?(request: RoleRequest): Promise<{ block: Block; handlers: Handler[] }>;
  /** Reads a controller file for a module's `src:`, decrypting vault data when asked (default: plain read). */
  readControllerFile?(path: string, decrypt: boolean): Buffer;
  /** Called with the manager so Ctrl-C can close connections. */
  onConnections?(connections: ConnectionManager): void;
  /** Shared with the signal handler: `trigger` it to stop the run (then interrupt the connections). */
  interrupt?: RunInterrupt;
}

export async function runPlaybooks(input: RunPlaybooksInput): Promise<{ exitCode: number; stats: RecapStats }> {
  const connections = new ConnectionManager(input.connection);
  input.onConnections?.(connections);
  const stats = new RecapStats();
  const taskFiles = new Map<string, Promise<TaskNode[]>>();
  const roles = new Map<string, Promise<{ block: Block; handlers: Handler[] }>>();
  const ctx: RunContext = {
    options: input.options,
    inventory: input.inventory,
    registry: input.registry,
    templar: input.templar,
    connections,
    events: input.events,
    log: input.log,
    stats,
    sessions: new Map<string, HostSession>(),
    secrets: input.secrets ?? new SecretRegistry(),
    interrupt: input.interrupt ?? new RunInterrupt(),
    loadTaskFile(path) {
      let p = taskFiles.get(path);
      if (!p) taskFiles.set(path, (p = input.loadTaskFile(path)));
      return p;
    },
    loadVarsFile: input.loadVarsFile,
    ...(input.loadRole
      ? {
          loadRole(request: RoleRequest) {
            const key = JSON.stringify(request);
            let p = roles.get(key);
            if (!p) roles.set(key, (p = input.loadRole!(request)));
            return p;
          },
        }
      : {}),
    ...(input.readControllerFile ? { readControllerFile: input.readControllerFile } : {}),
  };
  try {
    for (const playbook of input.playbooks) {
      input.events.playbookStart?.(playbook.file);
      for (const play of playbook.plays) {
        if (ctx.interrupt.signal) break;
        const started = Date.now();
        const goOn = await runPlay(ctx, play);
        input.log.info({ play: play.name, ms: Date.now() - started }, 'play finished');
        if (!goOn) break;
      }
    }
  } finally {
    // Normally each play ended its sessions; this covers a run that stopped on an error.
    await endHeldSessions(ctx, [...ctx.sessions.values()]);
    await connections.closeAll();
  }
  if (ctx.interrupt.signal) stats.interruptedBy = ctx.interrupt.signal;
  input.events.recap?.(stats);
  return { exitCode: stats.exitCode(ctx.sessions.values()), stats };
}
