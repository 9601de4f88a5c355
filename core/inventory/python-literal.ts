/**
 * Ansible's INI inventory passes every `key=value` value (host lines and `[g:vars]`
 * lines alike) through Python's `ast.literal_eval`, and keeps the text as a string when
 * that fails. This is a faithful subset of `literal_eval` so INI files mean the same in
 * tsplay as in Ansible:
 *
 *   22 -> 22, -1.5 -> -1.5, 0x1f -> 31, 1_000 -> 1000, True/False -> booleans,
 *   None -> null, 'a' "b" r'c' b'd' -> strings, [1, 'x'] (1, 2) {1, 2} -> arrays,
 *   {'k': 1} -> objects, anything else (yes, true, 01, 10-5, 1.2.3, host.example.com)
 *   -> the original text.
 *
 * Deliberate differences, where JSON values cannot say what Python says: integers beyond
 * 2^53, non-finite floats and complex numbers stay text; float 1.0 becomes the number 1.
 */

import { setOwn } from './own.js';

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** The value Ansible would store for `text`: the literal when it is one, else the text. */
export function parseIniValue(text: string): PyValue {
  const value = literalEval(text);
  return value === undefined ? text : value;
}

/** `ast.literal_eval(text)`, or undefined when Python would raise ValueError/SyntaxError. */
export function literalEval(text: string): PyValue | undefined {
  try {
    const parser = new LiteralParser(text.replace(/^[ \t]+/, ''));
    const value = parser.expression();
    parser.expectEnd();
    return value;
  } catch (e) {
    if (e instanceof NotALiteral) return undefined;
    throw e;
  }
}

class NotALiteral extends Error {}

