/**
 * `archive` (community.general.archive): pack files and trees on the host into a tar archive
 * (gz, bz2, xz or plain) or a zip archive (the host's `zip`), or compress a single file.
 * One command expands glob patterns and reads what each path is; ONE more builds the new
 * archive in a temporary file, compares it with the existing archive (tar: member names,
 * modes, owners, sizes, times; zip: member names and CRC-32s, what Ansible compares),
 * replaces it only when they differ, and with `remove` deletes the sources. Check mode
 * builds and compares the same way in /tmp, so it predicts exactly (Ansible's check mode
 * reports a change whenever it would archive). owner/group/mode of the archive are set
 * where they differ.
 */
import { posix } from 'node:path';
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { pathOperand } from '../core/transport/operands.js';
import { quote } from '../core/transport/shell-quote.js';
import { applyPlan } from './_lib/apply-plan.js';
import { attrResult, attrSchema, compareAttrs, parseAttrs, type AttrArgs } from './_lib/file-attrs.js';
import { hasAttrs } from './_lib/member-attrs.js';
import type { PathState } from './_lib/path-state.js';

interface ArchiveArgs extends AttrArgs {
  path: string[];
  dest?: string;
  format: 'gz' | 'bz2' | 'xz' | 'tar' | 'zip';
  exclude_path: string[];
  exclusion_patterns: string[];
  force_archive: boolean;
  remove: boolean;
}

const FLAG: Record<Exclude<ArchiveArgs['format'], 'zip'>, string> = { gz: '-z', bz2: '-j', xz: '-J', tar: '' };
const COMPRESSOR: Record<string, string> = { gz: 'gzip', bz2: 'bzip2', xz: 'xz' };

