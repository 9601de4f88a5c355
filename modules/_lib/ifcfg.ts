/**
 * initscripts `ifcfg-*` files (`/etc/sysconfig/network-scripts/ifcfg-eth0`): parse, edit
 * and render, byte-preserving like the INI editor. These files are sourced by the shell
 * (initscripts' network-functions) and read by NetworkManager's ifcfg-rh `shvar` parser,
 * so values are shell words: `KEY=value`, `KEY="with spaces"`, `KEY='literal'`, and a
 * `# comment` after whitespace ends the line (the seed's `HWADDR=xx # Your eth1's hwaddr`).
 */
import { splitLinesKeepingEol, type Eol } from './lines.js';

export type { Eol } from './lines.js';

export interface IfcfgLine {
  text: string;
  eol: Eol;
  kind: 'blank' | 'comment' | 'assignment' | 'other';
  /** assignment: the variable name. */
  key?: string;
  /** assignment: the value after shell unquoting. */
  value?: string;
  /** assignment: the span of the (quoted) value word in `text`, replaced on edits. */
  valueStart?: number;
  valueEnd?: number;
}

export interface IfcfgDocument {
  lines: IfcfgLine[];
}

const ASSIGNMENT_RE = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_]*)=/;
export const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Read one shell word starting at `start`: unquoted text with backslash escapes, "double
 * quotes" (escapes \\ \" \$ \`), 'single quotes' and $'ANSI-C' quotes, concatenated. Returns
 * null for an unterminated quote.
 */
export function readShellWord(text: string, start: number): { value: string; end: number } | null {
  let value = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') break;
    if (c === '\\') {
      if (i + 1 < text.length) value += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return null;
      value += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '$' && text[i + 1] === "'") {
      const parsed = readAnsiC(text, i + 2);
      if (!parsed) return null;
      value += parsed.value;
      i = parsed.end;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '\\"$`'.includes(text[i + 1]!)) {
          value += text[i + 1];
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      if (!closed) return null;
    } else {
      value += c;
      i++;
    }
  }
  return { value, end: i };
}

function readAnsiC(text: string, start: number): { value: string; end: number } | null {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };
  let value = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") return { value, end: i + 1 };
    if (c === '\\' && i + 1 < text.length) {
      value += escapes[text[i + 1]!] ?? `\\${text[i + 1]}`;
      i++;
    } else value += c;
  }
  return null;
}

export function parseIfcfgLine(text: string, eol: Eol): IfcfgLine {
  const trimmed = text.trim();
  if (trimmed === '') return { text, eol, kind: 'blank' };
  if (trimmed.startsWith('#')) return { text, eol, kind: 'comment' };
  const m = ASSIGNMENT_RE.exec(text);
  if (!m) return { text, eol, kind: 'other' };
  const valueStart = m[0].length;
  const word = readShellWord(text, valueStart);
  // An unterminated quote: keep the line as it is, but still know its key (the raw rest is
  // its value), so an edit replaces the line rather than adding a second assignment.
  if (!word) return { text, eol, kind: 'assignment', key: m[2]!, value: text.slice(valueStart), valueStart, valueEnd: text.length };
  return { text, eol, kind: 'assignment', key: m[2]!, value: word.value, valueStart, valueEnd: word.end };
}

export function parseIfcfg(input: string): IfcfgDocument {
  return { lines: splitLinesKeepingEol(input).map((l) => parseIfcfgLine(l.text, l.eol)) };
}

export function renderIfcfg(doc: IfcfgDocument): string {
  return doc.lines.map((l) => l.text + l.eol).join('');
}

/** The variables a shell sourcing the file would see (the last assignment wins). */
export function ifcfgValues(doc: IfcfgDocument): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of doc.lines) if (l.kind === 'assignment') out.set(l.key!, l.value!);
  return out;
}

/**
 * Quote a value the way initscripts/NetworkManager write them: bare when it is made only of
 * characters the shell takes literally, otherwise in double quotes with \\ \" \$ \` escaped.
 */
export function quoteIfcfgValue(value: string): string {
  if (value === '') return '""';
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) && !value.startsWith('~')) return value;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

export interface IfcfgEditOptions {
  /** Remove every assignment whose key is neither in `settings` nor in `keep`. */
  exclusive: boolean;
  /** Keys that `exclusive` never removes (e.g. HWADDR, UUID). */
  keep: string[];
}

export interface IfcfgEditResult {
  doc: IfcfgDocument;
  changes: string[];
}

/**
 * Set `settings` (null removes a key). An existing assignment keeps its place and any
 * trailing comment; only its value word is replaced. Duplicate assignments of a key are
 * reduced to the first. New keys are appended in the order given.
 */
export function editIfcfg(doc: IfcfgDocument, settings: ReadonlyArray<[string, string | null]>, options: IfcfgEditOptions): IfcfgEditResult {
  const lines = doc.lines.map((l) => ({ ...l }));
  const changes: string[] = [];
  const wanted = new Map(settings);
  const keep = new Set(options.keep);
  const seen = new Set<string>();
  const eol = lines.find((l) => l.eol !== '')?.eol === '\r\n' ? '\r\n' : '\n';
  const out: IfcfgLine[] = [];

  for (const line of lines) {
    if (line.kind !== 'assignment') {
      out.push(line);
      continue;
    }
    const key = line.key!;
    const inSettings = wanted.has(key);
    const target = wanted.get(key);
    if (inSettings && target === null) {
      changes.push(`${key} removed`);
      continue;
    }
    if (!inSettings) {
      if (options.exclusive && !keep.has(key)) {
        changes.push(`${key} removed`);
        continue;
      }
      out.push(line);
      continue;
    }
    if (seen.has(key)) {
      changes.push(`${key}: duplicate assignment removed`);
      continue;
    }
    seen.add(key);
    if (line.value === target) {
      out.push(line);
      continue;
    }
    const text = line.text.slice(0, line.valueStart) + quoteIfcfgValue(target!) + line.text.slice(line.valueEnd);
    changes.push(`${key}: ${JSON.stringify(line.value)} -> ${JSON.stringify(target)}`);
    out.push(parseIfcfgLine(text, line.eol));
  }

  const added: IfcfgLine[] = [];
  for (const [key, value] of settings) {
    if (value === null || seen.has(key)) continue;
    seen.add(key);
    added.push(parseIfcfgLine(`${key}=${quoteIfcfgValue(value)}`, eol));
    changes.push(`${key}=${quoteIfcfgValue(value)} added`);
  }
  if (added.length > 0) {
    const last = out[out.length - 1];
    if (last && last.eol === '') last.eol = eol;
    out.push(...added);
  }
  return { doc: { lines: out }, changes };
}
