/** `-e` values as Ansible reads them: `@file`, a YAML/JSON document, or `k=v` pairs. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseKeyValue } from '../playbook/kv.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';

export function parseExtraVars(values: string[]): Record<string, unknown> {
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
      parsed = parseDocument(text, `-e ${value}`);
    } else if (value.startsWith('{') || value.startsWith('[')) {
      parsed = parseDocument(value, `-e ${value}`);
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

function parseDocument(text: string, what: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new CliError(`${what}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`, EXIT.BAD_OPTIONS);
  }
}
