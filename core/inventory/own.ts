/**
 * Variable names come from user files: `__proto__=x` must become a plain own property,
 * not change an object's prototype.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A shallow copy of `source` onto `target`, later keys replacing earlier ones. */
export function assignOwn(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(source)) setOwn(target, key, source[key]);
  return target;
}
