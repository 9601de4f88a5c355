/**
 * `yum` (also `dnf`; `package` dispatches here on RPM hosts): install, upgrade and remove RPM packages with one
 * transaction per task. State is read with one batched `rpm -q`; the transaction's own
 * table (the same in a real run and in `--assumeno`) says what changed, so check mode
 * predicts exactly what a real run does, dependencies included.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { quote } from '../core/transport/shell-quote.js';
import { fetchCommand, FetchArgumentError, redactUrl, type FetchCommand } from './_lib/fetch-url.js';
import { candidateNames, classifySpec, compareEvr, nevra, parseQueryLine, specMatches, type PackageSpec, type RpmPackage } from './_lib/rpm.js';
import {
  extractRepoFilesCommand,
  fileListCommand,
  isRepoFile,
  latestAvailableCommand,
  makecacheCommand,
  NoRpmError,
  ownedFilesCommand,
  REPOSDIRS,
  packageFilesQuery,
  parseExtractedFiles,
  parseFileLists,
  parseOwnedFiles,
  parseStateQuery,
  stateQueryCommand,
  transactionCommand,
  withRepoOverlay,
  type HostPackageState,
  type ManagerOptions,
  type PackageManager,
  type TransactionAction,
} from './_lib/yum.js';
import { failureSummary, parseTransaction, unknownPackages, type Transaction, type TxPackage } from './_lib/yum-output.js';

interface YumArgs {
  name: string[];
  state: 'present' | 'installed' | 'latest' | 'absent' | 'removed';
  enablerepo: string[];
  disablerepo: string[];
  exclude: string[];
  update_cache: boolean;
  disable_gpg_check: boolean;
  installroot: string;
  conf_file?: string;
  releasever?: string;
}

const stringList = { type: 'array', items: { type: 'string' }, default: [] };

/** Where check mode keeps what earlier tasks would have done to the rpm database. */
const NS = 'rpm';
const INDEX_NS = 'rpm-index';
/** Check mode: repository files earlier tasks would install (key 'files': their paths). */
const REPOS_NS = 'yum-repos';
type Predicted = RpmPackage | 'absent';

export default defineModule<YumArgs>({
  name: 'yum',
  aliases: ['dnf', 'yum_package'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { ...stringList, description: 'Package names, name-version[-release], local .rpm paths or URLs; "*" with state=latest updates everything.' },
      state: { enum: ['present', 'installed', 'latest', 'absent', 'removed'], default: 'present' },
      enablerepo: stringList,
      disablerepo: stringList,
      exclude: stringList,
      update_cache: { type: 'boolean', default: false },
      disable_gpg_check: { type: 'boolean', default: false },
      installroot: { type: 'string', pattern: '^/', default: '/' },
      conf_file: { type: 'string' },
      releasever: { type: 'string' },
    },
  },
  docs: {
    short: 'Manage RPM packages with dnf or yum (one transaction per task)',
    description: [
      'Installs, upgrades and removes packages on RPM-based hosts, with `dnf` (EL8+) or `yum` (EL7),',
      'whichever the host has. All names of a task go into ONE transaction; the installed state is read',
      'with ONE batched `rpm -q`. Check mode runs the same transaction with `--assumeno`, so it lists',
      'exactly what a real run would install, upgrade or remove (dependencies included), and records the',
      'files those packages would provide so later tasks (e.g. `ini_set` on `/etc/nova/nova.conf`)',
      'predict their own changes.',
    ].join('\n'),
    examples: [
      '- name: RDO release package from a URL',
      '  yum:',
      '    name: http://rdo.fedorapeople.org/openstack-juno/rdo-release-juno.rpm',
      '    state: present',
      '',
      '- name: Full system update (yum -y update)',
      "  yum: name='*' state=latest",
      '',
      '- name: Packstack and its helper, in one transaction',
      '  yum:',
      '    name: [openstack-packstack, python-netaddr]',
      '',
      '- name: A kernel from a repository that is disabled by default',
      '  yum: name=kernel,kernel-firmware enablerepo=xen-c6 state=latest',
      '',
      '- name: Remove NetworkManager',
      '  dnf: name=NetworkManager state=absent',
    ].join('\n'),
    returns: {
      changes: '{installed: [...], updated: [...], removed: [...]} as NEVRAs (name-[epoch:]version-release.arch)',
      rc: 'Exit status of the transaction (0 when none was needed)',
      msg: 'Summary, or the package manager\'s error',
    },
    notes: [
      "No `results` key (Ansible's yum has one): in tsplay `results` is the executor's list of loop results; `changes` says the same.",
      'Unknown package names fail the task before anything is installed, naming them.',
      'Local paths are paths on the target; URLs are downloaded on the target (curl, wget, or bash for plain http).',
      'state=present does not upgrade an installed package; state=latest does (dnf --best).',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const names = a.name.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
    const o: ManagerOptions = {
      enablerepo: splitList(a.enablerepo),
      disablerepo: splitList(a.disablerepo),
      exclude: splitList(a.exclude),
      disableGpgCheck: a.disable_gpg_check,
      installroot: a.installroot,
      ...(a.conf_file ? { confFile: a.conf_file } : {}),
      ...(a.releasever ? { releasever: a.releasever } : {}),
    };
    for (const n of names) {
      if (n.startsWith('@')) ctx.fail(`package groups and modules ('${n}') are not supported by tsplay's yum module: list the packages`);
      if (/\s/.test(n)) ctx.fail(`invalid package spec '${n}': use name, name-version or name-version-release without spaces`);
      // No package name starts with '-'; rpm and dnf would read it as an option (--setopt=...).
      if (n.startsWith('-')) ctx.fail(`argument 'name' must not start with '-' (got ${JSON.stringify(n)}): the command would read it as an option (a local file: write ./${n})`);
    }
    const state = a.state === 'installed' ? 'present' : a.state === 'removed' ? 'absent' : a.state;
    if (names.includes('*') && (state !== 'latest' || names.length > 1)) {
      ctx.fail("name '*' means a full update: use it alone with state: latest");
    }
    const run = new YumRun(ctx, o);
    if (a.update_cache) await run.makecache();
    if (names.length === 0) {
      return { changed: false, msg: a.update_cache ? 'package metadata refreshed' : 'no packages given', rc: 0, changes: emptyChanges() };
    }
    try {
      if (names[0] === '*') return await run.fullUpdate();
      if (state === 'absent') return await run.remove(names);
      return await run.install(names, state === 'latest');
    } finally {
      await run.cleanup();
    }
  },
});

