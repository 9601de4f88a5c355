/**
 * The commands the `yum` module sends, for dnf (EL8+) and yum (EL7), and the parsing of
 * their answers. Every read is one round trip: the package manager is detected with the
 * shell's `command -v` (a builtin) inside the same command that queries rpm.
 */
import { quote, quoteArgv } from '../../core/transport/shell-quote.js';
import { batchedQueryArgs, parseBatchedQuery, parseQueryLine, RPM_QUERY_FORMAT, type RpmPackage } from './rpm.js';

export type PackageManager = 'dnf' | 'yum';

export interface ManagerOptions {
  enablerepo: string[];
  disablerepo: string[];
  exclude: string[];
  disableGpgCheck: boolean;
  /** '/' for the running system. */
  installroot: string;
  confFile?: string;
  releasever?: string;
  /**
   * Check mode: repository files as earlier tasks would leave them (rdo-release's
   * rdo-release.repo, a yum_repository task's file; `content: null` for one they would
   * remove), so that the dry run resolves packages from the repositories the real run will
   * have. See `withRepoOverlay`.
   */
  repoOverlay?: Array<{ path: string; content: string | null }>;
}

/** Stands for the overlay directory in an argv; rendered as the shell variable holding it. */
const OVERLAY_TOKEN = '@@tsplay-overlay-dir@@';
/** Where dnf and yum look for .repo files by default. */
export const REPOSDIRS = ['/etc/yum.repos.d', '/etc/yum/repos.d', '/etc/distro.repos.d'];

/** Quote a dnf/yum argv, turning the overlay token into a reference to the overlay directory. */
export function renderArgv(args: string[]): string {
  return args
    .map((a) =>
      a.includes(OVERLAY_TOKEN)
        ? a
            .split(OVERLAY_TOKEN)
            .map((piece) => (piece === '' ? '' : quote(piece)))
            .join('"$tsplay_repos"')
        : quote(a),
    )
    .join(' ');
}

/**
 * Run `script` with the repository directories as earlier tasks of the dry run would leave
 * them: each of REPOSDIRS is copied to a temporary directory (`$tsplay_repos/N`, which
 * managerArgs makes the only reposdirs), then the predicted files are written over the host's
 * (a file an earlier task changes is read as it will be, not as it is) and the predicted
 * removals removed. The copies go afterwards, whatever the script did.
 */
export function withRepoOverlay(script: string, o: Pick<ManagerOptions, 'repoOverlay'>, reposdirs: readonly string[] = REPOSDIRS): string {
  if (!o.repoOverlay?.length) return script;
  const cleanExit = '{ rm -rf -- "$tsplay_repos"; exit 1; }';
  const lines = ['tsplay_repos=$(mktemp -d /tmp/tsplay-repos.XXXXXXXX) || exit 1'];
  reposdirs.forEach((dir, i) => lines.push(`mkdir -- "$tsplay_repos"/${i} && { [ ! -d ${quote(dir)} ] || cp -pR -- ${quote(dir)}/. "$tsplay_repos"/${i}/; } || ${cleanExit}`));
  for (const f of o.repoOverlay) {
    const slash = f.path.lastIndexOf('/');
    const i = reposdirs.indexOf(f.path.slice(0, slash));
    if (i < 0) continue; // not a directory dnf/yum reads repositories from
    const target = `"$tsplay_repos"/${i}/${quote(f.path.slice(slash + 1))}`;
    lines.push(f.content === null ? `rm -f -- ${target}` : `printf '%s' ${quote(f.content)} > ${target} || ${cleanExit}`);
  }
  lines.push(`(\n${script}\n)`, 'tsplay_rc=$?', 'rm -rf -- "$tsplay_repos"', 'exit $tsplay_rc');
  return lines.join('\n');
}

/** Options every dnf/yum invocation of the task shares (repo selection, root, config). */
export function managerArgs(mgr: PackageManager, o: ManagerOptions): string[] {
  const args: string[] = [mgr];
  // Options and their values in one word: a value can never be taken for another option.
  if (o.confFile) args.push(`--config=${o.confFile}`);
  if (o.installroot !== '/') args.push(`--installroot=${o.installroot}`);
  if (o.releasever) args.push(`--releasever=${o.releasever}`);
  // Order matters and is Ansible's: `disablerepo: '*'` then `enablerepo: foo` enables only foo.
  if (o.disablerepo.length) args.push(`--disablerepo=${o.disablerepo.join(',')}`);
  if (o.enablerepo.length) args.push(`--enablerepo=${o.enablerepo.join(',')}`);
  for (const e of o.exclude) args.push(`--exclude=${e}`);
  if (o.disableGpgCheck) args.push('--nogpgcheck');
  // The copies withRepoOverlay makes of REPOSDIRS, with the earlier tasks' predicted files in them.
  if (o.repoOverlay?.length) args.push(`--setopt=reposdir=${REPOSDIRS.map((_, i) => `${OVERLAY_TOKEN}/${i}`).join(',')}`);
  return args;
}

