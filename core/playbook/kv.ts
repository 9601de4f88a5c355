/**
 * Ansible's short argument form, `copy: src=a dest='b c' mode=0644`, parsed the way
 * Ansible's `parse_kv` does:
 *
 *  - the string is split on whitespace, except inside quotes and inside `{{ }}`, `{% %}`,
 *    `{# #}` spans, so `msg={{ x | default('a b') }}` stays one word; quotes stay in the
 *    word (`dest='b c'`), and a lone `\` at the end of a line continues it;
 *  - a word `k=v` becomes an argument (the first `=` not escaped as `\=`; the value loses
 *    one pair of surrounding quotes; `\n`, `\t`, `\"`, `\\`, `\x41`, `\u00e9` escapes are
 *    decoded);
 *  - every other word is free-form text, returned as `_raw_params`. For modules that take
 *    free-form text (command, shell, raw), `freeFormKey` is given and, like Ansible, only
 *    the few `k=v` words naming the command modules' own options (`chdir=/tmp`,
 *    `creates=...`) are arguments: `command: /bin/echo a=b chdir=/tmp` runs `/bin/echo a=b`.
 *
 * Unlike Ansible, which rebuilds the free-form text from single spaces, the text between
 * free-form words is kept exactly as written (newlines and indentation of a `shell: |`
 * script survive).
 */

export class KeyValueError extends Error {
  override name = 'KeyValueError';
}

/** Options of the command-like modules that may be given as `k=v` in their free-form text. */
export const RAW_ARGUMENT_KEYS: readonly string[] = ['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends'];

export interface ArgWord {
  /** The word as written (quotes included). */
  text: string;
  start: number;
  end: number;
}

const SPACE = /[ \t\r\n]/;
const JINJA_OPEN: Record<string, 'print' | 'block' | 'comment'> = { '{{': 'print', '{%': 'block', '{#': 'comment' };
const JINJA_CLOSE: Record<string, 'print' | 'block' | 'comment'> = { '}}': 'print', '%}': 'block', '#}': 'comment' };

/** Split into words like Ansible's `split_args`: quotes and template spans hold together. */
export function splitArgs(raw: string): ArgWord[] {
  const words: ArgWord[] = [];
  const depth = { print: 0, block: 0, comment: 0 };
  let quote: string | null = null;
  let start = -1;
  const finish = (end: number) => {
    const text = raw.slice(start, end);
    // A lone backslash before a line break continues the line (it is not a word).
    const continuation = text === '\\' && /^[ \t]*\r?\n/.test(raw.slice(end));
    if (!continuation) words.push({ text, start, end });
    start = -1;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const inSpan = depth.print > 0 || depth.block > 0 || depth.comment > 0;
    if (quote === null && !inSpan && SPACE.test(c)) {
      if (start >= 0) finish(i);
      continue;
    }
    if (start < 0) start = i;
    const escaped = i > 0 && raw[i - 1] === '\\';
    if (quote !== null) {
      if (c === quote && !escaped) quote = null;
      continue;
    }
    if ((c === '"' || c === "'") && !escaped) {
      quote = c;
      continue;
    }
    const pair = raw.slice(i, i + 2);
    const open = JINJA_OPEN[pair];
    const close = JINJA_CLOSE[pair];
    if (open) {
      depth[open]++;
      i++;
    } else if (close && depth[close] > 0) {
      depth[close]--;
      i++;
    }
  }
  if (quote !== null) throw new KeyValueError(`unbalanced quotes (${quote}) in arguments: ${raw.trim()}; quote the whole value, or close the quote`);
  if (depth.print || depth.block || depth.comment) throw new KeyValueError(`unbalanced '{{ }}' or '{% %}' in arguments: ${raw.trim()}`);
  if (start >= 0) finish(raw.length);
  return words;
}

const ESCAPE = /\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g;
const SINGLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Python-style escapes, as Ansible decodes them in `k=v` words. */
export function decodeEscapes(word: string): string {
  return word.replace(ESCAPE, (_m, body: string) => {
    if (body.length > 1) return String.fromCodePoint(parseInt(body.slice(1), 16));
    return SINGLE_ESCAPES[body] ?? body;
  });
}

