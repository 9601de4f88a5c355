/**
 * `apt` (ansible.builtin.apt; `package` dispatches here on Debian hosts): install, upgrade
 * and remove Debian packages with one apt-get transaction per task. The installed state is
 * read with ONE `dpkg-query` for every name (and the .deb files' identities); the act is
 * ONE command that simulates the transaction (`apt-get -s`, whose Inst/Remv lines are
 * exactly what apt will do) and then runs it, so check mode, which stops after the
 * simulation, predicts exactly what a real run does, dependencies included.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import {
  aptGetCommand,
  DPKG_FORMAT,
  installedAs,
  parseDpkgQuery,
  parseSimulation,
  parseSpec,
  planDiff,
  planIsEmpty,
  unknownPackages,
  versionMatches,
  type AptAction,
  type AptOptions,
  type AptPlan,
  type AptSpec,
  type DpkgPackage,
} from './_lib/apt.js';

interface AptArgs {
  name: string[];
  state: 'present' | 'installed' | 'latest' | 'absent' | 'removed';
  update_cache?: boolean;
  cache_valid_time: number;
  deb?: string;
  install_recommends?: boolean;
  purge: boolean;
  autoremove: boolean;
  default_release?: string;
}

/** Where check mode keeps what earlier tasks would have done to the dpkg database. */
const NS = 'dpkg';
type Predicted = { version: string } | 'absent';

const ENV = 'export DEBIAN_FRONTEND=noninteractive LC_ALL=C';
const SIM_END = '--tsplay-simulation-end--';

export default defineModule<AptArgs>({
  name: 'apt',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'array', items: { type: 'string' }, default: [], description: "Package names or specs: name, name=version, name=version* (a version prefix), name:arch (a list, or comma-separated)." },
      state: { enum: ['present', 'installed', 'latest', 'absent', 'removed'], default: 'present', description: 'present installs missing packages, latest also upgrades installed ones, absent removes them.' },
      update_cache: { type: 'boolean', description: 'Run apt-get update first (when the cache is older than cache_valid_time, if that is given).' },
      cache_valid_time: { type: 'integer', minimum: 0, default: 0, description: 'Seconds the cache stays valid: update_cache only updates an older cache. Setting it implies update_cache, as in Ansible.' },
      deb: { type: 'string', pattern: '^/', description: 'Path of a .deb file on the host to install (with its dependencies from the repositories).' },
      install_recommends: { type: 'boolean', description: "Install recommended packages too (yes/no); unset: apt's own configuration decides." },
      purge: { type: 'boolean', default: false, description: 'With state=absent, also delete configuration files (apt-get --purge).' },
      autoremove: { type: 'boolean', default: false, description: 'Remove packages that were installed as dependencies and are no longer needed (alone: apt-get autoremove).' },
      default_release: { type: 'string', pattern: '^[^-]', description: 'Release to install from (apt-get -t), e.g. bookworm-backports.' },
    },
  },
  docs: {
    short: 'Manage Debian packages with apt-get (one transaction per task)',
    description: [
      'Installs, upgrades and removes packages on Debian and Ubuntu hosts, as ansible.builtin.apt does, with',
      'plain `apt-get` and `dpkg-query` on the host (no python-apt). All names of a task go into ONE transaction;',
      'the installed state is read with ONE `dpkg-query`. The act is one command that first simulates the',
      'transaction (`apt-get -s`, whose lines are exactly what apt will do) and then runs it with',
      '`DEBIAN_FRONTEND=noninteractive`, keeping changed configuration files. Check mode stops after the',
      'simulation, so it lists exactly what a real run would install, upgrade or remove, dependencies included,',
      'and later tasks of the dry run see those packages as installed or removed.',
    ].join('\n'),
    examples: [
      '- name: Refresh the cache at most once an hour, then install chrony',
      '  apt:',
      '    name: chrony',
      '    update_cache: true',
      '    cache_valid_time: 3600',
      '',
      '- name: Several packages, without their recommendations',
      '  apt:',
      '    name: [tmux, tcpdump]',
      '    install_recommends: false',
      '',
      '- name: Keep the OpenStack client at the newest version',
      '  apt:',
      '    name: python3-openstackclient',
      '    state: latest',
      '',
      '- name: A package built on the host',
      '  apt:',
      '    deb: /var/tmp/tsplay-agent_1.0_all.deb',
      '',
      '- name: Remove NetworkManager with its configuration and its unused dependencies',
      '  apt:',
      '    name: network-manager',
      '    state: absent',
      '    purge: true',
      '    autoremove: true',
    ].join('\n'),
    returns: {
      changes: '{installed, upgraded, removed}: "name version" (upgrades "name old -> new") of every package the transaction touches.',
      cache_updated: 'Whether apt-get update ran.',
      cache_update_time: 'When the cache was last updated (seconds since the epoch).',
      stdout: "apt-get's output (of the simulation in check mode).",
      stderr: "apt-get's error output.",
      rc: 'Exit status of the transaction (0 when none was needed).',
      msg: "Summary, or apt's error.",
    },
    notes: [
      'Unknown package names fail the task before anything is installed, naming them.',
      'Not supported (yet): state=fixed and build-dep, upgrade (dist/full/safe), only_upgrade, allow_downgrade, force, dpkg_options, policy_rc_d, lock_timeout.',
      'state=present does not upgrade an installed package; state=latest does.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const specs: AptSpec[] = [];
    for (const n of a.name.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
      try {
        specs.push(parseSpec(n));
      } catch (err) {
        ctx.fail((err as Error).message);
      }
    }
    const state = a.state === 'installed' ? 'present' : a.state === 'removed' ? 'absent' : a.state;
    if (a.deb && state === 'absent') ctx.fail('deb installs a package file: it cannot be used with state=absent (name the package instead)');
    const o: AptOptions = {
      ...(a.install_recommends !== undefined ? { installRecommends: a.install_recommends } : {}),
      ...(a.default_release ? { defaultRelease: a.default_release } : {}),
      purge: a.purge,
      autoremove: a.autoremove,
    };
    const result: ModuleResult = { changed: false, cache_updated: false };
    // Ansible: cache_valid_time set means update_cache, unless update_cache is explicitly false.
    const updateCache = a.update_cache ?? a.cache_valid_time > 0;
    let lists: string | undefined;
    if (updateCache) {
      const up = await updateAptCache(ctx, a.cache_valid_time);
      result.cache_updated = up.updated;
      result.cache_update_time = up.time;
      lists = up.lists;
      if (!specs.length && !a.deb && !a.autoremove) {
        if (lists) await ctx.run(`rm -rf -- ${ctx.quote(lists)}`);
        return { ...result, changed: up.updated, msg: up.updated ? 'apt cache updated' : 'apt cache is valid' };
      }
    }
    try {
      return await packages(ctx, specs, state, { ...o, ...(lists ? { lists } : {}) }, result);
    } finally {
      if (lists) await ctx.run(`rm -rf -- ${ctx.quote(lists)}`);
    }
  },
});

