/**
 * Python's `ast.literal_eval` for the text Ansible's concat step reads back into data
 * (ansible-core 2.14, template/native_helpers.py `ansible_eval_concat`): a playbook value
 * that is one `{{ expr }}` whose result is text starting with `{` or `[`, or exactly
 * `True`/`False`, becomes the list, mapping or boolean that text spells in Python; the
 * names `true`, `false` and `null` count as Python's True, False and None there (Ansible's
 * Json2Python), so JSON text reads too. Anything literal_eval refuses (a syntax error, a name,
 * an operator) leaves the text as it is, and so does `parsePythonLiteral` (it returns
 * undefined).
 *
 * Python reads the text with its own tokenizer, so its rules apply, not JSON's: single quotes,
 * `'''` strings, adjacent strings joined, `\x41` escapes and unknown escapes kept (`'\/'` is
 * two characters), trailing commas, `# comments`, `1_000`, `0x1F`, tuples (read as lists),
 * at most 200 nested brackets. Python values that tsplay's data has no form for are refused
 * here and the text stays text: sets (`{1, 2}`), bytes (`b'x'`), complex numbers, `\N{name}`
 * escapes, and mapping keys that are not strings or numbers. A number keeps its value, not
 * its Python type (`1.0` is read as 1, as everywhere in tsplay).
 */

/** What literal_eval accepts as the operand of a unary sign: a number written as a number. */
type Node = { value: unknown; number: boolean };

class Refused extends Error {}

const refuse = (): never => {
  throw new Refused();
};

/** Python's tokenizer refuses deeper nesting ("too many nested parentheses"). */
const MAX_NESTING = 200;
/** Python 3.11 refuses decimal integers longer than this (sys.int_info.str_digits_check_threshold). */
const MAX_INT_DIGITS = 4300;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };

class Reader {
  private i = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  /** Skips blanks, comments and line continuations; newlines only inside brackets. */
  private skip(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '\n' && this.depth > 0) this.i++;
      else if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '\\' && s[this.i + 1] === '\n') {
        this.i += 2;
        // A continuation must be followed by more of the expression.
        if (this.depth === 0 && /^[ \t\f]*(#.*)?$/.test(s.slice(this.i))) refuse();
      } else return;
    }
  }

  private peek(): string | undefined {
    this.skip();
    return this.src[this.i];
  }

  private expect(c: string): void {
    if (this.peek() !== c) refuse();
    this.i++;
  }

  private open(c: string): void {
    this.expect(c);
    if (++this.depth > MAX_NESTING) refuse();
  }

  private close(c: string): void {
    this.expect(c);
    this.depth--;
  }

  /** The whole text is one value followed only by blanks, comments and newlines. */
  document(): unknown {
    const { value } = this.value();
    for (this.skip(); this.i < this.src.length; this.skip()) {
      if (this.src[this.i] !== '\n') refuse();
      this.i++;
    }
    return value;
  }

  private value(): Node {
    const c = this.peek();
    if (c === undefined) return refuse();
    if (c === '[') return { value: this.sequence('[', ']'), number: false };
    if (c === '(') return this.parenthesized();
    if (c === '{') return { value: this.mapping(), number: false };
    if (c === '+' || c === '-') {
      this.i++;
      const operand = this.value();
      if (!operand.number || typeof operand.value !== 'number') refuse();
      return { value: c === '-' ? -(operand.value as number) : operand.value, number: false };
    }
    if (/[0-9.]/.test(c)) return { value: this.number(), number: true };
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i))?.[0];
    if (word !== undefined) {
      const quote = this.src[this.i + word.length];
      if ((quote === "'" || quote === '"') && /^(r|u|R|U)$/.test(word)) return { value: this.strings(), number: false };
      if (quote === "'" || quote === '"') return refuse(); // bytes and f-strings
      if (!Object.prototype.hasOwnProperty.call(CONSTANTS, word)) return refuse();
      this.i += word.length;
      return { value: CONSTANTS[word], number: false };
    }
    if (c === "'" || c === '"') return { value: this.strings(), number: false };
    return refuse();
  }

  private sequence(openChar: string, closeChar: string): unknown[] {
    this.open(openChar);
    const out: unknown[] = [];
    while (this.peek() !== closeChar) {
      out.push(this.value().value);
      if (this.peek() === ',') this.i++;
      else break;
    }
    this.close(closeChar);
    return out;
  }

  /** `(1)` is 1 (still a number for a sign), `()` and `(1,)` are tuples, read as lists. */
  private parenthesized(): Node {
    this.open('(');
    if (this.peek() === ')') {
      this.close(')');
      return { value: [], number: false };
    }
    const first = this.value();
    if (this.peek() === ')') {
      this.close(')');
      return first;
    }
    const out = [first.value];
    while (this.peek() === ',') {
      this.i++;
      if (this.peek() === ')') break;
      out.push(this.value().value);
    }
    this.close(')');
    return { value: out, number: false };
  }

  private mapping(): Record<string, unknown> {
    this.open('{');
    const out: Record<string, unknown> = {};
    while (this.peek() !== '}') {
      const key = this.value().value;
      // A set ({1, 2}) or dict unpacking ({**x}) has no `:` here.
      this.expect(':');
      const value = this.value().value;
      let name: string;
      if (typeof key === 'string') name = key;
      else if (typeof key === 'number') name = String(key);
      else return refuse();
      // defineProperty: a key named __proto__ is data, never the object's prototype.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      if (this.peek() === ',') this.i++;
      else break;
    }
    this.close('}');
    return out;
  }

  private number(): number {
    const rest = this.src.slice(this.i);
    const digits = '[0-9](?:_?[0-9])*';
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+/.exec(rest) ??
      /^0[oO](?:_?[0-7])+/.exec(rest) ??
      /^0[bB](?:_?[01])+/.exec(rest) ??
      new RegExp(`^(?:(?:${digits})?\\.${digits}|${digits}\\.?)(?:[eE][+-]?${digits})?`).exec(rest);
    if (!m) return refuse();
    const text = m[0];
    this.i += text.length;
    // A name or another number glued to it (`1abc`, `1j` complex, `0x1G`) is not a literal tsplay reads.
    if (/^[A-Za-z0-9_.]/.test(this.src.slice(this.i))) refuse();
    const clean = text.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return Number(clean.toLowerCase());
    if (/^[0-9]+$/.test(clean)) {
      // Decimal integers: no leading zeros except in 0, 00...
      if (/^0+[1-9]/.test(clean) || clean.length > MAX_INT_DIGITS) refuse();
      return Number(clean);
    }
    return Number(clean);
  }

  /** One string literal or several adjacent ones, joined (`'a' "b"` is `'ab'`). */
  private strings(): string {
    let out = '';
    do out += this.string();
    while (this.startsString());
    return out;
  }

  private startsString(): boolean {
    const c = this.peek();
    if (c === "'" || c === '"') return true;
    if (c === undefined || !/[A-Za-z]/.test(c)) return false;
    const word = /^[A-Za-z]+/.exec(this.src.slice(this.i))![0];
    const quote = this.src[this.i + word.length];
    // bytes and f-strings after a str are refused by string().
    return (quote === "'" || quote === '"') && /^(r|u|b|f|br|rb|fr|rf)$/i.test(word);
  }

  private string(): string {
    const s = this.src;
    let raw = false;
    const prefix = /^[A-Za-z]*/.exec(s.slice(this.i))![0];
    if (/^[rR]$/.test(prefix)) raw = true;
    else if (prefix !== '' && !/^[uU]$/.test(prefix)) refuse();
    this.i += prefix.length;
    const q = s[this.i]!;
    const triple = s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      if (this.i >= s.length) return refuse();
      if (s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      const c = s[this.i]!;
      if (c === '\n' && !triple) return refuse();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const next = s[this.i + 1];
      if (next === undefined) return refuse();
      if (raw) {
        // A raw string keeps the backslash; it still stops a quote from ending the string.
        out += c + next;
        this.i += 2;
        continue;
      }
      this.i += 2;
      if (next === '\n') continue;
      if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, next)) out += SIMPLE_ESCAPES[next];
      else if (/[0-7]/.test(next)) {
        const oct = next + /^[0-7]{0,2}/.exec(s.slice(this.i))![0];
        this.i += oct.length - 1;
        out += String.fromCodePoint(parseInt(oct, 8));
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return refuse();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) return refuse();
        this.i += len;
        out += code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
      } else if (next === 'N') {
        return refuse(); // named characters: no table of Unicode names here
      } else out += c + next; // unknown escapes keep their backslash, as in Python
    }
  }
}

/** The value Python's literal_eval (with JSON's true/false/null) reads from `text`, or undefined when it refuses. */
export function parsePythonLiteral(text: string): { value: unknown } | undefined {
  // Python reads source with universal newlines; a NUL byte is refused outright.
  if (text.includes('\0')) return undefined;
  const src = text.replace(/\r\n?/g, '\n');
  try {
    return { value: new Reader(src).document() };
  } catch (err) {
    if (err instanceof Refused || err instanceof RangeError) return undefined;
    throw err;
  }
}

/** Ansible's test before trying literal_eval: text that starts like a list or mapping, or is a boolean's name. */
export function looksLikeData(text: string): boolean {
  return text.startsWith('{') || text.startsWith('[') || text === 'True' || text === 'False';
}