export function rpmArgs(o: Pick<ManagerOptions, 'installroot'>): string[] {
  return o.installroot !== '/' ? ['rpm', `--root=${o.installroot}`] : ['rpm'];
}

/** rpm and dnf print translated messages; the parsers read the C locale's. */
export const C_LOCALE = 'LC_ALL=C';

export type TransactionAction = 'install' | 'upgrade' | 'remove';

/**
 * One transaction: `dnf -y install a b c` (real) or `dnf --assumeno install a b c` (check
 * mode: the same resolution and the same table, then "Operation aborted").
 */
export function transactionCommand(
  mgr: PackageManager,
  o: ManagerOptions,
  action: TransactionAction,
  targets: string[],
  opts: { check: boolean; best?: boolean },
): string {
  const args = managerArgs(mgr, o);
  args.push(opts.check ? '--assumeno' : '-y');
  if (opts.best && mgr === 'dnf') args.push('--best');
  // yum (EL7) installs the packages it finds and only warns about the others; make it
  // fail like dnf so one unknown name cannot leave a half-done task.
  if (mgr === 'yum' && action === 'install') args.push('--setopt=skip_missing_names_on_install=0');
  args.push(mgr === 'yum' && action === 'upgrade' ? 'update' : action, ...targets);
  return `${C_LOCALE} ${renderArgv(args)}`;
}

export function makecacheCommand(mgr: PackageManager, o: ManagerOptions): string {
  const args = managerArgs(mgr, o);
  args.push('makecache');
  if (mgr === 'yum') args.push('fast');
  return `${C_LOCALE} ${renderArgv(args)}`;
}

export interface HostPackageState {
  manager?: PackageManager;
  /** Installed packages matching each queried spec (empty: not installed). */
  answers: Map<string, RpmPackage[]>;
  /** The whole rpm database, when asked for (for `--diff`). */
  all?: RpmPackage[];
}

const MARK = '@@tsplay:';

/**
 * One command: detect dnf/yum, query every spec in one rpm process, and optionally list
 * the whole database (one more rpm process, only for --diff).
 */
export function stateQueryCommand(specs: readonly string[], o: Pick<ManagerOptions, 'installroot'>, opts: { whatprovides?: boolean; all?: boolean }): string {
  const rpm = rpmArgs(o);
  const parts = [
    `command -v rpm >/dev/null 2>&1 || { echo '${MARK}norpm'; exit 0; }`,
    `m=; for c in dnf yum; do if command -v $c >/dev/null 2>&1; then m=$c; break; fi; done; echo "${MARK}manager=$m"`,
  ];
  if (specs.length) {
    const q = [...rpm, '-q', ...(opts.whatprovides ? ['--whatprovides'] : []), '--qf', RPM_QUERY_FORMAT, ...batchedQueryArgs(specs)];
    parts.push(`echo '${MARK}query'`, `${C_LOCALE} ${quoteArgv(q)}`);
  }
  if (opts.all) parts.push(`echo '${MARK}all'`, `${C_LOCALE} ${quoteArgv([...rpm, '-qa', '--qf', RPM_QUERY_FORMAT])}`);
  parts.push('exit 0');
  return parts.join('\n');
}

export class NoRpmError extends Error {}

export function parseStateQuery(stdout: string, specs: readonly string[]): HostPackageState {
  if (stdout.includes(`${MARK}norpm`)) throw new NoRpmError('rpm is not installed on this host: the yum module manages RPM-based hosts (EL7 yum, EL8+ dnf)');
  const sections = new Map<string, string>();
  let current = '';
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      sections.set(current, buf.join('\n'));
      current = line.slice(MARK.length);
      buf = [];
    } else buf.push(line);
  }
  sections.set(current, buf.join('\n'));
  const state: HostPackageState = { answers: new Map() };
  for (const key of sections.keys()) {
    if (key.startsWith('manager=')) {
      const m = key.slice('manager='.length);
      if (m === 'dnf' || m === 'yum') state.manager = m;
    }
  }
  if (specs.length) state.answers = parseBatchedQuery(sections.get('query') ?? '', specs);
  if (sections.has('all')) {
    state.all = (sections.get('all') ?? '')
      .split('\n')
      .map(parseQueryLine)
      .filter((p): p is RpmPackage => p !== undefined);
  }
  return state;
}

/**
 * Read the name, version... of local .rpm files in one rpm process, downloading URLs first
 * into `tmpdir`. Output: one query line per file, in order.
 */
export function packageFilesQuery(files: readonly string[], o: Pick<ManagerOptions, 'installroot'>): string {
  const checks = files.map((f) => `[ -r ${quote(f)} ] || { echo ${quote(`no such package file: ${f}`)} >&2; exit 66; }`);
  const q = [...rpmArgs(o), '-qp', '--nosignature', '--nodigest', '--qf', RPM_QUERY_FORMAT, ...files];
  return [...checks, `${C_LOCALE} ${quoteArgv(q)}`].join('\n');
}

