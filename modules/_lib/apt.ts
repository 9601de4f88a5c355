/**
 * The pure parts of the `apt` module: package specs as Ansible's apt reads them
 * (`name`, `name=version`, `name=version*`, `name:arch`), the installed state from one
 * `dpkg-query`, and the plan from `apt-get -s` (its Inst/Remv/Purg lines are exactly what
 * the real transaction does), and the commands themselves.
 */
import { quote } from '../../core/transport/shell-quote.js';

export interface AptSpec {
  spec: string;
  /** The package name, with `:arch` when given. */
  name: string;
  version?: string;
}

export interface DpkgPackage {
  name: string;
  arch: string;
  version: string;
  /** dpkg's status abbreviation: 'ii' installed, 'rc' removed with config files left... */
  status: string;
}

export interface AptChange {
  name: string;
  /** Installed version before (upgrades, removals). */
  from?: string;
  /** Version after (installs, upgrades). */
  to?: string;
}

export interface AptPlan {
  installed: AptChange[];
  upgraded: AptChange[];
  removed: AptChange[];
}

/** A package name or spec; refuses what apt-get would read as an option or a second word. */
export function parseSpec(spec: string): AptSpec {
  const s = spec.trim();
  if (!/^[a-z0-9][a-z0-9+.\-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:*\-]+)?$/.test(s)) {
    throw new Error(`invalid package spec '${spec}': use name, name=version (version may end in *) or name:arch, as apt does`);
  }
  const [name, version] = s.split('=', 2) as [string, string | undefined];
  return version === undefined ? { spec: s, name } : { spec: s, name, version };
}

/** Does `installed` satisfy the spec's version (exact, or a `1.2*` prefix)? */
export function versionMatches(spec: AptSpec, installed: string): boolean {
  if (spec.version === undefined) return true;
  return spec.version.endsWith('*') ? installed.startsWith(spec.version.slice(0, -1)) : installed === spec.version;
}

export const DPKG_FORMAT = '${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n';

/** `dpkg-query -W` lines (missing names print nothing on stdout). */
export function parseDpkgQuery(out: string): DpkgPackage[] {
  return out
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 4 && f[0])
    .map(([name, arch, version, status]) => ({ name: name!, arch: arch!, version: version!, status: status!.trim() }));
}

/** Installed (status ii, or half-configured states that apt will finish) packages called `name` (`name:arch`). */
export function installedAs(pkgs: DpkgPackage[], name: string, withConfig = false): DpkgPackage[] {
  const [base, arch] = name.split(':');
  return pkgs.filter((p) => p.name === base && (!arch || p.arch === arch || p.arch === 'all') && (p.status.startsWith('i') || (withConfig && p.status === 'rc')));
}

/**
 * The plan from `apt-get -s` output:
 *   Inst name (1.0 repo [all])            a new package
 *   Inst name [1.0] (1.1 repo [all])      an upgrade (or downgrade)
 *   Remv name [1.0]  /  Purg name [1.0]   a removal
 */
export function parseSimulation(out: string): AptPlan {
  const plan: AptPlan = { installed: [], upgraded: [], removed: [] };
  for (const line of out.split('\n')) {
    let m = /^Inst (\S+) (?:\[([^\]]+)\] )?\((\S+)/.exec(line);
    if (m) {
      const change: AptChange = { name: m[1]!, to: m[3]! };
      if (m[2]) plan.upgraded.push({ ...change, from: m[2] });
      else plan.installed.push(change);
      continue;
    }
    m = /^(?:Remv|Purg) (\S+)(?: \[([^\]]+)\])?/.exec(line);
    if (m) plan.removed.push(m[2] ? { name: m[1]!, from: m[2] } : { name: m[1]! });
  }
  return plan;
}

export function planIsEmpty(p: AptPlan): boolean {
  return p.installed.length + p.upgraded.length + p.removed.length === 0;
}

/** Names apt could not find ("E: Unable to locate package X", "E: Package 'X' has no installation candidate"). */
export function unknownPackages(out: string): string[] {
  const names = new Set<string>();
  for (const m of out.matchAll(/^E: (?:Unable to locate package (\S+)|Package '([^']+)' has no installation candidate|Version '[^']+' for '([^']+)' was not found)/gm)) {
    names.add((m[1] ?? m[2] ?? m[3])!);
  }
  return [...names];
}

export interface AptOptions {
  installRecommends?: boolean;
  defaultRelease?: string;
  purge: boolean;
  autoremove: boolean;
}

export type AptAction = 'install' | 'remove' | 'autoremove';

/** `apt-get [-s|-y] ACTION ...`: the same words for the simulation and the real run. */
export function aptGetCommand(action: AptAction, targets: string[], o: AptOptions, simulate: boolean): string {
  const words = ['apt-get', '-q', simulate ? '-s' : '-y'];
  if (o.installRecommends !== undefined) words.push('-o', quote(`APT::Install-Recommends=${o.installRecommends ? 'yes' : 'no'}`));
  if (o.defaultRelease) words.push('-t', quote(o.defaultRelease));
  if (action !== 'install' && o.purge) words.push('--purge');
  if (o.autoremove && action !== 'autoremove') words.push('--auto-remove');
  // Never stop at a configuration file prompt: keep the admin's files (as Ansible's force_confdef/confold).
  if (!simulate) words.push('-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold');
  words.push(action, '--', ...targets.map(quote));
  return words.join(' ');
}

/** One line per change for --diff: `name version` before and after. */
export function planDiff(plan: AptPlan, before: DpkgPackage[]): { before: string; after: string } {
  const touched = new Set([...plan.installed, ...plan.upgraded, ...plan.removed].map((c) => c.name.split(':')[0]));
  const was = before.filter((p) => touched.has(p.name) && p.status.startsWith('i')).map((p) => `${p.name} ${p.version}`);
  const gone = new Set(plan.removed.map((c) => c.name.split(':')[0]));
  const replaced = new Set(plan.upgraded.map((c) => c.name.split(':')[0]));
  const now = [
    ...before.filter((p) => touched.has(p.name) && p.status.startsWith('i') && !gone.has(p.name) && !replaced.has(p.name)).map((p) => `${p.name} ${p.version}`),
    ...[...plan.installed, ...plan.upgraded].map((c) => `${c.name.split(':')[0]} ${c.to}`),
  ];
  const lines = (l: string[]) => [...new Set(l)].sort().map((x) => `${x}\n`).join('');
  return { before: lines(was), after: lines(now) };
}
