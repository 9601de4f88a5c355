/**
 * YAML text exactly as Ansible's `to_yaml` / `to_nice_yaml` write it: PyYAML's
 * `yaml.dump` with Ansible's dumper (SafeDumper representers, sorted keys,
 * allow_unicode, width 80). Files generated with `{{ x | to_nice_yaml }}` are compared
 * byte for byte by users and by idempotence checks, so this follows PyYAML's emitter
 * (yaml/emitter.py) rather than the `yaml` package's style: lists inside a mapping are not
 * indented ("indentless"), a mapping inside a list starts on the `-` line padded to the
 * indent (`-   key: 1` at indent 4), strings that would read back as another type are
 * single-quoted (`'yes'`, `'1.0'`), and long plain and quoted strings fold at column 80.
 *
 * The same state (indent stack, column, whitespace/indention flags) and write functions
 * as PyYAML's emitter, driven by recursion instead of an event queue. Ansible's dumper is
 * the libyaml one (CSafeDumper) where installed, as on Debian: like libyaml, a lone plain
 * scalar gets no `...` document end marker (`'a' | to_yaml` is `a\n`).
 */
import { TemplateError } from './errors.js';
import { defined } from './undefined.js';
import { isMapping, typeName } from './values.js';

export interface DumpOptions {
  /** PyYAML's `indent` (2 unless 2..9). */
  indent?: number;
  /** false: block style everywhere (to_nice_yaml); null: flow style for collections of scalars only (to_yaml). */
  defaultFlowStyle?: boolean | null;
  sortKeys?: boolean;
  width?: number;
}

// PyYAML's implicit resolvers (YAML 1.1): a string matching one of these must be quoted.
const RESOLVERS: RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = '\0 \t\r\n\x85\u2028\u2029';
const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r',
  '\x1B': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function printable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (c >= 0x20 && c <= 0x7e) || c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || (c >= 0x10000 && c < 0x10ffff);
}

/** PyYAML's Emitter.analyze_scalar (with allow_unicode). */
function analyze(scalar: string): Analysis {
  if (!scalar) return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  const chars = [...scalar];
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE.includes(chars[1]!);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index]!;
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) flowIndicators = blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!(ch === '\n' || (ch >= ' ' && ch <= '~')) && !printable(ch)) special = true;
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE.includes(chars[index + 2]!);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

/** Python's repr of a float as PyYAML writes it (`1.0e+20`, `.inf`). */
function floatText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  let s = String(n).toLowerCase();
  if (/e/.test(s)) {
    const [m, e] = s.split('e') as [string, string];
    s = `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  if (!s.includes('.') && s.includes('e')) s = s.replace('e', '.0e');
  return s;
}

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: Array<number | null> = [];
  private flowLevel = 0;
  private mappingContext = false;
  private simpleKeyContext = false;

  constructor(
    private readonly bestIndent: number,
    private readonly bestWidth: number,
    private readonly flowDefault: boolean | null,
    private readonly sortKeys: boolean,
  ) {}

  dump(value: unknown): string {
    this.node(value, false);
    this.writeIndent();
    return this.out;
  }

  private write(data: string): void {
    this.out += data;
    this.column += data.length;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? indicator : ` ${indicator}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private writeLineBreak(br = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += br;
    this.column = 0;
  }

  /** to_yaml's default_flow_style=None: a collection of scalars only is written in flow style. */
  private flowStyle(children: unknown[]): boolean {
    if (this.flowDefault !== null) return this.flowDefault;
    return children.every((c) => !Array.isArray(c) && !isMapping(c));
  }

  private entries(m: Record<string, unknown>): Array<[string, unknown]> {
    const e = Object.entries(m);
    return this.sortKeys ? e.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : e;
  }

  private node(raw: unknown, mapping: boolean, simpleKey = false): void {
    const value = defined(raw);
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    if (Array.isArray(value)) {
      if (this.flowLevel || value.length === 0 || this.flowStyle(value)) this.flowSequence(value);
      else this.blockSequence(value);
    } else if (isMapping(value)) {
      const entries = this.entries(value);
      if (this.flowLevel || entries.length === 0 || this.flowStyle(entries.flat())) this.flowMapping(entries);
      else this.blockMapping(entries);
    } else {
      this.increaseIndent(true);
      this.scalar(value);
      this.popIndent();
    }
  }

  private blockSequence(items: unknown[]): void {
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, false);
    }
    this.popIndent();
  }

  private blockMapping(entries: Array<[string, unknown]>): void {
    this.increaseIndent(false);
    for (const [k, v] of entries) {
      this.writeIndent();
      this.node(k, true, true);
      this.writeIndicator(':', false);
      this.node(v, true);
    }
    this.popIndent();
  }

  private flowSequence(items: unknown[]): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, false);
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  private flowMapping(entries: Array<[string, unknown]>): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    entries.forEach(([k, v], i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(k, true, true);
      this.writeIndicator(':', false);
      this.node(v, true);
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  private scalar(value: unknown): void {
    let text: string;
    let implicit: boolean;
    if (typeof value === 'string') {
      text = value;
      implicit = !RESOLVERS.some((r) => r.test(value));
    } else if (typeof value === 'number') {
      text = Number.isInteger(value) ? String(value) : floatText(value);
      implicit = true;
    } else if (typeof value === 'boolean') {
      text = value ? 'true' : 'false';
      implicit = true;
    } else if (value === null) {
      text = 'null';
      implicit = true;
    } else if (Buffer.isBuffer(value)) {
      throw new TemplateError('to_yaml: binary data cannot be written as YAML text (use b64encode first)');
    } else {
      throw new TemplateError(`to_yaml: cannot represent a '${typeName(value)}'`);
    }
    const a = analyze(text);
    const split = !this.simpleKeyContext;
    const plainOk = implicit && !(this.simpleKeyContext && (a.empty || a.multiline)) && (this.flowLevel ? a.allowFlowPlain : a.allowBlockPlain);
    if (plainOk) this.writePlain(text, split);
    else if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) this.writeSingleQuoted(text, split);
    else this.writeDoubleQuoted(text, split);
  }

  private writePlain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(text.slice(start, end));
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.write(text.slice(start, end));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) this.writeIndent();
          else this.write(text.slice(start, end));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    const chars = [...text];
    let start = 0;
    const slice = (a: number, b: number) => chars.slice(a, b).join('');
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !((ch >= ' ' && ch <= '~') || (printable(ch) && ch.codePointAt(0)! >= 0xa0 && ch.codePointAt(0)! <= 0xfffd))) {
        if (start < end) {
          this.write(slice(start, end));
          start = end;
        }
        if (ch !== undefined) {
          const code = ch.codePointAt(0)!;
          const data = ch in ESCAPES ? `\\${ESCAPES[ch]}` : code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        const data = `${slice(start, end)}\\`;
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }
}

export function pyyamlDump(value: unknown, options: DumpOptions = {}): string {
  const indent = options.indent !== undefined && options.indent > 1 && options.indent < 10 ? options.indent : 2;
  return new Emitter(indent, options.width ?? 80, options.defaultFlowStyle === undefined ? false : options.defaultFlowStyle, options.sortKeys ?? true).dump(value);
}