/** The package work of one task: read once, decide in the controller, transact once. */
async function packages(ctx: ModuleContext<AptArgs>, specs: AptSpec[], state: string, o: AptOptions & { lists?: string }, result: ModuleResult): Promise<ModuleResult> {
  const a = ctx.args;
  if (!specs.length && !a.deb && !a.autoremove) {
    return { ...result, msg: 'no packages given', rc: 0 };
  }
  const installed = await readState(ctx, specs, a.deb);
  let action: AptAction;
  let targets: string[];
  if (state === 'absent') {
    action = specs.length ? 'remove' : 'autoremove';
    targets = specs.filter((s) => effective(ctx, installed.pkgs, s.name, a.purge).length > 0).map((s) => s.name);
    if (!targets.length && specs.length) return { ...result, msg: 'no package to remove', rc: 0, changes: emptyChanges() };
  } else {
    action = specs.length || a.deb ? 'install' : 'autoremove';
    targets = specs
      .filter((s) => {
        if (state === 'latest') return true;
        return !effective(ctx, installed.pkgs, s.name).some((p) => versionMatches(s, p.version));
      })
      .map((s) => s.spec);
    if (a.deb) {
      const deb = installed.deb!;
      if (!effective(ctx, installed.pkgs, deb.name).some((p) => p.version === deb.version)) targets.push(a.deb);
    }
    if (!targets.length && action === 'install') return { ...result, msg: 'all packages are already installed', rc: 0, changes: emptyChanges() };
  }
  return transact(ctx, action, targets, o, installed.pkgs, result);
}

function emptyChanges(): { installed: string[]; upgraded: string[]; removed: string[] } {
  return { installed: [], upgraded: [], removed: [] };
}

