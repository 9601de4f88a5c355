/** The outcome of one task on one host (one loop item, or the aggregate of a loop). */
import type { DiffEntry } from '../modules/api.js';

export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  unreachable?: boolean;
  msg?: string;
  diff?: DiffEntry[];
  /** Loop results, one per item, when the task looped. */
  results?: TaskResult[];
  /** Module return values (rc, stdout, path, ...) and `ansible_facts` for set_fact/setup. */
  [key: string]: unknown;
}

export function statusOf(r: TaskResult): 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}
