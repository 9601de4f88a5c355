/**
 * How Jinja (as Ansible configures it) prints a value into a template: strings as they
 * are, `None` as nothing (Ansible's finalize), booleans as `True`/`False`, lists and
 * mappings as Python's repr (`['a', 1]`, `{'k': True}`). Used by the Jinja statement
 * renderer, whose output is compared byte for byte with Ansible's.
 */
import { defined } from './undefined.js';
import { isMapping } from './values.js';

/** Python's repr of a str: single quotes unless the text has one and no double quote. */
export function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

export function pythonRepr(value: unknown): string {
  const v = defined(value);
  if (typeof v === 'string') return pythonStringRepr(v);
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pythonNumber(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (Buffer.isBuffer(v)) return pythonStringRepr(v.toString('utf8'));
  if (isMapping(v)) return `{${Object.entries(v).map(([k, x]) => `${pythonStringRepr(k)}: ${pythonRepr(x)}`).join(', ')}}`;
  return String(v);
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** The text `{{ value }}` puts into a Jinja template. */
export function pythonText(value: unknown): string {
  const v = defined(value);
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return pythonRepr(v);
}
