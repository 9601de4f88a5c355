/**
 * Python's `shlex.split(line, comments=True, posix=True)`, which is how Ansible's INI
 * inventory tokenises a host line. Written here because the npm `shlex` port has no
 * comment support and adds bash `$'...'` quoting, both of which change what a line means:
 *
 * - whitespace separates tokens; '...' keeps everything literally; "..." allows `\"` and
 *   `\\` (any other `\x` keeps its backslash); outside quotes `\x` is `x`;
 * - `#` starts a comment anywhere outside quotes, even in the middle of a word
 *   (`pass=ab#cd` is `pass=ab`), exactly as in Ansible. Quote values that contain `#`.
 *
 * Each token carries the 0-based offset where it starts, for error columns.
 */

export interface ShlexToken {
  value: string;
  offset: number;
}

export class ShlexError extends Error {
  override name = 'ShlexError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WHITESPACE = ' \t\r\n';

export function shlexSplit(line: string): ShlexToken[] {
  const tokens: ShlexToken[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (WHITESPACE.includes(c)) {
      i++;
      continue;
    }
    if (c === '#') break; // the rest of the line is a comment
    const start = i;
    let value = '';
    let ended = false;
    while (i < line.length && !ended) {
      const ch = line[i]!;
      if (WHITESPACE.includes(ch)) break;
      if (ch === '#') {
        i = line.length; // comment: ends this token and the line
        ended = true;
        break;
      }
      if (ch === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) throw new ShlexError('No closing quotation', i);
        value += line.slice(i + 1, close);
        i = close + 1;
        continue;
      }
      if (ch === '"') {
        i++;
        for (;;) {
          if (i >= line.length) throw new ShlexError('No closing quotation', start);
          const q = line[i]!;
          if (q === '"') {
            i++;
            break;
          }
          if (q === '\\') {
            if (i + 1 >= line.length) throw new ShlexError('No escaped character', i);
            const next = line[i + 1]!;
            value += next === '"' || next === '\\' ? next : '\\' + next;
            i += 2;
            continue;
          }
          value += q;
          i++;
        }
        continue;
      }
      if (ch === '\\') {
        if (i + 1 >= line.length) throw new ShlexError('No escaped character', i);
        value += line[i + 1];
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    tokens.push({ value, offset: start });
  }
  return tokens;
}
