/**
 * fstab editing as ansible.posix's mount module does it on Linux, as pure functions: lines
 * that are not the entry (comments, blanks, other mounts, lines that do not split into 4-6
 * fields) are kept byte for byte; the entry is rewritten only when a field differs; fields
 * are escaped (\040 for a space, \046 for &, \134 for a backslash). Also the mount table
 * (/proc/self/mountinfo) reader.
 */

export interface FstabEntry {
  src: string;
  name: string;
  fstype: string;
  opts: string;
  dump: string;
  passno: string;
}

export function escapeFstab(v: string): string {
  return v.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/&/g, '\\046');
}

/** Python's readlines(). */
function readlines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

function entryLine(e: FstabEntry): string {
  return `${e.src} ${e.name} ${e.fstype} ${e.opts} ${e.dump} ${e.passno}\n`;
}

/** _set_mount_save_old: the new text and whether it changed. */
export function setMount(text: string, args: FstabEntry): { text: string; changed: boolean } {
  const want: FstabEntry = {
    src: escapeFstab(args.src),
    name: escapeFstab(args.name),
    fstype: escapeFstab(args.fstype),
    opts: escapeFstab(args.opts),
    dump: escapeFstab(args.dump),
    passno: escapeFstab(args.passno),
  };
  const out: string[] = [];
  let exists = false;
  let changed = false;
  for (let line of readlines(text)) {
    if (!line.endsWith('\n')) line += '\n';
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) {
      out.push(line);
      continue;
    }
    const fields = trimmed.split(/\s+/);
    if (fields.length < 4 || fields.length > 6) {
      out.push(line);
      continue;
    }
    // Missing dump/passno are Python's integer 0, which never equals the string '0': such a
    // line is always rewritten, as Ansible does.
    const ld: Record<keyof FstabEntry, string | number> = { src: fields[0]!, name: fields[1]!, fstype: fields[2]!, opts: fields[3]!, dump: fields[4] ?? 0, passno: fields[5] ?? 0 };
    if (ld.name !== want.name || (ld.name === 'none' && ld.fstype === 'swap' && ld.src !== args.src)) {
      out.push(line);
      continue;
    }
    exists = true;
    for (const k of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (ld[k] !== want[k]) {
        ld[k] = want[k];
        changed = true;
      }
    }
    out.push(changed ? entryLine(ld as unknown as FstabEntry) : line);
  }
  if (!exists) {
    out.push(entryLine(want));
    changed = true;
  }
  return { text: out.join(''), changed };
}

/** unset_mount: drop the entry's lines (only lines of exactly 6 fields, as Ansible). */
export function unsetMount(text: string, name: string, src?: string): { text: string; changed: boolean } {
  const escaped = escapeFstab(name);
  const out: string[] = [];
  let changed = false;
  for (const line of readlines(text)) {
    const trimmed = line.trim();
    const fields = trimmed.split(/\s+/);
    if (!trimmed || trimmed.startsWith('#') || fields.length !== 6) {
      out.push(line);
      continue;
    }
    if (fields[1] !== escaped || (src !== undefined && fields[1] === 'none' && fields[2] === 'swap' && fields[0] !== src)) {
      out.push(line);
      continue;
    }
    changed = true;
  }
  return { text: out.join(''), changed };
}

/** The kernel's \NNN octal escapes in mountinfo fields. */
function unescapeOctal(v: string): string {
  return v.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points from /proc/self/mountinfo (field 5). */
export function mountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length > 5) out.add(unescapeOctal(f[4]!));
  }
  return out;
}
