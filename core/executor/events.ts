/**
 * What the executor reports while it runs (Ansible's callback plugin interface, reduced).
 * The terminal printer, the `--json` collector and the structured log all listen here, so
 * the executor never formats output itself.
 */
import type { SourceLocation } from '../playbook/model.js';
import type { TaskResult } from './task-result.js';
import type { RecapStats } from './stats.js';

export interface TaskInfo {
  /** Display name: `role : name`, or the module and its args when unnamed. */
  name: string;
  loc: SourceLocation;
  isHandler: boolean;
  /** The module's primary name (`debug`, `copy`...), after alias resolution. */
  module: string;
  /** The task loops: its result's `results` are item results (not a module's own key). */
  loop?: boolean;
  /** True for the implicit fact-gathering task. */
  isSetup?: boolean;
  noLog: boolean;
}

export interface RunEvents {
  playbookStart?(file: string): void;
  playStart?(name: string, hosts: string[], check: boolean): void;
  noHostsMatched?(pattern: string): void;
  taskStart?(task: TaskInfo): void;
  /** A host begins the task (after it left the forks queue); its hostResult ends it. */
  hostTaskStart?(host: string, task: TaskInfo): void;
  /** One result per host (after loops/retries are folded in). `item` results come first. */
  hostResult?(host: string, task: TaskInfo, result: TaskResult, extra: { delegatedTo?: string; ignored?: boolean }): void;
  itemResult?(host: string, task: TaskInfo, result: TaskResult, label: string): void;
  /** -v: one line of the task's own command output, as it arrives (never for no_log tasks). */
  hostOutput?(host: string, task: TaskInfo, stream: 'stdout' | 'stderr', line: string): void;
  retry?(host: string, task: TaskInfo, attempt: number, retries: number, result: TaskResult): void;
  /** include_tasks/include_role brought in `file` for these hosts (once per loop item, `label` then set). */
  included?(file: string, hosts: string[], task: TaskInfo, label?: string): void;
  warning?(message: string): void;
  /** Play aborted on all hosts (any_errors_fatal, max_fail_percentage). */
  playAborted?(reason: string): void;
  recap?(stats: RecapStats): void;
}

/** Fan one event out to several listeners. */
export function combineEvents(...listeners: RunEvents[]): RunEvents {
  const names = [
    'playbookStart', 'playStart', 'noHostsMatched', 'taskStart', 'hostTaskStart', 'hostResult', 'itemResult', 'hostOutput', 'retry', 'included', 'warning', 'playAborted', 'recap',
  ] as const;
  const out: RunEvents = {};
  for (const name of names) {
    const fns = listeners.map((l) => l[name]).filter((f): f is NonNullable<typeof f> => typeof f === 'function');
    if (fns.length) (out as Record<string, unknown>)[name] = (...args: unknown[]) => fns.forEach((f) => (f as (...a: unknown[]) => void)(...args));
  }
  return out;
}