/** Remove one pair of matching surrounding quotes (Ansible's `unquote`). */
export function unquote(value: string): string {
  const q = value[0];
  if (value.length > 1 && (q === '"' || q === "'") && value[value.length - 1] === q && value[value.length - 2] !== '\\') return value.slice(1, -1);
  return value;
}

/** Index of the `=` that separates key from value: the first one after position 0 not written as `\=`. */
function separatorIndex(word: string): number {
  for (let i = word.indexOf('=', 1); i > 0; i = word.indexOf('=', i + 1)) if (word[i - 1] !== '\\') return i;
  return -1;
}

/**
 * Parse `k=v` arguments. `freeFormKey` (the module's free-form argument, e.g. `cmd`) turns
 * on Ansible's free-form handling; `rawArgumentKeys` says which `k=v` words are still
 * arguments then (default: the command modules' options).
 */
export function parseKeyValue(raw: string, freeFormKey?: string, rawArgumentKeys: readonly string[] = RAW_ARGUMENT_KEYS): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const freeForm: Array<{ word: ArgWord; index: number; text: string }> = [];
  const words = splitArgs(raw);
  words.forEach((word, index) => {
    const decoded = decodeEscapes(word.text);
    if (!decoded.includes('=')) {
      freeForm.push({ word, index, text: word.text });
      return;
    }
    const eq = separatorIndex(decoded);
    if (eq < 0) {
      // Only escaped `\=` signs: free-form text with the escapes removed.
      freeForm.push({ word, index, text: decoded.replace(/\\=/g, '=') });
      return;
    }
    const key = decoded.slice(0, eq).trim();
    if (freeFormKey !== undefined && !rawArgumentKeys.includes(key)) {
      freeForm.push({ word, index, text: word.text });
      return;
    }
    options[key] = unquote(decoded.slice(eq + 1).trim());
  });
  if (freeForm.length) {
    let text = freeForm[0]!.text;
    for (let i = 1; i < freeForm.length; i++) {
      const prev = freeForm[i - 1]!;
      const cur = freeForm[i]!;
      // Neighbouring free-form words keep the exact whitespace that separated them.
      const gap = cur.index === prev.index + 1 ? raw.slice(prev.word.end, cur.word.start) : ' ';
      text += gap + cur.text;
    }
    options._raw_params = text;
  }
  return options;
}

/**
 * A task's arguments as a mapping, as the module receives them (before templating): the
 * `k=v` short form parsed with the module's free-form key, and free-form text moved to
 * that key (`command: ls` gives `{ cmd: 'ls' }`). The pre-run check and the executor share it.
 */
export function argumentMapping(args: Record<string, unknown> | string, freeForm: string | undefined): Record<string, unknown> {
  const out = typeof args === 'string' ? parseKeyValue(args, freeForm) : { ...args };
  if (freeForm && '_raw_params' in out) {
    const raw = out._raw_params;
    delete out._raw_params;
    if (raw !== undefined && raw !== '' && out[freeForm] === undefined) out[freeForm] = raw;
  }
  return out;
}

/** Where each `k=v` word's key starts in `raw`, and where the free-form text starts (`_raw_params`). */
export function argumentOffsets(raw: string, freeFormKey?: string, rawArgumentKeys: readonly string[] = RAW_ARGUMENT_KEYS): Map<string, number> {
  const at = new Map<string, number>();
  for (const word of splitArgs(raw)) {
    const decoded = decodeEscapes(word.text);
    const eq = decoded.includes('=') ? separatorIndex(decoded) : -1;
    const key = eq > 0 ? decoded.slice(0, eq).trim() : undefined;
    if (key !== undefined && (freeFormKey === undefined || rawArgumentKeys.includes(key))) at.set(key, word.start);
    else if (!at.has('_raw_params')) at.set('_raw_params', word.start);
  }
  return at;
}
