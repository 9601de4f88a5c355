/**
 * Load-time errors. Loading never stops at the first mistake: every problem found in every
 * file is collected, then reported together, sorted by position, each with the offending
 * source line, so one `--syntax-check` shows everything to fix.
 */
import { isAbsolute, relative } from 'node:path';
import type { SourceLocation } from './model.js';

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (e.g. it does not exist). */
  line: number;
  column: number;
  message: string;
  /** The source line the problem points at, for the caret display. */
  excerpt?: string;
}

const MAX_SHOWN = 50;

function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function compareProblems(a: Problem, b: Problem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

function formatOne(p: Problem, cwd: string): string {
  const where = p.line > 0 ? `${displayPath(p.file, cwd)}:${p.line}:${p.column}` : displayPath(p.file, cwd);
  let out = `${where}: ${p.message}`;
  if (p.excerpt !== undefined && p.line > 0) {
    const gutter = String(p.line);
    const text = p.excerpt.replace(/\t/g, ' ');
    out += `\n  ${gutter} | ${text}\n  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, p.column - 1))}^`;
  }
  return out;
}

/** Render problems for a terminal: sorted by file and position, each with its source line. */
export function formatProblems(problems: readonly Problem[], cwd: string = process.cwd()): string {
  const sorted = [...problems].sort(compareProblems);
  if (sorted.length === 1) return formatOne(sorted[0]!, cwd);
  const shown = sorted.slice(0, MAX_SHOWN).map((p) => formatOne(p, cwd));
  const more = sorted.length > MAX_SHOWN ? `\n\n... and ${sorted.length - MAX_SHOWN} more` : '';
  return `${sorted.length} problems found:\n\n${shown.join('\n\n')}${more}`;
}

/** Everything wrong with a playbook (or a tasks or vars file), found before anything runs. */
export class PlaybookError extends Error {
  override name = 'PlaybookError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = [...problems].sort(compareProblems);
    super(formatProblems(sorted));
    this.problems = sorted;
  }

  /** The first problem's position (the CLI and tests often want just that). */
  get file(): string {
    return this.problems[0]?.file ?? '';
  }
}

/** Collects problems without duplicates (a file imported twice reports its mistakes once). */
export class Problems {
  private readonly seen = new Set<string>();
  readonly list: Problem[] = [];

  add(loc: SourceLocation | { file: string; line?: number; column?: number }, message: string, excerpt?: string): void {
    const problem: Problem = { file: loc.file, line: loc.line ?? 0, column: loc.column ?? 0, message };
    if (excerpt !== undefined) problem.excerpt = excerpt;
    const key = `${problem.file}\0${problem.line}\0${problem.column}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(problem);
  }

  get size(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length) throw new PlaybookError(this.list);
  }
}
