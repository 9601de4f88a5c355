/**
 * Python `re` patterns and replacement strings, as Ansible users write them for
 * `regex_replace`, `regex_search` and the `match`/`search` tests, translated to
 * JavaScript. The common syntax is the same; the differences handled here are named
 * groups `(?P<n>...)`, `(?P=n)`, `\A`/`\Z`, leading inline flags `(?i)`, and the
 * replacement syntax `\1`, `\g<1>`, `\g<name>`.
 */
import { TemplateError } from './errors.js';

export interface RegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
  global?: boolean;
}

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 2000;

export function toRegExp(pattern: string, options: RegexOptions = {}): RegExp {
  const key = `${options.ignorecase ? 'i' : ''}${options.multiline ? 'm' : ''}${options.global ? 'g' : ''}/${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let flags = (options.global ? 'g' : '') + (options.ignorecase ? 'i' : '') + (options.multiline ? 'm' : '');
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]!) {
      if ('ims'.includes(f) && !flags.includes(f)) flags += f;
      else if (f === 'x') throw new TemplateError(`regular expression flag (?x) (verbose) is not supported: ${JSON.stringify(pattern)}`);
    }
  }
  source = source
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])\\A/g, '$1^')
    .replace(/(^|[^\\])\\Z/g, '$1$');
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    throw new TemplateError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, re);
  return re;
}

type Piece = string | { group: number | string };

/** Parse a Python replacement string once into literal text and group references. */
function parseReplacement(replacement: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', f: '\f', v: '\v', a: '\x07', b: '\b' };
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c !== '\\' || i === replacement.length - 1) {
      text += c;
      continue;
    }
    const next = replacement[i + 1]!;
    const digits = /^\d{1,2}/.exec(replacement.slice(i + 1));
    const named = /^g<([^>]+)>/.exec(replacement.slice(i + 1));
    if (digits) {
      if (text) pieces.push(text);
      text = '';
      pieces.push({ group: Number(digits[0]) });
      i += digits[0].length;
    } else if (named) {
      if (text) pieces.push(text);
      text = '';
      pieces.push({ group: /^\d+$/.test(named[1]!) ? Number(named[1]) : named[1]! });
      i += named[0].length;
    } else if (next in escapes) {
      text += escapes[next];
      i++;
    } else {
      // Python keeps unknown escapes such as `\d` as they are.
      text += c;
    }
  }
  if (text) pieces.push(text);
  return pieces;
}

/** A function for `String.prototype.replace` that expands a Python replacement string. */
export function replacer(replacement: string): (match: string, ...rest: unknown[]) => string {
  const pieces = parseReplacement(replacement);
  return (match: string, ...rest: unknown[]) => {
    // rest: p1..pn, offset, string, [groups]
    const last = rest[rest.length - 1];
    const hasNamed = typeof last === 'object' && last !== null;
    const groups = rest.slice(0, rest.length - (hasNamed ? 3 : 2)) as Array<string | undefined>;
    const named = (hasNamed ? last : {}) as Record<string, string | undefined>;
    let out = '';
    for (const p of pieces) {
      if (typeof p === 'string') out += p;
      else if (typeof p.group === 'number') {
        if (p.group === 0) out += match;
        else if (p.group > groups.length) throw new TemplateError(`invalid group reference ${p.group} in replacement ${JSON.stringify(replacement)}`);
        else out += groups[p.group - 1] ?? '';
      } else {
        if (!(p.group in named)) throw new TemplateError(`unknown group name '${p.group}' in replacement ${JSON.stringify(replacement)}`);
        out += named[p.group] ?? '';
      }
    }
    return out;
  };
}

/** `\1` / `\g<name>` style group selectors, as `regex_search` takes them. */
export function groupSelector(selector: string): number | string {
  const m = /^\\(?:(\d+)|g<([^>]+)>)$/.exec(selector);
  if (!m) throw new TemplateError(`invalid group selector ${JSON.stringify(selector)}: use '\\\\1' or '\\\\g<name>'`);
  if (m[1] !== undefined) return Number(m[1]);
  return /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
}
