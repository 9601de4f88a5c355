/**
 * `archive` (community.general.archive): pack files and trees on the host into a tar
 * archive (gz, bz2, xz or plain), or compress a single file. ONE command builds the new
 * archive in a temporary file, compares its member list (names, modes, owners, sizes,
 * times: what Ansible's member checksums cover) with the existing archive, and replaces it
 * only when they differ. Check mode builds and compares the same way in /tmp, so it
 * predicts exactly (Ansible's check mode reports a change whenever it would archive).
 */
import { posix } from 'node:path';
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { pathOperand } from '../core/transport/operands.js';

interface ArchiveArgs {
  path: string[];
  dest?: string;
  format: 'gz' | 'bz2' | 'xz' | 'tar';
  exclude_path: string[];
  force_archive: boolean;
}

const FLAG: Record<ArchiveArgs['format'], string> = { gz: '-z', bz2: '-j', xz: '-J', tar: '' };
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
      path: { type: 'array', items: { type: 'string', pattern: '^/' }, minItems: 1, description: 'Absolute paths of files or directories to pack (a list, or comma-separated).' },
      dest: { type: 'string', pattern: '^/', description: 'The archive to write. Required for several paths or a directory; for one file, default PATH.FORMAT.' },
      format: { enum: ['gz', 'bz2', 'xz', 'tar'], default: 'gz', description: 'Compression: a tar archive compressed this way, or (one file, not force_archive) the file itself compressed.' },
      exclude_path: { type: 'array', items: { type: 'string' }, default: [], description: 'Paths of path to leave out.' },
      force_archive: { type: 'boolean', default: false, description: 'Make a tar archive even for one file.' },
    },
  },
  docs: {
    short: 'Create a tar archive (or compress a file) on the host',
    description: [
      "community.general.archive for tar formats: several paths or a directory become a tar archive (gz by",
      'default) whose members are named from the paths\' common parent, as Ansible names them; one file is',
      'compressed into PATH.gz (bz2, xz). One command builds the new archive in a temporary file, compares',
      'its member list with the existing archive (names, modes, owners, sizes, modification times: what',
      "Ansible's member checksums cover) and replaces it only when something differs, so a second run changes",
      'nothing. Check mode builds and compares the same way in /tmp and predicts exactly.',
    ].join('\n'),
    examples: [
      '- name: Back up the Nova configuration',
      '  archive:',
      '    path: /etc/nova',
      '    dest: /var/backups/nova-etc.tar.gz',
      '',
      '- name: Several paths, xz, leaving one out',
      '  archive:',
      '    path: [/etc/keystone, /etc/glance, /etc/glance/glance-cache.conf]',
      '    exclude_path: [/etc/glance/glance-cache.conf]',
      '    dest: /var/backups/identity.tar.xz',
      '    format: xz',
      '',
      '- name: Compress one log',
      '  archive:',
      '    path: /var/log/packstack.log',
    ].join('\n'),
    returns: {
      dest_state: "'archive', 'compress', 'incomplete' (some paths were missing) or 'absent' (also in check mode, as in Ansible).",
      state: "The archive file's state, as for the file module: 'file' (missing in check mode when the archive does not exist yet, as in Ansible).",
      dest: 'The archive.',
      archived: 'The paths packed.',
      missing: 'Paths that did not exist.',
      arcroot: 'The common parent the member names are relative to.',
      expanded_paths: 'The paths given.',
      expanded_exclude_paths: 'The excluded paths given.',
    },
    notes: [
      'Not supported yet: zip, glob patterns in path, exclusion_patterns, remove, and owner/group/mode of the archive.',
      'A directory path is packed as its contents (DIR/...), without an entry for DIR itself, as Ansible does.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const paths = [...new Set(a.path)].filter((p) => !a.exclude_path.includes(p)).sort();
    if (!paths.length) ctx.fail('Error, no source paths were found', { path: a.path.join(', ') });
    const q = ctx.quote;
    const root = commonRoot(paths);
    // Whether the paths are directories decides the archive's shape (Ansible's must_archive):
    // read first, in one command.
    const probe = await ctx.run(paths.map((p) => `if [ -d ${q(p)} ]; then echo d; elif [ -e ${q(p)} ]; then echo f; else echo -; fi`).join('\n'));
    const kinds = probe.stdout.trim().split('\n');
    const present = paths.filter((_, i) => kinds[i] !== '-');
    const missing = paths.filter((_, i) => kinds[i] === '-');
    const mustArchive = a.force_archive || paths.length > 1 || kinds[0] === 'd';
    const dest = a.dest ?? (mustArchive ? undefined : `${paths[0]}.${a.format}`);
    if (!dest) ctx.fail('Error, must specify "dest" when archiving multiple files or trees');
    const result: ModuleResult = { changed: false, dest, arcroot: root, expanded_paths: a.path, expanded_exclude_paths: a.exclude_path, missing, archived: [] };
    if (!present.length) {
      result.dest_state = 'absent';
      result.state = 'absent';
      return result;
    }
    const tmpDir = ctx.check ? '/tmp' : posix.dirname(dest!);
    let build: string;
    let compare: string;
    if (mustArchive || a.format === 'tar') {
      const members = present
        .map((p) => {
          const rel = pathOperand(p.slice(root.length)); // ./-x: find must not read a name as an option
          return kinds[paths.indexOf(p)] === 'd' ? `find ${rel} -mindepth 1 -print0` : `printf '%s\\0' ${rel}`;
        })
        .join('; ');
      build = `(cd -- ${q(root)} && { ${members}; } | tar --no-recursion --null -T - -c ${FLAG[a.format]} -f "$t") || exit 1`;
      compare = `new=$(tar -tv --full-time -f "$t" | sort); old=$([ -f ${q(dest!)} ] && tar -tv --full-time -f ${q(dest!)} 2>/dev/null | sort)`;
      result.dest_state = missing.length ? 'incomplete' : 'archive';
    } else {
      const c = COMPRESSOR[a.format]!;
      build = `${c} -c < ${q(present[0]!)} > "$t" || exit 1`;
      compare = `new=$(sha1sum < ${q(present[0]!)}); old=$([ -f ${q(dest!)} ] && ${c} -dc < ${q(dest!)} 2>/dev/null | sha1sum)`;
      result.dest_state = 'compress';
    }
    const res = await ctx.run(
      [
        `t=$(mktemp -- ${q(tmpDir)}/.tsplay-archive.XXXXXXXX) || exit 1`,
        `trap 'rm -f -- "$t"' EXIT`,
        build,
        compare,
        `if [ "$new" = "$old" ]; then echo same; else echo differs${ctx.check ? '' : `; chmod 0644 -- "$t" && mv -f -- "$t" ${q(dest!)} && trap - EXIT || exit 1`}; fi`,
        // The result's `state` is the archive file's, as Ansible's path info gives it.
        `if [ -e ${q(dest!)} ]; then echo file; else echo absent; fi`,
      ].join('\n'),
    );
    if (res.rc !== 0) ctx.fail(`Error when writing archive at ${dest}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const [verdict, destState] = res.stdout.trim().split('\n');
    result.changed = verdict === 'differs';
    if (ctx.check) {
      // As Ansible's check mode: nothing archived, the archive's state not looked at, and
      // the file's state only when it exists (no `state` key otherwise).
      result.dest_state = 'absent';
      if (destState === 'file') result.state = destState;
    } else {
      result.state = destState;
      result.archived = present;
    }
    if (ctx.check && result.changed) ctx.predicted.setFile(dest!, 'exists');
    return result;
  },
});
