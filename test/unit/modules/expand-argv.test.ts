/**
 * command's argument expansion (modules/_lib/expand-argv.ts): the controller's reading of a
 * word, and the host script run by real shells (dash, the system sh, bash) with a controlled
 * environment. The expected words are what Python's os.path.expanduser(os.path.expandvars(w))
 * gives with the same environment (ansible-core's run_command).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandArgvScript, needsExpansion, wordParts } from '../../../modules/_lib/expand-argv.js';

describe('wordParts reads a word as Python expandvars does', () => {
  it('$NAME takes letters, digits and _; ${NAME} anything up to }', () => {
    expect(wordParts('a$HOME/b')).toEqual([{ text: 'a' }, { name: 'HOME', raw: '$HOME' }, { text: '/b' }]);
    expect(wordParts('$HOMEx')).toEqual([{ name: 'HOMEx', raw: '$HOMEx' }]);
    expect(wordParts('${HOME}x')).toEqual([{ name: 'HOME', raw: '${HOME}' }, { text: 'x' }]);
    expect(wordParts('${A B}')).toEqual([{ name: 'A B', raw: '${A B}' }]);
    expect(wordParts('$1$_')).toEqual([{ name: '1', raw: '$1' }, { name: '_', raw: '$_' }]);
    expect(wordParts('$$HOME')).toEqual([{ text: '$' }, { name: 'HOME', raw: '$HOME' }]);
  });
  it('what is not a reference stays text: a lone $, $ before punctuation, ${}, ${-x}, an unclosed ${', () => {
    for (const w of ['$', 'a$', '$-', '$(id)', '${}', '${-x}', '${HOME', 'é$é']) expect(wordParts(w)).toEqual([{ text: w }]);
  });
  it('needsExpansion: a reference, or a leading ~', () => {
    expect(needsExpansion('~')).toBe(true);
    expect(needsExpansion('~root/x')).toBe(true);
    expect(needsExpansion('a~')).toBe(false);
    expect(needsExpansion('$(id)')).toBe(false);
    expect(needsExpansion('x$Y')).toBe(true);
  });
  it('no script when no word can change', () => {
    expect(expandArgvScript(['ls', '-l', '/tmp', '$', '`id`'])).toBeNull();
  });
});

const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

function expanded(words: string[], env: Record<string, string>, shell: string): string[] {
  const script = expandArgvScript(['printf', '%s\\0', ...words]);
  expect(script).not.toBeNull();
  const out = execFileSync(shell, ['-c', `${script}\nexec "$@"`], { env: { PATH: process.env.PATH!, ...env } }).toString();
  return out.split('\0').slice(0, -1);
}

describe.each(SHELLS)('the host script under %s', (shell) => {
  const env = { HOME: '/home/x/', A: 'a b *', NL: 'v\n\n', EMPTY: '', TILDE: '~/t', CODE: '$(id)`id`"\'$HOME' };
  it('gives the words Python gives', () => {
    const cases: Array<[string, string]> = [
      ['$HOME', '/home/x/'],
      ['${HOME}x', '/home/x/x'],
      ['$HOMEx', '$HOMEx'],
      ['~', '/home/x'],
      ['~/a', '/home/x/a'],
      ['~root/b', '/root/b'],
      ['~no-such-user-tsplay/c', '~no-such-user-tsplay/c'],
      ['$A', 'a b *'],
      ['x$A$A', 'xa b *a b *'],
      ['$NL', 'v\n\n'],
      ['<$EMPTY>', '<>'],
      ['$TILDE', '/home/x/t'],
      ['~$A', '~a b *'],
      ['$CODE', '$(id)`id`"\'$HOME'],
      ['$1', '$1'],
      ['${}', '${}'],
      ['${NOPE}', '${NOPE}'],
      ['$$HOME', '$/home/x/'],
      ["it's", "it's"],
    ];
    expect(expanded(cases.map((c) => c[0]), env, shell)).toEqual(cases.map((c) => c[1]));
  });
  it('~ without HOME is the passwd home of the user; an empty HOME gives /', () => {
    const home = execFileSync('getent', ['passwd', String(process.getuid!())]).toString().split(':')[5]!.replace(/\/+$/, '') || '/';
    expect(expanded(['~', '~/a'], {}, shell)).toEqual([home, `${home === '/' ? '' : home}/a`]);
    expect(expanded(['~', '~/a'], { HOME: '' }, shell)).toEqual(['/', '/a']);
  });
  it('only environment variables count, not the shell\'s own (IFS, PPID)', () => {
    expect(expanded(['$IFS', '$PPID', '$OPTIND'], {}, shell)).toEqual(['$IFS', '$PPID', '$OPTIND']);
  });
});
