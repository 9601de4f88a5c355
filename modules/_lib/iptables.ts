/**
 * Pure helpers of the `iptables` module: the iptables-save / iptables-restore format (read
 * from `iptables-save -t TABLE` and from /etc/sysconfig/iptables), a normal form of a rule so
 * that the same rule written in another order or spelling (`--dport` / `--destination-port`,
 * `10.0.0.1` / `10.0.0.1/32`, RELATED,ESTABLISHED in any order) compares equal, the rule an
 * iptables task describes in iptables-save's own spelling, and the planner that decides
 * where a rule goes. Nothing here runs a command; everything is unit-tested.
 */

export class IptablesError extends Error {
  override name = 'IptablesError';
}

/** Built-in chains per table (their policies are the only ones that can be set). */
export const BUILTIN_CHAINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Split one line as iptables-restore does: blanks separate words, "double quotes" group, \" and \\ inside. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quoted) throw new IptablesError(`unterminated quote in: ${line}`);
  if (inWord) out.push(cur);
  return out;
}

/** A word as iptables-save prints it (libxtables' xtables_save_string): quoted when not plain. */
export function saveWord(word: string): string {
  if (/^[A-Za-z0-9_\-.:,/!]+$/.test(word) && word !== '') return word;
  return `"${word.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

// ---------------------------------------------------------------------------------------
// Normal form of a rule

interface Block {
  name: string;
  opts: string[];
}

export interface NormalRule {
  /** -s -d -i -o -p -f, each with its value ("!" prefix when negated), sorted by option. */
  base: string[];
  /** Match blocks, each as its canonical text, sorted. */
  matches: string[];
  /** Target with options, canonical text ('' when none). */
  target: string;
}

const BASE_ALIASES: Record<string, string> = {
  '-s': '-s', '--source': '-s', '--src': '-s',
  '-d': '-d', '--destination': '-d', '--dst': '-d',
  '-i': '-i', '--in-interface': '-i',
  '-o': '-o', '--out-interface': '-o',
  '-p': '-p', '--protocol': '-p',
  '-f': '-f', '--fragment': '-f',
};

const OPTION_ALIASES: Record<string, string> = {
  '--destination-port': '--dport', '--source-port': '--sport',
  '--destination-ports': '--dports', '--source-ports': '--sports',
};

const PROTOCOL_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '132': 'sctp' };
const STATE_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

function maskBits(mask: string): number | null {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : null;
}

/** 10.0.0.1 -> 10.0.0.1/32, 10.0.0.0/255.0.0.0 -> 10.0.0.0/8 (IPv4; other text as it is). */
export function normaliseAddress(value: string): string {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(.+))?$/.exec(value);
  if (!m) return value;
  if (m[2] === undefined) return `${m[1]}/32`;
  if (/^\d+$/.test(m[2])) return `${m[1]}/${Number(m[2])}`;
  const bits = maskBits(m[2]);
  return bits === null ? value : `${m[1]}/${bits}`;
}

function normaliseOption(block: string, opt: string, values: string[]): string[] {
  const name = OPTION_ALIASES[opt] ?? opt;
  if ((name === '--ctstate' || name === '--state') && values.length === 1) {
    const states = values[0]!.split(',').map((s) => s.toUpperCase());
    return [name, [...new Set(states)].sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b)).join(',')];
  }
  if (block === 'comment' && name === '--comment') return [name, ...values];
  return [name, ...values];
}

/**
 * The normal form of a rule's words (everything after `-A CHAIN`). `partial` is for the
 * insert_before selector: no defaults are filled in, so `-j REJECT` matches any REJECT.
 */
export function normaliseRule(words: string[], partial = false): NormalRule {
  const base: string[] = [];
  const blocks: Block[] = [];
  let target: Block | null = null;
  let current: Block | null = null;
  let protocol: string | null = null;
  let negate = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') {
      negate = true;
      continue;
    }
    const baseOpt = BASE_ALIASES[w];
    if (baseOpt) {
      if (baseOpt === '-f') base.push(`${negate ? '! ' : ''}-f`);
      else {
        let v = words[++i];
        if (v === undefined) throw new IptablesError(`${w} needs a value`);
        if (baseOpt === '-s' || baseOpt === '-d') v = normaliseAddress(v);
        if (baseOpt === '-p') {
          v = PROTOCOL_NUMBERS[v] ?? v.toLowerCase();
          protocol = v;
        }
        base.push(`${negate ? '! ' : ''}${baseOpt} ${v}`);
      }
      negate = false;
      continue;
    }
    if (w === '-m' || w === '--match') {
      const name = words[++i];
      if (name === undefined) throw new IptablesError('-m needs a match name');
      current = { name, opts: [] };
      blocks.push(current);
      continue;
    }
    if (w === '-j' || w === '--jump' || w === '-g' || w === '--goto') {
      const name = words[++i];
      if (name === undefined) throw new IptablesError(`${w} needs a target`);
      target = { name: `${w === '-g' || w === '--goto' ? '-g' : '-j'} ${name}`, opts: [] };
      current = target;
      continue;
    }
    if (w.startsWith('-')) {
      // An option outside any -m block belongs to the protocol's implicit match (-p tcp --dport 22).
      if (current === null) {
        if (!protocol) throw new IptablesError(`option ${w} needs -p PROTOCOL or -m MATCH before it`);
        current = blocks.find((b) => b.name === protocol) ?? { name: protocol, opts: [] };
        if (!blocks.includes(current)) blocks.push(current);
      }
      const values: string[] = [];
      while (i + 1 < words.length && !words[i + 1]!.startsWith('-') && words[i + 1] !== '!') values.push(words[++i]!);
      // A value may itself start with '-' only for the few options below; iptables-save never writes such.
      const [name, ...vals] = normaliseOption(current.name, w, values);
      current.opts.push(`${negate ? '! ' : ''}${name}${vals.map((v) => ` ${saveWord(v)}`).join('')}`);
      negate = false;
      continue;
    }
    throw new IptablesError(`unexpected word '${w}' in rule: ${words.join(' ')}`);
  }
  if (target && !partial && target.name === '-j REJECT' && !target.opts.some((o) => o.startsWith('--reject-with'))) target.opts.push('--reject-with icmp-port-unreachable');
  const text = (b: Block) => [b.name, ...b.opts].join(' ');
  return {
    base: base.sort(),
    matches: blocks.map((b) => `-m ${text(b)}`).sort(),
    target: target ? text(target) : '',
  };
}

export function ruleKey(rule: NormalRule): string {
  return JSON.stringify(rule);
}

/** Whether `rule` has everything `selector` (a partial rule) names. */
export function ruleMatches(rule: NormalRule, selector: NormalRule): boolean {
  if (!selector.base.every((b) => rule.base.includes(b))) return false;
  if (!selector.matches.every((m) => rule.matches.includes(m))) return false;
  if (selector.target === '') return true;
  const [selName, ...selOpts] = selector.target.split(' -').map((s, i) => (i === 0 ? s : `-${s}`));
  const [name, ...opts] = rule.target.split(' -').map((s, i) => (i === 0 ? s : `-${s}`));
  return selName === name && selOpts.every((o) => opts.includes(o));
}

// ---------------------------------------------------------------------------------------
// The iptables-save format

export interface SavedRule {
  chain: string;
  words: string[];
  /** Index of the line in the file's lines (for editing a file in place). */
  line: number;
}

export interface SavedTable {
  name: string;
  /** chain -> policy ('-' for user chains), in declaration order, with the line index. */
  chains: Map<string, { policy: string; line: number }>;
  rules: SavedRule[];
  /** Line index of `*table` and of its COMMIT. */
  start: number;
  commit: number;
}

/** Parse iptables-save output or an /etc/sysconfig/iptables file into its tables. */
export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  const lines = text.split('\n');
  let table: SavedTable | null = null;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${index + 1}`;
    if (line.startsWith('*')) {
      if (table) throw new IptablesError(`${where}: table ${line.slice(1)} starts before COMMIT of ${table.name}`);
      table = { name: line.slice(1), chains: new Map(), rules: [], start: index, commit: -1 };
      return;
    }
    if (!table) throw new IptablesError(`${where}: '${line}' is outside a *table ... COMMIT section`);
    const t: SavedTable = table;
    if (line === 'COMMIT') {
      t.commit = index;
      tables.set(t.name, t);
      table = null;
      return;
    }
    if (line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(/\s+/);
      if (!chain || !policy) throw new IptablesError(`${where}: bad chain line '${line}'`);
      t.chains.set(chain, { policy, line: index });
      return;
    }
    const words = tokenize(line);
    if (words[0] === '-A' || words[0] === '--append') {
      if (!words[1]) throw new IptablesError(`${where}: -A without a chain`);
      t.rules.push({ chain: words[1], words: words.slice(2), line: index });
      return;
    }
    throw new IptablesError(`${where}: unsupported line '${line}' (only -A rules and :CHAIN lines are understood)`);
  });
  if (table) throw new IptablesError(`table ${(table as SavedTable).name} has no COMMIT`);
  return tables;
}

