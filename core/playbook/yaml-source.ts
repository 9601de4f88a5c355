/**
 * One YAML file as the loader sees it: the parsed document with its line counter, the plain
 * JavaScript value, and a way back from any path in that value (`['0', 'tasks', 3,
 * 'notify']`) to the file:line:column where it was written. Schema errors, loader checks
 * and the model's `loc` fields all go through `locate`.
 *
 * The dialect is Ansible's (PyYAML, YAML 1.1): `yes/no/on/off` are booleans, `0644` is
 * octal, `<<` merge keys work; `y`/`n` and dates stay strings. `!unsafe` yields the plain
 * string. Ansible Vault: a whole vault-encrypted file is decrypted before parsing, and
 * `!vault` values while parsing, with the secrets of the `Vault` given (see core/vault/).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ansibleTags } from '../util/ansible-yaml-dialect.js';
import { readSourceText, SourceTextError } from '../util/source-text.js';
import { duplicateKeys, yamlErrorText, yamlFindings, yamlValueErrorText } from '../util/yaml-checks.js';
import { isVaultText } from '../vault/envelope.js';
import { VaultError } from '../vault/errors.js';
import { Vault } from '../vault/vault.js';
import type { SourceLocation } from './model.js';
import type { Problems } from './errors.js';

export type PathSegment = string | number;


/** yaml's messages end with "at line N, column M:" and a code frame; we print our own. */
function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? undefined : String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

export class SourceFile {
  /** The file's content as plain data; undefined when the YAML could not be parsed. */
  data: unknown;
  private lineCache: string[] | undefined;

  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The file was vault-encrypted as a whole (its values are secrets if it holds variables). */
    readonly encrypted: boolean,
  ) {}

  /** Parse YAML text; syntax errors are added to `problems` (and `data` stays undefined). */
  static parse(file: string, text: string, problems: Problems, vault?: Vault, encrypted = false): SourceFile {
    const lines = new LineCounter();
    // uniqueKeys: false because the parser's own check compares each key with every earlier
    // key of its mapping (quadratic: 40,000 keys took 12 s); duplicateKeys() uses a set.
    const doc = parseDocument(text, { version: '1.1', customTags: ansibleTags(vault), merge: true, lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const source = new SourceFile(file, text, doc, lines, encrypted);
    // After the first real syntax error the parser's later complaints are mostly echoes of
    // it; duplicate keys are independent mistakes and are all reported.
    // A `!vault` value that cannot be decrypted is also independent of the rest.
    const independent = (code: string) => code === 'DUPLICATE_KEY' || code === 'TAG_RESOLVE_FAILED';
    const firstSyntax = doc.errors.find((e) => !independent(e.code));
    for (const error of doc.errors) {
      if (!independent(error.code) && error !== firstSyntax) continue;
      const at = lines.linePos(error.pos[0]);
      const message =
        error.code === 'DUPLICATE_KEY'
          ? `${firstLine(error.message).replace('Map keys must be unique', 'duplicate key')}: the same key twice in one mapping (only one value would be used)`
          : error.code === 'TAG_RESOLVE_FAILED'
            ? yamlErrorText(error)
            : `YAML syntax error: ${yamlErrorText(error)}`;
      problems.add({ file, line: at.line, column: at.col }, message, source.excerpt(at.line));
    }
    const duplicates = duplicateKeys(doc);
    for (const d of duplicates) {
      const at = lines.linePos(d.offset);
      problems.add({ file, line: at.line, column: at.col }, 'duplicate key: the same key twice in one mapping (only one value would be used)', source.excerpt(at.line));
    }
    const findings = doc.errors.length === 0 ? yamlFindings(doc, text) : [];
    for (const f of findings) {
      const at = lines.linePos(f.offset);
      problems.add({ file, line: at.line, column: at.col }, f.message, source.excerpt(at.line));
    }
    if (doc.errors.length === 0 && findings.length === 0 && duplicates.length === 0) {
      try {
        source.data = doc.toJS({ maxAliasCount: 10_000 });
      } catch (err) {
        problems.add({ file }, yamlValueErrorText(err));
      }
    }
    return source;
  }

  /** Read and parse a file; a missing or unreadable file is reported at `from` (the import that named it). */
  static read(file: string, problems: Problems, from?: SourceLocation, what = 'file', vault?: Vault): SourceFile | undefined {
    let text: string;
    try {
      text = readSourceText(file);
    } catch (err) {
      if (err instanceof SourceTextError) {
        problems.add({ file, line: err.line, column: err.column }, err.message);
        return undefined;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      problems.add(from ?? { file }, `${what} ${file}: ${reason}`);
      return undefined;
    }
    if (!isVaultText(text)) return SourceFile.parse(file, text, problems, vault);
    let plaintext: string;
    try {
      plaintext = (vault ?? new Vault()).openText(text, 'this file').text;
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      problems.add({ file, line: err.line ?? 0, column: 1 }, err.message);
      return undefined;
    }
    return SourceFile.parse(file, plaintext, problems, vault, true);
  }

  /**
   * The source line (1-based), for error excerpts; none for a vault-encrypted file, whose
   * decrypted lines must not be printed.
   */
  excerpt(line: number): string | undefined {
    if (this.encrypted) return undefined;
    this.lineCache ??= this.text.split(/\r?\n/);
    return this.lineCache[line - 1] ?? '';
  }

  /**
   * Where the value at `path` was written. With `at: 'key'` and a path ending in a mapping
   * key, the key's position (messages about a keyword point at the keyword). A path that
   * leads into merged (`<<`) or missing content falls back to the nearest enclosing node.
   */
  locate(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): SourceLocation {
    return this.positionOf(this.nodeAt(path, at));
  }

  /**
   * Where character `offset` of the string at `path` was written: exact for plain and
   * quoted scalars on one line and for `|` blocks (`copy: src=a srcc=b` points at `srcc`),
   * the scalar's start for anything the text cannot be mapped back from (escapes, folding).
   */
  locateInString(path: readonly PathSegment[], offset: number): SourceLocation {
    const node = this.nodeAt(path, 'value');
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return this.positionOf(node);
    const value = node.value;
    const [start, end] = node.range;
    const written = this.text.slice(start, end);
    let abs: number | undefined;
    if (written === value) abs = start + offset;
    else if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && written.slice(1, -1) === value) abs = start + 1 + offset;
    else if (node.type === 'BLOCK_LITERAL') abs = this.blockOffset(start, end, value, offset);
    if (abs === undefined) return this.positionOf(node);
    const pos = this.lines.linePos(abs);
    return { file: this.file, line: pos.line, column: pos.col };
  }

  /** `|` block: value line k is source line k after the header, shifted by the indentation. */
  private blockOffset(start: number, end: number, value: string, offset: number): number | undefined {
    const before = value.slice(0, offset).split('\n');
    const lineIndex = before.length - 1;
    const column = before[lineIndex]!.length;
    const sourceLines = this.text.slice(start, end).split('\n');
    const content = sourceLines.slice(1);
    const indent = /^ */.exec(content.find((l) => l.trim() !== '') ?? '')![0].length;
    if (lineIndex >= content.length) return undefined;
    let abs = start + sourceLines[0]!.length + 1;
    for (let i = 0; i < lineIndex; i++) abs += content[i]!.length + 1;
    return abs + indent + column;
  }

  private nodeAt(path: readonly PathSegment[], at: 'key' | 'value'): unknown {
    let node: unknown = this.doc.contents;
    let found: unknown = node;
    for (let i = 0; i < path.length; i++) {
      node = this.deref(node);
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.findPair(node, String(seg));
        if (!pair) break;
        if (last && at === 'key') {
          found = pair.key ?? found;
          break;
        }
        // `key:` with nothing after it: point at the key.
        node = pair.value ?? pair.key;
        if (pair.value === null || pair.value === undefined) {
          found = pair.key;
          break;
        }
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined || item === null) break;
        node = item;
      } else break;
      found = node;
    }
    return found;
  }

  private deref(node: unknown): unknown {
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(this.doc);
    return n;
  }

  private findPair(map: { items: unknown[] }, key: string): { key: unknown; value: unknown } | undefined {
    for (const pair of map.items) if (isPair(pair) && keyText(pair.key) === key) return pair;
    // A key that came in through `<<: *anchor` lives in the merged mapping.
    for (const pair of map.items) {
      if (!isPair(pair) || keyText(pair.key) !== '<<') continue;
      const sources = this.deref(pair.value);
      const maps = isSeq(sources) ? sources.items.map((n) => this.deref(n)) : [sources];
      for (const m of maps) {
        if (isMap(m)) {
          const hit = this.findPair(m, key);
          if (hit) return hit;
        }
      }
    }
    return undefined;
  }

  private positionOf(node: unknown): SourceLocation {
    const range = (node as Node | null | undefined)?.range;
    const offset = range ? range[0] : 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }
}

