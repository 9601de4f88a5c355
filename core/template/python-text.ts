/**
 * How Jinja (as Ansible configures it) prints a value into a template: strings as they
 * are, `None` as nothing (Ansible's finalize), booleans as `True`/`False`, lists and
 * mappings as Python's repr (`['a', 1]`, `{'k': True}`). Used by the Jinja statement
 * renderer and for `{{ }}` in playbook strings, both compared byte for byte with Ansible's.
 */
import { defined } from './undefined.js';
import { toText } from './values.js';

/** The text `{{ value }}` puts into a Jinja template. */
export function pythonText(value: unknown): string {
  const v = defined(value);
  return v === null ? '' : toText(v);
}