/** The rule line as iptables-save writes it. */
export function ruleLine(chain: string, words: string[]): string {
  return ['-A', chain, ...words.map(saveWord)].join(' ');
}

// ---------------------------------------------------------------------------------------
// Planning

export type Op = { op: 'insert'; position: number; words: string[] } | { op: 'delete'; position: number };

export interface ChainPlan {
  ops: Op[];
  /** Rule words of the chain after the ops. */
  after: string[][];
}

export interface Wanted {
  words: string[];
  state: 'present' | 'absent';
  action: 'append' | 'insert';
  /** 1-based, for action insert. */
  ruleNum: number;
  /** Put the rule before the first rule matching this (partial) rule; it is moved there if it is after it. */
  before?: NormalRule;
}

/** What to do to `chainRules` (rule words, in order) to satisfy `want`. Positions are 1-based and apply in order. */
export function planChain(chainRules: string[][], want: Wanted): ChainPlan {
  const normal = chainRules.map((w) => normaliseRule(w));
  const key = ruleKey(normaliseRule(want.words));
  const after = chainRules.map((w) => [...w]);
  const ops: Op[] = [];
  const present = normal.map((r, i) => (ruleKey(r) === key ? i : -1)).filter((i) => i >= 0);
  if (want.state === 'absent') {
    for (const i of [...present].reverse()) {
      ops.push({ op: 'delete', position: i + 1 });
      after.splice(i, 1);
    }
    return { ops, after };
  }
  if (want.before) {
    const anchor = normal.findIndex((r) => ruleMatches(r, want.before!));
    if (anchor === -1) {
      if (present.length) return { ops, after };
      ops.push({ op: 'insert', position: after.length + 1, words: want.words });
      after.push(want.words);
      return { ops, after };
    }
    if (present.some((i) => i < anchor)) return { ops, after };
    // Present only after the anchor, where it never matches: move the first one up.
    let at = anchor;
    if (present.length) {
      ops.push({ op: 'delete', position: present[0]! + 1 });
      after.splice(present[0]!, 1);
      if (present[0]! < at) at--;
    }
    ops.push({ op: 'insert', position: at + 1, words: want.words });
    after.splice(at, 0, want.words);
    return { ops, after };
  }
  if (present.length) return { ops, after };
  if (want.action === 'append') {
    ops.push({ op: 'insert', position: after.length + 1, words: want.words });
    after.push(want.words);
    return { ops, after };
  }
  if (want.ruleNum > after.length + 1) throw new IptablesError(`rule_num ${want.ruleNum} is beyond the end of the chain (it has ${after.length} rules)`);
  ops.push({ op: 'insert', position: want.ruleNum, words: want.words });
  after.splice(want.ruleNum - 1, 0, want.words);
  return { ops, after };
}

