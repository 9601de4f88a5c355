/**
 * A byte-preserving INI editor: the pure core of `ini_set`.
 *
 * The file is parsed into lines that remember their exact text and line terminator, so
 * rendering an unedited document gives back the input byte for byte. Edits touch only the
 * lines they must: a changed value replaces the value's span and keeps the line's own
 * spacing, new options go next to where they belong, and comments (including commented
 * defaults such as `#virt_type=qemu`) are never rewritten unless asked to.
 *
 * Semantics follow Ansible's `ini_file` (section `null` = the lines before the first
 * section header; `exclusive`; `allow_no_value`; `no_extra_spaces`), with one deliberate
 * difference: a commented default is left alone and the active option is inserted right
 * after it (Ansible >= 8 replaces it; `modifyInactiveOption` restores that behaviour).
 */
import { splitLinesKeepingEol, type Eol } from './lines.js';

export type { Eol } from './lines.js';

export type IniLineKind = 'blank' | 'comment' | 'section' | 'option' | 'continuation';

export interface IniLine {
  /** The line without its terminator. */
  text: string;
  eol: Eol;
  kind: IniLineKind;
  /** kind=section: the section name (trimmed). */
  section?: string;
  /** kind=option: the option name (trimmed). */
  key?: string;
  /** kind=option: the value (trimmed), or null for a bare option without `=`. */
  value?: string | null;
  /** kind=option with `=`: where the value starts and ends in `text` (to replace it in place). */
  valueStart?: number;
  valueEnd?: number;
  /** kind=comment that comments out an option (`#virt_type=qemu`, `; debug = true`): its name. */
  commentedKey?: string;
}

export interface IniDocument {
  /** A UTF-8 byte order mark at the start of the file, kept as it was. */
  bom: string;
  lines: IniLine[];
}