/**
 * A position in a file's data: the value plus the path that leads to it. The loader walks
 * plain values and asks a cursor for locations only when it needs them.
 */
export class Cursor {
  constructor(
    readonly source: SourceFile,
    readonly path: readonly PathSegment[],
    readonly value: unknown,
  ) {}

  static root(source: SourceFile): Cursor {
    return new Cursor(source, [], source.data);
  }

  get file(): string {
    return this.source.file;
  }

  child(key: PathSegment): Cursor {
    const v = this.value as Record<string | number, unknown> | null | undefined;
    return new Cursor(this.source, [...this.path, key], v == null || typeof v !== 'object' ? undefined : v[key]);
  }

  /** Children of a list value (none for anything else). */
  items(): Cursor[] {
    return Array.isArray(this.value) ? this.value.map((_, i) => this.child(i)) : [];
  }

  isMapping(): boolean {
    return this.value !== null && typeof this.value === 'object' && !Array.isArray(this.value);
  }

  keys(): string[] {
    return this.isMapping() ? Object.keys(this.value as object) : [];
  }

  has(key: string): boolean {
    return this.isMapping() && Object.prototype.hasOwnProperty.call(this.value, key);
  }

  loc(): SourceLocation {
    return this.source.locate(this.path);
  }

  /** Position of the mapping key `key` inside this value (the keyword itself). */
  keyLoc(key: string): SourceLocation {
    return this.source.locate([...this.path, key], 'key');
  }

  report(problems: Problems, message: string, loc: SourceLocation = this.loc()): void {
    problems.add(loc, message, loc.file === this.source.file ? this.source.excerpt(loc.line) : undefined);
  }
}
