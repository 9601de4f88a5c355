/**
 * What the yaml library accepts (or only warns about) but Ansible refuses, and the yaml
 * library's own messages in the user's terms. Shared by every loader (playbooks, vars
 * files, inventories, `-e`), each of which reports the findings with file:line:column.
 *
 * - An unknown tag (`!!python/object`, `!foo`): the library drops it and keeps the plain
 *   value; PyYAML refuses it. Ansible's own tags (`!unsafe`, `!vault`) are resolved by the
 *   dialect (ansible-yaml-dialect.ts) and never reach this check.
 * - `msg: {{ x }}` unquoted: YAML reads a flow mapping inside a flow mapping; Ansible
 *   answers with its "quote template expressions" hint.
 * - An alias without an earlier anchor: reported at the alias, not at line 1.
 */
import { isAlias, isMap, isScalar, visit, type Document, type YAMLError } from 'yaml';

export interface YamlFinding {
  /** Offset in the source text. */
  offset: number;
  message: string;
}

/** The tag as the user wrote it: `tag:yaml.org,2002:python/object` → `!!python/object`. */
function writtenTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

export function yamlFindings(doc: Document, text: string): YamlFinding[] {
  const found: YamlFinding[] = [];
  for (const w of doc.warnings) {
    if (w.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = /Unresolved tag: (\S+)/.exec(w.message)?.[1] ?? '?';
    found.push({
      offset: w.pos[0],
      message: `unknown YAML tag '${writtenTag(tag)}': only Ansible's !unsafe and !vault are allowed; remove the tag (or quote the value if it is text)`,
    });
  }
  const anchors = new Set<string>();
  visit(doc, {
    Node(_key, node) {
      if (node.anchor) anchors.add(node.anchor);
      if (isAlias(node) && !anchors.has(node.source)) {
        found.push({ offset: node.range?.[0] ?? 0, message: `undefined YAML alias '*${node.source}': an alias must come after its anchor '&${node.source}'` });
      }
      if (isMap(node) && node.flow && node.items.length === 1 && isMap(node.items[0]!.key) && (node.items[0]!.key as { flow?: boolean }).flow) {
        const start = node.range?.[0] ?? 0;
        const end = node.range?.[1] ?? start;
        const written = text.slice(start, end).trim();
        found.push({
          offset: start,
          message: `a value that starts with '{{' must be quoted, or YAML reads it as a mapping: write "${written.replace(/"/g, '\\"')}" (Ansible: always quote template expression brackets when they start a value)`,
        });
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Keys written twice in one mapping, for loaders that keep the last value as PyYAML does
 * (inventories) and warn as Ansible does.
 */
export function duplicateKeys(doc: Document): YamlFinding[] {
  const found: YamlFinding[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = String(pair.key.value);
        if (seen.has(k)) found.push({ offset: pair.key.range?.[0] ?? 0, message: `duplicate key '${k}' in one mapping: only its last value is used` });
        seen.add(k);
      }
      return undefined;
    },
  });
  return found;
}

/** An error thrown while building values (`toJS`), in the user's terms. */
export function yamlValueErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Excessive alias count/.test(message)) {
    return 'too many alias expansions: aliases (*name) nest into an exponentially large value (an "alias bomb"); repeat fewer aliases inside anchored values';
  }
  if (err instanceof RangeError) return 'lists or mappings nest too deeply (thousands of levels)';
  return message.split('\n')[0]!;
}

/** The yaml library's error message in the user's terms, without its position suffix. */
export function yamlErrorText(error: YAMLError): string {
  const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (first.includes('Maximum call stack size exceeded')) return 'lists or mappings nest too deeply here (thousands of levels)';
  if (error.code === 'MULTIPLE_DOCS') return "more than one YAML document in this file (a second '---' after content): a file holds one document; remove the '---' line or split the file";
  return first;
}
