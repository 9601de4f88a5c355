/**
 * How Jinja (as Ansible configures it) prints a value into a template: strings as they
 * are, `None` as nothing (Ansible's finalize), booleans as `True`/`False`, lists and
 * mappings as Python's repr (`['a', 1]`, `{'k': True}`). Used by the Jinja statement
 * renderer, whose output is compared byte for byte with Ansible's.
 */
import { pythonRepr } from '../util/python-repr.js';
import { defined } from './undefined.js';

/** The text `{{ value }}` puts into a Jinja template. */
export function pythonText(value: unknown): string {
  const v = defined(value);
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return pythonRepr(v);
}
