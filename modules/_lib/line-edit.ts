/**
 * The text transformations of `lineinfile` and `blockinfile`, as pure functions that follow
 * Ansible's algorithms step by step (same insertion points, same corner cases), so a
 * playbook edits files exactly as it did under Ansible.
 *
 * Ansible works on bytes; we do the same by handling "binary strings" (each byte one
 * char, latin1): file content, patterns and lines all go through `toBinary`, so a UTF-8
 * pattern matches the same bytes it would in Python and invalid UTF-8 survives untouched.
 */
import { compilePythonRegex, expandTemplate, searchLine } from '../../core/util/python-regex.js';

export function toBinary(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function binaryToBuffer(binary: string): Buffer {
  return Buffer.from(binary, 'latin1');
}

/** Python's `readlines()`: split after each "\n", keeping it. */
export function splitLines(binary: string): string[] {
  if (binary === '') return [];
  const lines = binary.split(/(?<=\n)/);
  return lines;
}

function stripEol(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

export interface LineinfilePresent {
  regexp?: string;
  searchString?: string;
  line: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs: boolean;
  firstmatch: boolean;
}

export interface EditOutcome {
  lines: string[];
  changed: boolean;
  msg: string;
}

/** lineinfile with state=present (Ansible's `present()`); inputs and outputs are binary strings. */
export function lineinfilePresent(input: string[], o: LineinfilePresent): EditOutcome {
  const lines = [...input];
  const line = toBinary(o.line);
  const regexp = o.regexp !== undefined ? toBinary(o.regexp) : undefined;
  const search = o.searchString !== undefined ? toBinary(o.searchString) : undefined;
  let insertafter = o.insertafter !== undefined ? toBinary(o.insertafter) : undefined;
  const insertbefore = o.insertbefore !== undefined ? toBinary(o.insertbefore) : undefined;
  if (insertafter === undefined && insertbefore === undefined) insertafter = 'EOF';

  const re = regexp !== undefined ? compilePythonRegex(regexp, { argName: 'regexp' }) : undefined;
  let insRe: RegExp | undefined;
  if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') insRe = compilePythonRegex(insertafter, { argName: 'insertafter' });
  else if (insertbefore !== undefined && insertbefore !== 'BOF') insRe = compilePythonRegex(insertbefore, { argName: 'insertbefore' });

  const index = [-1, -1];
  let match: RegExpExecArray | true | null = null;
  let exactLineMatch = false;

  if (re) {
    for (let i = 0; i < lines.length; i++) {
      const m = searchLine(re, lines[i]!);
      if (m) {
        index[0] = i;
        match = m;
        if (o.firstmatch) break;
      }
    }
  }
  if (search !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.includes(search)) {
        index[0] = i;
        match = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let i = 0; i < lines.length; i++) {
      if (line === stripEol(lines[i]!)) {
        index[0] = i;
        exactLineMatch = true;
      } else if (insRe && searchLine(insRe, lines[i]!)) {
        if (insertafter !== undefined) {
          index[1] = i + 1;
          if (o.firstmatch) break;
        }
        if (insertbefore !== undefined) {
          index[1] = i;
          if (o.firstmatch) break;
        }
      }
    }
  }

  let msg = '';
  let changed = false;
  const added = () => {
    msg = 'line added';
    changed = true;
  };
  if (index[0] !== -1) {
    let newLine = o.backrefs && match && match !== true ? expandTemplate(line, match, 'line') : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (regexp === undefined && search === undefined && match === null && !exactLineMatch) {
      // Unreachable in practice (index[0] is only set by a match), kept to mirror Ansible.
    } else if (lines[index[0]] !== newLine) {
      lines[index[0]] = newLine;
      msg = 'line replaced';
      changed = true;
    }
  } else if (o.backrefs) {
    // Without a match there is nothing to expand the backreferences from: do nothing.
  } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
    lines.unshift(`${line}\n`);
    added();
  } else if (insertafter === 'EOF' || index[1] === -1) {
    if (lines.length && !/[\n\r]$/.test(lines[lines.length - 1]!)) lines.push('\n');
    lines.push(`${line}\n`);
    added();
  } else if (insertafter !== undefined && index[1] !== -1) {
    if (lines.length === index[1]) {
      if (stripEol(lines[index[1] - 1]!) !== line) {
        lines.push(`${line}\n`);
        added();
      }
    } else if (line !== stripEol(lines[index[1]]!)) {
      lines.splice(index[1], 0, `${line}\n`);
      added();
    }
  } else {
    lines.splice(index[1]!, 0, `${line}\n`);
    added();
  }
  return { lines, changed, msg };
}

