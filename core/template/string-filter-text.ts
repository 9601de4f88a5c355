/**
 * Text made by one of Ansible's "string type" filters stays text.
 *
 * Ansible reads a value that is one `{{ }}` back into data when its text looks like a list,
 * a mapping or a boolean (python-literal.ts), except text returned whole by `to_json`,
 * `to_nice_json`, `to_yaml`, `to_nice_yaml` or `string` (its STRING_TYPE_FILTERS, whose
 * results it marks as NativeJinjaText): `content: "{{ cfg | to_nice_json }}"` writes the
 * formatted JSON, not a mapping. The mark travels with the value (a fact set from it, a
 * variable defined as it), and any operation that makes new text drops it.
 *
 * JavaScript strings cannot carry a mark, so tsplay remembers the texts these filters
 * returned, by content: only those that look like data (the only ones the mark changes),
 * and at most MAX_CHARS of them, the oldest forgotten first. A text equal to one of them
 * that was made otherwise (`x | to_json | trim` when trim removes nothing) therefore also
 * stays text, where Ansible would read it back.
 */
import { looksLikeData } from './python-literal.js';

export const STRING_TYPE_FILTERS: ReadonlySet<string> = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml']);

const MAX_CHARS = 32 * 1024 * 1024;
const texts = new Map<string, true>();
let chars = 0;

/** Remember `result` when filter `name` (its short name) is a string-type filter. */
export function noteFilterResult(name: string, result: unknown): void {
  if (!STRING_TYPE_FILTERS.has(name) || typeof result !== 'string' || !looksLikeData(result)) return;
  if (texts.delete(result)) chars -= result.length;
  if (result.length > MAX_CHARS) return;
  texts.set(result, true);
  chars += result.length;
  for (const old of texts.keys()) {
    if (chars <= MAX_CHARS) break;
    texts.delete(old);
    chars -= old.length;
  }
}

/** True when `text` was returned by a string-type filter (and is still remembered). */
export function isStringFilterText(text: string): boolean {
  return texts.has(text);
}