/** iptables-restore --noflush input that carries out the ops (and a policy) atomically. */
export function restoreInput(table: string, chain: string, ops: Op[], policy?: string): string {
  const lines = [`*${table}`];
  if (policy) lines.push(`-P ${chain} ${policy}`);
  for (const op of ops) {
    if (op.op === 'delete') lines.push(`-D ${chain} ${op.position}`);
    // -I N+1 (one past the last rule) appends.
    else lines.push(`-I ${chain} ${op.position} ${op.words.map(saveWord).join(' ')}`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * Apply the same ops (and policy) to the chain in a saved file's text, in place: only the
 * lines of that chain change; other tables, comments and chains stay byte for byte. A file
 * without the table gets a new section at its end; a chain without a declaration gets one.
 */
export function editSavedFile(text: string, table: string, chain: string, ops: Op[], policy?: string): string {
  const lines = text === '' ? [] : text.split('\n');
  const hadFinalNewline = text.endsWith('\n');
  if (hadFinalNewline) lines.pop();
  let t = parseSave(lines.join('\n')).get(table);
  if (!t) {
    const builtins = BUILTIN_CHAINS[table] ?? [];
    const section = [`*${table}`, ...builtins.map((c) => `:${c} ACCEPT [0:0]`), ...(builtins.includes(chain) ? [] : [`:${chain} - [0:0]`]), 'COMMIT'];
    lines.push(...section);
    t = parseSave(lines.join('\n')).get(table)!;
  }
  if (!t.chains.has(chain)) {
    const lastDecl = Math.max(t.start, ...[...t.chains.values()].map((c) => c.line));
    lines.splice(lastDecl + 1, 0, `:${chain} ${(BUILTIN_CHAINS[table] ?? []).includes(chain) ? 'ACCEPT' : '-'} [0:0]`);
    t = parseSave(lines.join('\n')).get(table)!;
  }
  if (policy) {
    const decl = t.chains.get(chain)!;
    const m = /^(\s*:\S+\s+)(\S+)(.*)$/.exec(lines[decl.line]!)!;
    lines[decl.line] = `${m[1]}${policy}${m[3]}`;
  }
  // Line numbers of the chain's rules, kept in step with the ops.
  const ruleLines = t.rules.filter((r) => r.chain === chain).map((r) => r.line);
  for (const op of ops) {
    if (op.op === 'delete') {
      const line = ruleLines[op.position - 1]!;
      lines.splice(line, 1);
      ruleLines.splice(op.position - 1, 1);
      for (let k = 0; k < ruleLines.length; k++) if (ruleLines[k]! > line) ruleLines[k]!--;
      continue;
    }
    let line: number;
    if (op.position - 1 < ruleLines.length) line = ruleLines[op.position - 1]!;
    else if (ruleLines.length) line = ruleLines[ruleLines.length - 1]! + 1;
    else {
      // First rule of the chain: after the table's last rule line, else before COMMIT.
      const current = parseSave(lines.join('\n')).get(table)!;
      line = current.rules.length ? current.rules[current.rules.length - 1]!.line + 1 : current.commit;
    }
    lines.splice(line, 0, ruleLine(chain, op.words));
    for (let k = 0; k < ruleLines.length; k++) if (ruleLines[k]! >= line) ruleLines[k]!++;
    ruleLines.splice(op.position - 1, 0, line);
  }
  return lines.join('\n') + (hadFinalNewline || text === '' ? '\n' : '');
}

/** A chain for --diff: its policy and rules as iptables-save lines. */
export function describeChain(chain: string, policy: string | undefined, rules: string[][]): string {
  return [`:${chain} ${policy ?? '-'}`, ...rules.map((w) => ruleLine(chain, w))].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// A rule from task arguments

export type StrList = string | string[];

/** The parameters that describe a rule (also the keys insert_before accepts). */
export interface RuleArgs {
  protocol?: string;
  source?: string;
  destination?: string;
  source_port?: string | number;
  destination_port?: string | number;
  destination_ports?: StrList;
  match?: StrList;
  ctstate?: StrList;
  jump?: string;
  reject_with?: string;
  comment?: string;
  in_interface?: string;
  out_interface?: string;
}

/** The rule in iptables-save's spelling and order: what `iptables-save` prints once it is in. */
export function ruleWords(r: RuleArgs): string[] {
  const w: string[] = [];
  const neg = (opt: string, value: string) => (value.startsWith('!') ? ['!', opt, value.slice(1).trim()] : [opt, value]);
  const list = (v: StrList | undefined) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean));
  if (r.source !== undefined) w.push(...neg('-s', r.source));
  if (r.destination !== undefined) w.push(...neg('-d', r.destination));
  if (r.in_interface !== undefined) w.push(...neg('-i', r.in_interface));
  if (r.out_interface !== undefined) w.push(...neg('-o', r.out_interface));
  if (r.protocol !== undefined) w.push(...neg('-p', r.protocol.toLowerCase()));
  const matches = list(r.match);
  const proto = r.protocol?.replace(/^!\s*/, '').toLowerCase();
  const ports: string[] = [];
  if (r.source_port !== undefined) ports.push(...neg(matches.includes('multiport') ? '--sports' : '--sport', String(r.source_port)));
  if (r.destination_port !== undefined) ports.push(...neg(matches.includes('multiport') ? '--dports' : '--dport', String(r.destination_port)));
  const multiportOpts: string[] = [];
  if (r.destination_ports !== undefined) multiportOpts.push('--dports', list(r.destination_ports).join(','));
  if (ports.length && !matches.includes('multiport')) {
    if (!proto || !['tcp', 'udp', 'sctp', 'dccp', 'udplite'].includes(proto)) throw new IptablesError('source_port/destination_port need protocol tcp or udp (or match: multiport)');
    w.push('-m', proto, ...ports);
  }
  for (const m of matches) {
    if (m === proto && ports.length) continue;
    if (m === 'multiport') w.push('-m', 'multiport', ...ports, ...multiportOpts);
    else if (m !== 'conntrack' && m !== 'comment') w.push('-m', m);
  }
  if (multiportOpts.length && !matches.includes('multiport')) w.push('-m', 'multiport', ...multiportOpts);
  if ((multiportOpts.length || matches.includes('multiport')) && !(proto && ['tcp', 'udp', 'sctp', 'dccp', 'udplite'].includes(proto))) {
    throw new IptablesError('multiport ports need protocol tcp or udp');
  }
  const states = list(r.ctstate);
  if (states.length) w.push('-m', 'conntrack', '--ctstate', states.map((s) => s.toUpperCase()).join(','));
  if (r.comment !== undefined) w.push('-m', 'comment', '--comment', r.comment);
  if (r.jump !== undefined) w.push('-j', r.jump);
  if (r.reject_with !== undefined) {
    if (r.jump !== 'REJECT') throw new IptablesError('reject_with needs jump: REJECT');
    w.push('--reject-with', r.reject_with);
  }
  return w;
}