const SECTION_RE = /^[ \t]*\[([^\]]*)\][ \t]*(?:[#;].*)?$/;
const COMMENTED_OPTION_RE = /^[ \t]*[#;]+[ \t]*([^\s=#;[\]][^=]*?)[ \t]*=/;


function indentOf(text: string): number {
  return /^[ \t]*/.exec(text)![0].length;
}

/** Classify one line. `prevOption` is the option line a deeper-indented line may continue. */
export function parseLine(text: string, eol: Eol, prevOptionIndent: number | null): IniLine {
  const trimmed = text.trim();
  if (trimmed === '') return { text, eol, kind: 'blank' };
  if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
    const m = COMMENTED_OPTION_RE.exec(text);
    return m ? { text, eol, kind: 'comment', commentedKey: m[1]!.trim() } : { text, eol, kind: 'comment' };
  }
  const section = SECTION_RE.exec(text);
  if (section) return { text, eol, kind: 'section', section: section[1]!.trim() };
  // A line indented deeper than the option right above it continues that option's value
  // (Python configparser's multi-line values). Equally indented lines are options of their
  // own, as in .gitconfig-style files where every key is indented.
  if (prevOptionIndent !== null && indentOf(text) > prevOptionIndent) return { text, eol, kind: 'continuation' };
  const eq = text.indexOf('=');
  if (eq === -1) return { text, eol, kind: 'option', key: trimmed, value: null };
  const afterEq = text.slice(eq + 1);
  const valueStart = eq + 1 + indentOf(afterEq);
  const valueEnd = text.replace(/[ \t\r]+$/, '').length;
  return {
    text,
    eol,
    kind: 'option',
    key: text.slice(0, eq).trim(),
    value: valueEnd > valueStart ? text.slice(valueStart, valueEnd) : '',
    valueStart,
    valueEnd: Math.max(valueStart, valueEnd),
  };
}

export function parseIni(input: string): IniDocument {
  const bom = input.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines: IniLine[] = [];
  let prevOptionIndent: number | null = null;
  for (const { text, eol } of splitLinesKeepingEol(bom ? input.slice(1) : input)) {
    const line = parseLine(text, eol, prevOptionIndent);
    lines.push(line);
    if (line.kind === 'option') prevOptionIndent = indentOf(text);
    else if (line.kind !== 'continuation') prevOptionIndent = null;
  }
  return { bom, lines };
}

export function renderIni(doc: IniDocument): string {
  return doc.bom + doc.lines.map((l) => l.text + l.eol).join('');
}

/** The line terminator new lines get: the file's own (first line's), LF for new files. */
export function documentEol(doc: IniDocument): '\n' | '\r\n' {
  const first = doc.lines.find((l) => l.eol !== '');
  return first?.eol === '\r\n' ? '\r\n' : '\n';
}

/**
 * Lines of one section: [start, end). For a named section `start` is its header; for the
 * section-less part (`null`) `start` is 0 and there is no header. The first section of
 * that name wins, as in Ansible.
 */
export interface SectionRange {
  header: number | null;
  /** First line after the header (or 0). */
  bodyStart: number;
  end: number;
}

export function findSection(lines: IniLine[], section: string | null): SectionRange | null {
  if (section === null) {
    const firstHeader = lines.findIndex((l) => l.kind === 'section');
    return { header: null, bodyStart: 0, end: firstHeader === -1 ? lines.length : firstHeader };
  }
  const header = lines.findIndex((l) => l.kind === 'section' && l.section === section);
  if (header === -1) return null;
  let end = header + 1;
  while (end < lines.length && lines[end]!.kind !== 'section') end++;
  return { header, bodyStart: header + 1, end };
}

/** A value read back from a document: all values of `option` in `section`, in file order. */
export function getValues(doc: IniDocument, section: string | null, option: string): Array<string | null> {
  const range = findSection(doc.lines, section);
  if (!range) return [];
  const out: Array<string | null> = [];
  for (let i = range.bodyStart; i < range.end; i++) {
    const l = doc.lines[i]!;
    if (l.kind === 'option' && l.key === option) out.push(fullValue(doc.lines, i));
  }
  return out;
}

/** An option's value including configparser continuation lines, joined with newlines. */
function fullValue(lines: IniLine[], index: number): string | null {
  const line = lines[index]!;
  if (line.value === null || line.value === undefined) return null;
  const parts = [line.value];
  for (let i = index + 1; i < lines.length && lines[i]!.kind === 'continuation'; i++) parts.push(lines[i]!.text.trim());
  return parts.join('\n');
}

/** How many continuation lines follow the option at `index`. */
function continuationCount(lines: IniLine[], index: number): number {
  let n = 0;
  while (index + 1 + n < lines.length && lines[index + 1 + n]!.kind === 'continuation') n++;
  return n;
}

export interface IniEdit {
  /** `null`: the section-less lines before the first header. */
  section: string | null;
  /** Omitted: the edit is about the whole section. */
  option?: string;
  /** Wanted values (state present) or values to remove (state absent, non-exclusive). */
  values: string[];
  state: 'present' | 'absent';
}

export interface IniEditOptions {
  /** present: other values of the option are replaced/removed; absent: every value goes. */
  exclusive: boolean;
  /** An option may be a bare key without `=` (state present with no values writes one). */
  allowNoValue: boolean;
  /** Write `key=value` instead of `key = value` on lines this edit writes from scratch. */
  noExtraSpaces: boolean;
  /** An existing `key=value` line whose value already matches is left as is (any spacing). */
  ignoreSpaces: boolean;
  /** Replace a commented default (`#key=...`) with the active option instead of adding after it. */
  modifyInactiveOption: boolean;
  /**
   * How a missing section and a new file are laid out. 'ini_set': an appended section gets a
   * blank line before it, and a new file starts with its first line. 'ini_file': as Ansible's
   * ini_file (community.general 6) writes them: the section header right after the last
   * line, and an empty or new file begins with an empty line.
   */
  layout: 'ini_set' | 'ini_file';
}

export const DEFAULT_EDIT_OPTIONS: IniEditOptions = {
  exclusive: true,
  allowNoValue: false,
  noExtraSpaces: false,
  ignoreSpaces: true,
  modifyInactiveOption: false,
  layout: 'ini_set',
};

export interface IniEditResult {
  doc: IniDocument;
  /** One human-readable line per change (`[ovs] local_ip: 192.168.0.100 -> 10.0.0.2`). */
  changes: string[];
}

function label(section: string | null, option?: string): string {
  const s = section === null ? '' : `[${section}]`;
  return option === undefined ? s || '(top of file)' : s ? `${s} ${option}` : option;
}

function formatAssignment(option: string, value: string | null, o: IniEditOptions): string {
  if (value === null) return option;
  return o.noExtraSpaces ? `${option}=${value}` : `${option} = ${value}`;
}

/** The same option line with only its value replaced (spacing and trailing text kept). */
function replaceValue(line: IniLine, value: string | null, o: IniEditOptions): string {
  if (value === null || line.value === null || line.valueStart === undefined || line.valueEnd === undefined) {
    return indentOf(line.text) ? line.text.slice(0, indentOf(line.text)) + formatAssignment(line.key!, value, o) : formatAssignment(line.key!, value, o);
  }
  return line.text.slice(0, line.valueStart) + value + line.text.slice(line.valueEnd);
}

class Editor {
  readonly changes: string[] = [];
  readonly eol: '\n' | '\r\n';
  readonly lines: IniLine[];

  constructor(
    doc: IniDocument,
    private readonly o: IniEditOptions,
  ) {
    this.lines = doc.lines.map((l) => ({ ...l }));
    this.eol = documentEol(doc);
  }

  private newLine(text: string, prevOptionIndent: number | null = null): IniLine {
    return parseLine(text, this.eol, prevOptionIndent);
  }

  /** Insert lines at `index`, giving the line before it a terminator if it had none. */
  private insert(index: number, texts: string[]): void {
    if (index > 0 && this.lines[index - 1]!.eol === '') this.lines[index - 1]!.eol = this.eol;
    this.lines.splice(index, 0, ...texts.map((t) => this.newLine(t)));
  }

  private remove(index: number): void {
    this.lines.splice(index, 1 + continuationCount(this.lines, index));
  }

  private replace(index: number, text: string): void {
    const n = continuationCount(this.lines, index);
    const line = this.newLine(text);
    // The rewritten line keeps the terminator it had, so "no newline at end of file" stays.
    line.eol = this.lines[index + n]!.eol;
    this.lines.splice(index, 1 + n, line);
  }

  /**
   * Indentation for lines this edit adds to a section: that of the section's first option
   * (or commented option), so an added line never turns an indented neighbour into a
   * continuation line of itself when the file is read again.
   */
  private indentFor(range: SectionRange): string {
    for (let i = range.bodyStart; i < range.end; i++) {
      const l = this.lines[i]!;
      if (l.kind === 'option' || (l.kind === 'comment' && l.commentedKey !== undefined)) return l.text.slice(0, indentOf(l.text));
    }
    return '';
  }

  private matching(range: SectionRange, option: string): number[] {
    const out: number[] = [];
    for (let i = range.bodyStart; i < range.end; i++) {
      const l = this.lines[i]!;
      if (l.kind === 'option' && l.key === option) out.push(i);
    }
    return out;
  }

  apply(edit: IniEdit): void {
    if (edit.state === 'present') this.present(edit);
    else this.absent(edit);
  }

  private present(edit: IniEdit): void {
    const { section, option } = edit;
    let range = findSection(this.lines, section);
    if (!range) {
      const texts: string[] = [];
      const last = this.lines[this.lines.length - 1];
      if (this.o.layout === 'ini_set' && last && last.kind !== 'blank') texts.push('');
      texts.push(`[${section}]`);
      if (option !== undefined) for (const v of this.wanted(edit)) texts.push(formatAssignment(option, v, this.o));
      this.insert(this.lines.length, texts);
      this.changes.push(option === undefined ? `section [${section}] added` : `section [${section}] added with ${this.describeValues(option, this.wanted(edit))}`);
      return;
    }
    if (option === undefined) return;

    const want = this.wanted(edit);
    const remaining = [...want];
    // Lines are tracked by identity: replacing one may drop continuation lines and shift indices.
    const matches = this.matching(range, option).map((i) => this.lines[i]!);
    const kept = new Set<IniLine>();
    const at = (line: IniLine): number => this.lines.indexOf(line);

    // 1. Lines that already carry a wanted value stay (reformatted only if ignoreSpaces is off).
    for (const line of matches) {
      const value = fullValue(this.lines, at(line));
      const wantedAt = remaining.indexOf(value);
      if (wantedAt === -1) continue;
      remaining.splice(wantedAt, 1);
      kept.add(line);
      if (!this.o.ignoreSpaces) {
        const text = line.text.slice(0, indentOf(line.text)) + formatAssignment(option, value, this.o);
        if (line.text !== text) {
          this.replace(at(line), text);
          this.changes.push(`${label(section, option)}: spacing normalised`);
        }
      }
    }

    // 2. Exclusive: other values are replaced in place, then the surplus removed.
    if (this.o.exclusive) {
      for (const line of matches.filter((l) => !kept.has(l))) {
        const old = fullValue(this.lines, at(line));
        if (remaining.length > 0) {
          const value = remaining.shift()!;
          this.replace(at(line), replaceValue(line, value, this.o));
          this.changes.push(`${label(section, option)}: ${show(old)} -> ${show(value)}`);
        } else {
          this.remove(at(line));
          this.changes.push(`${label(section, option)}: ${show(old)} removed`);
        }
      }
    }
    if (remaining.length === 0) return;

    // 3. Values still missing are added where a reader looks for them.
    range = findSection(this.lines, section)!;
    if (this.o.modifyInactiveOption) {
      for (let i = range.bodyStart; i < range.end && remaining.length > 0; i++) {
        const l = this.lines[i]!;
        if (l.kind === 'comment' && l.commentedKey === option) {
          const value = remaining.shift()!;
          this.replace(i, this.indentFor(range) + formatAssignment(option, value, this.o));
          this.changes.push(`${label(section, option)} = ${show(value)} (replaces ${l.text.trim()})`);
        }
      }
      if (remaining.length === 0) return;
    }
    const insertAt = this.insertionPoint(range, option);
    const indent = this.indentFor(range);
    this.insert(
      insertAt,
      remaining.map((v) => indent + formatAssignment(option, v, this.o)),
    );
    for (const v of remaining) this.changes.push(`${label(section, option)} = ${show(v)} added`);
  }

  /**
   * Where a new option line goes: after the last line of the same option (non-exclusive
   * multi-values), else right after its commented default (`#virt_type=qemu`), else after
   * the section's last option (Ansible). In the section-less part with no options, after
   * the last non-blank line (a comment-only file keeps its header comment on top).
   */
  private insertionPoint(range: SectionRange, option: string): number {
    let lastSame = -1;
    let lastCommented = -1;
    let lastContent = -1;
    let lastNonBlank = -1;
    for (let i = range.bodyStart; i < range.end; i++) {
      const l = this.lines[i]!;
      if (l.kind === 'option' && l.key === option) lastSame = i;
      if (l.kind === 'comment' && l.commentedKey === option) lastCommented = i;
      if (l.kind === 'option' || l.kind === 'continuation') lastContent = i;
      if (l.kind !== 'blank') lastNonBlank = i;
    }
    const after = (i: number): number => i + 1 + continuationCount(this.lines, i);
    if (lastSame !== -1) return after(lastSame);
    if (lastCommented !== -1) return lastCommented + 1;
    if (lastContent !== -1) return after(lastContent);
    if (range.header !== null) return range.header + 1;
    return lastNonBlank + 1;
  }

  private absent(edit: IniEdit): void {
    const { section, option } = edit;
    const range = findSection(this.lines, section);
    if (!range) return;
    if (option === undefined) {
      if (range.header === null) throw new Error('removing the section-less part of a file is not supported: give a section or an option');
      this.lines.splice(range.header, range.end - range.header);
      this.changes.push(`section [${section}] removed`);
      return;
    }
    const removeAll = this.o.exclusive || edit.values.length === 0;
    for (const i of this.matching(range, option).reverse()) {
      const value = fullValue(this.lines, i);
      if (!removeAll && !edit.values.includes(value ?? '')) continue;
      this.remove(i);
      this.changes.push(`${label(section, option)}${value === null ? '' : ` = ${show(value)}`} removed`);
    }
  }

  private wanted(edit: IniEdit): Array<string | null> {
    const unique = [...new Set(edit.values)];
    if (unique.length === 0 && this.o.allowNoValue) return [null];
    return unique;
  }

  private describeValues(option: string, values: Array<string | null>): string {
    return values.map((v) => (v === null ? option : `${option} = ${show(v)}`)).join(', ');
  }
}

function show(value: string | null): string {
  return value === null ? '(no value)' : JSON.stringify(value);
}

/** Apply edits in order to a copy of `doc`; the input is not modified. */
export function applyIniEdits(doc: IniDocument, edits: IniEdit[], options: Partial<IniEditOptions> = {}): IniEditResult {
  const o = { ...DEFAULT_EDIT_OPTIONS, ...options };
  // Ansible's ini_file reads an empty (or missing) file as one empty line and edits that; an
  // edit that changes nothing leaves the file as it was.
  const start = o.layout === 'ini_file' && doc.lines.length === 0 ? { bom: doc.bom, lines: [parseLine('', '\n', null)] } : doc;
  const editor = new Editor(start, o);
  for (const edit of edits) editor.apply(edit);
  if (start !== doc && editor.changes.length === 0) return { doc, changes: [] };
  return { doc: { bom: doc.bom, lines: editor.lines }, changes: editor.changes };
}

/** Convenience: edit text, get text back (and whether anything changed). */
export function editIniText(text: string, edits: IniEdit[], options: Partial<IniEditOptions> = {}): { text: string; changes: string[] } {
  const result = applyIniEdits(parseIni(text), edits, options);
  return { text: renderIni(result.doc), changes: result.changes };
}
