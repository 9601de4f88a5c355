/**
 * The text transformation of `replace`, as a pure function following Ansible's module:
 * the section between `after` and `before` (searched with DOTALL) has every match of
 * `regexp` (compiled with MULTILINE) replaced by `replace`, Python's `re.subn`.
 *
 * Where Python's `re` and JavaScript's RegExp read the same pattern differently, the
 * pattern is rewritten first so it matches what it matches under Ansible:
 * - `.` stops only at "\n" in Python; JavaScript also stops at "\r", U+2028 and U+2029;
 * - MULTILINE `^` / `$` are at "\n" only in Python (JavaScript also at "\r", so `x$`
 *   would match in a CRLF line and Python's would not);
 * - without MULTILINE, Python's `$` also matches before a final "\n".
 * Named groups, `\A`/`\Z`, inline flags and the replacement syntax (`\1`, `\g<name>`) are
 * handled by core/util/python-regex.ts, shared with lineinfile and the template filters.
 */
import { compilePythonRegex, replacer } from '../../core/util/python-regex.js';

const DOT = '[^\\n]';
const DOT_ALL = '[\\s\\S]';
const LINE_START = '(?:(?<![\\s\\S])|(?<=\\n))';
const LINE_END = '(?=\\n|(?![\\s\\S]))';
const TEXT_END = '(?=\\n?(?![\\s\\S]))';

/**
 * Rewrite `.`, `^` and `$` (outside character classes, not escaped) into explicit forms
 * with Python's meaning under the given flags. The result is still Python syntax.
 */
export function pythonAnchors(pattern: string, flags: { multiline: boolean; dotall: boolean }): string {
  // A leading `(?s)` / `(?m)` turns the flag on for the whole pattern, as in Python.
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern)?.[1] ?? '';
  const dotall = flags.dotall || inline.includes('s');
  const multiline = flags.multiline || inline.includes('m');
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '[') {
      // Copy the class as it is; a `]` right after `[` or `[^` is a literal in Python.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      out += pattern.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      // `(?P<name>`, `(?<=`, `(?i)`...: copy the group's opening so its `<`/`=` stay as they are.
      const head = /^\(\?(?:P<\w+>|P=\w+\)|<[=!]|[=!:>]|[aiLmsux]+\)|[aiLmsux-]+:)/.exec(pattern.slice(i));
      if (head) {
        out += head[0];
        i += head[0].length - 1;
        continue;
      }
    }
    if (c === '.') out += dotall ? DOT_ALL : DOT;
    else if (c === '^') out += multiline ? LINE_START : '(?<![\\s\\S])';
    else if (c === '$') out += multiline ? LINE_END : TEXT_END;
    else out += c;
  }
  return out;
}

export interface ReplaceSpec {
  regexp: string;
  replace: string;
  after?: string;
  before?: string;
}

export interface ReplaceOutcome {
  text: string;
  changed: boolean;
  /** Number of replacements made (Python's subn count). */
  count: number;
  /** Ansible's msg: 'N replacements made', '' or the before/after message. */
  msg: string;
  /** after/before did not match: Ansible stops there (file attributes are not applied). */
  noSection?: boolean;
}

/** Ansible's replace on `contents`; throws RegexError for a pattern Python would reject. */
export function replaceText(contents: string, spec: ReplaceSpec): ReplaceOutcome {
  let section = contents;
  let start = 0;
  let end = contents.length;
  if (spec.after !== undefined || spec.before !== undefined) {
    // Ansible builds one pattern from the two and searches it with DOTALL.
    const pattern =
      spec.after !== undefined && spec.before !== undefined
        ? `${spec.after}(?P<subsection>.*?)${spec.before}`
        : spec.after !== undefined
          ? `${spec.after}(?P<subsection>.*)`
          : `(?P<subsection>.*)${spec.before}`;
    const argName = spec.after !== undefined && spec.before !== undefined ? 'after/before' : spec.after !== undefined ? 'after' : 'before';
    compilePythonRegex(pattern, { argName }); // errors name the user's pattern, not the rewrite
    const re = compilePythonRegex(pythonAnchors(pattern, { multiline: false, dotall: true }), { argName });
    // A copy with the `d` flag gives the subsection's span (compiled patterns are shared).
    const m = new RegExp(re.source, `${re.flags.replace('g', '')}d`).exec(contents);
    if (!m) return { text: contents, changed: false, count: 0, noSection: true, msg: `Pattern for before/after params did not match the given file: ${pattern}` };
    const span = m.indices!.groups!.subsection!;
    [start, end] = span;
    section = contents.slice(start, end);
  }
  compilePythonRegex(spec.regexp, { argName: 'regexp' });
  const re = compilePythonRegex(pythonAnchors(spec.regexp, { multiline: true, dotall: false }), { argName: 'regexp', global: true });
  const expand = replacer(spec.replace, 'replace');
  let count = 0;
  const replaced = section.replace(re, (...args: unknown[]) => {
    count++;
    return expand(...(args as [string, ...unknown[]]));
  });
  if (count === 0 || replaced === section) return { text: contents, changed: false, count, msg: '' };
  return { text: contents.slice(0, start) + replaced + contents.slice(end), changed: true, count, msg: `${count} replacements made` };
}
