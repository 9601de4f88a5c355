/**
 * The pure parts of `unarchive` for tar archives (plain, gzip, bzip2, xz), as Ansible's
 * TgzArchive does it: `tar --diff` against dest decides whether the archive is already
 * unpacked, counting only the differences Ansible counts; the host script that finds the
 * compression, lists, compares and (when needed, and not in check mode) extracts, all in
 * one command.
 */
import { quote } from '../../core/transport/shell-quote.js';

export interface TarOptions {
  dest: string;
  excludes: string[];
  include: string[];
  keepNewer: boolean;
  extraOpts: string[];
  /** Extract when the comparison finds differences (false in check mode). */
  extract: boolean;
  /** owner/group/mode the task sets itself: tar's differences in them do not count (Ansible). */
  owner?: string;
  group?: string;
  mode?: boolean;
  /** Report the members' state after extracting (for owner/group/mode): a 5th section. */
  statSection?: string;
}

/** What the task sets itself, so tar's differences in it do not mean "not unarchived". */
export interface Ignored {
  owner?: boolean;
  group?: boolean;
  mode?: boolean;
}

/** Ansible's filter of `tar --diff` output: the lines that mean "not unarchived". */
export function tarDifferences(diffOutput: string, asRoot: boolean, ignored: Ignored = {}): string[] {
  return diffOutput.split('\n').filter((line) => {
    if (/: : Warning: Cannot stat: No such file or directory$/.test(line)) return false;
    return (
      (asRoot && !ignored.owner && /: Uid differs$/.test(line)) ||
      (asRoot && !ignored.group && /: Gid differs$/.test(line)) ||
      (!ignored.mode && /: Mode differs$/.test(line)) ||
      /: Mod time differs$/.test(line) ||
      /: Warning: Cannot stat: No such file or directory$/.test(line) ||
      /: Invalid owner/.test(line) ||
      /: Invalid group/.test(line)
    );
  });
}

/** The same filter as a grep on the host, so the host decides to extract in the same command. */
function hostFilter(ignored: Ignored): string {
  const kinds = ['Mod time differs', 'Warning: Cannot stat: No such file or directory', ...(ignored.mode ? [] : ['Mode differs'])];
  const ids = [...(ignored.owner ? [] : ['U']), ...(ignored.group ? [] : ['G'])];
  const rootRe = ids.length ? `[ "$(id -u)" = 0 ] && root_re='|: [${ids.join('')}]id differs$' || root_re=''` : "root_re=''";
  return `${rootRe}; grep -v -E ': : Warning: Cannot stat: No such file or directory$' | grep -E '(: ${kinds.join('|: ')})$|: Invalid (owner|group)'"$root_re"`;
}

/**
 * The tar part of the host script, once "$a" is the archive on the host and dest exists.
 * Output sections, NUL-separated: status words, the listing, the diff output, the
 * extraction's output, and (with `statSection`) the members' state afterwards.
 */
export function tarSection(o: TarOptions): string {
  const q = quote;
  const ids = [...(o.owner ? [q(`--owner=${o.owner}`)] : []), ...(o.group ? [q(`--group=${o.group}`)] : [])];
  const common = [...o.extraOpts.map(q), ...ids, ...(o.keepNewer ? ['--keep-newer-files'] : []), ...o.excludes.map((e) => q(`--exclude=${e}`))].join(' ');
  const files = o.include.length ? ` -- ${o.include.map(q).join(' ')}` : '';
  const ignored: Ignored = { owner: !!o.owner, group: !!o.group, mode: !!o.mode };
  return [
    'z=none',
    'for f in -z -j -J ""; do if tar -t $f -f "$a" >/dev/null 2>&1; then z=$f; break; fi; done',
    '[ "$z" = none ] && { echo unknown; exit 0; }',
    // uid first: the flag may be empty.
    'echo "tar $(id -u) $z"',
    'printf "\\0"',
    `tar --list $z ${common} -f "$a"${files}`,
    'printf "\\0"',
    `d=$(tar --diff -C ${q(o.dest)} $z ${common} -f "$a"${files} 2>&1)`,
    'printf "%s\\n" "$d"',
    'printf "\\0"',
    o.extract
      ? `if printf "%s\\n" "$d" | { ${hostFilter(ignored)}; } >/dev/null; then tar --extract -C ${q(o.dest)} $z ${common} -f "$a"${files} 2>&1; echo "rc=$?"; fi`
      : 'true',
    ...(o.statSection ? ['printf "\\0"', o.statSection] : []),
  ].join('\n');
}

export interface TarOutcome {
  status: 'tar' | 'unknown';
  /** -z, -j, -J or '' (plain tar). */
  flag: string;
  files: string[];
  differences: string[];
  /** The members' state section (NUL-separated records), when asked for. */
  stats: string;
  /** Extraction ran: its output and exit status. */
  extracted?: { out: string; rc: number };
}

export function parseTarOutput(stdout: string, ignored: Ignored = {}): TarOutcome {
  const [head = '', listing = '', diff = '', extract = '', ...stats] = stdout.split('\0');
  const words = head.trim().split(' ');
  if (words[0] !== 'tar') return { status: 'unknown', flag: '', files: [], differences: [], stats: '' };
  const out: TarOutcome = {
    status: 'tar',
    flag: words[2] ?? '',
    files: listing.split('\n').filter(Boolean),
    // Owner differences count only for root, as in Ansible (and in the host's own filter).
    differences: tarDifferences(diff, words[1] === '0', ignored),
    stats: stats.join('\0'),
  };
  const m = /rc=(\d+)\s*$/.exec(extract);
  if (m) out.extracted = { out: extract.slice(0, m.index), rc: Number(m[1]) };
  return out;
}
