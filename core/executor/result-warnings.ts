/**
 * Warnings a module returned in its result (`warnings: [...]`, Ansible's key: sysctl's
 * unknown keys, ovs_bridge's vswitchd errors, `warn`'s message), loop items' included.
 * The executor turns each into a `warning` event, as ansible-playbook prints a module's
 * warnings as `[WARNING]:` lines.
 */
import type { TaskResult } from './task-result.js';

function own(result: Record<string, unknown>): string[] {
  const w = result.warnings;
  if (typeof w === 'string') return w.trim() ? [w] : [];
  if (!Array.isArray(w)) return [];
  return w.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
}

/** The result's warnings, then its loop items' (each once, in order). */
export function resultWarnings(result: TaskResult): string[] {
  const out = own(result);
  for (const item of Array.isArray(result.results) ? result.results : []) {
    if (item && typeof item === 'object') out.push(...own(item as Record<string, unknown>));
  }
  return [...new Set(out)];
}
