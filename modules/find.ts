/**
 * `find`: list files by name, type, age, size and content, as Ansible's find does. ONE
 * command lists every path's tree with each entry's lstat data (GNU find); the filters run
 * in the controller. Only `contains` and `get_checksum` need a second command, which reads
 * the contents (or sha1) of the files that passed the other filters.
 */
import { defineModule } from '../core/modules/api.js';
import { RegexError } from '../core/util/python-regex.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { contentMatches, nameFilter, parseAmount, parseWalk, statInfo, walkCommand, withinLimit, type WalkEntry } from './_lib/find-walk.js';

interface FindArgs {
  paths: string[];
  patterns?: string[];
  excludes?: string[];
  contains?: string;
  read_whole_file: boolean;
  file_type: 'file' | 'directory' | 'link' | 'any';
  age?: string;
  age_stamp: 'mtime' | 'atime' | 'ctime';
  size?: string;
  recurse: boolean;
  hidden: boolean;
  follow: boolean;
  get_checksum: boolean;
  use_regex: boolean;
  depth?: number;
}

const ALIASES = { paths: ['name', 'path'], patterns: ['pattern'], excludes: ['exclude'] };
const list = { type: 'array', items: { type: 'string' } };

/** Reads the candidates' contents (base64) and/or sha1, one line per file, in order. */
function contentCommand(wantContent: boolean, wantSum: boolean): string {
  const body = [
    'for f; do c=!; s=-',
    '  if [ -r "$f" ]; then',
    wantContent ? '    c=$(base64 -w0 < "$f") || c=!' : '    c=',
    wantSum ? '    s=$(sha1sum < "$f" | cut -c1-40)' : '',
    '  fi',
    '  printf "%s %s\\n" "$s" "$c"',
    'done',
  ]
    .filter(Boolean)
    .join('\n');
  return `xargs -0 -r sh -c '${body.replace(/'/g, "'\\''")}' sh`;
}

