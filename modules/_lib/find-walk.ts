/**
 * The pure parts of `find`: the one command that lists every path's tree (GNU find, one
 * record per entry with its lstat data), the parser that puts the records back in the
 * order Python's `os.walk` visits them, and Ansible's filters (fnmatch or regex patterns,
 * age, size, the `contains` test) with the same rules as its find.py.
 */
import { posix } from 'node:path';
import { pathOperand } from '../../core/transport/operands.js';
import { quote } from '../../core/transport/shell-quote.js';
import { compilePythonRegex } from '../../core/util/python-regex.js';
import { permissionBits } from './file-mode.js';
import { pythonAnchors } from './replace-text.js';

/** One entry as GNU find reports it (lstat data; with `follow`, the target's). */
export interface WalkEntry {
  /** Index of the `paths` argument it was found under. */
  root: number;
  depth: number;
  path: string;
  name: string;
  /** find's %y: f d l b c p s. */
  type: string;
  /** A directory, or a link to one: os.walk lists it among `dirs`. */
  dirLike: boolean;
  mode: number;
  size: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  inode: number;
  dev: number;
  nlink: number;
  atime: number;
  mtime: number;
  ctime: number;
}

export interface WalkOptions {
  recurse: boolean;
  /** Ansible's depth (0 or undefined: unlimited). */
  depth?: number;
  follow: boolean;
}

const FIELDS = '%d\\0%y\\0%Y\\0%m\\0%s\\0%U\\0%G\\0%u\\0%g\\0%i\\0%D\\0%n\\0%A@\\0%T@\\0%C@\\0%f\\0%p\\0';
const FIELD_COUNT = 17;

/**
 * One command for every path: a marker per path, then `find` (or why it is not a
 * directory). Entries one level deeper than `depth` are listed too, because os.walk
 * counts them in `examined` before it prunes.
 */
export function walkCommand(paths: readonly string[], o: WalkOptions): string {
  const maxdepth = !o.recurse ? 1 : o.depth ? o.depth + 1 : undefined;
  const lines = ['export LC_ALL=C'];
  paths.forEach((p, i) => {
    const q = pathOperand(p);
    lines.push(
      `printf '\\0@@%s\\0' ${i}`,
      // -H follows the starting point itself, as os.path.isdir and os.walk do.
      `if [ -d ${q} ]; then find ${o.follow ? '-L' : '-H'} ${q} -mindepth 1 ${maxdepth ? `-maxdepth ${maxdepth} ` : ''}-printf ${quote(FIELDS)} 2>&1 >&3 | sed ${quote(`s/^/@@err ${i} /`)} >&2; ` +
        `else echo '@@err ${i} @notdir' >&2; fi`,
    );
  });
  // Entries go to fd 3 (stdout), find's complaints through sed to stderr, each tagged.
  return `exec 3>&1\n${lines.join('\n')}`;
}

export interface WalkResult {
  /** Per path index: its entries in os.walk order. */
  entries: WalkEntry[][];
  /** Per path index: what went wrong (not a directory, permission denied...). */
  errors: Map<number, string[]>;
}

