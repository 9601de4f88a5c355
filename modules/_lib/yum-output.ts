/**
 * Parsers for what dnf (EL8+) and yum (EL7) print. The transaction table is the one
 * thing both print identically in a real run (`-y`) and a dry run (`--assumeno`), so
 * check mode and the real run are read by the same code and cannot disagree.
 *
 * The table is laid out for an 80-column terminal: long names wrap onto their own line
 * and small sizes have no unit ("96" vs "5.9 k"). So rows are not parsed by columns but
 * as a token stream in which a package is the token before an architecture token that
 * is followed by an `[E:]V-R` token.
 */
import { parseEvr, type RpmPackage } from './rpm.js';

export interface TxPackage extends RpmPackage {
  /** Repository id; `@System`/`@repo` for installed packages, `@commandline` for local files. */
  repo: string;
}

export interface Transaction {
  installed: TxPackage[];
  updated: TxPackage[];
  removed: TxPackage[];
  downgraded: TxPackage[];
  reinstalled: TxPackage[];
  /** Packages replaced through Obsoletes (`replacing foo.x86_64 1.0-1`). */
  obsoleted: TxPackage[];
  /** dnf/yum said there was nothing to do (or printed no table at all). */
  empty: boolean;
}

const ARCH = /^(noarch|x86_64|i[3-6]86|athlon|geode|pentium[34]|amd64|ia32e|aarch64|arm\w*|ppc(64)?(le|p7|iseries|pseries)?|s390x?|sparc\w*|riscv64|loongarch64|mips\w*|ia64|alpha\w*|sh[34]|src|nosrc)$/;

export function isArch(token: string | undefined): boolean {
  return token !== undefined && ARCH.test(token);
}

type Bucket = keyof Omit<Transaction, 'empty'>;

/** Which result a table section heading feeds (undefined: not a package section). */
function bucketFor(heading: string): Bucket | undefined {
  const h = heading.toLowerCase();
  if (h.startsWith('reinstall')) return 'reinstalled';
  if (h.startsWith('install')) return 'installed'; // also "...dependencies", "...weak dependencies", "...for dependencies"
  if (h.startsWith('upgrad') || h.startsWith('updat')) return 'updated';
  if (h.startsWith('downgrad')) return 'downgraded';
  if (h.startsWith('remov') || h.startsWith('eras')) return 'removed';
  return undefined; // "Skipping packages with conflicts", "Enabling module streams", ...
}

function emptyTransaction(): Transaction {
  return { installed: [], updated: [], removed: [], downgraded: [], reinstalled: [], obsoleted: [], empty: true };
}

/** Parse the transaction table out of a dnf/yum install/upgrade/remove run's stdout. */
export function parseTransaction(stdout: string): Transaction {
  const tx = emptyTransaction();
  const lines = stdout.split('\n');
  // The table body starts after the second '====' rule and ends at "Transaction Summary".
  let rules = 0;
  let bucket: Bucket | undefined;
  let tokens: string[] = [];
  const flush = (): void => {
    if (bucket) collect(tokens, tx, bucket);
    tokens = [];
  };
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (/^=+\s*$/.test(line)) {
      rules++;
      continue;
    }
    if (rules < 2) continue;
    if (/^Transaction Summary\b/.test(line)) break;
    if (line.trim() === '') continue;
    if (/^\S.*:\s*$/.test(line)) {
      flush();
      bucket = bucketFor(line.trim().replace(/:$/, ''));
      continue;
    }
    if (/^\s/.test(line)) tokens.push(...line.trim().split(/\s+/));
  }
  flush();
  tx.empty = tx.installed.length + tx.updated.length + tx.removed.length + tx.downgraded.length + tx.reinstalled.length + tx.obsoleted.length === 0;
  return tx;
}

function collect(tokens: string[], tx: Transaction, bucket: Bucket): void {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === 'replacing' && tokens[i + 1] && parseEvr(tokens[i + 2] ?? '')) {
      // "replacing  name.arch  E:V-R": an obsoleted installed package.
      const na = tokens[i + 1]!;
      const dot = na.lastIndexOf('.');
      const e = parseEvr(tokens[i + 2]!)!;
      if (dot > 0 && isArch(na.slice(dot + 1))) {
        tx.obsoleted.push({ name: na.slice(0, dot), arch: na.slice(dot + 1), ...e, repo: '@System' });
        i += 2;
        continue;
      }
    }
    const e = isArch(tokens[i + 1]) ? parseEvr(tokens[i + 2] ?? '') : undefined;
    if (e && tokens[i + 3] !== undefined) {
      tx[bucket].push({ name: tokens[i]!, arch: tokens[i + 1]!, ...e, repo: tokens[i + 3]! });
      i += 3;
    }
  }
}

/**
 * Package names the package manager could not find: dnf prints "No match for argument: X"
 * (and "Error: Unable to find a match: X Y"), yum "No package X available.".
 */
export function unknownPackages(output: string): string[] {
  const names = new Set<string>();
  for (const m of output.matchAll(/^No match for argument: (.+?)\s*$/gm)) names.add(m[1]!);
  for (const m of output.matchAll(/^No package (\S+) available\.\s*$/gm)) names.add(m[1]!);
  for (const m of output.matchAll(/^Error: Unable to find a match: (.+?)\s*$/gm)) for (const n of m[1]!.split(/\s+/)) names.add(n);
  return [...names];
}

/** The most useful lines of a failed run: "Error:" and "Problem" lines, else the last lines. */
export function failureSummary(stdout: string, stderr: string): string {
  const all = `${stderr}\n${stdout}`.split('\n').map((l) => l.trimEnd());
  const start = all.findIndex((l) => /^(Error|Problem|\s*Problem \d*:)/.test(l));
  const picked = start >= 0 ? all.slice(start).filter((l) => l.trim() !== '') : all.filter((l) => l.trim() !== '').slice(-6);
  return picked.slice(0, 12).join('\n');
}
