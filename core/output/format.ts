/** Text helpers shared by the printers: banners, colours, result dumps and diffs. */
// Only the patch maker (4 files) rather than the package index (19): this module loads with every run.
import { createTwoFilesPatch } from 'diff/lib/patch/create.js';
import type { DiffEntry } from '../modules/api.js';
import type { TaskResult } from '../executor/task-result.js';
import { pythonJson } from '../util/python-json.js';

export type Colour = 'green' | 'yellow' | 'red' | 'cyan' | 'magenta' | 'bold' | 'dim';
const CODES: Record<Colour, string> = { green: '32', yellow: '33', red: '31', cyan: '36', magenta: '35', bold: '1', dim: '2' };

export function colouriser(enabled: boolean): (c: Colour, s: string) => string {
  return enabled ? (c, s) => `\u001b[${CODES[c]}m${s}\u001b[0m` : (_c, s) => s;
}

/** `TASK [name] *****` padded to 80 columns like ansible-playbook. */
export function banner(text: string, width = 80): string {
  const stars = Math.max(3, width - text.length - 1);
  return `${text} ${'*'.repeat(stars)}`;
}

/** Keys never shown in a result dump (internal, or shown separately). */
const HIDDEN = new Set(['diff', 'invocation', 'ansible_loop_var', 'results_printed']);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** JSON of a result as Ansible prints it: sorted keys, Python's `, ` / `: ` separators, or indented. */
export function dumpResult(result: Record<string, unknown>, indent?: number): string {
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) {
    if (HIDDEN.has(k) || k.startsWith('_')) continue;
    // Status flags that are false carry no information (Ansible omits them too).
    if ((k === 'skipped' || k === 'failed' || k === 'unreachable') && v === false) continue;
    shown[k] = v;
  }
  const sorted = sortKeys(shown);
  return indent ? JSON.stringify(sorted, null, indent) : pythonJson(sorted);
}

/** Unified diff (files) or before/after text, as `--diff` prints under a task. */
export function renderDiff(entries: DiffEntry[] | undefined): string {
  if (!entries?.length) return '';
  const parts: string[] = [];
  for (const d of entries) {
    if (d.before === d.after) continue;
    const patch = createTwoFilesPatch(
      d.beforeHeader ?? 'before',
      d.afterHeader ?? 'after',
      ensureNewline(d.before),
      ensureNewline(d.after),
      undefined,
      undefined,
      { context: 3 },
    );
    // jsdiff starts with an "Index"/"===" preamble; Ansible shows only ---/+++ and hunks.
    const lines = patch.split('\n').filter((l) => !l.startsWith('====') && !l.startsWith('Index:'));
    lines[0] = lines[0]!.replace(/^--- /, '--- before: ').replace(/\t$/, '');
    lines[1] = lines[1]!.replace(/^\+\+\+ /, '+++ after: ').replace(/\t$/, '');
    parts.push(lines.join('\n').replace(/\n+$/, ''));
  }
  return parts.join('\n');
}

function ensureNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}

/** The words Ansible prints for each status. */
export function statusWord(r: TaskResult): 'ok' | 'changed' | 'skipping' | 'fatal' | 'failed' {
  if (r.failed) return 'fatal';
  if (r.skipped) return 'skipping';
  return r.changed ? 'changed' : 'ok';
}
