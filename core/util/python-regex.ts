/**
 * Python `re` syntax in a JavaScript engine. Playbooks carry Python patterns and
 * replacement templates (`regex_replace`, `is match`, lineinfile's `regexp:` and
 * `line:` with `backrefs`), and the same playbook must match and produce the same text
 * as under Ansible. Most syntax is shared; what differs is translated here: named groups
 * `(?P<n>...)`/`(?P=n)`, leading inline flags `(?i)`, `\A`/`\Z`, a `]` first in a class,
 * and Python's replacement syntax (`\1`, `\g<name>`, octal escapes, bad-escape errors).
 * Templates and modules both use this one translator so they cannot drift apart.
 */

export type RegexText = 'regular expression' | 'replacement' | 'group selector';

/**
 * A pattern, replacement or group selector that Python would reject (or that we cannot
 * translate). The parts are kept apart so each caller can quote the user's text its
 * own way: module messages use '…', template errors JSON strings.
 */
export class RegexError extends Error {
  override name = 'RegexError';
  constructor(
    readonly what: RegexText,
    /** The user's text, as written. */
    readonly text: string,
    readonly problem: string,
    /** The playbook argument it came from (`regexp`, `line`), when that helps the user. */
    readonly argName?: string,
  ) {
    super();
    this.message = this.describe();
  }

  describe(quote: (text: string) => string = (t) => `'${t}'`): string {
    return `${this.argName ? `${this.argName}: ` : ''}invalid ${this.what} ${quote(this.text)}: ${this.problem}`;
  }
}

export interface PythonRegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
  global?: boolean;
  /** Named in error messages. */
  argName?: string;
}

// `a`, `u` and `L` choose ASCII/Unicode/locale classes; JavaScript has one behaviour.
const INLINE_FLAGS: Record<string, string> = { i: 'i', m: 'm', s: 's', a: '', u: '', L: '' };

// Loops over hosts and items compile the same few patterns again and again.
const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 2000;