/** Parse walkCommand's output; entries come back in os.walk's top-down order. */
export function parseWalk(stdout: string, stderr: string, pathCount: number): WalkResult {
  const entries: WalkEntry[][] = Array.from({ length: pathCount }, () => []);
  const fields = stdout.split('\0');
  let root = -1;
  let i = 0;
  while (i < fields.length) {
    if (fields[i] === '' && fields[i + 1]?.startsWith('@@')) {
      root = Number(fields[i + 1]!.slice(2));
      i += 2;
      continue;
    }
    if (fields.length - i < FIELD_COUNT || root < 0) break;
    const f = fields.slice(i, i + FIELD_COUNT);
    i += FIELD_COUNT;
    const [depth, type, target, mode, size, uid, gid, owner, group, inode, dev, nlink, atime, mtime, ctime, name, path] = f as [string, ...string[]];
    entries[root]!.push({
      root,
      depth: Number(depth),
      type: type!,
      dirLike: type === 'd' || (type === 'l' && target === 'd'),
      mode: parseInt(mode!, 8),
      size: Number(size),
      uid: Number(uid),
      gid: Number(gid),
      // find prints the number when the id has no name; Ansible returns ''.
      owner: owner === uid ? '' : owner!,
      group: group === gid ? '' : group!,
      inode: Number(inode),
      dev: Number(dev),
      nlink: Number(nlink),
      atime: Number(atime),
      mtime: Number(mtime),
      ctime: Number(ctime),
      name: name!,
      // os.path.normpath, as Ansible returns the path.
      path: posix.normalize(path!),
    });
  }
  const errors = new Map<number, string[]>();
  for (const line of stderr.split('\n')) {
    const m = /^@@err (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const k = Number(m[1]);
    errors.set(k, [...(errors.get(k) ?? []), m[2]!]);
  }
  return { entries: entries.map(walkOrder), errors };
}

/**
 * os.walk order: a directory's non-directories, then its directories (each in readdir
 * order, which find keeps), then each directory's own contents, depth first.
 */
export function walkOrder(list: WalkEntry[]): WalkEntry[] {
  const byParent = new Map<string, WalkEntry[]>();
  for (const e of list) {
    const parent = posix.dirname(e.path);
    byParent.set(parent, [...(byParent.get(parent) ?? []), e]);
  }
  const rootDir = list.length ? posix.dirname(list.find((e) => e.depth === 1)?.path ?? list[0]!.path) : '';
  const out: WalkEntry[] = [];
  const visit = (dir: string) => {
    const children = byParent.get(dir) ?? [];
    const files = children.filter((c) => !c.dirLike);
    const dirs = children.filter((c) => c.dirLike);
    out.push(...files, ...dirs);
    for (const d of dirs) if (byParent.has(d.path)) visit(d.path);
  };
  if (rootDir) visit(rootDir);
  return out;
}

/** Python's fnmatch.fnmatch (case-sensitive on POSIX) as a RegExp. */
export function fnmatchRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) out += '\\[';
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^')) body = `\\${body}`;
        out += `[${body.replace(/\[/g, '\\[')}]`;
        i = j;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`);
}

/** Python's `re.match` (anchored at the start only) with Python's meaning of `.`, `^`, `$`. */
export function pythonMatcher(pattern: string, argName: string): (text: string) => boolean {
  compilePythonRegex(pattern, { argName });
  const re = compilePythonRegex(pythonAnchors(pattern, { multiline: false, dotall: false }), { argName });
  const sticky = new RegExp(re.source, `${re.flags}y`);
  return (text) => {
    sticky.lastIndex = 0;
    return sticky.test(text);
  };
}

/** Python's `re.search`. */
export function pythonSearcher(pattern: string, argName: string): (text: string) => boolean {
  compilePythonRegex(pattern, { argName });
  const re = compilePythonRegex(pythonAnchors(pattern, { multiline: false, dotall: false }), { argName });
  return (text) => {
    re.lastIndex = 0;
    return re.test(text);
  };
}

/** Ansible's pfilter: the basename against patterns, then excludes. */
export function nameFilter(patterns: readonly string[], excludes: readonly string[], useRegex: boolean): (name: string) => boolean {
  const compile = (p: string, arg: string) => (useRegex ? pythonMatcher(p, arg) : ((re: RegExp) => (s: string) => re.test(s))(fnmatchRegex(p)));
  const pats = (patterns.length ? patterns : [useRegex ? '.*' : '*']).map((p) => compile(p, 'patterns'));
  const excl = excludes.map((p) => compile(p, 'excludes'));
  return (name) => pats.some((p) => p(name)) && !excl.some((e) => e(name));
}

/** Ansible's age and size arguments: '2d', '-1w', '10m', '-512k' (seconds / bytes, sign kept). */
export function parseAmount(text: string, kind: 'age' | 'size'): number | undefined {
  const units: Record<string, number> =
    kind === 'age' ? { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } : { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const m = new RegExp(`^(-?\\d+)([${Object.keys(units).join('')}])?$`).exec(text.toLowerCase());
  if (!m) return undefined;
  return Number(m[1]) * (units[m[2] ?? ''] ?? 1);
}

/** agefilter / sizefilter: a positive limit means "at least", a negative one "at most". */
export function withinLimit(value: number, limit: number | undefined): boolean {
  if (limit === undefined) return true;
  return limit >= 0 ? value >= Math.abs(limit) : value <= Math.abs(limit);
}

/** contentfilter: a line (with its newline) that re.match-es, or re.search over the whole file. */
export function contentMatches(content: Buffer, pattern: string, readWholeFile: boolean): boolean {
  let text: string;
  try {
    // Python opens the file as UTF-8 text: a file that is not valid UTF-8 never matches.
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return false;
  }
  if (readWholeFile) return pythonSearcher(pattern, 'contains')(text);
  const match = pythonMatcher(pattern, 'contains');
  // Python's text mode reads "\r\n" and "\r" as "\n" (universal newlines).
  return text.replace(/\r\n?/g, '\n').split(/(?<=\n)/).some((line) => line !== '' && match(line));
}

/** Ansible's statinfo for an entry. */
export function statInfo(e: WalkEntry): Record<string, unknown> {
  const m = e.mode;
  const t = e.type;
  return {
    path: e.path,
    mode: (m & 0o7777).toString(8).padStart(4, '0'),
    isdir: t === 'd',
    ischr: t === 'c',
    isblk: t === 'b',
    isreg: t === 'f',
    isfifo: t === 'p',
    islnk: t === 'l',
    issock: t === 's',
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    inode: e.inode,
    dev: e.dev,
    nlink: e.nlink,
    atime: e.atime,
    mtime: e.mtime,
    ctime: e.ctime,
    gr_name: e.group,
    pw_name: e.owner,
    ...permissionBits(m),
  };
}
