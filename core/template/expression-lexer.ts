/**
 * Tokens of Jinja-style expressions (`out.rc == 0 and 'x' in out.stdout`).
 * Positions are 0-based offsets; errors report 1-based columns.
 */
import { ExpressionSyntaxError } from './errors.js';

export type TokenType = 'name' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** Operator text, name, or the decoded string/number. */
  value: string | number;
  pos: number;
}

// Longest first, so `//` wins over `/` and `**` over `*`.
const OPERATORS = ['//', '**', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];

const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      tokens.push({ type: 'name', value: src.slice(start, i), pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? '') && !/[\w)\]]/.test(src[i - 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?|\d[\d_]*\.)/.exec(src.slice(i))!;
      let text = m[0];
      // `a.0.b`: after a dot, a number is an index, not `0.` followed by `b`.
      if (tokens.length && tokens[tokens.length - 1]!.value === '.' && tokens[tokens.length - 1]!.type === 'op') text = /^\d+/.exec(text)![0];
      const clean = text.replace(/_/g, '');
      const value = /^0[xob]/i.test(clean) ? parseInt(clean.slice(2), { x: 16, o: 8, b: 2 }[clean[1]!.toLowerCase() as 'x' | 'o' | 'b']) : Number(clean);
      if (Number.isNaN(value)) throw new ExpressionSyntaxError(`invalid number '${text}'`, src, start + 1);
      tokens.push({ type: 'number', value, pos: start });
      i += text.length;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionSyntaxError('unterminated string', src, start + 1);
        const ch = src[i]!;
        if (ch === c) break;
        if (ch === '\\' && i + 1 < src.length) {
          const next = src[i + 1]!;
          if (next in STRING_ESCAPES) value += STRING_ESCAPES[next];
          else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 4;
          } else value += ch + next; // Python keeps unknown escapes (`\d` in a regex)
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionSyntaxError(`unexpected character '${c}'`, src, start + 1);
    tokens.push({ type: 'op', value: op, pos: start });
    i += op.length;
  }
  tokens.push({ type: 'eof', value: '', pos: src.length });
  return tokens;
}
