/**
 * `/etc/sysctl.conf` (sysctl.conf(5)): parse and edit, byte-preserving, plus the value
 * rules the `sysctl` module compares with. Lines are `token = value`, `#`/`;` comments, and
 * a leading `-` that tells `sysctl -p` to ignore a failure for that line.
 */
import { splitLinesKeepingEol, type Eol } from './lines.js';

export type { Eol } from './lines.js';

export interface SysctlLine {
  text: string;
  eol: Eol;
  kind: 'blank' | 'comment' | 'assignment' | 'other';
  /** assignment: the key in dotted form (see canonicalKey). */
  key?: string;
  value?: string;
  valueStart?: number;
  valueEnd?: number;
}

export interface SysctlDocument {
  lines: SysctlLine[];
}

const ASSIGNMENT_RE = /^([ \t]*-?[ \t]*)([^=\s#;][^=]*?)([ \t]*=[ \t]*)/;

/**
 * Keys may be written with `/` as separator (`net/ipv4/ip_forward`); then a `.` inside a
 * component (a VLAN interface `eth0.100`) is literal. sysctl itself swaps the two, so the
 * dotted form of `net/ipv4/conf/eth0.100/rp_filter` is `net.ipv4.conf.eth0/100.rp_filter`.
 */
export function canonicalKey(key: string): string {
  const k = key.trim();
  const firstSep = k.search(/[./]/);
  if (firstSep === -1 || k[firstSep] === '.') return k;
  return k.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/** The /proc/sys path of a key. */
export function procPath(key: string): string {
  return `/proc/sys/${canonicalKey(key).replace(/[./]/g, (c) => (c === '.' ? '/' : '.'))}`;
}

/** Whitespace-insensitive value: "4096\t87380   6291456" equals "4096 87380 6291456". */
export function normaliseValue(value: string): string {
  return value.trim().split(/\s+/).filter(Boolean).join(' ');
}

const TRUE_WORDS = new Set(['yes', 'on', 'true', 't', 'y']);
const FALSE_WORDS = new Set(['no', 'off', 'false', 'f', 'n']);

/** A playbook value as sysctl wants it: booleans and yes/no words as 1/0 (Ansible does the same). */
export function sysctlValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value).trim();
  if (TRUE_WORDS.has(s.toLowerCase())) return '1';
  if (FALSE_WORDS.has(s.toLowerCase())) return '0';
  return s;
}

export function parseSysctlLine(text: string, eol: Eol): SysctlLine {
  const trimmed = text.trim();
  if (trimmed === '') return { text, eol, kind: 'blank' };
  if (trimmed.startsWith('#') || trimmed.startsWith(';')) return { text, eol, kind: 'comment' };
  const m = ASSIGNMENT_RE.exec(text);
  if (!m) return { text, eol, kind: 'other' };
  const valueStart = m[0].length;
  const valueEnd = text.replace(/[ \t\r]+$/, '').length;
  return {
    text,
    eol,
    kind: 'assignment',
    key: canonicalKey(m[2]!),
    value: text.slice(valueStart, Math.max(valueStart, valueEnd)),
    valueStart,
    valueEnd: Math.max(valueStart, valueEnd),
  };
}

export function parseSysctlConf(input: string): SysctlDocument {
  return { lines: splitLinesKeepingEol(input).map((l) => parseSysctlLine(l.text, l.eol)) };
}

export function renderSysctlConf(doc: SysctlDocument): string {
  return doc.lines.map((l) => l.text + l.eol).join('');
}

/** What `sysctl -p FILE` would apply: key -> value, the last assignment winning. */
export function sysctlAssignments(doc: SysctlDocument): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of doc.lines) if (l.kind === 'assignment') out.set(l.key!, l.value!);
  return out;
}

/**
 * The separator new lines use: the file's own, from its last assignment (`a = b` or
 * `a=b`); ` = ` for a file without assignments, as in sysctl.conf(5) and the RDO guide.
 */
function separatorStyle(doc: SysctlDocument): string {
  for (let i = doc.lines.length - 1; i >= 0; i--) {
    const l = doc.lines[i]!;
    if (l.kind === 'assignment') {
      const m = ASSIGNMENT_RE.exec(l.text)!;
      return m[3]!;
    }
  }
  return ' = ';
}

export interface SysctlEditResult {
  doc: SysctlDocument;
  changes: string[];
}

/**
 * Set `key` to `value` (null: remove it). The first assignment of the key keeps its line
 * and spacing with only the value replaced; later assignments of the same key (which
 * would win in `sysctl -p`) are removed. A missing key is appended.
 */
export function editSysctlConf(doc: SysctlDocument, key: string, value: string | null): SysctlEditResult {
  const name = canonicalKey(key);
  const changes: string[] = [];
  const out: SysctlLine[] = [];
  let seen = false;
  for (const line of doc.lines) {
    if (line.kind !== 'assignment' || line.key !== name) {
      out.push({ ...line });
      continue;
    }
    if (value === null) {
      changes.push(`${name} = ${line.value} removed`);
      continue;
    }
    if (seen) {
      changes.push(`${name}: later assignment ${JSON.stringify(line.value)} removed`);
      continue;
    }
    seen = true;
    if (normaliseValue(line.value!) === normaliseValue(value)) {
      out.push({ ...line });
      continue;
    }
    changes.push(`${name}: ${JSON.stringify(line.value)} -> ${JSON.stringify(value)}`);
    out.push(parseSysctlLine(line.text.slice(0, line.valueStart) + value + line.text.slice(line.valueEnd), line.eol));
  }
  if (value !== null && !seen) {
    const eol = doc.lines.find((l) => l.eol !== '')?.eol === '\r\n' ? '\r\n' : '\n';
    const last = out[out.length - 1];
    if (last && last.eol === '') last.eol = eol;
    out.push(parseSysctlLine(`${name}${separatorStyle(doc)}${value}`, eol));
    changes.push(`${name} = ${value} added`);
  }
  return { doc: { lines: out }, changes };
}
