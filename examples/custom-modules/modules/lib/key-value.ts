/**
 * A helper, not a module: files in lib/ are never loaded as modules. Pure functions are
 * easy to unit-test on their own.
 */

/** The `KEY=value` line for an environment file. */
export function envLine(key: string, value: string): string {
  return `${key}=${value}`;
}

/** A regexp (Python syntax, as lineinfile takes) matching any assignment of `key`. */
export function assignmentPattern(key: string): string {
  return `^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=`;
}
