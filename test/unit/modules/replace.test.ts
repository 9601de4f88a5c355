/**
 * replace: Ansible's algorithm with Python's regex meaning (expected values are what
 * Ansible's replace.py code gives under CPython 3.11), and the module on real files.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import replace from '../../../modules/replace.js';
import { replaceText } from '../../../modules/_lib/replace-text.js';
import { tripsOf } from './count-trips.js';
import { expectIdempotent, removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const text = (contents: string, spec: Parameters<typeof replaceText>[1]) => {
  const r = replaceText(contents, spec);
  return [r.text, r.count, r.changed];
};

describe('replace algorithm (Python re.subn with MULTILINE, as Ansible)', () => {
  it('replaces every match and expands groups', () => {
    expect(text('a=1\nb=2\n', { regexp: '^(\\w)=(.*)$', replace: '\\2=\\1' })).toEqual(['1=a\n2=b\n', 2, true]);
    expect(text('a.b\n', { regexp: 'a\\.b$', replace: '\\g<0>!' })).toEqual(['a.b!\n', 1, true]);
  });

  it('CRLF lines: . takes the \\r and $ is only before \\n, as in Python', () => {
    expect(text('a=1\r\nb=2\r\n', { regexp: '^(\\w)=(.*)$', replace: '\\2=\\1' })).toEqual(['1\r=a\n2\r=b\n', 2, true]);
  });

  it('$ matches at every line end and at the very end; empty matches as Python 3.7+', () => {
    expect(text('line1\nline2\n', { regexp: '$', replace: ';' })).toEqual(['line1;\nline2;\n;', 3, true]);
    expect(text('abxd', { regexp: 'x*', replace: '-' })).toEqual(['-a-b--d-', 5, true]);
  });

  it('a replacement that gives the same text is no change', () => {
    expect(replaceText('foo\n', { regexp: 'foo', replace: 'foo' })).toMatchObject({ changed: false, msg: '' });
  });

  it('leading inline flags (?s) and (?i) apply to the whole pattern', () => {
    expect(text('k=1\nend', { regexp: '(?s)k=.*', replace: 'X' })).toEqual(['X', 1, true]);
    expect(text('AbC\n', { regexp: '(?i)abc', replace: 'x' })).toEqual(['x\n', 1, true]);
  });

  it('after/before limit the section exactly as Ansible builds it', () => {
    const conf = 'x\n# BEGIN\nold\nold\n# END\nold\n';
    expect(text(conf, { regexp: 'old', replace: 'new', after: '# BEGIN', before: '# END' })).toEqual(['x\n# BEGIN\nnew\nnew\n# END\nold\n', 2, true]);
    expect(text('old\n# BEGIN\nold\n', { regexp: 'old', replace: 'new', after: '# BEGIN' })).toEqual(['old\n# BEGIN\nnew\n', 1, true]);
    expect(text('old\n# END\nold\n', { regexp: 'old', replace: 'new', before: '# END' })).toEqual(['new\n# END\nold\n', 1, true]);
    // Without MULTILINE, Python's $ in `before` also matches before the final newline.
    expect(text('x\n', { regexp: 'x$', replace: 'y', before: '$' })).toEqual(['y\n', 1, true]);
    expect(replaceText('old\n', { regexp: 'old', replace: 'new', before: '# END' })).toMatchObject({
      changed: false,
      noSection: true,
      msg: 'Pattern for before/after params did not match the given file: (?P<subsection>.*)# END',
    });
  });

  it('bad patterns and replacements name the argument and the text the user wrote', () => {
    expect(() => replaceText('x', { regexp: '(', replace: '' })).toThrow(/^regexp: invalid regular expression '\('/);
    expect(() => replaceText('x', { regexp: 'x', replace: '\\q' })).toThrow(/^replace: invalid replacement '\\q': bad escape \\q/);
    expect(() => replaceText('x', { regexp: 'x', replace: '\\3' })).toThrow(/invalid group reference 3/);
  });
});

describe('replace module on real files', () => {
  it('check predicts, the run agrees, the second run changes nothing; diff shows the file', async () => {
    const f = join(dir, 'chrony.conf');
    writeFileSync(f, 'server a iburst\n# note\nserver b iburst\n');
    const args = { path: f, regexp: '^server (?!ntp-)(\\S+) iburst$', replace: 'server ntp-\\1.example.com iburst' };
    const r = await expectIdempotent(replace, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect(r.check).toMatchObject({ changed: true, msg: '2 replacements made' });
    expect(r.first).toMatchObject({ changed: true, msg: '2 replacements made' });
    expect(r.first.diff?.[0]).toMatchObject({ before: 'server a iburst\n# note\nserver b iburst\n', after: 'server ntp-a.example.com iburst\n# note\nserver ntp-b.example.com iburst\n' });
    expect(r.check.diff).toEqual(r.first.diff);
    expect(r.second).toMatchObject({ changed: false, msg: '' });
    expect(r.checkAfter.changed).toBe(false);
    expect(readFileSync(f, 'utf8')).toBe('server ntp-a.example.com iburst\n# note\nserver ntp-b.example.com iburst\n');
  });

  it('aliases, backup, and mode in the same step', async () => {
    const f = join(dir, 'f');
    writeFileSync(f, 'a\n', { mode: 0o600 });
    const r = await run(replace, { dest: f, regexp: 'a', replace: 'b', backup: true, mode: '0644' });
    expect(r).toMatchObject({ changed: true, msg: '1 replacements made and ownership, perms or SE linux context changed' });
    expect(String(r.backup_file)).toMatch(new RegExp(`^${f}\\.\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d\\.\\w+~$`));
    expect(readFileSync(String(r.backup_file), 'utf8')).toBe('a\n');
    expect(statSync(f).mode & 0o777).toBe(0o644);
    expect(readFileSync(f, 'utf8')).toBe('b\n');
  });

  it('keeps bytes that are not UTF-8 and matches UTF-8 text', async () => {
    const f = join(dir, 'f');
    writeFileSync(f, Buffer.from([0xff, 0x0a, ...Buffer.from('café\n')]));
    expect((await run(replace, { path: f, regexp: 'é$', replace: 'e' })).changed).toBe(true);
    expect(readFileSync(f)).toEqual(Buffer.from([0xff, 0x0a, ...Buffer.from('cafe\n')]));
    writeFileSync(f, 'naïve\n');
    expect((await run(replace, { path: f, regexp: 'na.ve', replace: 'naive' })).changed).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('naive\n');
  });

  it('fails like Ansible on a missing file or a directory, and on a bad pattern before touching anything', async () => {
    expect(await run(replace, { path: join(dir, 'nope'), regexp: 'x' })).toMatchObject({ failed: true, msg: `Path ${join(dir, 'nope')} does not exist !`, rc: 257 });
    expect(await run(replace, { path: dir, regexp: 'x' })).toMatchObject({ failed: true, msg: `Path ${dir} is a directory !` });
    writeFileSync(join(dir, 'f'), 'x\n');
    expect(await run(replace, { path: join(dir, 'f'), regexp: '(?P<a' })).toMatchObject({ failed: true, msg: expect.stringMatching(/^regexp: invalid regular expression/) });
    expect(await run(replace, { regexp: 'x' })).toMatchObject({ failed: true, msg: expect.stringMatching(/missing required argument 'path'/) });
  });

  it('validate refuses a bad edit and leaves the file', async () => {
    const f = join(dir, 'f');
    writeFileSync(f, 'good\n');
    const r = await run(replace, { path: f, regexp: 'good', replace: 'bad', validate: 'grep -q good %s' });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/failed to validate/);
    expect(readFileSync(f, 'utf8')).toBe('good\n');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('after/before that do not match: no change, attributes untouched (Ansible exits there)', async () => {
    const f = join(dir, 'f');
    writeFileSync(f, 'a\n', { mode: 0o600 });
    const r = await run(replace, { path: f, regexp: 'a', replace: 'b', after: 'NOPE', mode: '0644' });
    expect(r).toMatchObject({ changed: false, msg: 'Pattern for before/after params did not match the given file: NOPE(?P<subsection>.*)' });
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('one read, one write; the second run only reads', async () => {
    writeFileSync(join(dir, 'f'), 'a\n');
    expect(await tripsOf(replace, { path: join(dir, 'f'), regexp: 'a', replace: 'b', mode: '0600' })).toEqual([2, 1]);
  });
});
