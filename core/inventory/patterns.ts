/**
 * Ansible host patterns (inventory/manager.py), evaluated the way Ansible does:
 *
 *   all, *            every host
 *   web, db1          a group (all hosts in it and its children) or a host
 *   web:db  web,db    union (commas also split; a comma list never splits on ':')
 *   web:&prod         intersection      web:!db   exclusion
 *   web*  *.example.com  db[!0-4]       shell wildcards (Python fnmatch), on groups and hosts
 *   ~web\d+           regular expression, matched at the start of the name
 *   web[0] web[-1] web[0:2] web[1:]     subscripts on the hosts of a pattern
 *
 * Whatever their position, plain patterns are applied first, then `&` ones, then `!`
 * ones; a pattern made only of `&`/`!` parts starts from `all`. Results keep inventory
 * order (a group's own hosts, then its children's, breadth first) with duplicates
 * removed. A pattern that matches nothing contributes nothing (use unmatchedPatterns()
 * to warn). `localhost`, `127.0.0.1` and `::1` give Ansible's implicit localhost when
 * the inventory has no such host. `--limit` takes the same syntax plus `@file` (one
 * pattern per line) and keeps only the hosts it also selects.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Inventory, InventoryHost } from './model.js';
import { InventoryError } from './errors.js';
import { fnmatchRegExp } from './fnmatch.js';
import { parseAddress } from './host-pattern.js';
import { LOCALHOST_NAMES } from './builder.js';

/** What pattern evaluation needs to know about an inventory. */
export interface PatternSource {
  host(name: string): InventoryHost | undefined;
  hostNames(): Iterable<string>;
  groupNames(): Iterable<string>;
  /** Hosts of a group and its descendants, in Ansible's order. */
  hostsOfGroup(name: string): InventoryHost[];
  /** The implicit localhost for a localhost-like name missing from the inventory. */
  implicitHost(name: string): InventoryHost | undefined;
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
const COLON_SEPARATED = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/** `a:b,c` -> single patterns, as Ansible's split_host_pattern. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern]; // a host, IPv6 address or range: its ':' are not separators
  else {
    parts = pattern.match(COLON_SEPARATED) ?? [];
    // A regex the ':' split would tear apart (`~[unclosed` -> `~`, `unclosed`: every host)
    // stays whole, so an invalid one is reported instead of silently matching everything.
    if (pattern.startsWith('~') && parts.join(':') !== pattern) parts = [pattern];
  }
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** `Invalid regular expression: /[a/y: Unterminated character class` -> `unterminated character class`. */
function regexReason(e: Error): string {
  const reason = e.message.slice(e.message.lastIndexOf(': ') + 2);
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

/** A predicate for one name pattern: `~regex` (anchored at the start) or a shell wildcard. */
export function compileNameMatcher(pattern: string): (name: string) => boolean {
  if (pattern.startsWith('~')) {
    let re: RegExp;
    try {
      // Python's named groups are spelled differently in JavaScript.
      re = new RegExp(pattern.slice(1).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), 'y');
    } catch (e) {
      throw new InventoryError(`invalid regular expression in host pattern '${pattern}': ${regexReason(e as Error)}`);
    }
    return (name) => {
      re.lastIndex = 0;
      return re.test(name);
    };
  }
  if (!/[*?[]/.test(pattern)) return (name) => name === pattern;
  const re = fnmatchRegExp(pattern);
  return (name) => re.test(name);
}

export class HostSelector {
  private readonly patternCache = new Map<string, InventoryHost[]>();
  private readonly selectionCache = new Map<string, InventoryHost[]>();

  constructor(
    private readonly source: PatternSource,
    /** Directory that `--limit @file` paths are relative to. */
    private readonly cwd: string,
  ) {}

  /** Forget cached selections (the inventory changed: add_host, group_by). */
  clear(): void {
    this.patternCache.clear();
    this.selectionCache.clear();
  }

  select(pattern: string, limit?: string): InventoryHost[] {
    const key = limit ? `${pattern}\u0000${limit}` : pattern;
    let result = this.selectionCache.get(key);
    if (!result) {
      let hosts = this.evaluate(splitHostPattern(pattern));
      if (limit) {
        const allowed = new Set(this.evaluate(this.limitPatterns(limit)));
        hosts = hosts.filter((h) => allowed.has(h));
      }
      result = [...new Set(hosts)];
      this.selectionCache.set(key, result);
    }
    return result.slice();
  }

  private limitPatterns(limit: string): string[] {
    const patterns: string[] = [];
    for (const part of splitHostPattern(limit)) {
      if (!part.startsWith('@')) {
        patterns.push(part);
        continue;
      }
      const file = path.resolve(this.cwd, part.slice(1));
      let text: string;
      try {
        if (statSync(file).isDirectory()) throw new InventoryError(`--limit ${part}: '${file}' is a directory; give a file with one host per line`);
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof InventoryError) throw e;
        throw new InventoryError(`--limit ${part}: cannot read limit file '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      patterns.push(...text.split('\n').map((l) => l.trim()));
    }
    return patterns;
  }

  private evaluate(patterns: string[]): InventoryHost[] {
    const plain: string[] = [];
    const intersect: string[] = [];
    const exclude: string[] = [];
    for (const p of patterns) {
      if (!p) continue;
      if (p[0] === '!') exclude.push(p);
      else if (p[0] === '&') intersect.push(p);
      else plain.push(p);
    }
    if (plain.length === 0) plain.push('all');

    let hosts: InventoryHost[] = [];
    let names = new Set<string>();
    for (const p of [...plain, ...intersect, ...exclude]) {
      const direct = this.source.host(p);
      if (direct) {
        hosts.push(direct);
        names.add(direct.name);
        continue;
      }
      const matched = this.matchOne(p);
      if (p[0] === '!' || p[0] === '&') {
        const set = new Set(matched);
        const keep = p[0] === '&';
        hosts = hosts.filter((h) => set.has(h) === keep);
        names = new Set(hosts.map((h) => h.name));
      } else {
        for (const h of matched) {
          if (!names.has(h.name)) {
            hosts.push(h);
            names.add(h.name);
          }
        }
      }
    }
    return hosts;
  }

  private matchOne(pattern: string): InventoryHost[] {
    const bare = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
    let hosts = this.patternCache.get(bare);
    if (!hosts) {
      const [expr, subscript] = splitSubscript(bare);
      hosts = applySubscript(this.enumerate(expr), subscript, bare);
      this.patternCache.set(bare, hosts);
    }
    return hosts;
  }

  private enumerate(pattern: string): InventoryHost[] {
    const results: InventoryHost[] = [];
    const matches = compileNameMatcher(pattern);
    let groupMatched = false;
    for (const g of this.source.groupNames()) {
      if (matches(g)) {
        groupMatched = true;
        results.push(...this.source.hostsOfGroup(g));
      }
    }
    // Hosts are searched when no group matched, or the pattern is a wildcard or regex.
    if (!groupMatched || pattern[0] === '~' || /[.?*[]/.test(pattern)) {
      if (pattern[0] !== '~' && !/[*?[]/.test(pattern)) {
        const host = this.source.host(pattern);
        if (host) results.push(host);
      } else {
        for (const name of this.source.hostNames()) if (matches(name)) results.push(this.source.host(name)!);
      }
    }
    if (results.length === 0 && LOCALHOST_NAMES.includes(pattern)) {
      const implicit = this.source.implicitHost(pattern);
      if (implicit) results.push(implicit);
    }
    return results;
  }
}

type Subscript = [start: number, end: number | undefined] | undefined;

function splitSubscript(pattern: string): [string, Subscript] {
  if (pattern[0] === '~') return [pattern, undefined]; // a regex keeps its brackets
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return [pattern, undefined];
  if (m[2] !== undefined) return [m[1]!, [Number(m[2]), undefined]];
  return [m[1]!, [Number(m[3]), m[5] ? Number(m[5]) : -1]];
}

/** Python's `hosts[start:end+1]` (inclusive end) or `hosts[i]` (negative counts from the end). */
function applySubscript(hosts: InventoryHost[], subscript: Subscript, pattern: string): InventoryHost[] {
  if (!subscript || hosts.length === 0) return hosts;
  const [start, endRaw] = subscript;
  if (endRaw) {
    const end = endRaw === -1 ? hosts.length - 1 : endRaw;
    return hosts.slice(start, end + 1);
  }
  const index = start < 0 ? hosts.length + start : start;
  const host = hosts[index];
  if (!host || index < 0) {
    throw new InventoryError(`no hosts matched the subscripted pattern '${pattern}': it selects ${hosts.length} host(s), numbered 0 to ${hosts.length - 1}`);
  }
  return [host];
}

/** Parts of `pattern` that match nothing in `inventory`, for "could not match" warnings. */
export function unmatchedPatterns(inventory: Inventory, pattern: string): string[] {
  const missing: string[] = [];
  for (const part of splitHostPattern(pattern)) {
    const bare = part[0] === '&' || part[0] === '!' ? part.slice(1) : part;
    if (bare === 'all' || bare === '' || inventory.hosts.has(bare)) continue;
    const [expr] = splitSubscript(bare);
    const matches = compileNameMatcher(expr);
    let found = false;
    for (const g of inventory.groups.keys()) {
      if (matches(g)) {
        found = true;
        break;
      }
    }
    if (!found && inventory.selectHosts(expr).length === 0) missing.push(part);
  }
  return missing;
}
