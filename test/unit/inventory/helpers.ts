/** Temporary inventory trees for the inventory tests. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { loadInventory, type LoadInventoryOptions } from '../../../core/inventory/load.js';
import type { Inventory } from '../../../core/inventory/model.js';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** Write `files` (path -> content; a content starting with `#!` is made executable) into a new temp dir. */
export function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-inv-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    if (content.startsWith('#!')) chmodSync(full, 0o755);
  }
  return dir;
}

/** Load the given sources (relative to `dir`), collecting warnings. */
export async function load(dir: string, sources: string[], options: LoadInventoryOptions = {}): Promise<Inventory & { warnings: string[] }> {
  const warnings: string[] = [];
  const inventory = await loadInventory(sources, { cwd: dir, onWarning: (m) => warnings.push(m), ...options });
  return Object.assign(inventory, { warnings });
}

/** Load one INI text as `hosts` in a fresh directory. */
export async function ini(text: string, extra: Record<string, string> = {}): Promise<Inventory & { warnings: string[] }> {
  const dir = tree({ hosts: text, ...extra });
  return load(dir, ['hosts']);
}

export const names = (hosts: Array<{ name: string }>): string[] => hosts.map((h) => h.name);
