/**
 * The lookups behind Ansible's `with_<name>` loops, callable as `lookup()`/`query()` too:
 * fileglob, nested, together, subelements, sequence, first_found. They read only the
 * controller's file system and never run anything. Relative paths are searched as Ansible
 * searches them: the role's files/ and directory, then the playbook's files/ and directory.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { TemplateError } from './errors.js';
import { isUndefined } from './undefined.js';
import { isMapping, toText, type Mapping } from './values.js';

type Scope = (name: string) => unknown;
export type Lookup = (terms: unknown[], kwargs: Mapping, scope: Scope) => unknown[];

/** Directories a relative controller path is searched in, most specific first. */
function searchDirs(scope: Scope, sub: string): string[] {
  const dirs: string[] = [];
  const rolePath = scope('role_path');
  if (typeof rolePath === 'string') dirs.push(join(rolePath, sub), rolePath);
  const playbookDir = scope('playbook_dir');
  const base = typeof playbookDir === 'string' ? playbookDir : process.cwd();
  dirs.push(join(base, sub), base);
  return dirs;
}

/** fnmatch-style `*`, `?` and `[...]` on one path segment. */
function segmentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const set = pattern.slice(i + 1, end);
        re += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files (not directories) matching a glob whose wildcards are in the last segment only, as Ansible's fileglob. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = segmentRegExp(basename(pattern));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && (basename(pattern).startsWith('.') || !n.startsWith('.')))
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

const fileglob: Lookup = (terms, _kw, scope) => {
  const out: string[] = [];
  for (const term of terms) {
    const pattern = toText(term);
    if (isAbsolute(pattern)) {
      out.push(...glob(pattern));
      continue;
    }
    // The first search directory where the pattern's directory exists answers (Ansible).
    for (const dir of searchDirs(scope, 'files')) {
      if (!existsSync(dirname(join(dir, pattern)))) continue;
      const found = glob(join(dir, pattern));
      if (found.length) {
        out.push(...found);
        break;
      }
    }
  }
  return out;
};

function asList(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (isUndefined(value)) throw new TemplateError(`${what}: a term is undefined`);
  return [value];
}

const nested: Lookup = (terms) => {
  if (terms.length === 0) throw new TemplateError("with_nested / lookup('nested') needs at least one list");
  let product: unknown[][] = [[]];
  for (const term of terms) {
    const list = asList(term, 'nested');
    product = product.flatMap((prefix) => list.map((x) => [...prefix, x]));
  }
  return product;
};

const together: Lookup = (terms) => {
  if (terms.length === 0) throw new TemplateError("with_together / lookup('together') needs at least one list");
  const lists = terms.map((t) => asList(t, 'together'));
  const n = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
};

const subelements: Lookup = (terms) => {
  const [source, path, flags] = terms;
  if (typeof path !== 'string') throw new TemplateError("subelements needs a list (or mapping) and the name of a subkey: with_subelements: [users, authorized]");
  const skipMissing = isMapping(flags) && Boolean((flags as Mapping).skip_missing);
  const elements = isMapping(source) ? Object.values(source as Mapping) : asList(source, 'subelements');
  const out: unknown[] = [];
  for (const element of elements) {
    if (!isMapping(element)) throw new TemplateError('subelements: the list must hold mappings');
    if ((element as Mapping).skipped === true) continue;
    let value: unknown = element;
    let missing = false;
    for (const key of path.split('.')) {
      if (isMapping(value) && key in (value as Mapping)) value = (value as Mapping)[key];
      else {
        missing = true;
        break;
      }
    }
    if (missing) {
      if (skipMissing) continue;
      throw new TemplateError(`subelements: could not find '${path}' in an element (set skip_missing to skip such elements)`);
    }
    if (!Array.isArray(value)) throw new TemplateError(`subelements: '${path}' must be a list`);
    for (const sub of value) out.push([element, sub]);
  }
  return out;
};