/** Installed packages for `name`, once earlier tasks' predicted changes (check mode) are applied. */
function effective(ctx: ModuleContext<AptArgs>, pkgs: DpkgPackage[], name: string, withConfig = false): DpkgPackage[] {
  const real = installedAs(pkgs, name, withConfig);
  if (!ctx.check) return real;
  const pred = ctx.predicted.get<Predicted>(NS, name.split(':')[0]!);
  if (pred === undefined) return real;
  if (pred === 'absent') return [];
  return [{ name: name.split(':')[0]!, arch: real[0]?.arch ?? 'all', version: pred.version, status: 'ii' }];
}

/**
 * apt-get update, unless the cache is younger than `validSeconds`: ONE command either way.
 * Check mode updates into a temporary lists directory (the host's cache stays as it is), so
 * the simulation that follows sees what a real run would see after its update.
 */
async function updateAptCache(ctx: ModuleContext<AptArgs>, validSeconds: number): Promise<{ updated: boolean; time: number; lists?: string }> {
  // Ansible reads the update-success stamp (update-notifier's hook), else the lists directory.
  const stamp = 's=/var/lib/apt/periodic/update-success-stamp; [ -e "$s" ] || s=/var/lib/apt/lists; m=$(stat -c %Y -- "$s" 2>/dev/null || echo 0)';
  const script = [
    ENV,
    stamp,
    `if [ $(( $(date +%s) - m )) -lt ${validSeconds} ]; then echo "valid $m"; exit 0; fi`,
    ctx.check
      ? `d=$(mktemp -d /tmp/tsplay-apt-lists.XXXXXXXX) && mkdir "$d/partial" || exit 1\napt-get -q ${checkListsOptions('"$d"')} update >&2 || { rm -rf -- "$d"; exit 1; }\necho "would $m $d"`
      : 'apt-get -q update >&2 || exit $?; touch /var/lib/apt/lists; echo "updated $(date +%s)"',
  ].join('\n');
  const res = await ctx.run(script);
  if (res.rc !== 0) ctx.fail(`Failed to update apt cache on ${ctx.host.name}: ${res.stderr.trim().split('\n').filter((l) => l.startsWith('E:')).join('; ') || `exit ${res.rc}`}`, { rc: res.rc, stderr: res.stderr });
  const [word = '', time = '0', lists] = res.stdout.trim().split(' ');
  return { updated: word !== 'valid', time: Number(time), ...(lists ? { lists } : {}) };
}

/** apt options that read (and write) package lists in `dir` only, and no binary cache file. */
function checkListsOptions(dir: string): string {
  return `-o Dir::State::Lists=${dir} -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=`;
}

/** ONE dpkg-query for every name, and the identity of the .deb file. */
async function readState(ctx: ModuleContext<AptArgs>, specs: AptSpec[], deb: string | undefined): Promise<{ pkgs: DpkgPackage[]; deb?: { name: string; version: string } }> {
  const q = ctx.quote;
  const names = [...new Set(specs.map((s) => s.name.split(':')[0]!))];
  const lines = ['export LC_ALL=C', 'command -v apt-get >/dev/null 2>&1 || { echo "apt-get is not installed" >&2; exit 127; }'];
  if (deb) {
    lines.push(`[ -f ${q(deb)} ] || { echo "deb file ${deb.replace(/[^\w./+-]/g, '_')} does not exist" >&2; exit 2; }`);
    lines.push(`dpkg-deb -f -- ${q(deb)} Package Version | sed 's/^/D\\t/' || exit 2`);
    lines.push(`p=$(dpkg-deb -f -- ${q(deb)} Package)`);
  }
  const queried = [...names.map(q), ...(deb ? ['"$p"'] : [])];
  if (queried.length) lines.push(`dpkg-query -W -f '${DPKG_FORMAT}' -- ${queried.join(' ')} 2>/dev/null; true`);
  const res = await ctx.run(lines.join('\n'), { noBecome: true });
  if (res.rc !== 0) ctx.fail(`${res.stderr.trim() || `could not read the dpkg database (exit ${res.rc})`} on ${ctx.host.name}`);
  const debLines = res.stdout.split('\n').filter((l) => l.startsWith('D\t')).map((l) => l.slice(2));
  const field = (k: string) => debLines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2).trim();
  const pkgs = parseDpkgQuery(res.stdout.split('\n').filter((l) => !l.startsWith('D\t')).join('\n'));
  if (!deb) return { pkgs };
  const name = field('Package');
  const version = field('Version');
  if (!name || !version) ctx.fail(`${deb} is not a Debian package (dpkg-deb found no Package/Version)`);
  return { pkgs, deb: { name: name!, version: version! } };
}

