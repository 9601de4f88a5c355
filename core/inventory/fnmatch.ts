/**
 * Python's fnmatch.fnmatchcase, which Ansible uses for host pattern wildcards:
 * `*` any run of characters (including `.` and `/`), `?` one character, `[seq]` and
 * `[!seq]` character classes; nothing else is special (no braces, no escapes), and an
 * unclosed `[` is literal. Ported from fnmatch.translate rather than using a glob
 * library, because glob libraries give `/`, `!`, `{}` and `\` other meanings.
 */
export function fnmatchRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i++]!;
    if (c === '*') {
      if (!re.endsWith('[\\s\\S]*')) re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (j < n && pattern[j] === '!') j++;
      if (j < n && pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) {
        re += '\\[';
      } else {
        let body = pattern.slice(i, j);
        i = j + 1;
        let negate = false;
        if (body.startsWith('!')) {
          negate = true;
          body = body.slice(1);
        }
        // Inside a JavaScript class only \ ] [ ^ need escaping; `-` keeps its range meaning.
        const escaped = body.replace(/[\\\]\[^]/g, '\\$&');
        re += negate ? `[^${escaped}]` : `[${escaped}]`;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^(?:${re})$`, 'u');
}

export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegExp(pattern).test(name);
}
