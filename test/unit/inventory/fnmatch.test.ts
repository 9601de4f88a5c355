import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../../core/inventory/fnmatch.js';

// Expected results from Python's fnmatch.fnmatchcase.
const CASES: Array<[string, string, boolean]> = [
  ['web01.example.com', 'web*', true],
  ['web01.example.com', '*.example.com', true],
  ['a.b', 'a?b', true],
  ['/srv/chroot', '/srv/*', true],
  ['db2', 'db[!1]', true],
  ['db1', 'db[!1]', false],
  ['db3', 'db[1-3]', true],
  ['db[', 'db[', true],
  ['web{1,2}', 'web{1,2}', true],
  ['web1', 'web{1,2}', false],
  ['Web1', 'web*', false],
  ['a]', 'a]', true],
  ['a^', 'a[^]', true],
  ['x', '[]x]', true],
  ['a\\b', 'a\\b', true],
  ['web1x', 'web?', false],
];

describe('fnmatch, as Python fnmatch.fnmatchcase', () => {
  it.each(CASES)('%s ~ %s -> %s', (name, pattern, expected) => {
    expect(fnmatch(name, pattern)).toBe(expected);
  });
});
