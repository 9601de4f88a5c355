/**
 * `-e` values as Ansible reads them: `@file`, a YAML/JSON document, or `k=v` pairs. An
 * `@file` may be vault-encrypted, and any YAML may hold `!vault` values.
 */
import { LineCounter, parseDocument as parseYamlDocument } from 'yaml';
import { parseKeyValue } from '../playbook/kv.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { vaultTag } from '../util/ansible-yaml-dialect.js';
import { readSourceText, SourceTextError } from '../util/source-text.js';
import { yamlErrorText, yamlFindings, yamlValueErrorText } from '../util/yaml-checks.js';
import { VaultError } from '../vault/errors.js';
import { Vault } from '../vault/vault.js';

export function parseExtraVars(values: string[], vault: Vault = new Vault()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const raw of values) {
    const value = raw.trim();
    let parsed: unknown;
    if (value.startsWith('@')) {
      const file = value.slice(1);
      let text: string;
      try {
        text = readSourceText(file);
      } catch (err) {
        if (err instanceof SourceTextError) throw new CliError(`-e ${value}: ${file}:${err.line}:${err.column}: ${err.message}`, EXIT.BAD_OPTIONS);
        throw new CliError(`-e ${value}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.BAD_OPTIONS);
      }
      let encrypted = false;
      try {
        ({ text, encrypted } = vault.openText(text, file));
      } catch (err) {
        if (err instanceof VaultError) throw new CliError(`-e ${value}: ${err.message}`, EXIT.BAD_OPTIONS);
        throw err;
      }
      parsed = parseDocument(text, `-e ${value}`, vault, file);
      if (encrypted) vault.reveal(parsed);
    } else if (value.startsWith('{') || value.startsWith('[')) {
      parsed = parseDocument(value, `-e ${value}`, vault);
    } else {
      parsed = parseKeyValue(value);
      if ('_raw_params' in (parsed as object)) {
        throw new CliError(`-e '${value}': expected key=value pairs, YAML/JSON, or @file`, EXIT.BAD_OPTIONS);
      }
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CliError(`-e '${value}': extra vars must be a mapping`, EXIT.BAD_OPTIONS);
    }
    Object.assign(out, parsed);
  }
  return out;
}

/** YAML or JSON text; every problem is a CliError naming line:column (never a Node warning). */
function parseDocument(text: string, what: string, vault: Vault, file?: string): unknown {
  const lines = new LineCounter();
  // uniqueKeys: false: the parser's duplicate check is quadratic in a mapping's size; the
  // last value wins, as in PyYAML.
  const doc = parseYamlDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: 'silent', uniqueKeys: false, customTags: [vaultTag(vault)] });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return file ? `${file}:${p.line}:${p.col}` : `line ${p.line}, column ${p.col}`;
  };
  const error = doc.errors[0];
  if (error) {
    // A !vault value that cannot be decrypted is not a syntax error.
    const kind = error.code === 'TAG_RESOLVE_FAILED' ? '' : 'not valid YAML/JSON: ';
    throw new CliError(`${what}: ${at(error.pos[0])}: ${kind}${yamlErrorText(error)}`, EXIT.BAD_OPTIONS);
  }
  const finding = yamlFindings(doc, text)[0];
  if (finding) throw new CliError(`${what}: ${at(finding.offset)}: ${finding.message}`, EXIT.BAD_OPTIONS);
  try {
    return doc.toJS({ maxAliasCount: 10_000 });
  } catch (err) {
    throw new CliError(`${what}: ${yamlValueErrorText(err)}`, EXIT.BAD_OPTIONS);
  }
}
