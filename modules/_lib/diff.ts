/**
 * `--diff` entries as Ansible shapes them: file contents (rendered by the output as a
 * unified diff) and short `key: value` summaries for state, mode and ownership.
 */
import { stringify } from 'yaml';
import type { DiffEntry } from '../../core/modules/api.js';

/** Ansible's DEFAULT_MAX_DIFF_SIZE: larger files are not diffed. */
export const MAX_DIFF_BYTES = 104448;

function looksBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

function asText(data: Buffer | null | { size: number }, path: string): string {
  if (!data) return '';
  if (!Buffer.isBuffer(data) || data.length > MAX_DIFF_BYTES) return `(diff skipped: ${path} is larger than ${MAX_DIFF_BYTES} bytes)\n`;
  if (looksBinary(data)) return `(binary content of ${path} not shown)\n`;
  return data.toString('utf8');
}

/** Before/after content of one file; `null` means the file does not exist on that side. */
export function contentDiff(path: string, before: Buffer | null | { size: number }, after: Buffer | null | { size: number }, afterHeader?: string): DiffEntry {
  return {
    before: asText(before, path),
    after: asText(after, path),
    beforeHeader: `${path} (content)`,
    afterHeader: afterHeader ?? `${path} (content)`,
  };
}

function summary(values: Record<string, unknown>): string {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  return stringify(defined);
}

/**
 * Before/after of non-content state, keeping only the keys that differ (plus `path`), like
 * Ansible's `{'path': ..., 'mode': '0644'}` pairs. Returns undefined when nothing differs.
 */
export function stateDiff(path: string, before: Record<string, unknown>, after: Record<string, unknown>, header?: string): DiffEntry | undefined {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => after[k] !== undefined && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  if (keys.length === 0) return undefined;
  const pick = (o: Record<string, unknown>) => Object.fromEntries([['path', path], ...keys.map((k) => [k, o[k]])]);
  const h = header ?? `${path} (file attributes)`;
  return { before: summary(pick(before)), after: summary(pick(after)), beforeHeader: h, afterHeader: h };
}
