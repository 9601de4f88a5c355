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
}

/** Ansible's filter of `tar --diff` output: the lines that mean "not unarchived". */
export function tarDifferences(diffOutput: string, asRoot: boolean): string[] {
  return diffOutput.split('\n').filter((line) => {
    if (/: : Warning: Cannot stat: No such file or directory$/.test(line)) return false;
    return (
      (asRoot && /: Uid differs$/.test(line)) ||
      (asRoot && /: Gid differs$/.test(line)) ||
      /: Mode differs$/.test(line) ||
      /: Mod time differs$/.test(line) ||
      /: Warning: Cannot stat: No such file or directory$/.test(line) ||
      /: Invalid owner/.test(line) ||
      /: Invalid group/.test(line)
    );
  });
}

/** The same filter as a grep on the host, so the host decides to extract in the same command. */
const HOST_FILTER = `grep -v -E ': : Warning: Cannot stat: No such file or directory$' | grep -E '(: Mode differs|: Mod time differs|: Warning: Cannot stat: No such file or directory)$|: Invalid (owner|group)'"$root_re"`;

/**
 * The host script. `setArchive` sets $a to the archive on the host (a temp file filled from
 * stdin, or the remote source). Output sections, NUL-separated: status words, the listing,
 * the diff output, the extraction's output.
 */
export function tarScript(setArchive: string, o: TarOptions): string {
  const q = quote;
  const common = [...o.extraOpts.map(q), ...(o.keepNewer ? ['--keep-newer-files'] : []), ...o.excludes.map((e) => q(`--exclude=${e}`))].join(' ');
  const files = o.include.length ? ` -- ${o.include.map(q).join(' ')}` : '';
  return [
    'export LC_ALL=C LANG=C',
    setArchive,
    `[ -d ${q(o.dest)} ] || { echo nodest; exit 0; }`,
    'z=none',
    'for f in -z -j -J ""; do if tar -t $f -f "$a" >/dev/null 2>&1; then z=$f; break; fi; done',
    '[ "$z" = none ] && { echo unknown; exit 0; }',
    '[ "$(id -u)" = 0 ] && root_re="|: [UG]id differs$" || root_re=""',
    // uid first: the flag may be empty.
    'echo "tar $(id -u) $z"',
    'printf "\\0"',
    `tar --list $z ${common} -f "$a"${files}`,
    'printf "\\0"',
    `d=$(tar --diff -C ${q(o.dest)} $z ${common} -f "$a"${files} 2>&1)`,
    'printf "%s\\n" "$d"',
    'printf "\\0"',
    o.extract
      ? `if printf "%s\\n" "$d" | ${HOST_FILTER} >/dev/null; then tar --extract -C ${q(o.dest)} $z ${common} -f "$a"${files} 2>&1; echo "rc=$?"; fi`
      : 'true',
  ].join('\n');
}

export interface TarOutcome {
  status: 'nodest' | 'unknown' | 'tar';
  /** -z, -j, -J or '' (plain tar). */
  flag: string;
  files: string[];
  differences: string[];
  /** Extraction ran: its output and exit status. */
  extracted?: { out: string; rc: number };
}

export function parseTarOutput(stdout: string): TarOutcome {
  const [head = '', listing = '', diff = '', extract = ''] = stdout.split('\0');
  const words = head.trim().split(' ');
  if (words[0] !== 'tar') return { status: words[0] === 'nodest' ? 'nodest' : 'unknown', flag: '', files: [], differences: [] };
  const out: TarOutcome = {
    status: 'tar',
    flag: words[2] ?? '',
    files: listing.split('\n').filter(Boolean),
    // Owner differences count only for root, as in Ansible (and in the host's own filter).
    differences: tarDifferences(diff, words[1] === '0'),
  };
  const m = /rc=(\d+)\s*$/.exec(extract);
  if (m) out.extracted = { out: extract.slice(0, m.index), rc: Number(m[1]) };
  return out;
}