/** Python's `re.compile` as a JavaScript RegExp. Compiled patterns are shared: do not rely on `lastIndex`. */
export function compilePythonRegex(pattern: string, options: PythonRegexOptions = {}): RegExp {
  let flags = (options.global ? 'g' : '') + (options.ignorecase ? 'i' : '') + (options.multiline ? 'm' : '');
  const key = `${flags}/${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  const fail = (problem: string) => new RegexError('regular expression', pattern, problem, options.argName);
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'x') throw fail('the verbose flag (?x) is not supported; write the pattern without it');
      if (!flags.includes(INLINE_FLAGS[f]!)) flags += INLINE_FLAGS[f];
    }
    src = src.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw fail('a trailing backslash escapes nothing');
      // Not `^`/`$`: under MULTILINE those match at every line, \A and \Z never do.
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      // Python reads a `]` right after `[` or `[^` as a literal; JavaScript as the end of an empty class.
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = src.startsWith('(?P=', i) ? /^\(\?P=(\w+)\)/.exec(src.slice(i)) : null;
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += c;
  }
  let re: RegExp;
  try {
    re = new RegExp(out, flags);
  } catch (err) {
    // The engine's message repeats the translated source, which the user never wrote.
    const detail = (err as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '');
    throw fail(detail.charAt(0).toLowerCase() + detail.slice(1));
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, re);
  return re;
}

/**
 * Python's `re.search` on one line as Ansible reads it (with its line ending): Python's `$`
 * also matches before a final newline, which JavaScript's does not, so we match against the
 * line without its final "\n".
 */
export function searchLine(re: RegExp, line: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(line.endsWith('\n') ? line.slice(0, -1) : line);
}

/** What a replacement needs from a match: `RegExpExecArray`, or the captures `String.replace` passes. */
export interface MatchGroups {
  readonly [index: number]: string | undefined;
  readonly length: number;
  readonly groups?: Record<string, string | undefined> | undefined;
}

type Piece = string | number | { name: string };

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
const OCTAL = /[0-7]/;

/** Parse a replacement once, following `sre_parse.parse_template`, into text and group references. */
function parseTemplate(template: string, argName: string | undefined): Piece[] {
  const fail = (problem: string) => new RegexError('replacement', template, problem, argName);
  const pieces: Piece[] = [];
  let text = '';
  const group = (ref: number | { name: string }) => {
    if (text) pieces.push(text);
    text = '';
    pieces.push(ref);
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\') {
      text += c;
      continue;
    }
    const n = template[i + 1];
    if (n === undefined) throw fail('bad escape (end of pattern)');
    if (n === 'g') {
      if (template[i + 2] !== '<') throw fail('missing < after \\g');
      const end = template.indexOf('>', i + 3);
      if (end < 0) throw fail('missing >, unterminated group name');
      const name = template.slice(i + 3, end);
      if (!name) throw fail('missing group name');
      if (/^\d+$/.test(name)) group(Number(name));
      else if (/^[\p{ID_Start}_]\p{ID_Continue}*$/u.test(name)) group({ name });
      else throw fail(`bad character in group name '${name}'`);
      i = end;
    } else if (n === '0') {
      const digits = /^0[0-7]{0,2}/.exec(template.slice(i + 1))![0];
      text += String.fromCharCode(parseInt(digits, 8));
      i += digits.length;
    } else if (/\d/.test(n)) {
      // Three octal digits are a character (`\101` is "A"); otherwise one or two digits are a group.
      const three = template.slice(i + 1, i + 4);
      if (three.length === 3 && [...three].every((d) => OCTAL.test(d))) {
        const code = parseInt(three, 8);
        if (code > 0o377) throw fail(`octal escape value \\${three} outside of range 0-0o377`);
        text += String.fromCharCode(code);
        i += 3;
      } else {
        const digits = /^\d\d?/.exec(template.slice(i + 1))![0];
        group(Number(digits));
        i += digits.length;
      }
    } else if (n in SIMPLE_ESCAPES) {
      text += SIMPLE_ESCAPES[n];
      i++;
    } else if (/[A-Za-z]/.test(n)) {
      throw fail(`bad escape \\${n}`);
    } else {
      // Python keeps other escapes, backslash included: `\.` stays `\.`.
      text += c + n;
      i++;
    }
  }
  if (text) pieces.push(text);
  return pieces;
}

function expander(template: string, argName?: string): (match: MatchGroups) => string {
  const pieces = parseTemplate(template, argName);
  return (match) => {
    let out = '';
    for (const p of pieces) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') {
        if (p >= match.length) throw new RegexError('replacement', template, `invalid group reference ${p}`, argName);
        out += match[p] ?? '';
      } else {
        if (!match.groups || !(p.name in match.groups)) throw new RegexError('replacement', template, `unknown group name '${p.name}'`, argName);
        out += match.groups[p.name] ?? '';
      }
    }
    return out;
  };
}

/** Python's `match.expand(template)`. */
export function expandTemplate(template: string, match: MatchGroups, argName?: string): string {
  return expander(template, argName)(match);
}

/** A `String.prototype.replace` callback that expands a Python replacement, parsed once for all matches. */
export function replacer(template: string, argName?: string): (match: string, ...rest: unknown[]) => string {
  const expand = expander(template, argName);
  return (...args: unknown[]) => {
    // args: match, p1..pn, offset, string, and a groups object when the pattern has named groups.
    const last = args[args.length - 1];
    const groups = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const captures = args.slice(0, args.length - (groups ? 3 : 2)) as Array<string | undefined>;
    return expand(Object.assign(captures, { groups }));
  };
}

/** `regex_search`'s group arguments, `\1` or `\g<name>`: a group number or name. */
export function groupSelector(selector: string): number | string {
  const m = /^\\(?:(\d+)|g<([^>]+)>)$/.exec(selector);
  if (!m) throw new RegexError('group selector', selector, "use '\\\\1' or '\\\\g<name>'");
  if (m[1] !== undefined) return Number(m[1]);
  return /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
}
