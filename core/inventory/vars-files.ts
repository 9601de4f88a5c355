/**
 * group_vars/ and host_vars/ beside an inventory (Ansible's host_group_vars plugin).
 * For an entity NAME in DIR (DIR/group_vars or DIR/host_vars), the first of these that
 * exists is used:
 *
 *   NAME (a file, or a directory), NAME.yml, NAME.yaml, NAME.json
 *
 * A directory contributes every file inside it (recursively, in lexical order) whose
 * name has no extension or ends in .yml/.yaml/.json, skipping hidden files and `~`
 * backups; later files override earlier ones, key by key at the top level.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadVarsYaml, openVaultFile } from './ansible-yaml.js';
import { InventoryError } from './errors.js';
import { assignOwn } from './own.js';
import { readSourceText, SourceTextError } from '../util/source-text.js';
import type { Vault } from '../vault/vault.js';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** The files holding NAME's variables in `dir` (group_vars/ or host_vars/), in load order. */
export function findVarsFiles(dir: string, name: string): string[] {
  const base = path.join(dir, name);
  for (const candidate of [base, ...VARS_EXTENSIONS.map((ext) => base + ext)]) {
    const kind = kindOf(candidate);
    if (kind === 'dir') return filesInVarsDir(candidate);
    if (kind === 'file') return [candidate];
  }
  return [];
}

/** NAME's variables from `dir`, merged; empty when there is no file for it. */
export function loadVarsFor(dir: string, name: string, vault?: Vault): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const file of findVarsFiles(dir, name)) assignOwn(merged, loadVarsFile(file, vault));
  return merged;
}

/** One vars file; a vault-encrypted one is decrypted and its values registered as secrets. */
export function loadVarsFile(file: string, vault?: Vault): Record<string, unknown> {
  let text: string;
  try {
    text = readSourceText(file);
  } catch (e) {
    if (e instanceof SourceTextError) throw new InventoryError(e.message, { file, line: e.line, column: e.column });
    throw new InventoryError(`cannot read vars file: ${(e as Error).message}`, { file });
  }
  const opened = openVaultFile(text, file, vault);
  const vars = loadVarsYaml(opened.text, file, vault);
  if (opened.encrypted) vault?.reveal(vars);
  return vars;
}

/** Names of the entries of a group_vars/ or host_vars/ directory, for quick lookups. */
export function listVarsDir(dir: string): Set<string> | undefined {
  if (kindOf(dir) !== 'dir') return undefined;
  return new Set(readdirSync(dir));
}

function filesInVarsDir(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort(compareCodePoints)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const full = path.join(dir, entry);
    const ext = path.extname(entry);
    const kind = kindOf(full);
    if (kind === 'dir' && !ext) found.push(...filesInVarsDir(full));
    else if (kind === 'file' && (!ext || VARS_EXTENSIONS.includes(ext))) found.push(full);
  }
  return found;
}

function kindOf(p: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(p);
    if (st.isDirectory()) return 'dir';
    if (st.isFile()) return 'file';
  } catch {
    // missing: not a candidate
  }
  return undefined;
}

/** Python's sorted(): by code point, not by locale. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
