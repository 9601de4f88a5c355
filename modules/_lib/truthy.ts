/**
 * Jinja/Python truthiness, which Ansible applies to the value of a condition: empty
 * strings, lists and mappings, 0, None and False are false; everything else is true.
 */
export function pythonTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}