export interface LineinfileAbsent {
  regexp?: string;
  searchString?: string;
  line?: string;
}

/** lineinfile with state=absent: drop every matching line. */
export function lineinfileAbsent(input: string[], o: LineinfileAbsent): EditOutcome & { found: number } {
  const re = o.regexp !== undefined ? compilePythonRegex(toBinary(o.regexp), { argName: 'regexp' }) : undefined;
  const search = o.searchString !== undefined ? toBinary(o.searchString) : undefined;
  const line = o.line !== undefined ? toBinary(o.line) : undefined;
  const kept: string[] = [];
  let found = 0;
  for (const l of input) {
    const hit = re ? searchLine(re, l) !== null : search !== undefined ? l.includes(search) : line === stripEol(l);
    if (hit) found++;
    else kept.push(l);
  }
  return { lines: kept, changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : '', found };
}

export interface BlockinfileOptions {
  block: string;
  marker: string;
  markerBegin: string;
  markerEnd: string;
  present: boolean;
  insertafter?: string;
  insertbefore?: string;
  appendNewline: boolean;
  prependNewline: boolean;
}

/** blockinfile (Ansible's main()): returns the new content as a binary string. */
export function blockinfile(original: string | null, o: BlockinfileOptions): { result: string; msg: string; changed: boolean } {
  const lines = original === null ? [] : splitLines(original);
  const marker = toBinary(o.marker);
  let block = toBinary(o.block);
  let insertafter = o.insertafter !== undefined ? toBinary(o.insertafter) : undefined;
  const insertbefore = o.insertbefore !== undefined ? toBinary(o.insertbefore) : undefined;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  let insertRe: RegExp | undefined;
  if (insertafter !== undefined && insertafter !== 'EOF') insertRe = compilePythonRegex(insertafter, { argName: 'insertafter' });
  else if (insertbefore !== undefined && insertbefore !== 'BOF') insertRe = compilePythonRegex(insertbefore, { argName: 'insertbefore' });

  const marker0 = `${marker.split('{mark}').join(toBinary(o.markerBegin))}\n`;
  const marker1 = `${marker.split('{mark}').join(toBinary(o.markerEnd))}\n`;
  let blocklines: string[] = [];
  if (o.present && block) {
    if (!block.endsWith('\n')) block += '\n';
    blocklines = [marker0, ...splitLines(block), marker1];
  }

  let n0: number | null = null;
  let n1: number | null = null;
  lines.forEach((l, i) => {
    if (l === marker0) n0 = i;
    if (l === marker1) n1 = i;
  });

  if (n0 === null || n1 === null) {
    let at: number | null = null;
    if (insertRe) {
      if (insertRe.flags.includes('m') && original !== null) {
        const m = insertRe.exec(original);
        if (m) {
          const upto = insertafter !== undefined ? m.index + m[0].length : m.index;
          at = (original.slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((l, i) => {
          if (searchLine(insertRe!, l)) at = i;
        });
      }
      if (at === null) at = lines.length;
      else if (insertafter !== undefined) at += 1;
    } else if (insertbefore !== undefined) at = 0;
    else at = lines.length;
    n0 = at;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  let start: number = n0!;
  if (start > 0 && !lines[start - 1]!.endsWith('\n')) lines[start - 1] += '\n';
  if (o.prependNewline && o.present && start !== 0 && lines[start - 1] !== '\n') {
    lines.splice(start, 0, '\n');
    start += 1;
  }
  lines.splice(start, 0, ...blocklines);
  if (o.appendNewline && o.present) {
    const after = start + blocklines.length;
    if (after < lines.length && lines[after] !== '\n') lines.splice(after, 0, '\n');
  }
  const result = lines.join('');
  let msg = '';
  let changed = false;
  if (original === result) changed = false;
  else if (original === null) {
    msg = 'File created';
    changed = true;
  } else if (!blocklines.length) {
    msg = 'Block removed';
    changed = true;
  } else {
    msg = 'Block inserted';
    changed = true;
  }
  return { result, msg, changed };
}
