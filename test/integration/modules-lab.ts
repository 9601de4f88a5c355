/**
 * Shared by the module integration tests: run a module on a lab host exactly as a playbook
 * run would (inventories/lab connection variables, the executor's lazily connecting
 * transport, one HostRuntime per simulated run), and run plain shell commands there to
 * check the end state independently of tsplay.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pino from 'pino';
import type { ModuleDefinition } from '../../core/modules/api.js';
import { ConnectionManager } from '../../core/executor/connections.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { runModule } from '../../core/executor/run-module.js';
import type { TaskResult } from '../../core/executor/task-result.js';
import { loadInventory } from '../../core/inventory/load.js';
import type { Inventory } from '../../core/inventory/model.js';
import { closeAll } from '../../core/transport/ssh.js';
import type { ExecResult, Transport } from '../../core/transport/transport.js';

const LAB_INVENTORY = fileURLToPath(new URL('../../inventories/lab', import.meta.url));

export interface Lab {
  inventory: Inventory;
  hosts: string[];
  /** Commands sent to `host` so far through `run` (round trips). */
  execs(host: string): number;
  /** Run a module on `host` (check/diff as a run with -C/-D would). */
  run(host: string, module: ModuleDefinition<any>, args: Record<string, unknown>, o?: { check?: boolean; diff?: boolean; runtime?: HostRuntime; taskCache?: Map<string, unknown> }): Promise<TaskResult>;
  /** A plain shell command on `host` (independent verification). */
  sh(host: string, command: string): Promise<ExecResult>;
  /** stdout of a command that must succeed. */
  out(host: string, command: string): Promise<string>;
  /**
   * Wait (up to `seconds`) until `host` answers over a fresh connection with a boot id other
   * than `oldBootId` (a reboot that was started must have happened, not merely be pending).
   */
  waitUp(host: string, seconds: number, oldBootId?: string): Promise<void>;
  close(): Promise<void>;
}

export async function openLab(): Promise<Lab> {
  if (!existsSync(path.join(LAB_INVENTORY, 'hosts.ini'))) {
    throw new Error(`no lab inventory at ${LAB_INVENTORY}: bring the lab up first (npm run lab -- up)`);
  }
  const inventory = await loadInventory([LAB_INVENTORY]);
  const hosts = inventory.selectHosts('all').map((h) => h.name);
  const connections = new ConnectionManager({});
  const transport = (host: string) => connections.get(host, inventory.varsFor(host));
  const counts = new Map<string, number>();
  /** The host's transport, counting the commands modules send through it. */
  const counted = (host: string): Transport => {
    const t = transport(host);
    return {
      host: t.host,
      connect: () => t.connect(),
      close: () => t.close(),
      openTcpTunnel: (h, port) => t.openTcpTunnel!(h, port),
      openHeld: (command, options) => t.openHeld!(command, options),
      exec: (command, options) => {
        counts.set(host, (counts.get(host) ?? 0) + 1);
        return t.exec(command, options);
      },
    };
  };
  const log = pino({ level: 'silent' });
  const lab: Lab = {
    inventory,
    hosts,
    execs: (host) => counts.get(host) ?? 0,
    run(host, module, args, o = {}) {
      const runtime = o.runtime ?? new HostRuntime();
      return runModule(module, args, {
        transport: counted(host),
        host: { name: host, vars: inventory.varsFor(host) },
        check: o.check ?? false,
        diff: o.diff ?? false,
        facts: runtime.facts,
        predicted: runtime.predicted,
        sessions: runtime.sessions,
        ...(o.taskCache ? { taskCache: o.taskCache } : {}),
        log,
        findFile: (_kind, name) => name,
        render: (t) => t,
        evaluate: () => undefined,
      });
    },
    sh: (host, command) => transport(host).exec(command),
    async out(host, command) {
      const r = await transport(host).exec(command);
      if (r.rc !== 0) throw new Error(`${host}: '${command}' exited ${r.rc}: ${r.stderr}`);
      return r.stdout;
    },
    async waitUp(host, seconds, oldBootId) {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        await transport(host).close();
        const ok = await transport(host)
          .exec('cat /proc/sys/kernel/random/boot_id')
          .then((r) => r.rc === 0 && r.stdout.trim() !== oldBootId, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${host} did not come back within ${seconds} s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async close() {
      await connections.closeAll();
      await closeAll();
    },
  };
  return lab;
}

/** A snapshot of what check mode must never change: file trees, rpm db, units, users. */
export async function snapshot(lab: Lab, host: string): Promise<string> {
  return lab.out(
    host,
    [
      'find /etc /root -xdev \\( -type f -o -type l \\) ! -name "*.cache" -print0 | sort -z | xargs -0 sha1sum 2>/dev/null | sha1sum',
      "rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}\\n' | sort",
      'systemctl list-unit-files --no-legend --no-pager | sort',
      "systemctl list-units --all --no-legend --no-pager --plain | awk '{print $1, $3, $4}' | sort",
      'getent passwd | sort; getent group | sort',
    ].join('; echo ==; '),
  );
}

/**
 * A fresh scratch directory for one test file on `host` (which must be in the lab):
 * `/tmp/tsplay-NAME.XXXXXX`, made by mktemp there. Remove it with `removeScratchDir`.
 */
export async function scratchDir(lab: Lab, host: string, name: string): Promise<string> {
  if (!lab.hosts.includes(host)) throw new Error(`${host} is not in the lab inventory`);
  return (await lab.out(host, `mktemp -d /tmp/tsplay-${name}.XXXXXX`)).trim();
}

/** afterAll's half of `scratchDir`: the directory and all in it; nothing when there is none. */
export async function removeScratchDir(lab: Lab, host: string, dir: string | undefined): Promise<void> {
  // Only what scratchDir made: an unset or odd value must never become `rm -rf` of something else.
  if (!dir || !/^\/tmp\/tsplay-[\w-]+\.\w{6}$/.test(dir)) return;
  await lab.sh(host, `rm -rf -- '${dir}'`);
}
