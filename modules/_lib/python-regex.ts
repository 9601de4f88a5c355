/**
 * Playbooks carry Python regular expressions (`regexp:`, `insertafter:`) and Python
 * replacement templates (`line:` with `backrefs: true`, `\1`, `\g<name>`). This translates
 * the syntax that differs in JavaScript, so the same playbook matches the same lines:
 * named groups `(?P<n>...)`/`(?P=n)`, leading inline flags `(?i)`, `\A` and `\Z`.
 */

export class RegexError extends Error {
  override name = 'RegexError';
}

const FLAG_MAP: Record<string, string> = { i: 'i', m: 'm', s: 's', a: '', u: '', L: '' };

/** Translate a Python `re` pattern into an equivalent JavaScript RegExp. */
export function compilePythonRegex(pattern: string, argName = 'regexp', extraFlags = ''): RegExp {
  let flags = extraFlags;
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'x') throw new RegexError(`${argName}: the verbose flag (?x) is not supported; write the pattern without it`);
      if (!flags.includes(FLAG_MAP[f]!)) flags += FLAG_MAP[f];
    }
    src = src.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new RegexError(`${argName}: invalid regular expression '${pattern}': a trailing backslash escapes nothing`);
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
      // A ']' right after '[' or '[^' is a literal in both dialects.
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += src[++i];
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch (err) {
    throw new RegexError(`${argName}: invalid regular expression '${pattern}': ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
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

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/** Python's `match.expand(template)`: `\1`, `\g<1>`, `\g<name>`, and the usual escapes. */
export function expandTemplate(template: string, match: RegExpExecArray, argName = 'line'): string {
  let out = '';
  const group = (ref: string): string => {
    const value = /^\d+$/.test(ref) ? match[Number(ref)] : match.groups?.[ref];
    if (/^\d+$/.test(ref) ? Number(ref) >= match.length : !match.groups || !(ref in match.groups)) {
      throw new RegexError(`${argName}: invalid group reference '${ref}' in '${template}'`);
    }
    return value ?? '';
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = template[i + 1];
    if (n === undefined) {
      out += '\\';
      continue;
    }
    if (n === 'g') {
      const m = /^g<([^>]+)>/.exec(template.slice(i + 1));
      if (!m) throw new RegexError(`${argName}: missing group name after \\g in '${template}'`);
      out += group(m[1]!);
      i += m[0].length;
      continue;
    }
    if (n === '0') {
      const m = /^0[0-7]{0,2}/.exec(template.slice(i + 1))!;
      out += String.fromCharCode(parseInt(m[0], 8));
      i += m[0].length;
      continue;
    }
    if (/[1-9]/.test(n)) {
      const m = /^[1-9]\d?/.exec(template.slice(i + 1))!;
      out += group(m[0]);
      i += m[0].length;
      continue;
    }
    if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(n)) throw new RegexError(`${argName}: bad escape \\${n} in '${template}'`);
    out += c + n;
    i++;
  }
  return out;
}