function splitList(v: string[]): string[] {
  return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

function emptyChanges(): { installed: string[]; updated: string[]; removed: string[] } {
  return { installed: [], updated: [], removed: [] };
}

function samePackage(a: RpmPackage, b: RpmPackage): boolean {
  return a.name === b.name && a.arch === b.arch && compareEvr(a, b) === 0;
}

/** One task's work on one host; holds the detected manager and any downloaded package files. */
class YumRun {
  private manager?: PackageManager;
  private tmpdir?: string;

  constructor(
    private readonly ctx: ModuleContext<YumArgs>,
    private readonly o: ManagerOptions,
  ) {
    if (ctx.check && o.installroot === '/') {
      // Repository files that earlier tasks would write: from packages (rdo-release), and
      // written directly (copy, ini_set, yum_repository: the xen-c6 repo of seed 000 step 12).
      const paths = new Set([...(ctx.predicted.get<string[]>(REPOS_NS, 'files') ?? []), ...REPOSDIRS.flatMap((d) => ctx.predicted.filesIn(d).filter(isRepoFile))]);
      const overlay = [...paths].flatMap((path): Array<{ path: string; content: string | null }> => {
        const content = ctx.predicted.file(path);
        if (content === 'absent') return [{ path, content: null }];
        return Buffer.isBuffer(content) ? [{ path, content: content.toString('utf8') }] : [];
      });
      if (overlay.length) this.o = { ...o, repoOverlay: overlay };
    }
  }

  /** Run a dnf/yum command; in check mode with the predicted repositories available to it. */
  private runManager(script: string, options: { noBecome?: boolean } = {}) {
    return this.ctx.run(withRepoOverlay(script, this.o), options);
  }

  private fail(message: string, extra: Record<string, unknown> = {}): never {
    return this.ctx.fail(message, extra);
  }

  /** dnf or yum, detected once per host (the answer is cached as a fact for later tasks). */
  private async detectManager(): Promise<PackageManager> {
    this.manager ??= await this.ctx.facts.get('pkg:manager', async () => (await this.queryState([], false)).manager);
    return this.manager ?? this.fail(`neither dnf nor yum is installed on ${this.ctx.host.name}`);
  }

  private async queryState(specs: string[], whatprovides: boolean, all = false): Promise<HostPackageState> {
    const res = await this.ctx.run(stateQueryCommand(specs, this.o, { whatprovides, all }), { noBecome: true });
    let state: HostPackageState;
    try {
      state = parseStateQuery(res.stdout, specs);
    } catch (err) {
      if (err instanceof NoRpmError) this.fail(`${err.message} (${this.ctx.host.name})`);
      this.fail(`could not read the rpm database: ${(err as Error).message}${res.stderr ? `\n${res.stderr.trim()}` : ''}`);
    }
    if (state.manager) this.manager = state.manager;
    return state;
  }

  async makecache(): Promise<void> {
    const mgr = await this.detectManager();
    const res = await this.runManager(makecacheCommand(mgr, this.o));
    if (res.rc !== 0) this.fail(`${mgr} makecache failed: ${failureSummary(res.stdout, res.stderr)}`, { rc: res.rc });
  }

  async cleanup(): Promise<void> {
    if (!this.tmpdir) return;
    const dir = this.tmpdir;
    this.tmpdir = undefined;
    await this.ctx.run(`rm -rf -- ${quote(dir)}`, { noBecome: true });
  }

  // ---------------------------------------------------------------- check-mode predictions

  private predicted(name: string): Predicted | undefined {
    return this.ctx.check ? this.ctx.predicted.get<Predicted>(NS, name) : undefined;
  }

  /** What is installed for `spec` once earlier tasks' predicted changes are applied. */
  private effectiveInstalled(spec: string, real: RpmPackage[]): RpmPackage[] {
    if (!this.ctx.check) return real;
    const out: RpmPackage[] = [];
    for (const p of real) {
      const pred = this.predicted(p.name);
      if (pred === 'absent') continue;
      if (!pred || samePackage(pred, p)) out.push(p);
      else if (specMatches(spec, pred)) out.push(pred); // replaced by an earlier task's upgrade
    }
    for (const name of candidateNames(spec)) {
      const pred = this.predicted(name);
      if (pred && pred !== 'absent' && specMatches(spec, pred) && !out.some((p) => p.name === pred.name)) out.push(pred);
    }
    return out;
  }

  private recordPredictions(tx: Transaction): void {
    const index = new Set(this.ctx.predicted.get<string[]>(INDEX_NS, 'names') ?? []);
    for (const p of [...tx.installed, ...tx.updated, ...tx.downgraded, ...tx.reinstalled]) {
      this.ctx.predicted.set<Predicted>(NS, p.name, stripRepo(p));
      index.add(p.name);
    }
    for (const p of [...tx.removed, ...tx.obsoleted]) {
      this.ctx.predicted.set<Predicted>(NS, p.name, 'absent');
      index.add(p.name);
    }
    this.ctx.predicted.set(INDEX_NS, 'names', [...index]);
  }

  /** Drop what earlier tasks of this check run would already have done. */
  private withoutPredicted(tx: Transaction): Transaction {
    if (!this.ctx.check) return tx;
    const already = (p: TxPackage): boolean => {
      const pred = this.predicted(p.name);
      return pred !== undefined && pred !== 'absent' && samePackage(pred, p);
    };
    const gone = (p: TxPackage): boolean => this.predicted(p.name) === 'absent';
    const out: Transaction = {
      installed: tx.installed.filter((p) => !already(p)),
      updated: tx.updated.filter((p) => !already(p)),
      downgraded: tx.downgraded.filter((p) => !already(p)),
      reinstalled: tx.reinstalled,
      removed: tx.removed.filter((p) => !gone(p)),
      obsoleted: tx.obsoleted.filter((p) => !gone(p)),
      empty: false,
    };
    out.empty = Object.values(out).every((v) => !Array.isArray(v) || v.length === 0);
    return out;
  }

  /** Record the files the transaction's packages would install or delete (check mode). */
  private async predictFiles(tx: Transaction, localFiles: Map<string, string>): Promise<void> {
    const mgr = await this.detectManager();
    const root = this.o.installroot === '/' ? '' : this.o.installroot.replace(/\/+$/, '');
    const added = [...tx.installed, ...tx.updated, ...tx.downgraded, ...tx.reinstalled];
    const repoNevras = added.filter((p) => p.repo !== '@commandline').map(nevra);
    const files = added.filter((p) => p.repo === '@commandline').map((p) => localFiles.get(p.name)).filter((f): f is string => !!f);
    if (repoNevras.length || files.length) {
      const res = await this.runManager(fileListCommand(mgr, this.o, repoNevras, files), { noBecome: true });
      const lists = parseFileLists(res.stdout);
      for (const path of [...lists.repo, ...lists.local]) this.ctx.predicted.setFile(root + path, 'exists');
      // Repository definitions need their content: later dry-run transactions read them.
      const fromRepo = lists.repo.some(isRepoFile);
      const fromLocal = lists.local.some(isRepoFile);
      if (!root && (fromRepo || fromLocal)) {
        const extracted = await this.runManager(extractRepoFilesCommand(mgr, this.o, fromRepo ? repoNevras : [], fromLocal ? files : []));
        const known = new Set(this.ctx.predicted.get<string[]>(REPOS_NS, 'files') ?? []);
        for (const [path, content] of parseExtractedFiles(extracted.stdout)) {
          this.ctx.predicted.setFile(path, Buffer.from(content));
          known.add(path);
        }
        this.ctx.predicted.set(REPOS_NS, 'files', [...known]);
      }
    }
    const removed = [...tx.removed, ...tx.obsoleted].map((p) => p.name);
    if (removed.length) {
      const res = await this.ctx.run(ownedFilesCommand(this.o, removed), { noBecome: true });
      for (const path of parseOwnedFiles(res.stdout)) this.ctx.predicted.setFile(root + path, 'absent');
    }
  }

  // ---------------------------------------------------------------- the transaction

  private async transact(action: TransactionAction, targets: string[], opts: { best?: boolean } = {}): Promise<{ tx: Transaction; rc: number; stdout: string }> {
    const mgr = await this.detectManager();
    const res = await this.runManager(transactionCommand(mgr, this.o, action, targets, { check: this.ctx.check, ...opts }));
    const output = `${res.stdout}\n${res.stderr}`;
    const unknown = unknownPackages(output);
    if (unknown.length) {
      this.fail(
        `unknown package${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} on ${this.ctx.host.name}: not installed and not found in the enabled repositories (check the name, or enable its repository with enablerepo)`,
        { rc: res.rc, unknown_packages: unknown },
      );
    }
    // --assumeno answers "Operation aborted." with rc 1: that is the dry run working.
    const aborted = this.ctx.check && /Operation aborted|Exiting on user command/.test(output);
    const hasError = /^Error[:\s]/m.test(res.stderr) || /^Error[:\s]/m.test(res.stdout);
    if (res.rc !== 0 && (!aborted || hasError)) {
      this.fail(`${mgr} ${action} failed on ${this.ctx.host.name}: ${failureSummary(res.stdout, res.stderr)}`, { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    }
    const tx = this.withoutPredicted(parseTransaction(res.stdout));
    if (!this.ctx.check && !tx.empty) this.ctx.facts.invalidate();
    return { tx, rc: this.ctx.check ? 0 : res.rc, stdout: res.stdout };
  }

  private async finish(tx: Transaction, rc: number, before: RpmPackage[], localFiles: Map<string, string> = new Map()): Promise<ModuleResult> {
    if (this.ctx.check && !tx.empty) {
      this.recordPredictions(tx);
      await this.predictFiles(tx, localFiles);
    }
    return result(tx, rc, this.ctx.diff ? before : undefined, this.ctx.check);
  }

  /** Local .rpm paths and downloaded URLs: their package identities, by spec. */
  private async readPackageFiles(specs: PackageSpec[]): Promise<Map<string, { file: string; pkg: RpmPackage }>> {
    const out = new Map<string, { file: string; pkg: RpmPackage }>();
    if (specs.length === 0) return out;
    const lines: string[] = [];
    const urls = specs.filter((s): s is Extract<PackageSpec, { kind: 'url' }> => s.kind === 'url');
    const fileOf = new Map<string, string>();
    if (urls.length) {
      lines.push('t=$(mktemp -d /tmp/tsplay-yum.XXXXXXXX) || exit 1', 'echo "$t"');
      urls.forEach((u, i) => {
        const base = (u.url.split('/').pop() ?? '').replace(/[^\w.+-]/g, '_') || 'package.rpm';
        fileOf.set(u.spec, `${i}-${base.endsWith('.rpm') ? base : `${base}.rpm`}`);
      });
    }
    const res0 = urls.length ? await this.ctx.run(lines.join('\n'), { noBecome: true }) : undefined;
    if (res0) {
      if (res0.rc !== 0) this.fail(`could not create a temporary directory on ${this.ctx.host.name}: ${res0.stderr.trim()}`);
      this.tmpdir = res0.stdout.trim();
    }
    const paths = specs.map((s) => (s.kind === 'url' ? `${this.tmpdir}/${fileOf.get(s.spec)}` : s.kind === 'file' ? s.path : s.spec));
    // URL credentials go to each fetch on stdin, in order (fetch-url.ts); the script shows none.
    const fetches = urls.map((u): FetchCommand => {
      try {
        const f = fetchCommand(u.url, `${this.tmpdir}/${fileOf.get(u.spec)}`, { timeout: 300 });
        return { command: `${f.command} || { echo ${quote(`download of ${redactUrl(u.url)} failed`)} >&2; exit 65; }`, stdin: f.stdin };
      } catch (err) {
        if (err instanceof FetchArgumentError) this.fail(err.message);
        throw err;
      }
    });
    const stdin = Buffer.concat(fetches.map((f) => f.stdin));
    const script = [...fetches.map((f) => f.command), packageFilesQuery(paths, this.o)].join('\n');
    const res = await this.ctx.run(script, { noBecome: true, ...(stdin.length ? { stdin } : {}) });
    if (res.rc !== 0) this.fail(`could not read package file(s) on ${this.ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`, { rc: res.rc });
    const pkgs = res.stdout.split('\n').map(parseQueryLine).filter((p): p is RpmPackage => !!p);
    if (pkgs.length !== specs.length) this.fail(`rpm could not read every package file (${specs.map((s) => redactUrl(s.spec)).join(', ')}): ${res.stderr.trim()}`);
    specs.forEach((s, i) => out.set(s.spec, { file: paths[i]!, pkg: pkgs[i]! }));
    return out;
  }

  async install(names: string[], latest: boolean): Promise<ModuleResult> {
    const specs = names.map(classifySpec);
    const fileSpecs = specs.filter((s) => s.kind !== 'name');
    const files = await this.readPackageFiles(fileSpecs);
    const nameSpecs = specs.filter((s) => s.kind === 'name').map((s) => s.spec);
    if (latest && fileSpecs.length === 0 && !this.ctx.diff) {
      // dnf --best / yum install decide everything themselves: no rpm -q needed first.
      const { tx, rc } = await this.transact('install', nameSpecs, { best: true });
      return this.finish(tx, rc, []);
    }
    const fileNames = [...files.values()].map((f) => f.pkg.name);
    const querySpecs = [...nameSpecs, ...fileNames];
    const state = await this.queryState(querySpecs, false, this.ctx.diff);
    await this.detectManager();
    const installedFor = (spec: string): RpmPackage[] => this.effectiveInstalled(spec, state.answers.get(spec) ?? []);

    // Local files: satisfied when that package is installed at the same or a newer version.
    const fileTargets: string[] = [];
    const localByName = new Map<string, string>();
    for (const [, f] of files) {
      localByName.set(f.pkg.name, f.file);
      const have = installedFor(f.pkg.name);
      if (!have.some((p) => compareEvr(p, f.pkg) >= 0)) fileTargets.push(f.file);
    }
    let missing = nameSpecs.filter((s) => installedFor(s).length === 0);
    if (missing.length && !latest) {
      // A name may be a capability of another package (python-netaddr from python2-netaddr).
      const provided = await this.queryState(missing, true);
      missing = missing.filter((s) => (provided.answers.get(s) ?? []).length === 0);
    }
    // latest: every name goes to the transaction; dnf --best / yum install upgrade installed ones.
    const targets = latest ? [...nameSpecs, ...fileTargets] : [...missing, ...fileTargets];
    const before = state.all ?? [...state.answers.values()].flat();
    if (targets.length === 0) {
      return { changed: false, msg: 'all packages are already installed', rc: 0, changes: emptyChanges() };
    }
    const { tx, rc } = await this.transact('install', targets, { best: latest });
    return this.finish(tx, rc, before, localByName);
  }

  async remove(names: string[]): Promise<ModuleResult> {
    for (const n of names) if (classifySpec(n).kind !== 'name') this.fail(`state=absent takes package names, not files or URLs ('${n}')`);
    const state = await this.queryState(names, false, this.ctx.diff);
    const installed = names.filter((s) => this.effectiveInstalled(s, state.answers.get(s) ?? []).length > 0);
    const before = state.all ?? [...state.answers.values()].flat();
    if (installed.length === 0) return { changed: false, msg: 'no package to remove', rc: 0, changes: emptyChanges() };
    // Packages that only earlier tasks of this check run would install are not on the host:
    // the package manager cannot resolve their removal, so predict just their own removal.
    const onHost = installed.filter((s) => (state.answers.get(s) ?? []).some((p) => this.predicted(p.name) !== 'absent'));
    const predictedOnly = installed.filter((s) => !onHost.includes(s));
    let tx: Transaction = { installed: [], updated: [], removed: [], downgraded: [], reinstalled: [], obsoleted: [], empty: true };
    let rc = 0;
    if (onHost.length) ({ tx, rc } = await this.transact('remove', onHost));
    for (const s of predictedOnly) {
      for (const p of this.effectiveInstalled(s, [])) if (!tx.removed.some((r) => r.name === p.name)) tx.removed.push({ ...p, repo: '@System' });
    }
    tx.empty = tx.removed.length === 0 && tx.obsoleted.length === 0;
    return this.finish(tx, rc, before);
  }

  async fullUpdate(): Promise<ModuleResult> {
    const state = this.ctx.diff ? await this.queryState([], false, true) : undefined;
    const { tx, rc } = await this.transact('upgrade', []);
    if (this.ctx.check) await this.predictUpgradesOfPredicted(tx);
    tx.empty = tx.installed.length + tx.updated.length + tx.removed.length + tx.obsoleted.length + tx.downgraded.length === 0;
    return this.finish(tx, rc, state?.all ?? []);
  }

  /**
   * Check mode: packages an earlier task would install are not on the host, so the dry-run
   * upgrade cannot see them; ask the repositories whether a newer version exists.
   */
  private async predictUpgradesOfPredicted(tx: Transaction): Promise<void> {
    const names = (this.ctx.predicted.get<string[]>(INDEX_NS, 'names') ?? []).filter((n) => {
      const p = this.predicted(n);
      return p && p !== 'absent' && !tx.updated.some((u) => u.name === n);
    });
    if (names.length === 0) return;
    const res = await this.runManager(latestAvailableCommand(await this.detectManager(), this.o, names), { noBecome: true });
    for (const line of res.stdout.split('\n')) {
      const avail = parseQueryLine(line.trim());
      const pred = avail && this.predicted(avail.name);
      if (avail && pred && pred !== 'absent' && compareEvr(avail, pred) > 0) tx.updated.push({ ...avail, repo: 'repository' });
    }
  }
}

function stripRepo(p: TxPackage): RpmPackage {
  return { name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch };
}

function result(tx: Transaction, rc: number, before: RpmPackage[] | undefined, check: boolean): ModuleResult {
  const list = (ps: TxPackage[]): string[] => ps.map(nevra).sort();
  const changes = {
    installed: list(tx.installed),
    updated: list(tx.updated),
    removed: list([...tx.removed, ...tx.obsoleted]),
    ...(tx.downgraded.length ? { downgraded: list(tx.downgraded) } : {}),
    ...(tx.reinstalled.length ? { reinstalled: list(tx.reinstalled) } : {}),
  };
  const counts = [
    changes.installed.length && `${changes.installed.length} installed`,
    changes.updated.length && `${changes.updated.length} updated`,
    changes.downgraded?.length && `${changes.downgraded.length} downgraded`,
    changes.removed.length && `${changes.removed.length} removed`,
  ].filter(Boolean);
  const out: ModuleResult = {
    changed: !tx.empty,
    msg: tx.empty ? 'nothing to do' : `${check ? 'would be ' : ''}${counts.join(', ') || 'reinstalled'}`,
    rc,
    changes,
  };
  if (before && !tx.empty) out.diff = packageDiff(tx, before);
  return out;
}

/** Before/after lists of the packages the transaction touches, one NEVRA per line. */
function packageDiff(tx: Transaction, before: RpmPackage[]): { before: string; after: string; beforeHeader: string; afterHeader: string } {
  const touched = new Set([...tx.installed, ...tx.updated, ...tx.downgraded, ...tx.reinstalled, ...tx.removed, ...tx.obsoleted].map((p) => p.name));
  const was = before.filter((p) => touched.has(p.name));
  const gone = new Set([...tx.removed, ...tx.obsoleted].map((p) => p.name));
  const replaced = new Set([...tx.updated, ...tx.downgraded].map((p) => p.name));
  const now = [
    ...was.filter((p) => !gone.has(p.name) && !replaced.has(p.name)),
    ...[...tx.installed, ...tx.updated, ...tx.downgraded].map(stripRepo),
  ];
  const lines = (ps: RpmPackage[]): string => [...new Set(ps.map(nevra))].sort().map((l) => `${l}\n`).join('');
  return { before: lines(was), after: lines(now), beforeHeader: 'installed packages (before)', afterHeader: 'installed packages (after)' };
}
