/**
 * The pure parts of `unarchive` for zip archives, as Ansible's ZipArchive does it: the host
 * lists the archive with `zipinfo -T -s` (type, permissions, size, local time of each
 * member) and `unzip -v` (CRC-32), and reports every member's state in dest (type, size,
 * mode, owner, local mtime, and a CRC-32 of regular files taken from gzip's trailer, which
 * uses the same polynomial, so no Python is needed). The controller compares them with
 * Ansible's rules and decides whether `unzip -o` runs.
 */
import { fnmatchRegExp } from '../../core/inventory/fnmatch.js';
import { quote } from '../../core/transport/shell-quote.js';

export interface ZipMember {
  /** '-' file, 'd' directory, 'l' link, '?' other (zipinfo's first character). */
  type: string;
  /** The 9 (unix) or 6 (FAT, HPFS...) permission characters. */
  perms: string;
  size: number;
  /** zipinfo -T: YYYYMMDD.HHMMSS in the host's local time. */
  time: string;
  name: string;
}

export interface DestEntry {
  /** stat's %F: 'regular file', 'directory', 'symbolic link', ... */
  kind: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  /** stat's %y: 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn +zzzz' in the host's local time. */
  mtime: string;
  /** CRC-32 (8 lowercase hex digits) of a regular file. */
  crc?: string;
}

/** Who runs the extraction on the host, and its umask (Ansible's run_uid, run_owner...). */
export interface Runner {
  uid: number;
  gid: number;
  user: string;
  group: string;
  umask: number;
}

export interface ZipCompareOptions {
  runner: Runner;
  /** Ansible's file_args: the mode (as the resulting mode for this member) and owners asked for. */
  mode?: (member: ZipMember, current: DestEntry) => number;
  owner?: string;
  group?: string;
  keepNewer: boolean;
}

const ZIPINFO_LINE = /^(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d{8}\.\d{6}) (.*)$/;

/** Members from `zipinfo -T -s` output, header and footer skipped as Ansible skips them. */
export function parseZipinfo(out: string): ZipMember[] {
  const members: ZipMember[] = [];
  for (const line of out.split('\n')) {
    const m = ZIPINFO_LINE.exec(line);
    if (!m) continue;
    const attr = m[1]!;
    if (attr.length !== 7 && attr.length !== 10) continue;
    if (!'dl-?'.includes(attr[0]!) || !/^[rwxstah-]+$/.test(attr.slice(1))) continue;
    members.push({ type: attr[0]!, perms: attr.slice(1), size: Number(m[4]), time: m[7]!, name: m[8]! });
  }
  return members;
}

/** CRC-32 of each member from `unzip -v` (the listing between the two dashed lines). */
export function parseUnzipCrcs(out: string): Map<string, string> {
  const crcs = new Map<string, string>();
  const lines = out.split('\n');
  const first = lines.findIndex((l) => /^-{8}\s/.test(l));
  for (const line of lines.slice(first + 1)) {
    if (/^-{8}/.test(line)) break;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    // Fields: Length Method Size Cmpr Date Time CRC-32 Name (the name may hold spaces).
    const name = line.trim().replace(/^(\S+\s+){7}/, '');
    crcs.set(name, fields[6]!.toLowerCase());
  }
  return crcs;
}

/** The host's per-member report: `stat --printf` fields, the CRC, and the name, tab-separated, NUL-terminated. */
export function parseDestEntries(out: string): Map<string, DestEntry> {
  const entries = new Map<string, DestEntry>();
  for (const record of out.split('\0')) {
    const f = record.split('\t');
    if (f.length < 10) continue;
    const [kind, size, mode, uid, gid, owner, group, mtime, crc] = f;
    const name = f.slice(9).join('\t');
    entries.set(name, {
      kind: kind!,
      size: Number(size),
      mode: parseInt(mode!, 16) & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      owner: owner!,
      group: group!,
      mtime: mtime!,
      ...(crc ? { crc: crc.replace(/\s/g, '').match(/../g)!.reverse().join('') } : {}),
    });
  }
  return entries;
}

/** Ansible's _permstr_to_octal: rwx letters to bits, then the umask. */
export function permstrToMode(perms: string, umask: number): number {
  const rev = [...perms].reverse();
  let mode = 0;
  for (let i = 0; i < 9; i++) if ('rwxst'.includes(rev[i] ?? '-')) mode |= 1 << i;
  return mode & ~umask;
}

