/**
 * Splits a Jinja template into text, `{{ output }}` and `{% statement %}` pieces, applying
 * the whitespace rules exactly as Jinja's lexer does (jinja2/lexer.py), since a template
 * file's bytes are what users compare:
 *
 *  - `{%-`, `{{-`, `{#-` remove all whitespace (newlines too) before the tag;
 *    `-%}`, `-}}`, `-#}` remove all whitespace after it.
 *  - trim_blocks (Ansible's default: on) removes the first newline after `%}` and `#}`;
 *    `+%}` / `+#}` keep it.
 *  - lstrip_blocks (default off) removes spaces and tabs between the start of a line and
 *    `{%` / `{#`; `{%+` keeps them.
 *  - `{% raw %}...{% endraw %}` is text; `{# ... #}` is dropped.
 *  - Line breaks are normalised to `\n`, and one final newline of the template is
 *    dropped (Jinja's keep_trailing_newline=False; Ansible puts it back, see jinja.ts).
 *
 * Tags are found by scanning, honouring quoted strings and bracket balance, so `'%}'` in
 * a string or `{{ {'a': 1} }}` does not end a tag early.
 */
import { TemplateError } from './errors.js';

export interface WhitespaceOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
}

export type LexToken =
  | { type: 'text'; value: string; pos: number }
  /** `content` starts at `contentPos` in the (normalised) source; `pos` is the tag's `{`. */
  | { type: 'output' | 'statement'; content: string; pos: number; contentPos: number };

/** Line and column (1-based) of offsets in a source, for messages. */
export class SourceMap {
  private readonly starts: number[] = [0];

  constructor(
    readonly source: string,
    /** Lines removed before `source` (a `#jinja2:` header line). */
    private readonly lineOffset = 0,
  ) {
    for (let i = 0; i < source.length; i++) if (source[i] === '\n') this.starts.push(i + 1);
  }

  at(pos: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1 + this.lineOffset, column: pos - this.starts[lo]! + 1 };
  }

  /** `line 3, column 5`, with the error's line set so the caller quotes that line. */
  error(message: string, pos: number, detail?: string): TemplateError {
    const { line, column } = this.at(pos);
    return new TemplateError(`${message} at line ${line}, column ${column}${detail ? ` (${detail})` : ''}`, { line });
  }
}

/** Jinja's source preparation: `\r\n`/`\r` become `\n`; one trailing newline is dropped. */
export function normaliseSource(source: string, keepTrailingNewline: boolean): string {
  let s = source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source;
  if (!keepTrailingNewline && s.endsWith('\n')) s = s.slice(0, -1);
  return s;
}

const RAW_BEGIN = /\{%([-+]?)\s*raw\s*(-%\}\s*|%\})/y;
const RAW_END = /\{%([-+]?)\s*endraw\s*(\+%\}|-%\}\s*|%\}\n?)/g;
const RAW_END_NO_TRIM = /\{%([-+]?)\s*endraw\s*(\+%\}|-%\}\s*|%\})/g;

function matchAt(re: RegExp, src: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(src);
}

/**
 * Index of the tag end (`}}` or `%}`, with an optional `-`/`+` before it) for a tag whose
 * content starts at `from`; -1 when there is none. Returns where the end marker starts.
 */
