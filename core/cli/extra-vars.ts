/**
 * `-e` values as Ansible reads them: `@file`, a YAML/JSON document, or `k=v` pairs. An
 * `@file` may be vault-encrypted, and any YAML may hold `!vault` values.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseKeyValue } from '../playbook/kv.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { vaultTag } from '../util/ansible-yaml-dialect.js';
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
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`-e ${value}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.BAD_OPTIONS);
      }
      let encrypted = false;
      try {
        ({ text, encrypted } = vault.openText(text, file));
      } catch (err) {
        if (err instanceof VaultError) throw new CliError(`-e ${value}: ${err.message}`, EXIT.BAD_OPTIONS);
        throw err;
      }
      parsed = parseDocument(text, `-e ${value}`, vault);
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

function parseDocument(text: string, what: string, vault: Vault): unknown {
  try {
    return parseYaml(text, { customTags: [vaultTag(vault)] });
  } catch (err) {
    throw new CliError(`${what}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`, EXIT.BAD_OPTIONS);
  }
}
