/**
 * Partial matching of results for ModuleTester, with messages that name the path that
 * differs (`result.diff[0].after`). No test framework is needed: failures are thrown as
 * node:assert's AssertionError, which vitest, node:test, mocha and jest all report.
 */
import { AssertionError, deepStrictEqual } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';

/**
 * Does `actual` contain `expected`? Objects match when every expected key matches (extra
 * keys in `actual` are fine), arrays match item by item and must have the same length,
 * a RegExp matches a string, anything else must be deep-equal.
 */
export function partialMismatch(actual: unknown, expected: unknown, path: string): string | undefined {
  if (expected instanceof RegExp) {
    return typeof actual === 'string' && expected.test(actual) ? undefined : `${path} is ${JSON.stringify(actual)}, expected to match ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path} is ${JSON.stringify(actual)}, expected a list of ${expected.length}`;
    if (actual.length !== expected.length) return `${path} has ${actual.length} item(s), expected ${expected.length}: ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = partialMismatch(actual[i], expected[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (expected && typeof expected === 'object' && !Buffer.isBuffer(expected)) {
    if (!actual || typeof actual !== 'object') return `${path} is ${JSON.stringify(actual)}, expected an object`;
    for (const [k, v] of Object.entries(expected)) {
      const m = partialMismatch((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return isDeepStrictEqual(actual, expected) ? undefined : `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

export function assertPartial(actual: unknown, expected: unknown, path: string, context: string): void {
  const m = partialMismatch(actual, expected, path);
  if (m) throw new AssertionError({ message: `${context}: ${m}`, actual, expected, operator: 'partialMatch' });
}

export function assertEqual(actual: unknown, expected: unknown, message: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch {
    throw new AssertionError({ message: `${message}\n  got:      ${JSON.stringify(actual)}\n  expected: ${JSON.stringify(expected)}`, actual, expected, operator: 'deepStrictEqual' });
  }
}

export function fail(message: string): never {
  throw new AssertionError({ message });
}
