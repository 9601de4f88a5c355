/**
 * The text of a user's source file (playbook, inventory, vars file, `-e @file`) as Ansible
 * accepts it: UTF-8, a leading byte-order mark ignored (editors on Windows write one),
 * and neither invalid UTF-8 nor NUL bytes, which are refused with their line and column
 * instead of being read as U+FFFD or passed on to the YAML parser.
 */
import { readFileSync } from 'node:fs';

export class SourceTextError extends Error {
  override name = 'SourceTextError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function positionOfByte(bytes: Buffer, offset: number): { line: number; column: number } {
  const before = bytes.subarray(0, offset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: [...before.slice(lineStart)].length + 1 };
}

/** Decode a source file's bytes; throws SourceTextError for invalid UTF-8 or a NUL byte. */
export function decodeSourceText(bytes: Buffer): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const at = positionOfByte(bytes, bad);
    const byte = bytes[bad]!.toString(16).padStart(2, '0');
    throw new SourceTextError(`not valid UTF-8 (byte 0x${byte}): save the file as UTF-8`, at.line, at.column);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const at = positionOfByte(bytes, nul);
    throw new SourceTextError('NUL byte in a text file (is it a binary file?)', at.line, at.column);
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Read and decode a source file (fs errors are thrown as they are). */
export function readSourceText(file: string): string {
  return decodeSourceText(readFileSync(file));
}