/**
 * Files the packages would put on disk: `repoquery -l` for repo packages, `rpm -qlp` for
 * files; each list after its own marker line (`@@tsplay:repo`, `@@tsplay:local`).
 */
export function fileListCommand(mgr: PackageManager, o: ManagerOptions, repoNevras: string[], localFiles: string[]): string {
  const parts: string[] = [];
  if (repoNevras.length) {
    const args = managerArgs(mgr, o);
    // dnf has repoquery built in; on EL7 it comes from yum-utils.
    const cmd = mgr === 'dnf' ? [...args, '-q', 'repoquery', '-l', ...repoNevras] : ['repoquery', '-l', ...repoNevras];
    parts.push(`echo '${MARK}repo'`, `${C_LOCALE} ${renderArgv(cmd)}`);
  }
  if (localFiles.length) parts.push(`echo '${MARK}local'`, `${C_LOCALE} ${quoteArgv([...rpmArgs(o), '-qlp', '--nosignature', '--nodigest', ...localFiles])}`);
  parts.push('exit 0');
  return parts.join('\n');
}

export function parseFileLists(stdout: string): { repo: string[]; local: string[] } {
  const out = { repo: [] as string[], local: [] as string[] };
  let into: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line === `${MARK}repo`) into = out.repo;
    else if (line === `${MARK}local`) into = out.local;
    else if (into && line.startsWith('/')) into.push(line.trim());
  }
  return out;
}

/** Non-directory files installed packages own (for predicting what a removal deletes). */
export function ownedFilesCommand(o: Pick<ManagerOptions, 'installroot'>, names: string[]): string {
  return `${C_LOCALE} ${quoteArgv([...rpmArgs(o), '-q', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\n]', ...names])}; exit 0`;
}

export function parseOwnedFiles(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([-dlcbsp][-rwxsStT]{9}) (\/.*)$/.exec(line);
    if (m && m[1]![0] !== 'd') out.push(m[2]!);
  }
  return out;
}

/** Newest available version of each name (check mode, for packages earlier tasks would install). */
export function latestAvailableCommand(mgr: PackageManager, o: ManagerOptions, names: string[]): string {
  // dnf and yum-utils' repoquery end each package with a newline themselves.
  const fmt = '%{name}\t%{epoch}\t%{version}\t%{release}\t%{arch}';
  const cmd =
    mgr === 'dnf'
      ? [...managerArgs(mgr, o), '-q', 'repoquery', '--latest-limit', '1', '--qf', fmt, ...names]
      : ['repoquery', '--qf', fmt, ...names];
  return `${C_LOCALE} ${renderArgv(cmd)}; exit 0`;
}

const REPO_FILE = /^\/etc\/(yum\.repos\.d|yum\/repos\.d|distro\.repos\.d)\/[^/]+\.repo$/;

/** Is this path a repository definition dnf/yum would read? */
export function isRepoFile(path: string): boolean {
  return REPO_FILE.test(path);
}

/**
 * Check mode: the content of the repository files that packages would install, read by
 * unpacking the packages into a throw-away root (`rpm --root T -i --noscripts`; hosts need
 * not have rpm2cpio). Repo packages are first fetched with `--downloadonly`.
 */
export function extractRepoFilesCommand(mgr: PackageManager, o: ManagerOptions, repoNevras: string[], localFiles: string[]): string {
  const lines = ['t=$(mktemp -d /tmp/tsplay-extract.XXXXXXXX) || exit 1', 'mkdir -p "$t/pkgs" "$t/root"'];
  if (repoNevras.length) {
    // dnf and yum take options after the command too; the download directory is a shell variable.
    const args = [...managerArgs(mgr, o), '-y', 'install', '--downloadonly', ...repoNevras];
    lines.push(`${C_LOCALE} ${renderArgv(args)} --downloaddir="$t/pkgs" >/dev/null 2>&1`);
  }
  for (const f of localFiles) lines.push(`cp -- ${quote(f)} "$t/pkgs/"`);
  lines.push(
    `${quoteArgv(rpmArgs({ installroot: '/' }))} --root "$t/root" --initdb`,
    `${quoteArgv(rpmArgs({ installroot: '/' }))} --root "$t/root" -i --nodeps --noscripts --notriggers --nosignature --nodigest --excludedocs "$t"/pkgs/*.rpm >/dev/null 2>&1`,
    `for f in "$t"/root/etc/yum.repos.d/*.repo "$t"/root/etc/yum/repos.d/*.repo "$t"/root/etc/distro.repos.d/*.repo; do [ -f "$f" ] || continue; printf '${MARK}file=%s\\n' "\${f#"$t"/root}"; cat -- "$f"; printf '\\n${MARK}end\\n'; done`,
    'rm -rf -- "$t"',
    'exit 0',
  );
  return lines.join('\n');
}

export function parseExtractedFiles(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = new RegExp(`${MARK}file=([^\\n]+)\\n([\\s\\S]*?)\\n${MARK}end\\n`, 'g');
  for (const m of stdout.matchAll(re)) out.set(m[1]!, m[2]!);
  return out;
}
