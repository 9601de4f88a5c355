/**
 * YAML as Ansible reads it (PyYAML, YAML 1.1): `yes/no/on/off` are booleans, `0755` is
 * octal, `1:30` is sexagesimal; but `y`/`n` stay strings and dates stay strings (PyYAML
 * has no y/n booleans; Ansible variables never hold date objects in practice).
 * Ansible's own tags: `!unsafe` gives the plain string; `!vault` values are decrypted
 * with the given Vault (a whole vault-encrypted file is decrypted by `openVaultFile`).
 *
 * Parse errors become InventoryError with file:line:column.
 */
import { Document, LineCounter, parseDocument } from 'yaml';
import { ansibleTags } from '../util/ansible-yaml-dialect.js';
import { InventoryError } from './errors.js';
import { yamlErrorText, yamlFindings, yamlValueErrorText } from '../util/yaml-checks.js';
import { VaultError } from '../vault/errors.js';
import { Vault } from '../vault/vault.js';


export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  file: string;
}

export function parseAnsibleYaml(text: string, file: string, vault?: Vault): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: ansibleTags(vault),
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false, // PyYAML keeps the last of duplicate keys; so do we
  });
  const error = doc.errors[0];
  if (error) {
    const at = lines.linePos(error.pos[0]);
    const reason = error.code === 'TAG_RESOLVE_FAILED' ? yamlErrorText(error) : `YAML syntax error: ${yamlErrorText(error)}`;
    throw new InventoryError(reason, { file, line: at.line, column: at.col });
  }
  const finding = yamlFindings(doc, text)[0];
  if (finding) {
    const at = lines.linePos(finding.offset);
    throw new InventoryError(finding.message, { file, line: at.line, column: at.col });
  }
  return { doc, lines, file };
}

/** Where a node starts, for error messages. */
export function placeOf(parsed: ParsedYaml, node: unknown): { file: string; line?: number; column?: number } {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!range) return { file: parsed.file };
  const at = parsed.lines.linePos(range[0]);
  return { file: parsed.file, line: at.line, column: at.col };
}

/**
 * A source file's text, decrypted when the whole file is vault-encrypted (inventories and
 * group_vars/host_vars files may be). Vault problems become InventoryErrors at the file.
 */
export function openVaultFile(text: string, file: string, vault: Vault = new Vault()): { text: string; encrypted: boolean } {
  try {
    return vault.openText(text, 'this file');
  } catch (err) {
    if (err instanceof VaultError) throw new InventoryError(err.message, { file, ...(err.line ? { line: err.line } : {}) });
    throw err;
  }
}

/** Load a whole vars file (group_vars/, host_vars/): must be a mapping or empty. */
export function loadVarsYaml(text: string, file: string, vault?: Vault): Record<string, unknown> {
  const parsed = parseAnsibleYaml(text, file, vault);
  let value: unknown;
  try {
    value = parsed.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new InventoryError(yamlValueErrorText(err), { file });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InventoryError(`a vars file must be a mapping of variable names to values, found ${describe(value)}`, placeOf(parsed, parsed.doc.contents));
  }
  return value as Record<string, unknown>;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

