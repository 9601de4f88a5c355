/**
 * The pure part of `yum_repository`: a .repo file as sections of raw lines, one section
 * replaced, added or removed, the rest left byte for byte (comments and other repositories
 * included). The section itself is written as Ansible's yum_repository writes it: options
 * sorted by name, `key = value`, booleans as 1/0, lists separated by spaces.
 */

/** One `[id]` section: its header line and every line up to the next header. */
interface Section {
  id: string;
  lines: string[];
}

export interface RepoFile {
  /** Lines before the first section (comments). */
  head: string[];
  sections: Section[];
  /** The file ended without a newline. */
  noFinalNewline: boolean;
}

const HEADER = /^\s*\[([^\]]+)\]\s*$/;

export function parseRepoFile(text: string): RepoFile {
  const noFinalNewline = text !== '' && !text.endsWith('\n');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const file: RepoFile = { head: [], sections: [], noFinalNewline };
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) file.sections.push({ id: m[1]!.trim(), lines: [line] });
    else if (file.sections.length) file.sections[file.sections.length - 1]!.lines.push(line);
    else file.head.push(line);
  }
  return file;
}

export function renderRepoFile(file: RepoFile): string {
  const lines = [...file.head, ...file.sections.flatMap((s) => s.lines)];
  if (lines.length === 0) return '';
  return `${lines.join('\n')}${file.noFinalNewline ? '' : '\n'}`;
}

/** The repository ids a file defines, in order. */
export function repoIds(file: RepoFile): string[] {
  return file.sections.map((s) => s.id);
}

export type RepoValue = string | number | boolean | string[];

/** A repository's options as its section's lines (Ansible's form). */
export function renderSection(id: string, options: Record<string, RepoValue | undefined>): string[] {
  const out = [`[${id}]`];
  for (const key of Object.keys(options).sort()) {
    const v = options[key];
    if (v === undefined) continue;
    const text = typeof v === 'boolean' ? (v ? '1' : '0') : Array.isArray(v) ? v.join(' ') : String(v);
    out.push(`${key} = ${text}`);
  }
  return out;
}

/**
 * Put `lines` (a rendered section) in place of the section `id`: where it was (the blank
 * lines that separated it from the next section stay), else at the end after a blank line.
 * `null` removes the section. Returns the new file; the input is not modified.
 */
export function setSection(file: RepoFile, id: string, lines: string[] | null): RepoFile {
  const sections = file.sections.map((s) => ({ ...s, lines: [...s.lines] }));
  const at = sections.findIndex((s) => s.id === id);
  const trailingBlanks = (s: Section): string[] => {
    let n = s.lines.length;
    while (n > 1 && s.lines[n - 1]!.trim() === '') n--;
    return s.lines.slice(n);
  };
  if (lines === null) {
    if (at !== -1) sections.splice(at, 1);
    // Duplicate sections of the id (yum would warn): all go.
    return { ...file, sections: sections.filter((s) => s.id !== id) };
  }
  if (at !== -1) {
    sections[at] = { id, lines: [...lines, ...trailingBlanks(sections[at]!)] };
    return { ...file, sections: sections.filter((s, i) => i === at || s.id !== id) };
  }
  const last = sections[sections.length - 1];
  if (last && trailingBlanks(last).length === 0) last.lines.push('');
  else if (!last && file.head.length && file.head[file.head.length - 1]!.trim() !== '') return { ...file, head: [...file.head, ''], sections: [{ id, lines }], noFinalNewline: false };
  sections.push({ id, lines });
  return { ...file, sections, noFinalNewline: false };
}

/** True when no repository is left: the file goes, as with Ansible's yum_repository. */
export function hasNoRepositories(file: RepoFile): boolean {
  return file.sections.length === 0;
}