export default defineModule<FindArgs>({
  name: 'find',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...withAliases(
        {
          paths: { ...list, description: 'Required. Directories to search (a list, or comma-separated).' },
          patterns: { ...list, description: "Shell globs (or Python regexps with use_regex) the basename must match; one match is enough. Default '*' (or '.*')." },
          excludes: { ...list, description: 'Globs (or regexps) of basenames to leave out.' },
          contains: { type: 'string', description: 'Python regexp a line of the file must match from its start (or, with read_whole_file, be found anywhere). Regular files only.' },
          age: { type: 'string', pattern: '^-?\\d+[smhdwSMHDW]?$', description: "At least this old ('2d', '4w', '3600'); negative: at most ('-1h'). Units s, m, h, d, w." },
          size: { type: 'string', pattern: '^-?\\d+[bkmgtBKMGT]?$', description: "At least this size ('10m'); negative: at most ('-512k'). Units b, k, m, g, t (powers of 1024)." },
          file_type: { enum: ['file', 'directory', 'link', 'any'], default: 'file', description: 'Which kind of entries to return.' },
        },
        ALIASES,
      ),
      read_whole_file: { type: 'boolean', default: false, description: 'Search contains in the whole file instead of line by line.' },
      age_stamp: { enum: ['mtime', 'atime', 'ctime'], default: 'mtime', description: 'Which time age compares.' },
      recurse: { type: 'boolean', default: false, description: 'Descend into directories.' },
      hidden: { type: 'boolean', default: false, description: "Include entries whose name starts with '.'." },
      follow: { type: 'boolean', default: false, description: 'Follow symbolic links to directories while recursing.' },
      get_checksum: { type: 'boolean', default: false, description: 'Return the sha1 of each regular file found (as checksum).' },
      use_regex: { type: 'boolean', default: false, description: 'patterns and excludes are Python regexps matched from the start of the name, not globs.' },
      depth: { type: 'integer', minimum: 0, description: 'With recurse: how many levels down (1: the entries of paths only; 0: no limit).' },
    },
  },
  docs: {
    short: 'Return a list of files based on name, type, age, size or content',
    description: [
      "Ansible's find: every path is walked as Python's `os.walk` does (results in the same order), with the same",
      'filters: basename globs (`fnmatch`) or Python regexps, `excludes`, hidden entries, age, size, type and',
      'content. ONE command lists the trees with each entry\'s metadata (GNU `find -printf`); the filtering',
      'happens in the controller. Only `contains` and `get_checksum` send a second command, for the files that',
      'passed every other filter. Changes nothing, so check mode runs it as usual.',
    ].join('\n'),
    examples: [
      '- name: Old logs to clean up',
      '  find:',
      '    paths: /var/log/nova',
      '    patterns: "*.log.*"',
      '    age: 2w',
      '    recurse: true',
      '  register: old_logs',
      '',
      '- name: Remove them',
      '  file:',
      '    path: "{{ item.path }}"',
      '    state: absent',
      '  loop: "{{ old_logs.files }}"',
      '',
      '- name: Config files that still point at the old database host',
      '  find:',
      '    paths: [/etc/nova, /etc/neutron]',
      '    patterns: "*.conf"',
      '    contains: "^connection\\\\s*=.*olddb"',
      '',
      '- name: Directories named like a release, with a regexp',
      '  find:',
      '    paths: /opt/releases',
      '    file_type: directory',
      '    use_regex: true',
      '    patterns: ["^r\\\\d+$"]',
      '    excludes: ["^r0$"]',
      '',
      '- name: Large files, with their checksums',
      '  find:',
      '    paths: /srv',
      '    size: 100m',
      '    recurse: true',
      '    hidden: true',
      '    get_checksum: true',
    ].join('\n'),
    returns: {
      files: 'The entries found, in os.walk order, each with path, mode, isdir, isreg, islnk, size, uid, gid, pw_name, gr_name, atime, mtime, ctime, inode, dev, nlink, the r/w/x bits and checksum (with get_checksum).',
      matched: 'How many entries were found.',
      examined: 'How many entries were looked at.',
      skipped_paths: 'Paths (or directories below them) that could not be searched, with the reason.',
      msg: "'All paths examined', or 'Not all paths examined, check warnings for details'.",
    },
    notes: [
      'Hidden directories are not returned unless hidden: true, but (as in Ansible) their contents are still searched with recurse.',
      "With follow: true, an entry reached through a link reports the link target's type and metadata (Ansible reports the link itself).",
      'A directory below a path that cannot be read is listed in skipped_paths and the rest of the path is still searched (Ansible stops searching that path).',
      'paths are taken as written: `~` and `$VARS` are not expanded.',
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    if (!a.paths?.length) ctx.fail("missing required argument 'paths' (or one of its aliases: name, path)");
    const age = a.age === undefined ? undefined : parseAmount(a.age, 'age');
    const size = a.size === undefined ? undefined : parseAmount(a.size, 'size');
    let matchName: (name: string) => boolean;
    try {
      matchName = nameFilter(a.patterns ?? [], a.excludes ?? [], a.use_regex);
      // Fail on a bad contains pattern before anything runs, as Python's re.compile would.
      if (a.contains !== undefined) contentMatches(Buffer.from('x'), a.contains, a.read_whole_file);
    } catch (err) {
      if (err instanceof RegexError) return ctx.fail(err.message);
      throw err;
    }
    const res = await ctx.run(walkCommand(a.paths, { recurse: a.recurse, follow: a.follow, ...(a.depth ? { depth: a.depth } : {}) }));
    const walk = parseWalk(res.stdout, res.stderr, a.paths.length);
    const now = Date.now() / 1000;
    const skipped: Record<string, string> = {};
    let examined = 0;
    const found: WalkEntry[] = [];
    a.paths.forEach((path, i) => {
      const errors = walk.errors.get(i) ?? [];
      if (errors.includes('@notdir')) {
        skipped[path] = `'${path}' is not a directory`;
        return;
      }
      if (errors.length) skipped[path] = errors.join('; ');
      for (const e of walk.entries[i]!) {
        examined++;
        if (a.recurse && a.depth && e.depth > a.depth) continue;
        if (e.name.startsWith('.') && !a.hidden) continue;
        const wanted =
          a.file_type === 'any' ||
          (a.file_type === 'directory' && e.type === 'd') ||
          (a.file_type === 'file' && e.type === 'f') ||
          (a.file_type === 'link' && e.type === 'l');
        if (!wanted || !matchName(e.name) || !withinLimit(now - e[a.age_stamp], age)) continue;
        // Size applies to regular files only (file or any).
        if (e.type === 'f' && (a.file_type === 'file' || a.file_type === 'any') && !withinLimit(e.size, size)) continue;
        found.push(e);
      }
    });
    const needContent = a.contains !== undefined && a.file_type === 'file';
    let files = found;
    const checksums = new Map<WalkEntry, string>();
    const regular = found.filter((e) => e.type === 'f');
    if ((needContent || a.get_checksum) && regular.length) {
      const read = await ctx.run(contentCommand(needContent, a.get_checksum), { stdin: Buffer.from(regular.map((e) => `${e.path}\0`).join('')) });
      if (read.rc !== 0) ctx.fail(`could not read the files found on ${ctx.host.name}: ${read.stderr.trim() || `exit ${read.rc}`}`);
      const lines = read.stdout.split('\n');
      const excluded = new Set<WalkEntry>();
      regular.forEach((e, k) => {
        const line = lines[k] ?? '! !';
        const space = line.indexOf(' ');
        const sum = line.slice(0, space);
        const content = line.slice(space + 1);
        if (a.get_checksum && sum !== '-') checksums.set(e, sum);
        if (needContent && (content === '!' || !contentMatches(Buffer.from(content, 'base64'), a.contains!, a.read_whole_file))) excluded.add(e);
      });
      files = found.filter((e) => !excluded.has(e));
    }
    const hasWarnings = Object.keys(skipped).length > 0;
    return {
      changed: false,
      files: files.map((e) => ({ ...statInfo(e), ...(checksums.has(e) ? { checksum: checksums.get(e) } : {}) })),
      matched: files.length,
      examined,
      skipped_paths: skipped,
      msg: hasWarnings ? 'Not all paths examined, check warnings for details' : 'All paths examined',
      ...(hasWarnings ? { warnings: Object.entries(skipped).map(([p, why]) => `Skipped '${p}' path due to this access issue: ${why}`) } : {}),
    };
  },
});
