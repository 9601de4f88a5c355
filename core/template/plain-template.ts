/**
 * The most common template in playbooks, recognised without Handlebars: text and plain
 * variable mustaches (`tsplay-{{ item }}`, `{{ root }}/etc/{{ service.name }}`).
 *
 * For these the Handlebars path (mustache-scan.ts, then handlebars-ast.ts) ends in the same
 * place without ever compiling: each mustache is classified as a Handlebars variable, the
 * parsed template reduces to text and variable segments, and a lone mustache keeps its
 * native value. Reading them here gives those same segments while Handlebars stays unloaded
 * (test/unit/template/plain-template.test.ts compares both on every shape accepted here).
 *
 * Anything else is left to the full path: a mustache that is not a dotted name of plain
 * identifiers (filters, calls, literals, `this`, `@index`, `../x`, `a.[b]`), whitespace
 * control (`{{~`), triple or raw mustaches, comments, blocks, and escaped `\{{`.
 */
import type { Segment } from './handlebars-ast.js';

export interface PlainTemplate {
  segments: Segment[];
  /** Set when the template is one mustache (whitespace around allowed): its value keeps its type. */
  single?: { parts: string[] };
  /** The whitespace around that mustache, when there is some (see keepAround in templar.ts). */
  around?: [before: string, after: string];
}

/** A dotted name of identifiers Handlebars and the expression parser both read as a variable path. */
const PLAIN_CONTENT = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;
/** Words Handlebars reads as literals or keywords, never as a variable. */
const KEYWORDS = new Set(['true', 'false', 'null', 'undefined', 'this', 'else', 'as']);

/** Segments of `template` when it is only text and plain variable mustaches; otherwise undefined. */
export function plainTemplate(template: string): PlainTemplate | undefined {
  const segments: Segment[] = [];
  let textOutside = '';
  let mustaches = 0;
  let at: [number, number] = [0, 0];
  let line = 1;
  let i = 0;
  for (let open = template.indexOf('{{'); open >= 0; open = template.indexOf('{{', i)) {
    if (open > 0 && template[open - 1] === '\\') return undefined;
    const close = template.indexOf('}}', open + 2);
    if (close < 0 || template[close + 2] === '}') return undefined;
    const m = PLAIN_CONTENT.exec(template.slice(open + 2, close));
    if (!m) return undefined;
    const parts = m[1]!.split('.');
    if (parts.some((p) => KEYWORDS.has(p))) return undefined;
    const before = template.slice(i, open);
    if (before) segments.push(before);
    textOutside += before;
    line += countNewlines(before);
    // Handlebars numbers lines from 1 and gives a mustache the line of its `{{`.
    segments.push({ parts, line });
    line += countNewlines(template.slice(open, close + 2));
    mustaches++;
    at = [open, close + 2];
    i = close + 2;
  }
  if (mustaches === 0) return undefined;
  const rest = template.slice(i);
  if (rest) segments.push(rest);
  textOutside += rest;
  if (mustaches !== 1 || textOutside.trim() !== '') return { segments };
  const single = { parts: (segments.find((s) => typeof s !== 'string') as { parts: string[] }).parts };
  const before = template.slice(0, at[0]);
  const after = template.slice(at[1]);
  return before || after ? { segments, single, around: [before, after] } : { segments, single };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) n++;
  return n;
}
