/**
 * find: the pure parts (fnmatch, amounts, os.walk order), then the module on a real tree,
 * compared case by case with Ansible's own find module run on the same tree (skipped where
 * ansible-playbook is not installed).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import find from '../../../modules/find.js';
import { contentMatches, fnmatchRegex, nameFilter, parseAmount, withinLimit } from '../../../modules/_lib/find-walk.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, tempDir } from './general-helpers.js';

describe('find filters (Ansible find.py semantics)', () => {
  it('fnmatch globs: *, ?, [seq], [!seq], the whole name, case-sensitive', () => {
    expect(fnmatchRegex('*.log').test('a.log')).toBe(true);
    expect(fnmatchRegex('*.log').test('a.log.1')).toBe(false);
    expect(fnmatchRegex('?.txt').test('ab.txt')).toBe(false);
    expect(fnmatchRegex('[ab]*').test('b1')).toBe(true);
    expect(fnmatchRegex('[!ab]*').test('b1')).toBe(false);
    expect(fnmatchRegex('*.LOG').test('a.log')).toBe(false);
    expect(fnmatchRegex('a(b)+').test('a(b)+')).toBe(true);
    expect(fnmatchRegex('[').test('[')).toBe(true);
  });

  it('regex patterns match from the start only (re.match); excludes win', () => {
    const f = nameFilter(['\\d+'], ['9'], true);
    expect([f('12x'), f('x12'), f('9')]).toEqual([true, false, false]);
    expect(nameFilter([], ['*.bak'], false)('a.bak')).toBe(false);
    expect(nameFilter([], [], false)('.anything')).toBe(true);
  });

  it('age and size amounts, with their sign', () => {
    expect(parseAmount('2d', 'age')).toBe(172800);
    expect(parseAmount('-1W', 'age')).toBe(-604800);
    expect(parseAmount('10m', 'size')).toBe(10 * 1024 ** 2);
    expect(parseAmount('12', 'size')).toBe(12);
    expect(parseAmount('1x', 'size')).toBeUndefined();
    expect([withinLimit(5, 5), withinLimit(4, 5), withinLimit(4, -5), withinLimit(6, -5)]).toEqual([true, false, true, false]);
  });

  it('contains: a line from its start (with its newline, CRLF read as LF), or anywhere in the whole file', () => {
    expect(contentMatches(Buffer.from('a\nkey = v\r\n'), 'key = v$', false)).toBe(true);
    expect(contentMatches(Buffer.from('a key = v\n'), 'key', false)).toBe(false);
    expect(contentMatches(Buffer.from('a key = v\n'), 'key', true)).toBe(true);
    expect(contentMatches(Buffer.from([0xff, 0x0a]), '.*', false)).toBe(false);
  });
});

describe('find on a real tree', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('tsplay-find-');
    const w = (p: string, data: string | Buffer = 'x\n') => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), data);
    };
    w('a.log');
    w('b.txt', 'needle in\na haystack\n');
    w('.hidden.log');
    w('sub/c.log', 'key = v\r\n');
    w('sub/deep/d.log');
    w('.hdir/e.log');
    w('latin1.conf', Buffer.from([0x6b, 0xe9, 0x0a]));
    w('big.bin', Buffer.alloc(1024 * 1024 + 1));
    w('old.log');
    const old = Date.now() / 1000 - 10 * 86400;
    utimesSync(join(dir, 'old.log'), old, old);
    symlinkSync('sub', join(dir, 'link_to_sub'));
    symlinkSync('a.log', join(dir, 'link_to_file'));
    symlinkSync('nowhere', join(dir, 'dangling'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
  });
  afterAll(() => removeDir(dir));

  const cases = (d: string): Array<Record<string, unknown>> => [
    { paths: d },
    { paths: d, recurse: true, file_type: 'any' },
    { paths: d, recurse: true, hidden: true, patterns: '*.log' },
    { paths: d, recurse: true, use_regex: true, patterns: ['[a-c]\\.', '.*eep'], excludes: ['b'], file_type: 'any' },
    { paths: d, recurse: true, age: '5d' },
    { paths: d, recurse: true, age: '-5d', hidden: true },
    { paths: d, size: '1m' },
    { paths: d, size: '-2', recurse: true },
    { paths: d, recurse: true, contains: 'key = v$' },
    { paths: d, contains: 'haystack', read_whole_file: true },
    { paths: d, contains: '.*' },
    { paths: [d, `${d}/nope`, `${d}/a.log`] },
    { paths: d, recurse: true, depth: 1, file_type: 'any', hidden: true },
    { paths: d, recurse: true, depth: 2, file_type: 'any' },
    { paths: d, file_type: 'link' },
    { path: `${d}/sub`, recurse: true, get_checksum: true },
    { paths: d, file_type: 'directory', recurse: true, hidden: true },
    { name: `${d}/`, pattern: 'b*,a*', file_type: 'any' },
  ];

  it.skipIf(!hasAnsible)("gives Ansible's results: the same entries in the same order, the same fields and counts", async () => {
    const expected = await ansibleResults('find', cases(dir));
    // A comparison of nothing would pass: Ansible must have found entries in most cases.
    expect(expected.filter((r) => Array.isArray(r.files) && (r.files as unknown[]).length > 0).length).toBeGreaterThan(12);
    for (const [i, args] of cases(dir).entries()) {
      const ours = await run(find, args);
      const theirs = expected[i]!;
      const label = JSON.stringify(args);
      expect(ours.failed, `${label}: ${ours.msg}`).toBe(false);
      const strip = (files: unknown) => (files as Array<Record<string, unknown>>).map(({ atime: _a, ...rest }) => rest);
      expect(strip(ours.files), label).toEqual(strip(theirs.files));
      expect([ours.matched, ours.examined, ours.msg, ours.skipped_paths], label).toEqual([theirs.matched, theirs.examined, theirs.msg, theirs.skipped_paths]);
      expect(ours.changed).toBe(false);
    }
  }, 180_000);

  it('one command, or two with contains / get_checksum', async () => {
    for (const [args, n] of [
      [{ paths: dir, recurse: true }, 1],
      [{ paths: dir, recurse: true, contains: 'x' }, 2],
      [{ paths: dir, get_checksum: true }, 2],
      [{ paths: dir, patterns: 'none*', contains: 'x' }, 1],
    ] as const) {
      const transport = new CountingTransport();
      expect((await run(find, args, { transport })).failed).toBe(false);
      expect(transport.count, JSON.stringify(args)).toBe(n);
    }
  });

  it('names that are options or hold newlines are paths all the same', async () => {
    const odd = join(dir, '..', `-x\nodd-${process.pid}`);
    mkdirSync(odd);
    try {
      writeFileSync(join(odd, 'f\nnl'), 'x');
      const r = await run(find, { paths: odd });
      expect((r.files as Array<{ path: string }>).map((f) => f.path)).toEqual([join(odd, 'f\nnl')]);
    } finally {
      removeDir(odd);
    }
  });

  it('bad arguments fail before anything runs', async () => {
    const transport = new CountingTransport();
    expect((await run(find, { paths: dir, age: '2 days' }, { transport })).msg).toMatch(/argument 'age'/);
    expect((await run(find, { paths: dir, use_regex: true, patterns: '(' }, { transport })).msg).toMatch(/^patterns: invalid regular expression '\('/);
    expect((await run(find, { paths: dir, contains: '[' }, { transport })).msg).toMatch(/^contains: invalid regular expression/);
    expect((await run(find, { patterns: '*' }, { transport })).msg).toMatch(/missing required argument 'paths'/);
    expect(transport.count).toBe(0);
  });
});
