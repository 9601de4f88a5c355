/**
 * `--json`: one JSON document with every result, shaped like Ansible's `json` callback
 * (plays → tasks → hosts, then stats), printed once at the end.
 */
import type { RunEvents } from '../executor/events.js';
import type { RecapStats } from '../executor/stats.js';
import { censorResult, type SecretRegistry } from '../log/redact.js';

interface JsonTask {
  task: { name: string; path: string; handler: boolean };
  hosts: Record<string, Record<string, unknown>>;
}
interface JsonPlay {
  play: { name: string; hosts: string[] };
  tasks: JsonTask[];
}

export function jsonCollector(secrets: SecretRegistry, emit: (doc: string) => void): RunEvents {
  const plays: JsonPlay[] = [];
  const warnings: string[] = [];
  let current: JsonTask | undefined;
  return {
    playStart(name, hosts) {
      plays.push({ play: { name, hosts }, tasks: [] });
    },
    taskStart(task) {
      current = { task: { name: task.name, path: `${task.loc.file}:${task.loc.line}`, handler: task.isHandler }, hosts: {} };
      plays[plays.length - 1]?.tasks.push(current);
    },
    hostResult(host, task, result, extra) {
      if (!current) return;
      const r = task.noLog ? censorResult(result) : { ...result };
      if (extra.ignored) r.ignored = true;
      if (extra.delegatedTo) r.delegated_to = extra.delegatedTo;
      current.hosts[host] = r;
    },
    warning(message) {
      warnings.push(message);
    },
    recap(stats: RecapStats) {
      emit(JSON.stringify(secrets.mask({ plays, stats: stats.toJSON(), warnings }), null, 2));
    },
  };
}
