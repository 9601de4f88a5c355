/**
 * Byte-preserving line editing for module authors: `lineinfile` and `blockinfile` as
 * functions from a file's bytes to new bytes. Lines the edit does not touch come back byte
 * for byte (CRLF endings, invalid UTF-8, a missing final newline); patterns are Python
 * regular expressions, as in Ansible (`(?P<name>...)`, `\g<1>` in backrefs).
 */
import { binaryToBuffer, blockinfile, lineinfileAbsent, lineinfilePresent, splitLines } from '../../modules/_lib/line-edit.js';

export { RegexError } from '../util/python-regex.js';

export interface LineEdit {
  /** The new content (the same bytes when nothing changed). */
  content: Buffer;
  changed: boolean;
  /** Ansible's message: 'line added', 'line replaced', 'N line(s) removed', 'Block inserted'... */
  msg: string;
}

export interface EnsureLineOptions {
  /** The line that must be in the file (without its newline). */
  line: string;
  /** The last line matching this replaces it (the first with `firstMatch`). */
  regexp?: string;
  /** Like regexp, a literal substring. */
  searchString?: string;
  /** Where a new line goes: after the last line matching this regexp, or 'EOF' (default). */
  insertAfter?: string;
  /** Where a new line goes: before the last line matching this regexp, or 'BOF'. */
  insertBefore?: string;
  /** `line` may use the regexp's groups (`\1`, `\g<name>`); no match leaves the file unchanged. */
  backrefs?: boolean;
  firstMatch?: boolean;
}

const binary = (content: Buffer | string | null) => (content === null ? '' : Buffer.isBuffer(content) ? content.toString('latin1') : Buffer.from(content).toString('latin1'));

/** `lineinfile state=present`. Throws RegexError for an invalid pattern. */
export function ensureLine(content: Buffer | string | null, o: EnsureLineOptions): LineEdit {
  const r = lineinfilePresent(splitLines(binary(content)), {
    line: o.line,
    backrefs: o.backrefs ?? false,
    firstmatch: o.firstMatch ?? false,
    ...(o.regexp !== undefined ? { regexp: o.regexp } : {}),
    ...(o.searchString !== undefined ? { searchString: o.searchString } : {}),
    ...(o.insertAfter !== undefined ? { insertafter: o.insertAfter } : {}),
    ...(o.insertBefore !== undefined ? { insertbefore: o.insertBefore } : {}),
  });
  return { content: binaryToBuffer(r.lines.join('')), changed: r.changed, msg: r.msg };
}

/** `lineinfile state=absent`: every line matching `regexp`, containing `searchString`, or equal to `line` goes. */
export function removeLines(content: Buffer | string | null, o: { regexp?: string; searchString?: string; line?: string }): LineEdit & { found: number } {
  const r = lineinfileAbsent(splitLines(binary(content)), o);
  return { content: binaryToBuffer(r.lines.join('')), changed: r.changed, msg: r.msg, found: r.found };
}

export interface EnsureBlockOptions {
  /** The block's lines; '' with state 'present' removes the block, as in Ansible. */
  block: string;
  state?: 'present' | 'absent';
  /** `{mark}` becomes markerBegin/markerEnd. Default '# {mark} ANSIBLE MANAGED BLOCK'. */
  marker?: string;
  markerBegin?: string;
  markerEnd?: string;
  insertAfter?: string;
  insertBefore?: string;
  appendNewline?: boolean;
  prependNewline?: boolean;
}

/** `blockinfile`: a marked block inserted, replaced in place, or removed. `null` content is a missing file. */
export function ensureBlock(content: Buffer | string | null, o: EnsureBlockOptions): LineEdit {
  const r = blockinfile(content === null ? null : binary(content), {
    block: o.block,
    marker: o.marker ?? '# {mark} ANSIBLE MANAGED BLOCK',
    markerBegin: o.markerBegin ?? 'BEGIN',
    markerEnd: o.markerEnd ?? 'END',
    present: (o.state ?? 'present') === 'present',
    appendNewline: o.appendNewline ?? false,
    prependNewline: o.prependNewline ?? false,
    ...(o.insertAfter !== undefined ? { insertafter: o.insertAfter } : {}),
    ...(o.insertBefore !== undefined ? { insertbefore: o.insertBefore } : {}),
  });
  return { content: binaryToBuffer(r.result), changed: r.changed, msg: r.msg };
}