/** Ansible's common_path: the directory holding every path (with a trailing '/'). */
export function commonRoot(paths: readonly string[]): string {
  const dirs = paths.map((p) => `${posix.dirname(p)}/`);
  let prefix = dirs[0]!;
  for (const d of dirs) while (!d.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const root = posix.dirname(prefix.endsWith('/') ? `${prefix}x` : prefix);
  return root.endsWith('/') ? root : `${root}/`;
}

export default defineModule<ArchiveArgs>({
  name: 'archive',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'array', items: { type: 'string', pattern: '^/' }, minItems: 1, description: 'Absolute paths of files or directories to pack (a list, or comma-separated); `*` and `?` make a glob pattern, expanded on the host.' },
      dest: { type: 'string', pattern: '^/', description: 'The archive to write. Required for several paths or a directory; for one file, default PATH.FORMAT.' },
      format: { enum: ['gz', 'bz2', 'xz', 'tar', 'zip'], default: 'gz', description: 'zip, or compression: a tar archive compressed this way, or (one file, not force_archive) the file itself compressed.' },
      exclude_path: { type: 'array', items: { type: 'string' }, default: [], description: 'Paths of path to leave out (globs too). Only entries of the path list are removed, not files inside a packed directory, as in Ansible.' },
      exclusion_patterns: { type: 'array', items: { type: 'string' }, default: [], description: 'fnmatch patterns of what to leave out of the archive: matched against member names for tar, full paths for zip, as Ansible.' },
      remove: { type: 'boolean', default: false, description: 'Delete the source files and trees after archiving them.' },
      ...attrSchema,
      force_archive: { type: 'boolean', default: false, description: 'Make a tar archive even for one file.' },
    },
  },
  docs: {
    short: 'Create a tar or zip archive (or compress a file) on the host',
    description: [
      'community.general.archive: several paths, a glob or a directory become a tar archive (gz by default)',
      "or a zip archive (the host's `zip`), whose members are named from the paths' common parent, as Ansible",
      'names them; one file is compressed into PATH.gz (bz2, xz) or packed into PATH.zip/PATH.tar. Glob',
      'patterns in `path` and `exclude_path` are expanded on the host. One command builds the new archive in a',
      'temporary file, compares it with the existing archive (tar: names, modes, owners, sizes, modification',
      "times; zip: names and CRC-32s, what Ansible's member checksums cover) and replaces it only when something",
      'differs, so a second run changes nothing. `remove` deletes the sources once they are archived.',
      '`owner`, `group` and `mode` apply to the archive. Check mode builds and compares the same way in /tmp',
      'and predicts exactly.',
    ].join('\n'),
    examples: [
      '- name: Back up the Nova configuration',
      '  archive:',
      '    path: /etc/nova',
      '    dest: /var/backups/nova-etc.tar.gz',
      '    mode: "0600"',
      '',
      '- name: Several paths, xz, leaving one out',
      '  archive:',
      '    path: [/etc/keystone, /etc/glance, /etc/glance/glance-cache.conf]',
      '    exclude_path: [/etc/glance/glance-cache.conf]',
      '    dest: /var/backups/identity.tar.xz',
      '    format: xz',
      '',
      '- name: Rotated logs into a zip archive, without the compressed ones, deleting them afterwards',
      '  archive:',
      '    path: /var/log/nova/*.log.1',
      "    exclusion_patterns: ['*.gz']",
      '    dest: /var/backups/nova-logs.zip',
      '    format: zip',
      '    remove: true',
      '',
      '- name: Compress one log',
      '  archive:',
      '    path: /var/log/packstack.log',
    ].join('\n'),
    returns: {
      dest_state: "'archive', 'compress', 'incomplete' (some paths were missing) or 'absent' (also in check mode, as in Ansible).",
      state: "The archive file's state, as for the file module: 'file' (missing in check mode when the archive does not exist yet, as in Ansible).",
      dest: 'The archive.',
      archived: 'The paths packed: each member added, by its path on the host (zip: files only), as Ansible lists them.',
      missing: 'Paths that did not exist.',
      arcroot: 'The common parent the member names are relative to.',
      expanded_paths: 'The paths given, globs expanded.',
      expanded_exclude_paths: 'The excluded paths given, globs expanded.',
      'mode, owner, group, uid, gid': 'Of the archive.',
    },
    notes: [
      'A directory path is packed as its contents (DIR/...), without an entry for DIR itself, as Ansible does.',
      'With `remove`, deleting the sources is reported as a change even when the archive was already up to date (Ansible then says unchanged).',
      "zip archives are made with `zip -X` (no extra timestamps or uid/gid fields), like Python's zipfile that Ansible uses: the same member names, modes and CRC-32s, not the same bytes.",
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const q = ctx.quote;
    const desired = parseAttrs(ctx, a);
    // Globs are expanded on the host as Python's glob does (no hidden names for '*'); one
    // command also reads what each path is and whether dest exists.
    const kindOf = 'k() { if [ -d "$1" ]; then echo d; elif [ -e "$1" ] || [ -L "$1" ]; then echo f; else echo -; fi; }';
    const expand = (list: string[], tag: string) =>
      list.map((p) =>
        isGlob(p)
          ? `IFS=; for p in ${globWord(p)}; do { [ -e "$p" ] || [ -L "$p" ]; } && printf '${tag}\\t%s\\t%s\\n' "$(k "$p")" "$p"; done; unset IFS`
          : `printf '${tag}\\t%s\\t%s\\n' "$(k ${q(p)})" ${q(p)}`,
      );
    const probe = await ctx.run([kindOf, ...expand(a.path, 'p'), ...expand(a.exclude_path, 'x')].join('\n'));
    if (probe.rc !== 0) ctx.fail(`could not read the paths on ${ctx.host.name}: ${probe.stderr.trim() || `exit ${probe.rc}`}`);
    const rows = probe.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
    const expanded = rows.filter((r) => r[0] === 'p').map((r) => r.slice(2).join('\t'));
    const excluded = rows.filter((r) => r[0] === 'x').map((r) => r.slice(2).join('\t'));
    const kindByPath = new Map(rows.filter((r) => r[0] === 'p').map((r) => [r.slice(2).join('\t'), r[1]!]));
    const hasGlobs = a.path.some(isGlob);
    const paths = [...new Set(expanded)].filter((p) => !excluded.includes(p)).sort();
    if (!paths.length) ctx.fail('Error, no source paths were found', { path: a.path.join(', '), expanded_paths: expanded.join(', '), expanded_exclude_paths: excluded.join(', ') });
    const root = commonRoot(paths);
    const kinds = paths.map((p) => kindByPath.get(p) ?? '-');
    const present = paths.filter((_, i) => kinds[i] !== '-');
    const missing = paths.filter((_, i) => kinds[i] === '-');
    const mustArchive = a.force_archive || hasGlobs || paths.length > 1 || kinds[0] === 'd';
    const dest = a.dest ?? (mustArchive ? undefined : `${paths[0]}.${a.format}`);
    if (!dest) return ctx.fail('Error, must specify "dest" when archiving multiple files or trees', { path: a.path.join(', ') });
    if (a.remove) {
      for (const [i, p] of paths.entries()) {
        if (kinds[i] === 'd' && dest.startsWith(`${p.replace(/\/+$/, '')}/`)) ctx.fail('Error, created archive can not be contained in source paths when remove=true', { path: paths.join(', ') });
      }
    }
    const result: ModuleResult = { changed: false, dest, arcroot: root, expanded_paths: expanded, expanded_exclude_paths: excluded, missing, archived: [] };
    const asArchive = mustArchive || a.format === 'tar' || a.format === 'zip';
    const tmpDir = ctx.check ? '/tmp' : posix.dirname(dest);
    const excl = (at: 'name' | 'path') => (a.exclusion_patterns.length ? ` ${a.exclusion_patterns.map((p) => `! -${at} ${q(p)}`).join(' ')}` : '');
    let build: string;
    let compare: string;
    if (!present.length) {
      build = 'exit 0';
      compare = '';
    } else if (asArchive && a.format === 'zip') {
      // Ansible's exclusion_patterns match a zip member's full path: find runs on absolute
      // paths and the common root is cut off (in bytes: LC_ALL=C).
      const members = present
        .map((p) => (kinds[paths.indexOf(p)] === 'd' ? `find ${pathOperand(p)} -mindepth 1${excl('path')} -print` : `find ${pathOperand(p)} -maxdepth 0${excl('path')} -print`))
        .join('; ');
      build = `{ ${members}; } | awk -v n=${Buffer.byteLength(root)} '{ print substr($0, n + 1) }' | (cd -- ${q(root)} && rm -f -- "$t" && zip -q -X -@ "$t") || exit 1`;
      compare = `new=$(${ZIP_SUMS('"$t"')}); old=$([ -f ${q(dest)} ] && ${ZIP_SUMS(q(dest))})`;
    } else if (asArchive) {
      // tar: the patterns match the member names (relative to the common root), as Ansible's filter.
      const members = present
        .map((p) => {
          const rel = pathOperand(p.slice(root.length)); // ./-x: find must not read a name as an option
          return kinds[paths.indexOf(p)] === 'd' ? `find ${rel} -mindepth 1${excl('path')} -print0` : `find ${rel} -maxdepth 0${excl('path')} -print0`;
        })
        .join('; ');
      const fmt = a.format === 'zip' ? 'tar' : a.format;
      build = `(cd -- ${q(root)} && { ${members}; } | tar --no-recursion --null -T - -c ${FLAG[fmt]} -f "$t") || exit 1`;
      compare = `new=$(tar -tv --full-time -f "$t" | sort); old=$([ -f ${q(dest)} ] && tar -tv --full-time -f ${q(dest)} 2>/dev/null | sort)`;
    } else {
      const c = COMPRESSOR[a.format]!;
      build = `${c} -c < ${q(present[0]!)} > "$t" || exit 1`;
      compare = `new=$(sha1sum < ${q(present[0]!)}); old=$([ -f ${q(dest)} ] && ${c} -dc < ${q(dest)} 2>/dev/null | sha1sum)`;
    }
    const remove = a.remove && present.length && !ctx.check ? `rm -rf -- ${present.map(q).join(' ')} || { echo "could not remove the sources" >&2; exit 1; }` : '';
    const res = await ctx.run(
      [
        'export LC_ALL=C',
        `t=$(mktemp -- ${q(tmpDir)}/.tsplay-archive.XXXXXXXX) || exit 1`,
        `trap 'rm -f -- "$t"' EXIT`,
        build,
        compare,
        present.length ? 'if [ "$new" = "$old" ]; then echo same; else echo differs; fi' : 'echo none',
        // What went in, for `archived` (Ansible lists each member it added, by its path).
        present.length && asArchive ? `${a.format === 'zip' ? 'zipinfo -1' : 'tar -tf'} "$t" | sed 's/^/M\t/'` : '',
        present.length && !ctx.check ? `if [ "$new" != "$old" ]; then chmod 0644 -- "$t" && mv -f -- "$t" ${q(dest)} && trap - EXIT || exit 1; fi` : '',
        remove,
        `if [ -e ${q(dest)} ]; then stat --printf "%f\\t%u\\t%g\\t%U\\t%G\\t%s\\n" -- ${q(dest)}; fi`,
      ].join('\n'),
    );
    if (res.rc !== 0) ctx.fail(`Error when writing ${a.format === 'zip' || a.format === 'tar' || !asArchive ? a.format : `tar.${a.format}`} archive at ${dest}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const lines = res.stdout.split('\n');
    const outcome = lines[0] ?? '';
    const statLine = lines.find((l) => /^[0-9a-f]+\t/.test(l)) ?? '';
    result.changed = outcome === 'differs' || (a.remove && present.length > 0);
    // zip: the files (Python's zipfile finds no member for a directory name); tar: every member.
    result.archived = asArchive
      ? lines.filter((l) => l.startsWith('M\t') && !(a.format === 'zip' && l.endsWith('/'))).map((l) => root + l.slice(2).replace(/\/$/, ''))
      : present;
    const destState = statLine ? parseStat(dest, statLine) : undefined;
    if (!present.length) {
      result.dest_state = destState ? (/\.(tar|tar\.(gz|bz2|xz)|tgz|tbz2|zip)$/i.test(posix.basename(dest)) ? 'archive' : 'compress') : 'absent';
    } else if (asArchive) result.dest_state = missing.length ? 'incomplete' : 'archive';
    else result.dest_state = 'compress';
    // `state` is the archive file's, as Ansible's path info gives it. Ansible's check mode
    // archives nothing and does not look at the archive: dest_state 'absent', no `archived`
    // members, and a `state` only when the file exists.
    if (destState) result.state = 'file';
    else if (!ctx.check) result.state = 'absent';
    if (ctx.check) {
      result.dest_state = 'absent';
      result.archived = [];
    }
    if (ctx.check && outcome === 'differs') ctx.predicted.setFile(dest, 'exists');
    if (ctx.check && a.remove) for (const p of present) ctx.predicted.setFile(p, 'absent');
    if (destState && hasAttrs(desired) && !(ctx.check && outcome === 'differs' && !statLine)) {
      const cmp = compareAttrs(destState, desired);
      if (cmp.changed) {
        result.changed = true;
        await applyPlan(ctx, { attrs: [{ path: dest, kind: 'file', ...cmp.op }] });
        if (cmp.diff && ctx.diff) result.diff = cmp.diff;
      }
      Object.assign(result, attrResult(destState, cmp.op));
    } else if (destState) Object.assign(result, attrResult(destState, {}));
    return result;
  },
});

function isGlob(p: string): boolean {
  return p.includes('*') || p.includes('?');
}

/**
 * A glob as a shell word: every character quoted except * ? [ ] (and ! right after [), so
 * the shell expands the pattern but can read nothing else in it.
 */
export function globWord(pattern: string): string {
  return pattern
    .split(/([*?[\]])/)
    .map((part) => (/^[*?[\]]$/.test(part) ? part : part ? quote(part) : ''))
    .join('');
}

/** CRC-32 and name of every zip member (community.general.archive compares exactly these). */
const ZIP_SUMS = (file: string) => `unzip -v ${file} 2>/dev/null | awk '/^--------/ { n++; next } n == 1 { c = $7; s = $0; for (i = 0; i < 7; i++) sub(/^ *[^ ]+ +/, "", s); print c " " s }' | sort`;

function parseStat(path: string, line: string): PathState {
  const [mode, uid, gid, owner, group, size] = line.split('\t');
  return { path, kind: 'file', mode: parseInt(mode!, 16), uid: Number(uid), gid: Number(gid), owner: owner!, group: group!, size: Number(size), parentKind: 'directory' };
}