/** ONE command: simulate, and (not in check mode) run the same transaction. */
async function transact(ctx: ModuleContext<AptArgs>, action: AptAction, targets: string[], o: AptOptions & { lists?: string }, before: DpkgPackage[], result: ModuleResult): Promise<ModuleResult> {
  // apt-get install needs a path to look like one: ./x.deb or /x.deb, never a bare name.
  const words = targets.map((t) => (t.endsWith('.deb') && !t.startsWith('/') ? `./${t}` : t));
  const lists = o.lists;
  const sim = aptGetCommand(action, words, o, true);
  const script = [
    ENV,
    // Check mode after a cache update: the lists that update fetched, in their temporary place.
    `${lists ? sim.replace('apt-get -q -s', `apt-get -q -s ${checkListsOptions(ctx.quote(lists))}`) : sim} 2>&1; rc=$?`,
    `echo ${SIM_END}`,
    '[ $rc -eq 0 ] || exit $rc',
    ctx.check ? 'exit 0' : `${aptGetCommand(action, words, o, false)} 2>&1`,
  ].join('\n');
  const res = await ctx.run(script);
  const [simOut = '', real = ''] = res.stdout.split(`${SIM_END}\n`);
  const unknown = unknownPackages(simOut);
  if (unknown.length) {
    ctx.fail(`No package matching ${unknown.map((u) => `'${u}'`).join(', ')} is available on ${ctx.host.name} (check the name, or the sources; update_cache: true refreshes them)`, { rc: res.rc, unknown_packages: unknown });
  }
  if (res.rc !== 0) {
    const errors = `${simOut}\n${real}`.split('\n').filter((l) => /^E: /.test(l));
    ctx.fail(`apt-get ${action} failed on ${ctx.host.name}: ${errors.join('; ') || `exit ${res.rc}`}`, { rc: res.rc, stdout: `${simOut}${real}`, stderr: res.stderr });
  }
  const plan = withoutPredicted(ctx, parseSimulation(simOut));
  const changed = !planIsEmpty(plan);
  if (ctx.check && changed) recordPredictions(ctx, plan);
  if (!ctx.check && changed) ctx.facts.invalidate();
  const changes = {
    installed: plan.installed.map((c) => `${c.name} ${c.to}`).sort(),
    upgraded: plan.upgraded.map((c) => `${c.name} ${c.from} -> ${c.to}`).sort(),
    removed: plan.removed.map((c) => `${c.name} ${c.from ?? ''}`.trim()).sort(),
  };
  const counts = [
    changes.installed.length && `${changes.installed.length} installed`,
    changes.upgraded.length && `${changes.upgraded.length} upgraded`,
    changes.removed.length && `${changes.removed.length} removed`,
  ].filter(Boolean);
  const out: ModuleResult = {
    ...result,
    changed,
    msg: changed ? `${ctx.check ? 'would be ' : ''}${counts.join(', ')}` : 'nothing to do',
    rc: 0,
    changes,
    stdout: ctx.check ? simOut : real,
    stderr: res.stderr,
  };
  if (changed && ctx.diff) out.diff = { ...planDiff(plan, before), beforeHeader: 'installed packages (before)', afterHeader: 'installed packages (after)' };
  return out;
}

function recordPredictions(ctx: ModuleContext<AptArgs>, plan: AptPlan): void {
  for (const c of [...plan.installed, ...plan.upgraded]) ctx.predicted.set<Predicted>(NS, c.name.split(':')[0]!, { version: c.to! });
  for (const c of plan.removed) ctx.predicted.set<Predicted>(NS, c.name.split(':')[0]!, 'absent');
}

/** Check mode: drop what earlier tasks of this dry run would already have done. */
function withoutPredicted(ctx: ModuleContext<AptArgs>, plan: AptPlan): AptPlan {
  if (!ctx.check) return plan;
  const pred = (n: string) => ctx.predicted.get<Predicted>(NS, n.split(':')[0]!);
  const done = (c: { name: string; to?: string }) => {
    const p = pred(c.name);
    return p !== undefined && p !== 'absent' && p.version === c.to;
  };
  return {
    installed: plan.installed.filter((c) => !done(c)),
    upgraded: plan.upgraded.filter((c) => !done(c)),
    removed: plan.removed.filter((c) => pred(c.name) !== 'absent'),
  };
}