const IDENT_CHAR = /[\p{L}\p{N}_]/u;
const NUMBER_RE = new RegExp(
  [
    String.raw`(?<radix>0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)`,
    String.raw`(?<float>(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.)(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*[eE][+-]?\d(?:_?\d)*)`,
    String.raw`(?<int>[1-9](?:_?\d)*|0+(?:_?0)*)`,
  ].join('|'),
  'y',
);
const STRING_START = /([rRuUbBfF]{0,2})('''|"""|'|")/y;
const NAME_RE = /[\p{L}_][\p{L}\p{N}_]*/uy;
const STRING_PREFIXES = new Set(['', 'r', 'u', 'b', 'br', 'rb']);

class LiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  expression(): PyValue {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === '+' || c === '-') {
      // literal_eval accepts one sign applied directly to a number, nothing more.
      this.pos++;
      const operand = this.atom();
      if (typeof operand !== 'number') throw new NotALiteral();
      this.rejectBinaryOperator();
      return c === '-' ? -operand || 0 : operand;
    }
    const value = this.atom();
    this.rejectBinaryOperator();
    return value;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.src.length) throw new NotALiteral();
  }

  /** `1+2j` is the only binary expression literal_eval accepts, and it is complex: text. */
  private rejectBinaryOperator(): void {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c !== undefined && '+-*/%&|^<>=@'.includes(c)) throw new NotALiteral();
  }

  private skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\f') this.pos++;
      else if (c === '#') this.pos = this.src.length; // a comment runs to the end of the line
      else break;
    }
  }

  private atom(): PyValue {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === undefined) throw new NotALiteral();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.parenthesised();
    if (c === '{') return this.braces();
    if (this.src.startsWith('...', this.pos)) {
      this.pos += 3;
      return '...'; // Ellipsis: Ansible turns it back into text
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /\d/.test(this.src[this.pos + 1] ?? ''))) return this.number();
    STRING_START.lastIndex = this.pos;
    if (STRING_START.test(this.src)) return this.strings();
    NAME_RE.lastIndex = this.pos;
    const name = NAME_RE.exec(this.src);
    if (name) {
      this.pos += name[0].length;
      if (name[0] === 'True') return true;
      if (name[0] === 'False') return false;
      if (name[0] === 'None') return null;
      if (name[0] === 'set' && this.src.startsWith('()', this.pos)) {
        this.pos += 2;
        return [];
      }
    }
    throw new NotALiteral();
  }

  private number(): number {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.src);
    if (!m) throw new NotALiteral();
    this.pos += m[0].length;
    const next = this.src[this.pos];
    // `56L`, `1st`, `07`, `1j` (complex): Python rejects or makes a non-JSON value.
    if (next !== undefined && (IDENT_CHAR.test(next) || next === '.')) throw new NotALiteral();
    const digits = m[0].replace(/_/g, '');
    if (m.groups!['float'] !== undefined) {
      const f = Number(digits);
      if (!Number.isFinite(f)) throw new NotALiteral();
      return f;
    }
    const big = BigInt(digits); // handles 0x/0o/0b prefixes
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new NotALiteral();
    return Number(big);
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let result = '';
    let kind: 'str' | 'bytes' | undefined;
    for (;;) {
      this.skipSpace();
      STRING_START.lastIndex = this.pos;
      const m = STRING_START.exec(this.src);
      if (!m) break;
      const prefix = m[1]!.toLowerCase();
      if (!STRING_PREFIXES.has(prefix)) throw new NotALiteral(); // f-strings and invalid prefixes
      const thisKind = prefix.includes('b') ? 'bytes' : 'str';
      if (kind && kind !== thisKind) throw new NotALiteral(); // cannot mix bytes and str
      kind = thisKind;
      this.pos += m[0].length;
      result += this.stringBody(m[2]!, prefix.includes('r'), thisKind === 'bytes');
    }
    return result;
  }

  private stringBody(quote: string, raw: boolean, bytes: boolean): string {
    const out: number[] = [];
    let text = '';
    const pushChar = (s: string): void => {
      if (bytes) {
        for (const ch of s) {
          const code = ch.codePointAt(0)!;
          if (code > 0x7f) throw new NotALiteral(); // bytes literals are ASCII only
          out.push(code);
        }
      } else text += s;
    };
    for (;;) {
      if (this.pos >= this.src.length) throw new NotALiteral(); // unterminated
      if (this.src.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        break;
      }
      const ch = this.src[this.pos]!;
      if (ch !== '\\') {
        pushChar(ch);
        this.pos++;
        continue;
      }
      const next = this.src[this.pos + 1];
      if (next === undefined) throw new NotALiteral();
      if (raw) {
        pushChar(ch + next); // a raw string keeps the backslash, which only protects the quote
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
      if (next in simple) {
        pushChar(simple[next]!);
      } else if (/[0-7]/.test(next)) {
        const oct = /^[0-7]{1,3}/.exec(this.src.slice(this.pos - 1))![0];
        this.pos += oct.length - 1;
        const code = parseInt(oct, 8);
        if (bytes) out.push(code & 0xff);
        else text += String.fromCodePoint(code);
      } else if (next === 'x') {
        const hex = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.pos));
        if (!hex) throw new NotALiteral();
        this.pos += 2;
        const code = parseInt(hex[0], 16);
        if (bytes) out.push(code);
        else text += String.fromCodePoint(code);
      } else if (!bytes && (next === 'u' || next === 'U')) {
        const len = next === 'u' ? 4 : 8;
        const hex = new RegExp(`^[0-9a-fA-F]{${len}}`).exec(this.src.slice(this.pos));
        if (!hex) throw new NotALiteral();
        const code = parseInt(hex[0], 16);
        if (code > 0x10ffff) throw new NotALiteral();
        this.pos += len;
        text += String.fromCodePoint(code);
      } else if (!bytes && next === 'N') {
        throw new NotALiteral(); // \N{NAME} needs the Unicode name table: keep the text
      } else {
        pushChar('\\' + next); // unknown escapes keep their backslash in Python
      }
    }
    if (!bytes) return text;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(out));
    } catch {
      throw new NotALiteral(); // Ansible's to_text would fail on these bytes too
    }
  }

  /** `[1, 2]`: elements separated by commas, a trailing comma allowed. */
  private sequence(close: string): PyValue[] {
    this.pos++; // the opening bracket
    this.skipSpace();
    if (this.src[this.pos] === close) {
      this.pos++;
      return [];
    }
    return this.restOfSequence([this.expression()], close);
  }

  private restOfSequence(items: PyValue[], close: string): PyValue[] {
    for (;;) {
      this.skipSpace();
      const c = this.src[this.pos];
      if (c === close) {
        this.pos++;
        return items;
      }
      if (c !== ',') throw new NotALiteral();
      this.pos++;
      this.skipSpace();
      if (this.src[this.pos] === close) continue;
      items.push(this.expression());
    }
  }

  /** `()` and `(1, 2)` and `(1,)` are tuples (arrays); `(1)` is just 1. */
  private parenthesised(): PyValue {
    this.pos++;
    this.skipSpace();
    if (this.src[this.pos] === ')') {
      this.pos++;
      return [];
    }
    const first = this.expression();
    this.skipSpace();
    if (this.src[this.pos] === ')') {
      this.pos++;
      return first;
    }
    return this.restOfSequence([first], ')');
  }

  /** `{}` and `{k: v}` are dicts; `{a, b}` is a set (an array, in the order written). */
  private braces(): PyValue {
    this.pos++;
    this.skipSpace();
    if (this.src[this.pos] === '}') {
      this.pos++;
      return {};
    }
    const first = this.expression();
    this.skipSpace();
    if (this.src[this.pos] !== ':') return this.restOfSequence([first], '}');
    const dict: { [key: string]: PyValue } = {};
    let key = first;
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] !== ':') throw new NotALiteral();
      this.pos++;
      setOwn(dict, dictKey(key), this.expression());
      this.skipSpace();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return dict;
      }
      if (this.src[this.pos] !== ',') throw new NotALiteral();
      this.pos++;
      this.skipSpace();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return dict;
      }
      key = this.expression();
    }
  }
}

/** Python dict keys become JSON object keys the way `json.dumps` writes them. */
function dictKey(key: PyValue): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return String(key);
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  throw new NotALiteral(); // lists and dicts are unhashable: Python raises too
}
