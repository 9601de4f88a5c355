/**
 * Ansible's INI inventory format (plugins/inventory/ini.py), line by line:
 *
 *   host1                       # before any section: group `ungrouped`
 *   [web]                       # hosts section
 *   web[01:20].example.com      # ranges; `host:2222` sets ansible_port
 *   db1 ansible_user=admin x="a b" n=5 t=True   # inline vars (tokenised like shlex)
 *   [web:vars]                  # one key=value per line, the whole rest is the value
 *   [prod:children]             # one group name per line
 *
 * Values on host lines and in [g:vars] go through Python's literal_eval as in Ansible
 * (5 -> number, True -> boolean, 'x' -> x, yes -> "yes"); see python-literal.ts.
 * `#` and `;` start comment lines; on host lines `#` starts a comment anywhere outside
 * quotes; a [g:vars] value keeps a trailing `# text` unless the value is a literal (as
 * Ansible does: `a=1 # c` is 1, `a=x # c` is "x # c").
 *
 * A group named in [g:children] or [g:vars] must be declared somewhere in the same file
 * ([g] or [g:children]), or in an earlier source; otherwise it is an error, as in Ansible.
 */
import { closest } from '../util/suggest.js';
import type { InventoryBuilder } from './builder.js';
import { InventoryError, type InventoryErrorPlace } from './errors.js';
import { expandHostEntry, HostPatternError } from './host-pattern.js';
import { parseIniValue } from './python-literal.js';
import { shlexSplit, ShlexError } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
const SECTION_TYPES = ['hosts', 'children', 'vars'] as const;
type SectionType = (typeof SECTION_TYPES)[number];

interface Pending {
  line: number;
  type: 'vars' | 'children';
  parents: string[];
}

export function parseIni(text: string, file: string, builder: InventoryBuilder): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let type: SectionType = 'hosts';

  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const lineNo = index + 1;
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;
    const indent = raw.length - raw.trimStart().length;
    const place = (offset = 0): InventoryErrorPlace => ({ file, line: lineNo, column: indent + offset + 1 });

    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      const declared = section[2] ?? 'hosts';
      if (!(SECTION_TYPES as readonly string[]).includes(declared)) {
        const hint = closest(declared, SECTION_TYPES);
        throw new InventoryError(
          `section [${group}:${declared}] has unknown type '${declared}'${hint ? ` - did you mean '${hint}'?` : ''}; use [${group}], [${group}:vars] or [${group}:children]`,
          place(group.length + 2),
        );
      }
      type = declared as SectionType;
      if (!builder.groups.has(group)) {
        // [g] or [g:children] declares a group; [g:vars] alone does not, so remember it.
        if (type === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, type: 'vars', parents: [] });
        builder.addGroup(group, place());
      }
      const waiting = pending.get(group);
      if (waiting && type !== 'vars') {
        if (waiting.type === 'children') addPendingChildren(group, pending, builder, place());
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      throw new InventoryError(
        `invalid section header '${line}': a group name cannot contain spaces, ':' or ']'; write [name], [name:vars] or [name:children]`,
        place(),
      );
    }

    if (type === 'hosts') parseHostLine(line, group, builder, place);
    else if (type === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) throw new InventoryError(`expected key=value in [${group}:vars], got '${line}'`, place());
      const key = line.slice(0, eq).trim();
      if (!key) throw new InventoryError(`missing variable name before '=' in [${group}:vars]`, place());
      builder.setGroupVar(group, key, iniValue(key, line.slice(eq + 1).trim(), place()), place());
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) throw new InventoryError(`expected one group name per line in [${group}:children], got '${line}'`, place());
      const child = m[1]!;
      if (builder.groups.has(child)) builder.addChild(group, child, place());
      else {
        const waiting = pending.get(child);
        if (waiting) waiting.parents.push(group);
        else pending.set(child, { line: lineNo, type: 'children', parents: [group] });
      }
    }
  }

  // Anything still pending was never declared (only the first is reported, as Ansible does).
  for (const [name, decl] of pending) {
    const hint = closest(name, [...builder.groups.keys()].filter((g) => g !== name));
    const didYouMean = hint ? ` Did you mean '${hint}'?` : '';
    if (decl.type === 'vars') {
      throw new InventoryError(
        `section [${name}:vars] is for group '${name}', which is never declared; add a [${name}] section (it may be empty) or fix the name.${didYouMean}`,
        { file, line: decl.line, column: 1 },
      );
    }
    throw new InventoryError(
      `[${decl.parents[decl.parents.length - 1]}:children] names group '${name}', which is never declared; add a [${name}] section (it may be empty) or fix the name.${didYouMean}`,
      { file, line: decl.line, column: 1 },
    );
  }
}

/** A variable's value as Ansible reads it; one nested thousands of levels deep is an error, not a crash. */
function iniValue(key: string, text: string, place: InventoryErrorPlace): unknown {
  try {
    return parseIniValue(text);
  } catch (e) {
    if (e instanceof RangeError) throw new InventoryError(`the value of '${key}' nests lists or mappings too deeply (thousands of levels)`, place);
    throw e;
  }
}

function addPendingChildren(group: string, pending: Map<string, Pending>, builder: InventoryBuilder, place: InventoryErrorPlace): void {
  const waiting = pending.get(group)!;
  pending.delete(group);
  for (const parent of waiting.parents) {
    builder.addChild(parent, group, place);
    if (pending.get(parent)?.type === 'children') addPendingChildren(parent, pending, builder, place);
  }
}

function parseHostLine(line: string, group: string, builder: InventoryBuilder, place: (offset?: number) => InventoryErrorPlace): void {
  let tokens;
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) throw new InventoryError(`cannot read host line: ${e.message.toLowerCase()}`, place(e.offset));
    throw e;
  }
  if (tokens.length === 0) return; // only a comment after all
  const [first, ...rest] = tokens;
  let expanded;
  try {
    expanded = expandHostEntry(first!.value);
  } catch (e) {
    if (e instanceof HostPatternError) throw new InventoryError(e.message, place(first!.offset));
    throw e;
  }
  const vars: Array<[string, unknown]> = [];
  for (const token of rest) {
    const eq = token.value.indexOf('=');
    if (eq < 0) {
      throw new InventoryError(
        `expected key=value host variable after '${first!.value}', got '${token.value}'; quote values that contain spaces (key="a b")`,
        place(token.offset),
      );
    }
    const key = token.value.slice(0, eq);
    if (!key) throw new InventoryError(`missing variable name before '=' in '${token.value}'`, place(token.offset));
    vars.push([key, iniValue(key, token.value.slice(eq + 1), place(token.offset))]);
  }
  for (const name of expanded.names) {
    builder.addHost(name, group, expanded.port, place(first!.offset));
    for (const [key, value] of vars) builder.setHostVar(name, key, value);
  }
}
