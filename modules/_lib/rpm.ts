/**
 * RPM package identities: spec classification (name, name-version, local .rpm, URL),
 * rpm's version comparison, and the parser for tsplay's batched `rpm -q` query.
 *
 * The batched query asks rpm about every spec in ONE process by putting a separator
 * "package" between them: rpm answers each argument in order, so the separator's
 * "is not installed" line tells us where one spec's answer ends and the next begins,
 * even when a spec matches several installed packages (kernels, multilib).
 */

export interface RpmPackage {
  name: string;
  /** 0 when the package has no epoch. */
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

export type PackageSpec =
  | { kind: 'name'; spec: string }
  | { kind: 'file'; spec: string; path: string }
  | { kind: 'url'; spec: string; url: string };

/** rpm's --queryformat for one package per line; `%{EPOCH}` prints `(none)` without an epoch (works on rpm 4.11 too). */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';

/** A name no package can have (rpm names cannot contain '/'), used to delimit answers. */
export const RPM_QUERY_SEPARATOR = 'tsplay/answer-separator';

export function classifySpec(spec: string): PackageSpec {
  if (/^(https?|ftp|file):\/\//i.test(spec)) return { kind: 'url', spec, url: spec };
  if (spec.endsWith('.rpm')) return { kind: 'file', spec, path: spec };
  return { kind: 'name', spec };
}

export function evr(p: Pick<RpmPackage, 'epoch' | 'version' | 'release'>): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

export function nevra(p: RpmPackage): string {
  return `${p.name}-${evr(p)}.${p.arch}`;
}

/** Parse `[E:]V-R` as printed by dnf/yum tables. */
export function parseEvr(text: string): { epoch: number; version: string; release: string } | undefined {
  const m = /^(?:(\d+):)?([^\s:-]+)-([^\s:-]+)$/.exec(text);
  if (!m) return undefined;
  return { epoch: m[1] ? Number(m[1]) : 0, version: m[2]!, release: m[3]! };
}

/** Parse one line of RPM_QUERY_FORMAT output. */
export function parseQueryLine(line: string): RpmPackage | undefined {
  const f = line.split('\t');
  if (f.length !== 5 || !f[0]) return undefined;
  const epoch = f[1] === '(none)' || f[1] === '' ? 0 : Number(f[1]);
  if (!Number.isInteger(epoch)) return undefined;
  return { name: f[0], epoch, version: f[2]!, release: f[3]!, arch: f[4]! };
}

/**
 * Split the output of `rpm -q --qf FORMAT a SEP b SEP c` into one answer per spec: the
 * packages matching it (empty when none is installed). `specs` is the argument list
 * without separators, in the same order.
 */
export function parseBatchedQuery(stdout: string, specs: readonly string[]): Map<string, RpmPackage[]> {
  const answers: RpmPackage[][] = [[]];
  for (const line of stdout.split('\n')) {
    if (line.includes(RPM_QUERY_SEPARATOR)) {
      answers.push([]);
      continue;
    }
    const pkg = parseQueryLine(line);
    if (pkg) answers[answers.length - 1]!.push(pkg);
    // Anything else is rpm's "package X is not installed" / "no package provides X".
  }
  if (answers.length !== specs.length) {
    throw new Error(`rpm answered ${answers.length} queries for ${specs.length} package specs; output was:\n${stdout.slice(0, 2000)}`);
  }
  const out = new Map<string, RpmPackage[]>();
  specs.forEach((spec, i) => out.set(spec, [...(out.get(spec) ?? []), ...answers[i]!]));
  return out;
}

/** The argument list for a batched query: specs with separators between them. */
export function batchedQueryArgs(specs: readonly string[]): string[] {
  const args: string[] = [];
  specs.forEach((s, i) => {
    if (i > 0) args.push(RPM_QUERY_SEPARATOR);
    args.push(s);
  });
  return args;
}

// ---------------------------------------------------------------------------------------
// rpmvercmp, as in rpm's lib/rpmvercmp.c: segments of digits or letters compared in turn;
// '~' sorts before anything (pre-releases), '^' after the base but before anything else.

function isAlnum(c: string): boolean {
  return /[A-Za-z0-9]/.test(c);
}

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = /[0-9]/.test(a[i]!);
    const take = (s: string, k: number): [string, number] => {
      let e = k;
      while (e < s.length && (numeric ? /[0-9]/.test(s[e]!) : /[A-Za-z]/.test(s[e]!))) e++;
      return [s.slice(k, e), e];
    };
    let sa: string;
    let sb: string;
    [sa, i] = take(a, i);
    [sb, j] = take(b, j);
    if (sb === '') return numeric ? 1 : -1; // numeric segments are newer than alpha ones
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa > sb ? 1 : -1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function compareEvr(a: Pick<RpmPackage, 'epoch' | 'version' | 'release'>, b: Pick<RpmPackage, 'epoch' | 'version' | 'release'>): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

// ---------------------------------------------------------------------------------------

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

/** The forms of a package that a name spec may use, as dnf's "subject" accepts them. */
function specForms(p: RpmPackage): string[] {
  const e = p.epoch ? `${p.epoch}:` : '';
  return [
    p.name,
    `${p.name}.${p.arch}`,
    `${p.name}-${p.version}`,
    `${p.name}-${e}${p.version}`,
    `${p.name}-${p.version}-${p.release}`,
    `${p.name}-${e}${p.version}-${p.release}`,
    `${p.name}-${p.version}-${p.release}.${p.arch}`,
    `${p.name}-${e}${p.version}-${p.release}.${p.arch}`,
  ];
}

/** Does the package satisfy a name spec (`foo`, `foo.noarch`, `foo-1.2`, `foo-1.2-3.el7`, globs)? */
export function specMatches(spec: string, p: RpmPackage): boolean {
  const forms = specForms(p);
  if (/[*?]/.test(spec)) {
    const re = globToRegExp(spec);
    return forms.some((f) => re.test(f));
  }
  return forms.includes(spec);
}

/**
 * The package names a spec could refer to: `python-netaddr-0.7.5-1.el7.noarch` may be the
 * package `python`, `python-netaddr`, ... so every dash-prefix (and the spec without a
 * trailing `.arch`) is a candidate. Used to look specs up in check-mode predictions.
 */
export function candidateNames(spec: string): string[] {
  const names = new Set<string>([spec]);
  const noArch = spec.replace(/\.[A-Za-z0-9_]+$/, '');
  names.add(noArch);
  for (let k = spec.indexOf('-'); k > 0; k = spec.indexOf('-', k + 1)) names.add(spec.slice(0, k));
  return [...names];
}