/** `sequence`: "start=1 end=5 stride=1 format=%d", "count=3", or the short "1-5/2:fmt". */
function sequenceOf(term: string): string[] {
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let format = '%d';
  const num = (v: string) => {
    const n = v.startsWith('0x') ? parseInt(v, 16) : v.startsWith('0o') || (v.length > 1 && v.startsWith('0') && !v.includes('.')) ? parseInt(v.replace(/^0o?/, ''), 8) : Number(v);
    if (!Number.isInteger(n)) throw new TemplateError(`sequence: '${v}' is not an integer`);
    return n;
  };
  const short = /^(?:(-?\w+)-)?(-?\w+)(?:\/(-?\w+))?(?::(.+))?$/.exec(term.trim());
  if (!term.includes('=') && short) {
    if (short[1] !== undefined) start = num(short[1]);
    end = num(short[2]!);
    if (short[3] !== undefined) stride = num(short[3]);
    if (short[4] !== undefined) format = short[4];
  } else {
    for (const word of term.trim().split(/\s+/)) {
      const [k, v] = word.split('=', 2) as [string, string | undefined];
      if (v === undefined) throw new TemplateError(`sequence: '${word}' is not key=value`);
      if (k === 'start') start = num(v);
      else if (k === 'end') end = num(v);
      else if (k === 'count') count = num(v);
      else if (k === 'stride') stride = num(v);
      else if (k === 'format') format = v;
      else throw new TemplateError(`sequence: unknown option '${k}' (start, end, count, stride, format)`);
    }
  }
  if (count !== undefined) {
    if (end !== undefined) throw new TemplateError("sequence: use either 'end' or 'count', not both");
    if (count === 0) return [];
    end = start + (count - 1) * stride;
  }
  if (end === undefined) throw new TemplateError("sequence: give 'end' or 'count'");
  if (stride === 0) throw new TemplateError('sequence: stride must not be 0');
  if ((stride > 0 && end < start) || (stride < 0 && end > start)) throw new TemplateError('sequence: the stride goes away from the end');
  const out: string[] = [];
  for (let i = start; stride > 0 ? i <= end : i >= end; i += stride) {
    if (out.length >= 1_000_000) throw new TemplateError('sequence: more than 1,000,000 items');
    out.push(format.replace(/%(0?)(\d*)([dxXos])/g, (_, zero: string, width: string, conv: string) => {
      const text = conv === 'x' ? i.toString(16) : conv === 'X' ? i.toString(16).toUpperCase() : conv === 'o' ? i.toString(8) : String(i);
      return width ? text.padStart(Number(width), zero ? '0' : ' ') : text;
    }));
  }
  return out;
}

const sequence: Lookup = (terms) => terms.flatMap((t) => sequenceOf(toText(t)));

const firstFound: Lookup = (terms, kwargs, scope) => {
  const files: string[] = [];
  let paths: string[] = [];
  let skip = Boolean(kwargs.skip);
  const addFiles = (v: unknown) => {
    for (const f of Array.isArray(v) ? v : [v]) files.push(...toText(f).split(/[,;]/).map((s) => s.trim()).filter(Boolean));
  };
  if (kwargs.files !== undefined) addFiles(kwargs.files);
  if (kwargs.paths !== undefined) paths = (Array.isArray(kwargs.paths) ? kwargs.paths : [kwargs.paths]).flatMap((p) => toText(p).split(/[,:;]/)).filter(Boolean);
  for (const term of terms.flat()) {
    if (isMapping(term)) {
      const t = term as Mapping;
      if (t.files !== undefined) addFiles(t.files);
      if (t.paths !== undefined) paths.push(...(Array.isArray(t.paths) ? t.paths : [t.paths]).flatMap((p) => toText(p).split(/[,:;]/)).filter(Boolean));
      if (t.skip !== undefined) skip = Boolean(t.skip);
    } else files.push(toText(term));
  }
  const candidates: string[] = [];
  for (const file of files) {
    if (isAbsolute(file)) candidates.push(file);
    else if (paths.length) {
      for (const p of paths) {
        const base = isAbsolute(p) ? p : resolve(String(scope('playbook_dir') ?? process.cwd()), p);
        candidates.push(join(base, file));
      }
    } else for (const dir of searchDirs(scope, 'files')) candidates.push(join(dir, file));
  }
  const found = candidates.find((c) => existsSync(c));
  if (found) return [found];
  if (skip) return [];
  throw new TemplateError(`No file was found when using first_found (looked for: ${files.join(', ')}); set skip: true to accept none`);
};

export const LOOP_LOOKUPS: Record<string, Lookup> = {
  fileglob,
  nested,
  together,
  subelements,
  sequence,
  first_found: firstFound,
};
