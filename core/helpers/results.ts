/** Combining the results of several steps (or of modules run with `ctx.call`) into one task result. */
import type { DiffEntry, ModuleResult } from '../modules/api.js';

/**
 * One result from several: `changed` if any changed, every diff in order, `skipped` if any
 * step could not predict in check mode; other keys come from the first result, then the
 * later ones for keys it does not have.
 *
 *   const a = await ctx.call('ini_set', { path, section: 'DEFAULT', option: 'debug', value: false });
 *   const b = await ctx.call('lineinfile', { path: '/etc/hosts', line: '10.0.0.5 db' });
 *   return mergeResults({ changed: false, path }, a, b);
 */
export function mergeResults(first: ModuleResult, ...others: ModuleResult[]): ModuleResult {
  const all = [first, ...others];
  const out: ModuleResult = { changed: false };
  for (const r of [...all].reverse()) Object.assign(out, r);
  out.changed = all.some((r) => r.changed);
  const diff: DiffEntry[] = all.flatMap((r) => (r.diff === undefined ? [] : Array.isArray(r.diff) ? r.diff : [r.diff]));
  if (diff.length) out.diff = diff;
  else delete out.diff;
  if (all.some((r) => r.skipped)) out.skipped = true;
  else delete out.skipped;
  return out;
}