function findTagEnd(src: string, from: number, close: '}}' | '%}'): number {
  let quote: string | undefined;
  let depth = 0;
  for (let k = from; k < src.length; k++) {
    const c = src[k]!;
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (depth === 0) {
      if ((c === '-' || c === '+') && src.startsWith(close, k + 1) && (c === '-' || close === '%}')) return k;
      if (src.startsWith(close, k)) return k;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if ((c === '}' || c === ')' || c === ']') && depth > 0) depth--;
  }
  return -1;
}

/** Whitespace Jinja's `\s` matches (Python's, close enough to JavaScript's). */
function skipWhitespace(src: string, k: number): number {
  while (k < src.length && /\s/.test(src[k]!)) k++;
  return k;
}

export function lexTemplate(src: string, options: WhitespaceOptions, map: SourceMap): LexToken[] {
  const tokens: LexToken[] = [];
  const tagStart = /\{[{%#]/g;
  let i = 0;
  // Whether the text that follows starts a line (Jinja's `line_starting`), for lstrip_blocks.
  let lineStarting = true;

  /** Apply the opening tag's whitespace control to the text before it, then emit that text. */
  const pushText = (text: string, pos: number, sign: string, lstripApplies: boolean) => {
    let t = text;
    if (sign === '-') t = t.trimEnd();
    else if (sign !== '+' && lstripApplies && options.lstripBlocks) {
      const lineStart = t.lastIndexOf('\n') + 1;
      if ((lineStart > 0 || lineStarting) && /^[^\S\n]+$/.test(t.slice(lineStart))) t = t.slice(0, lineStart);
    }
    if (t) tokens.push({ type: 'text', value: t, pos });
  };

  /** After a `%}` or `#}`: the newline trim_blocks removes, or all whitespace after `-`. */
  const afterBlockEnd = (k: number, sign: string): number => {
    if (sign === '-') return skipWhitespace(src, k);
    if (sign !== '+' && options.trimBlocks && src[k] === '\n') return k + 1;
    return k;
  };

  for (;;) {
    tagStart.lastIndex = i;
    const m = tagStart.exec(src);
    if (!m) {
      if (i < src.length) tokens.push({ type: 'text', value: src.slice(i), pos: i });
      break;
    }
    const start = m.index;
    const kind = src[start + 1]!;
    const sign = src[start + 2] === '-' || src[start + 2] === '+' ? src[start + 2]! : '';
    const text = src.slice(i, start);
    let end: number;

    if (kind === '#') {
      pushText(text, i, sign, true);
      const close = src.indexOf('#}', start + 2);
      if (close < 0) throw map.error("unclosed comment '{#'", start, "no matching '#}'");
      const closeSign = src[close - 1] === '-' || src[close - 1] === '+' ? src[close - 1]! : '';
      // A sign right after `{#` belongs to the opening tag (`{#-#}`), not to the closing one.
      end = afterBlockEnd(close + 2, close - 1 >= start + 2 + sign.length ? closeSign : '');
    } else if (kind === '%' && matchAt(RAW_BEGIN, src, start)) {
      const begin = matchAt(RAW_BEGIN, src, start)!;
      pushText(text, i, sign, true);
      const bodyStart = start + begin[0].length;
      const endRe = options.trimBlocks ? RAW_END : RAW_END_NO_TRIM;
      endRe.lastIndex = bodyStart;
      const close = endRe.exec(src);
      if (!close) throw map.error("unclosed '{% raw %}'", start, "no '{% endraw %}' after it");
      // The raw text is followed by the endraw tag, with the same whitespace rules as any tag.
      lineStarting = begin[0].endsWith('\n');
      pushText(src.slice(bodyStart, close.index), bodyStart, close[1]!, true);
      end = close.index + close[0].length;
    } else {
      pushText(text, i, sign, kind === '%');
      const contentPos = start + 2 + (sign ? 1 : 0);
      const close = findTagEnd(src, contentPos, kind === '{' ? '}}' : '%}');
      if (close < 0) {
        const opener = kind === '{' ? "'{{'" : "'{%'";
        throw map.error(`unclosed ${opener}`, start, `no matching ${kind === '{' ? "'}}'" : "'%}'"}`);
      }
      const closeSign = src[close] === '-' || src[close] === '+' ? src[close]! : '';
      const content = src.slice(contentPos, close);
      const afterClose = close + closeSign.length + 2;
      if (kind === '{') {
        tokens.push({ type: 'output', content, pos: start, contentPos });
        end = closeSign === '-' ? skipWhitespace(src, afterClose) : afterClose;
      } else {
        tokens.push({ type: 'statement', content, pos: start, contentPos });
        end = afterBlockEnd(afterClose, closeSign);
      }
    }
    lineStarting = end > 0 && src[end - 1] === '\n';
    i = end;
  }
  return tokens;
}
