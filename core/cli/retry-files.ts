/**
 * Retry files (retry_files_enabled): after a run where hosts failed or were unreachable,
 * PLAYBOOK.retry lists them, one per line, for `--limit @PLAYBOOK.retry`, as
 * ansible-playbook writes them. Off unless configured (Ansible's default since 2.8).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { RecapStats } from '../executor/stats.js';

/** Write the files; returns the lines to print (where each went, or why it could not). */
export function writeRetryFiles(playbooks: string[], stats: RecapStats, o: { saveDir?: string }): string[] {
  const hosts = Object.entries(stats.toJSON())
    .filter(([, s]) => s.failed > 0 || s.unreachable > 0)
    .map(([h]) => h)
    .sort();
  if (hosts.length === 0) return [];
  const lines: string[] = [];
  for (const pb of playbooks) {
    const dir = o.saveDir ?? dirname(resolve(pb));
    const file = join(dir, `${basename(pb, extname(pb))}.retry`);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, `${hosts.join('\n')}\n`);
      lines.push(`\tto retry, use: --limit @${file}`);
    } catch (err) {
      lines.push(`[WARNING]: Could not create retry file '${file}'. ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return lines;
}
