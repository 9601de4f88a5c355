/** Runs a playbook in-process against local hosts and records every executor event. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { loadInventory } from '../../../core/inventory/load.js';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import type { ModuleDefinition } from '../../../core/modules/api.js';
import { loadPlaybook, loadRole, loadTaskFile, loadVarsFile } from '../../../core/playbook/load.js';
import { Templar } from '../../../core/template/templar.js';
import { runPlaybooks } from '../../../core/executor/run-playbooks.js';
import type { ExecutorOptions } from '../../../core/executor/run-context.js';
import type { RecapStats } from '../../../core/executor/stats.js';

export interface Recorded {
  /** `task NAME`, `handler NAME`, `HOST status NAME`, `play NAME`, `abort REASON`, `warning MESSAGE`. */
  log: string[];
  stats: RecapStats;
  exitCode: number;
  results: Map<string, Record<string, unknown>>;
}

let registry: Promise<ModuleRegistry> | undefined;

export async function runYaml(
  playbook: string,
  inventory: string,
  options: Partial<ExecutorOptions> = {},
  files: Record<string, string> = {},
  /** Modules of the test itself, added to a registry of their own. */
  extraModules: ModuleDefinition<any>[] = [],
): Promise<Recorded> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-exec-'));
  writeFileSync(join(dir, 'site.yml'), playbook);
  writeFileSync(join(dir, 'hosts.ini'), inventory);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const reg = extraModules.length ? await ModuleRegistry.create() : await (registry ??= ModuleRegistry.create());
  for (const m of extraModules) reg.add(m);
  const loaderOptions = { isModule: (n: string) => reg.has(n), suggestModules: (n: string) => reg.suggest(n), freeFormOf: (n: string) => reg.get(n)?.freeForm };
  const pb = await loadPlaybook(join(dir, 'site.yml'), loaderOptions);
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  const log: string[] = [];
  const results = new Map<string, Record<string, unknown>>();
  const { exitCode, stats } = await runPlaybooks({
    playbooks: [pb],
    inventory: inv,
    registry: reg,
    templar: new Templar(),
    options: { check: false, diff: false, forks: 25, tags: [], skipTags: [], extraVars: {}, verbosity: 0, ...options },
    connection: {},
    events: {
      playStart: (name) => log.push(`play ${name}`),
      taskStart: (t) => log.push(`${t.isHandler ? 'handler' : 'task'} ${t.name}`),
      hostResult: (host, t, r) => {
        const status = r.unreachable ? 'unreachable' : r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok';
        log.push(`${host} ${status} ${t.name}`);
        results.set(`${host} ${t.name}`, r);
      },
      playAborted: (reason) => log.push(`abort ${reason}`),
      warning: (message) => log.push(`warning ${message}`),
    },
    log: pino({ level: 'silent' }),
    loadTaskFile: (p) => loadTaskFile(p, loaderOptions),
    loadRole: (r) => loadRole(r.name, r.files, r.at, r.playDir, r.parentRoleDir, loaderOptions),
    loadVarsFile,
  });
  return { log, stats, exitCode, results };
}

export const LOCAL3 = '[web]\na ansible_connection=local\nb ansible_connection=local\nc ansible_connection=local\n';
