/**
 * YAML as Ansible reads it (PyYAML, YAML 1.1): `yes/no/on/off` are booleans, `0755` is
 * octal, `1:30` is sexagesimal; but `y`/`n` stay strings and dates stay strings (PyYAML
 * has no y/n booleans; Ansible variables never hold date objects in practice).
 * Ansible's own tags: `!unsafe` gives the plain string; `!vault` is refused with a
 * clear message (tsplay does not decrypt vault data).
 *
 * Parse errors become InventoryError with file:line:column.
 */
import { Document, LineCounter, parseDocument } from 'yaml';
import { ansibleTags } from '../util/ansible-yaml-dialect.js';
import { InventoryError } from './errors.js';
import { yamlErrorText, yamlFindings, yamlValueErrorText } from '../util/yaml-checks.js';


export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  file: string;
}

export function parseAnsibleYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: ansibleTags,
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false, // PyYAML keeps the last of duplicate keys; so do we
  });
  const error = doc.errors[0];
  if (error) {
    const at = lines.linePos(error.pos[0]);
    throw new InventoryError(`YAML syntax error: ${yamlErrorText(error)}`, { file, line: at.line, column: at.col });
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

/** Load a whole vars file (group_vars/, host_vars/): must be a mapping or empty. */
export function loadVarsYaml(text: string, file: string): Record<string, unknown> {
  const parsed = parseAnsibleYaml(text, file);
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

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
