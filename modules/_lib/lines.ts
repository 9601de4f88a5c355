/**
 * Split text into lines and keep each line's own ending ('\n', '\r\n', or '' for a last
 * line without one), so editors can re-join untouched lines byte for byte.
 */
/** A line's own ending: none (a last line without one), LF or CRLF. */
export type Eol = '' | '\n' | '\r\n';

export interface RawLine {
  text: string;
  eol: Eol;
}

export function splitLinesKeepingEol(input: string): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  while (pos < input.length) {
    const nl = input.indexOf('\n', pos);
    if (nl === -1) {
      out.push({ text: input.slice(pos), eol: '' });
      break;
    }
    const crlf = nl > pos && input[nl - 1] === '\r';
    out.push({ text: input.slice(pos, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n' });
    pos = nl + 1;
  }
  return out;
}