/** The mode unzip gives a member, as Ansible computes it (FAT permissions: 777/666 less the umask). */
export function memberMode(m: ZipMember, umask: number): number {
  if (m.perms.length === 6) {
    const perms = m.name.endsWith('/') || m.perms === 'rwx---' ? 'rwxrwxrwx' : 'rw-rw-rw-';
    return permstrToMode(perms, umask);
  }
  return permstrToMode(m.perms, 0);
}

/** Members the task works on: Ansible filters by fnmatch, `include` first, else `exclude`. */
export function selectMembers<T extends { name: string }>(members: T[], include: string[], exclude: string[]): T[] {
  const inc = include.map(fnmatchRegExp);
  const exc = exclude.map(fnmatchRegExp);
  if (inc.length) return members.filter((m) => inc.some((r) => r.test(m.name)));
  return members.filter((m) => !exc.some((r) => r.test(m.name)));
}

/** zipinfo's YYYYMMDD.HHMMSS as stat's %y prefix (YYYY-MM-DD HH:MM:SS), both local time. */
function statTime(t: string): string {
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}`;
}

/** A stat %y time as a comparable number of nanoseconds since an arbitrary local epoch. */
function localNanos(y: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?/.exec(y);
  if (!m) return 0n;
  const seconds = BigInt(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000);
  return seconds * 1_000_000_000n + BigInt((m[7] ?? '0').padEnd(9, '0').slice(0, 9));
}

export interface ZipComparison {
  /** Ansible's itemized lines ('>f++++++.?? name', '.f..t......?? name'...), one per changed member. */
  itemized: string[];
  /** Why, one line per difference (Ansible's `err`). */
  reasons: string[];
  /** Members newer on disk that keep_newer leaves out (unzip -x). */
  keepNewerExcluded: string[];
}

/**
 * Ansible's ZipArchive.is_unarchived: a member is changed when it is missing, of another
 * type, or (regular files) differs in mtime, size or CRC-32, or (not links) in permissions,
 * or in owner/group (compared for root, which can set them).
 */
export function compareZip(members: ZipMember[], dest: Map<string, DestEntry>, crcs: Map<string, string>, o: ZipCompareOptions): ZipComparison {
  const out: ZipComparison = { itemized: [], reasons: [], keepNewerExcluded: [] };
  const futOwner = o.owner ?? o.runner.user;
  const futGroup = o.group ?? o.runner.group;
  for (const m of members) {
    const ftype = m.name.endsWith('/') ? 'd' : m.type === 'l' ? 'L' : 'f';
    const st = dest.get(m.name) ?? dest.get(m.name.replace(/\/$/, ''));
    if (!st) {
      out.itemized.push(`>${ftype}++++++.?? ${m.name}`);
      out.reasons.push(`Path ${m.name} is missing`);
      continue;
    }
    const isReg = st.kind === 'regular file' || st.kind === 'regular empty file';
    const wrongType =
      (ftype === 'd' && st.kind !== 'directory') || (ftype === 'f' && !isReg) || (ftype === 'L' && st.kind !== 'symbolic link');
    if (wrongType) {
      out.itemized.push(`c${ftype}++++++.?? ${m.name}`);
      out.reasons.push(`Path ${m.name} exists, but as a ${st.kind}`);
      continue;
    }
    const item = [...`.${ftype}.......??`];
    let change = false;
    const note = (pos: number, letter: string, reason: string) => {
      change = true;
      item[pos] = letter;
      out.reasons.push(reason);
    };
    if (isReg) {
      const archived = localNanos(statTime(m.time));
      const onDisk = localNanos(st.mtime);
      if (o.keepNewer) {
        if (archived > onDisk) note(4, 't', `File ${m.name} is older, replacing file`);
        else if (archived < onDisk) {
          out.keepNewerExcluded.push(m.name);
          continue;
        }
      } else if (archived !== onDisk) note(4, 't', `File ${m.name} differs in mtime (${statTime(m.time)} vs ${st.mtime})`);
      if (m.size !== st.size) note(3, 's', `File ${m.name} differs in size (${m.size} vs ${st.size})`);
      const crc = crcs.get(m.name);
      if (crc !== undefined && st.crc !== undefined && crc !== st.crc) note(2, 'c', `File ${m.name} differs in CRC32 checksum (0x${crc} vs 0x${st.crc})`);
    }
    if (ftype !== 'L') {
      const want = o.mode ? o.mode(m, st) : m.type === '?' ? permstrToMode(m.perms, 0) : memberMode(m, o.runner.umask);
      if (want !== st.mode) note(5, 'p', `Path ${m.name} differs in permissions (${want.toString(8)} vs ${st.mode.toString(8)})`);
    }
    // Owners: only root can give files away, so only root's extractions compare them (as Ansible).
    if (o.runner.uid === 0) {
      if (st.owner !== futOwner && String(st.uid) !== futOwner) note(6, 'o', `Path ${m.name} is owned by user ${st.owner}, not by user ${futOwner} as expected`);
      if (st.group !== futGroup && String(st.gid) !== futGroup) note(6, 'g', `Path ${m.name} is owned by group ${st.group}, not by group ${futGroup} as expected`);
    }
    if (change) out.itemized.push(`${item.join('')} ${m.name}`);
  }
  return out;
}

/**
 * Host script section for a zip archive in "$a": the runner line, then NUL-separated
 * `zipinfo -1`, `zipinfo -T -s`, `unzip -v`, and every member's state in dest.
 */
export function zipReadScript(dest: string): string {
  const q = quote;
  return [
    // Absolute before the cd into dest below (a remote src may be relative to the login directory).
    'case $a in /*) ;; *) a=$PWD/$a;; esac',
    'echo "zip $(id -u) $(id -g) $(umask) $(id -un) $(id -gn) $a"',
    'printf "\\0"',
    'zipinfo -1 "$a"',
    'printf "\\0"',
    'zipinfo -T -s "$a"',
    'printf "\\0"',
    'unzip -v "$a"',
    'printf "\\0"',
    `cd -- ${q(dest)} || exit 1`,
    // One stat per member; a regular file's CRC-32 is the first 4 bytes of gzip's trailer.
    'zipinfo -1 "$a" | while IFS= read -r n; do',
    '  p=$n; case $p in -*) p=./$p;; esac',
    '  [ -e "$p" ] || [ -L "$p" ] || continue',
    '  stat --printf "%F\\t%s\\t%f\\t%u\\t%g\\t%U\\t%G\\t%y\\t" -- "$p" || continue',
    '  if [ -f "$p" ] && [ ! -L "$p" ]; then gzip -1c < "$p" | tail -c8 | od -An -tx1 -N4 | tr -d " \\n"; fi',
    '  printf "\\t%s\\0" "$n"',
    'done',
  ].join('\n');
}

export interface ZipRead {
  runner: Runner;
  /** The archive on the host (kept for the extraction). */
  archive: string;
  names: string[];
  members: ZipMember[];
  crcs: Map<string, string>;
  dest: Map<string, DestEntry>;
}

/** Parse the zip section's output (after its 'zip' head). */
export function parseZipRead(stdout: string): ZipRead {
  const [head = '', names = '', info = '', verbose = '', ...rest] = stdout.split('\0');
  const w = head.trim().split(' ');
  return {
    runner: { uid: Number(w[1]), gid: Number(w[2]), umask: parseInt(w[3] ?? '022', 8), user: w[4] ?? '', group: w[5] ?? '' },
    archive: w.slice(6).join(' '),
    names: names.split('\n').filter(Boolean),
    members: parseZipinfo(info),
    crcs: parseUnzipCrcs(verbose),
    dest: parseDestEntries(rest.join('\0')),
  };
}

/** Ansible's extraction: `unzip -o [extra_opts] SRC [-x EXCLUDES] [INCLUDES] -d DEST`. */
export function unzipCommand(archive: string, dest: string, o: { extraOpts: string[]; exclude: string[]; include: string[] }): string {
  const q = quote;
  const words = ['unzip', '-o', ...o.extraOpts.map(q), q(archive)];
  if (o.exclude.length) words.push('-x', ...o.exclude.map(q));
  if (o.include.length) words.push(...o.include.map(q));
  words.push('-d', q(dest));
  return words.join(' ');
}
