/** The shared helpers of the general modules: modes, stat parsing, plans. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planScripts, validateCommand } from '../../../modules/_lib/apply-plan.js';
import { contentDiff, stateDiff } from '../../../modules/_lib/diff.js';
import { formatMode, parseMode, resultingMode } from '../../../modules/_lib/file-mode.js';
import { parseStatOutput, statCommands } from '../../../modules/_lib/path-state.js';
import { NASTY, removeDir, tempDir } from './general-helpers.js';

describe('file modes', () => {
  it('parses octal strings, numbers and symbolic modes', () => {
    expect(parseMode('0644')).toEqual({ kind: 'octal', mode: 0o644 });
    expect(parseMode('755')).toEqual({ kind: 'octal', mode: 0o755 });
    expect(parseMode(0o600)).toEqual({ kind: 'octal', mode: 0o600 });
    expect(parseMode('u+x')).toEqual({ kind: 'symbolic', spec: 'u+x' });
    expect(parseMode('+x')).toEqual({ kind: 'symbolic', spec: 'a+x' });
    expect(parseMode('preserve')).toEqual({ kind: 'preserve' });
    expect(() => parseMode('0999')).toThrow(/neither an octal mode/);
    expect(() => parseMode(99999)).toThrow(/out of range/);
  });

  it('computes symbolic results like chmod', () => {
    const sym = (cur: number, spec: string, dir = false) => formatMode(resultingMode(cur, parseMode(spec), dir));
    expect(sym(0o600, 'u=rwX,go=rX')).toBe('0644');
    expect(sym(0o700, 'u=rwX,go=rX', true)).toBe('0755');
    expect(sym(0o744, 'go=rX')).toBe('0755');
    expect(sym(0o644, 'g=u')).toBe('0664');
    expect(sym(0o777, 'o-rwx,g-w')).toBe('0750');
    expect(sym(0o755, 'u+s,g+s,+t')).toBe('7755');
    expect(sym(0o6755, 'u=rwx')).toBe('2755');
  });

  it('agrees with GNU chmod on real files', () => {
    const dir = tempDir();
    try {
      for (const [start, spec] of [
        [0o600, 'u=rwX,go=rX'],
        [0o751, 'g-x,o+w'],
        [0o640, 'a+X'],
        [0o711, 'a+X,g=u,o='],
        [0o644, 'ug+s'],
      ] as const) {
        const f = join(dir, `f${start}`);
        writeFileSync(f, '');
        execFileSync('chmod', [start.toString(8), f]);
        execFileSync('chmod', [spec, f]);
        const real = parseInt(execFileSync('stat', ['-c', '%a', f], { encoding: 'utf8' }).trim(), 8);
        expect(formatMode(resultingMode(start, parseMode(spec), false))).toBe(formatMode(real));
      }
    } finally {
      removeDir(dir);
    }
  });
});

describe('stat records', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  it('parses names with newlines, link targets, checksums, parents and content', () => {
    const weird = join(dir, 'a\nb $c');
    writeFileSync(weird, NASTY);
    symlinkSync('a\nb $c', join(dir, 'l'));
    mkdirSync(join(dir, 'd'));
    const paths = [weird, join(dir, 'l'), join(dir, 'd'), join(dir, 'missing', 'x')];
    const o = { checksum: 'sha1' as const, realPath: true };
    const [script] = statCommands(paths, o);
    const states = parseStatOutput(execFileSync('/bin/sh', ['-c', script!]), paths, o);
    expect(states.map((s) => s.kind)).toEqual(['file', 'link', 'directory', 'absent']);
    expect(states[1]!.linkTarget).toBe('a\nb $c');
    // sha1sum escapes the newline in this name; the checksum must still be found.
    expect(states[0]!.checksum).toBe(createHash('sha1').update(NASTY).digest('hex'));
    expect(states[2]!.checksum).toBeUndefined();
    expect(states[1]!.realPath).toBe(weird);
    expect(states[3]!.parentKind).toBe('absent');
    const single = statCommands([weird], { content: true });
    expect(parseStatOutput(execFileSync('/bin/sh', ['-c', single[0]!]), [weird], { content: true })[0]!.content!.toString()).toBe(NASTY);
  });

  it('splits many paths into command lines that fit', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `/some/rather/long/path/number/${i}/with/a/file-name-${i}.conf`);
    const scripts = statCommands(paths);
    expect(scripts.length).toBeGreaterThan(1);
    for (const s of scripts) expect(s.length).toBeLessThan(128 * 1024);
    expect(scripts.reduce((n, s) => n + (s.match(/^_s /gm)?.length ?? 0), 0)).toBe(3000);
  });

  it('lists a tree for recurse', () => {
    mkdirSync(join(dir, 't', 's'), { recursive: true });
    writeFileSync(join(dir, 't', 's', 'f'), '');
    const o = { tree: true };
    const [script] = statCommands([join(dir, 't')], o);
    const [s] = parseStatOutput(execFileSync('/bin/sh', ['-c', script!]), [join(dir, 't')], o);
    expect(s!.tree!.map((e) => [e.type, e.path]).sort()).toEqual([
      ['d', join(dir, 't', 's')],
      ['f', join(dir, 't', 's', 'f')],
    ]);
  });
});

describe('file plans', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  it('one script writes several files from one stdin, byte-exact, with backups', () => {
    writeFileSync(join(dir, 'b'), 'old');
    const data = [Buffer.from(NASTY), Buffer.alloc(70_000, 1), Buffer.alloc(0)];
    const plan = {
      mkdirs: [{ path: join(dir, 'new dir') }],
      writes: [
        { path: join(dir, 'new dir', "a'1"), data: data[0]!, chmod: '0600' },
        { path: join(dir, 'b'), data: data[1]!, backup: true },
        { path: join(dir, 'empty'), data: data[2]! },
      ],
    };
    const batches = planScripts(plan);
    expect(batches).toHaveLength(1);
    const out = execFileSync('/bin/sh', ['-c', batches[0]!.script], { input: batches[0]!.stdin });
    expect(readFileSync(join(dir, 'new dir', "a'1"), 'utf8')).toBe(NASTY);
    expect(readFileSync(join(dir, 'b')).equals(data[1]!)).toBe(true);
    expect(readFileSync(join(dir, 'empty')).length).toBe(0);
    const [index, backup] = out.toString().split('\0');
    expect(index).toBe('1');
    expect(readFileSync(backup!, 'utf8')).toBe('old');
  });

  it('groups attribute changes: one chmod per distinct mode, whatever the number of paths', () => {
    const attrs = ['/a b', "/c'd", '/e'].map((path) => ({ path, kind: 'file' as const, chmod: '0600' }));
    const [batch] = planScripts({ attrs: [...attrs, { path: '/f', kind: 'file', chmod: '0644', owner: 'nobody' }] });
    const lines = batch!.script.split('\n').filter((l) => /^ch(mod|own)/.test(l));
    expect(lines).toEqual([`chmod -- 0600 '/a b' '/c'"'"'d' /e || exit 1`, 'chown -- nobody /f || exit 1', 'chmod -- 0644 /f || exit 1']);
  });

  it('validate commands quote every word and splice the temp file for %s', () => {
    expect(validateCommand("visudo -cf %s")).toBe(`visudo -cf "$t"`);
    expect(validateCommand("sh -c 'test -s %s'")).toBe(`sh -c 'test -s '"$t"`);
    expect(() => validateCommand('true')).toThrow(/must contain %s/);
  });
});

describe('diffs', () => {
  it('content, binary and large files; state summaries keep only what differs', () => {
    expect(contentDiff('/f', Buffer.from('a\n'), Buffer.from('b\n'))).toEqual({ before: 'a\n', after: 'b\n', beforeHeader: '/f (content)', afterHeader: '/f (content)' });
    expect(contentDiff('/f', Buffer.from([0, 1]), null).before).toContain('binary');
    expect(contentDiff('/f', Buffer.alloc(200_000, 97), null).before).toContain('diff skipped');
    expect(stateDiff('/p', { state: 'file', mode: '0644' }, { state: 'file', mode: '0600' })).toEqual({
      before: 'path: /p\nmode: "0644"\n',
      after: 'path: /p\nmode: "0600"\n',
      beforeHeader: '/p (file attributes)',
      afterHeader: '/p (file attributes)',
    });
    expect(stateDiff('/p', { mode: '0644' }, { mode: '0644' })).toBeUndefined();
  });
});
