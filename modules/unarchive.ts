/**
 * `unarchive`: unpack a zip or tar archive (plain, .tar.gz/.tgz, .tar.bz2, .tar.xz) from the
 * controller or the host into a directory on the host, as Ansible's unarchive does.
 * The first command does the reading: the archive arrives on stdin (streamed from the
 * controller file), the host finds its format and reports what the comparison needs. A tar
 * archive is compared (`tar --diff`, Ansible's rules) and, when something differs,
 * extracted in that same command. A zip archive's members (zipinfo/unzip -v) and their
 * state in dest go to the controller, which compares them as Ansible's ZipArchive does and
 * runs `unzip -o` only when something differs. owner/group/mode are then applied to the
 * members where they differ. Check mode runs the same comparisons and extracts nothing.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { applyPlan } from './_lib/apply-plan.js';
import { attrSchema, parseAttrs, type AttrArgs, type DesiredAttrs } from './_lib/file-attrs.js';
import { fetchCommand, FetchArgumentError, redactUrl } from './_lib/fetch-url.js';
import { resultingMode } from './_lib/file-mode.js';
import { attrTargets, hasAttrs, memberAttrOps, memberStatSection, parseMemberStats } from './_lib/member-attrs.js';
import { parseTarOutput, tarSection } from './_lib/tar-archive.js';
import { compareZip, parseZipRead, selectMembers, unzipCommand, zipReadScript } from './_lib/zip-archive.js';

interface UnarchiveArgs extends AttrArgs {
  src: string;
  dest: string;
  remote_src: boolean;
  creates?: string;
  list_files: boolean;
  exclude: string[];
  include: string[];
  keep_newer: boolean;
  extra_opts: string[];
  validate_certs: boolean;
}

const list = { type: 'array', items: { type: 'string' }, default: [] };

export default defineModule<UnarchiveArgs>({
  name: 'unarchive',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { type: 'string', minLength: 1, description: "The archive: a controller file (role files/, then beside the playbook), or with remote_src a file on the host or a URL the host downloads." },
      dest: { type: 'string', pattern: '^/', description: 'Existing directory on the host to unpack into.' },
      remote_src: { type: 'boolean', default: false, description: 'src is already on the host.' },
      creates: { type: 'string', description: 'A path on the host: when it exists, nothing is done.' },
      list_files: { type: 'boolean', default: false, description: 'Return the archive members in files.' },
      exclude: { ...list, description: 'Members to leave out (patterns: tar --exclude for tar, fnmatch for zip).' },
      include: { ...list, description: 'Only these members (tar member names, or fnmatch patterns for zip).' },
      keep_newer: { type: 'boolean', default: false, description: 'Do not replace files newer than the archive\'s (tar --keep-newer-files; for zip, newer files are left out).' },
      extra_opts: { ...list, description: "More options for tar (e.g. ['--strip-components=1']) or unzip." },
      validate_certs: { type: 'boolean', default: true, description: 'With an https URL as src: check the server certificate.' },
      ...attrSchema,
    },
  },
  docs: {
    short: 'Unpack a zip or tar archive on the host',
    description: [
      "Ansible's unarchive for zip archives and tar archives (plain, .tar.gz/.tgz, .tar.bz2, .tar.xz; the host's",
      'tar finds the compression). The controller archive is streamed on the first command\'s stdin (large files',
      'are never held in memory) and the host finds the format as Ansible does: whatever `unzip` can list is a',
      'zip archive (handler `ZipArchive`), anything else goes to tar (`TgzArchive`).',
      '',
      "A tar archive is compared with dest using `tar --diff` and Ansible's rules (modification times, modes,",
      'missing files, and owners when run as root) and extracted in that same command when something differs.',
      'A zip archive is compared member by member as Ansible\'s ZipArchive does: missing paths, file types,',
      "and for regular files the modification time, size and CRC-32 (read on the host from gzip's trailer, no",
      'Python needed), the permissions (the archive\'s, or `mode`) and the owner and group (the running user\'s,',
      'or `owner`/`group`); a second command runs `unzip -o` only when something differs.',
      '',
      '`owner`, `group` and `mode` are set on every unpacked member and on each top folder, only where they',
      'differ, as Ansible does. Check mode runs the same comparisons and predicts exactly whether a run would',
      'unpack or change attributes, without doing so.',
    ].join('\n'),
    examples: [
      '- name: Unpack a release shipped with the playbook',
      '  unarchive:',
      '    src: app-1.2.tar.gz',
      '    dest: /opt/app',
      '',
      '- name: A zip archive already on the host, owned by the service user',
      '  unarchive:',
      '    src: /var/tmp/dashboard-theme.zip',
      '    dest: /usr/share/openstack-dashboard/themes',
      '    remote_src: true',
      '    owner: apache',
      '    group: apache',
      "    mode: u=rwX,g=rX,o=rX",
      '',
      '- name: A tarball without its top directory, listing what it holds',
      '  unarchive:',
      '    src: /var/tmp/cirros.tgz',
      '    dest: /srv/images',
      '    remote_src: true',
      '    extra_opts: [--strip-components=1]',
      '    list_files: true',
      '',
      '- name: Straight from a web server, downloaded by the host',
      '  unarchive:',
      '    src: https://releases.example.com/theme-2.1.zip',
      '    dest: /usr/share/openstack-dashboard/themes',
      '    remote_src: true',
      '',
      '- name: Only once, leaving the samples out',
      '  unarchive:',
      '    src: data.zip',
      '    dest: /srv/data',
      "    exclude: ['samples/*']",
      '    creates: /srv/data/.unpacked',
    ].join('\n'),
    returns: {
      dest: 'The directory.',
      src: 'The archive.',
      handler: "'ZipArchive' or 'TgzArchive' (any tar archive), as Ansible names them.",
      files: 'Members of the archive (with list_files; include/exclude applied for zip).',
      extract_results: '{rc, out, err, cmd} of the extraction, when it ran.',
      'mode, owner, group, uid, gid, size, state': 'Of dest, as Ansible adds them.',
      diff: "With --diff: tar's differences, or Ansible's itemized lines for zip ('>f++++++.?? new', '.f..t....?? touched').",
    },
    notes: [
      'A URL as src needs remote_src: true, as in Ansible: the host downloads it (curl, wget, or bash for plain http) into a temporary file; credentials in the URL go to the download on stdin and are masked in the result.',
      'Not supported yet: io_buffer_size, zstd tar archives.',
      'A tar difference only in contents (same size and time) is not a change, as in Ansible; for zip the CRC-32 is compared, as in Ansible.',
      'A zip archive from the controller takes two commands (read and compare, then unzip or remove the temporary copy); owner/group/mode that differ after unpacking take one more.',
      'include and exclude are mutually exclusive, as in Ansible. For zip they are fnmatch patterns on member names; for tar they are tar patterns.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const q = ctx.quote;
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(a.src);
    if (isUrl && !a.remote_src) ctx.fail(`src '${redactUrl(a.src)}' is a URL: set remote_src: true to have ${ctx.host.name} download it (as Ansible's unarchive)`);
    if (a.include.length && a.exclude.length) ctx.fail('parameters are mutually exclusive: exclude|include');
    const desired = parseAttrs(ctx, a);
    if (a.creates !== undefined) {
      const res = await ctx.run(`[ -e ${q(a.creates)} ]`);
      // Ansible's unarchive action reports the task skipped (recap skipped=1), not ok.
      if (res.rc === 0) return { changed: false, skipped: true, src: a.src, dest: a.dest, msg: `skipped, since ${a.creates} exists`, stdout: `skipped, since ${a.creates} exists` };
    }
    let setArchive: string;
    let input: { parts: Array<{ file: string; size: number }> } | undefined;
    let src = a.src;
    let fetchInput: Buffer | undefined;
    if (isUrl) {
      // The host downloads it (curl, wget or bash) into a temporary file with an unguessable
      // name; credentials in the URL reach the download on stdin, never in the command.
      const file = `/tmp/.tsplay-unarchive-${randomBytes(8).toString('hex')}`;
      let fetch;
      try {
        fetch = fetchCommand(a.src, file, { timeout: 600, validateCerts: a.validate_certs });
      } catch (err) {
        if (err instanceof FetchArgumentError) return ctx.fail(err.message);
        throw err;
      }
      setArchive = `a=${q(file)}\ntrap 'rm -f -- "$a"' EXIT\n(umask 077; ${fetch.command}) || { echo "download of ${redactUrl(a.src).replace(/[^\w:/.@%+-]/g, '_')} failed" >&2; exit 1; }`;
      fetchInput = fetch.stdin;
    } else if (a.remote_src) {
      // unzip and zipinfo have no `--`: a relative name starting with '-' gets './' (security.md).
      setArchive = `a=${q(a.src.startsWith('-') ? `./${a.src}` : a.src)}\n[ -f "$a" ] || { echo nosrc; exit 0; }`;
    } else {
      src = ctx.findFile('files', a.src);
      let size: number;
      try {
        const st = statSync(src);
        if (!st.isFile()) return ctx.fail(`Source '${a.src}' is not a file on the controller`);
        size = st.size;
      } catch {
        return ctx.fail(`Source '${a.src}' not found on the controller (looked for ${src})`);
      }
      if (size === 0) ctx.fail(`Invalid archive '${src}', the file is 0 bytes`);
      // The controller's archive arrives on stdin, streamed, into a temp file removed at exit
      // (a zip archive's is kept for the extraction command, which removes it).
      setArchive = `a=$(mktemp) || exit 1\ntrap 'rm -f -- "$a"' EXIT\ncat > "$a" || exit 1`;
      input = { parts: [{ file: src, size }] };
    }
    const attrs = hasAttrs(desired);
    const tarNames = `tar --list $z ${a.extra_opts.map(q).join(' ')} ${a.exclude.map((e) => q(`--exclude=${e}`)).join(' ')} -f "$a"${a.include.length ? ` -- ${a.include.map(q).join(' ')}` : ''}`;
    const script = [
      'export LC_ALL=C LANG=C',
      setArchive,
      `[ -d ${q(a.dest)} ] || { echo nodest; exit 0; }`,
      `stat --printf "%f\\t%u\\t%g\\t%U\\t%G\\t%s" -- ${q(a.dest)}`,
      'printf "\\0"',
      // Ansible tries its zip handler first: whatever unzip can list is a zip archive.
      'if command -v unzip >/dev/null 2>&1 && unzip -l "$a" >/dev/null 2>&1; then',
      '  command -v zipinfo >/dev/null 2>&1 || { echo nozipinfo; exit 0; }',
      zipReadScript(a.dest),
      // Read in full: keep the temporary copy for the unzip command, which removes it.
      '  trap - EXIT',
      '  exit 0',
      'fi',
      `[ "$(head -c 2 "$a")" = PK ] && ! command -v unzip >/dev/null 2>&1 && { echo nounzip; exit 0; }`,
      tarSection({
        dest: a.dest,
        excludes: a.exclude,
        include: a.include,
        keepNewer: a.keep_newer,
        extraOpts: a.extra_opts,
        extract: !ctx.check,
        ...(desired.owner ? { owner: desired.owner } : {}),
        ...(desired.group ? { group: desired.group } : {}),
        mode: desired.mode !== undefined,
        // The members and each top folder (Ansible sets the attributes on both).
        ...(attrs ? { statSection: memberStatSection(a.dest, q, `${tarNames} | awk '{ print } /\\// { split($0, p, "/"); if (!seen[p[1]]++) print p[1] }'`) } : {}),
      }),
    ].join('\n');
    const res = await ctx.run(script, input ? { stdin: input } : fetchInput?.length ? { stdin: fetchInput } : {});
    if (res.rc !== 0) ctx.fail(`could not read ${redactUrl(a.src)} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const cut = res.stdout.indexOf('\0');
    const first = (cut < 0 ? res.stdout : res.stdout.slice(0, cut)).trim();
    if (first === 'nosrc') ctx.fail(`Source '${a.src}' does not exist`);
    if (first === 'nodest') ctx.fail(`dest '${a.dest}' must be an existing dir`);
    const body = res.stdout.slice(cut + 1);
    const result: ModuleResult = { changed: false, src, dest: a.dest, ...destInfo(first) };
    const head = body.trim().split(/\s/)[0];
    if (head === 'nozipinfo' || head === 'nounzip') ctx.fail(`Failed to find handler for "${a.src}": unable to find required 'unzip' or 'zipinfo' binary in the path of ${ctx.host.name} (install unzip)`);
    if (isUrl) result.src = redactUrl(a.src);
    if (head === 'zip') return zip(ctx, body, desired, result, !a.remote_src || isUrl);
    return tar(ctx, body, desired, result);
  },
});

/** Ansible's path info for dest: mode, owner, group, uid, gid, size, state. */
function destInfo(line: string): Record<string, unknown> {
  const [mode, uid, gid, owner, group, size] = line.split('\t');
  return { mode: `0${(parseInt(mode!, 16) & 0o7777).toString(8)}`, owner, group, uid: Number(uid), gid: Number(gid), size: Number(size), state: 'directory' };
}

async function tar(ctx: ModuleContext<UnarchiveArgs>, body: string, desired: DesiredAttrs, result: ModuleResult): Promise<ModuleResult> {
  const a = ctx.args;
  const outcome = parseTarOutput(body, { owner: !!desired.owner, group: !!desired.group, mode: desired.mode !== undefined });
  if (outcome.status === 'unknown') ctx.fail(`Failed to find handler for "${a.src}": not a zip archive nor a tar archive (plain, gzip, bzip2 or xz) the host can read`);
  result.handler = 'TgzArchive';
  result.changed = outcome.differences.length > 0;
  if (outcome.extracted) {
    result.extract_results = { rc: outcome.extracted.rc, out: outcome.extracted.out, err: '', cmd: `tar --extract -C ${a.dest} ${outcome.flag}`.trim() };
    if (outcome.extracted.rc !== 0) ctx.fail(`failed to unpack ${a.src} to ${a.dest}: ${outcome.extracted.out.trim()}`, { ...result, extract_results: result.extract_results });
  }
  if (a.list_files) result.files = outcome.files;
  if (result.changed && ctx.diff) {
    result.diff = { before: '', after: `${outcome.differences.join('\n')}\n`, beforeHeader: `${a.dest} (as it is)`, afterHeader: `${a.dest} (tar --diff: what unpacking changes)` };
  }
  if (hasAttrs(desired)) {
    const ops = memberAttrOps(parseMemberStats(outcome.stats, a.dest), desired);
    if (ops.length) {
      await applyPlan(ctx, { attrs: ops });
      result.changed = true;
    }
  }
  return result;
}

async function zip(ctx: ModuleContext<UnarchiveArgs>, body: string, desired: DesiredAttrs, result: ModuleResult, temporary: boolean): Promise<ModuleResult> {
  const a = ctx.args;
  const q = ctx.quote;
  const read = parseZipRead(body);
  const cleanup = temporary ? `rm -f -- ${q(read.archive)}` : '';
  try {
    result.handler = 'ZipArchive';
    // unzip reads a word starting with '-' as an option wherever it stands.
    const optionLike = [...a.include, ...a.exclude].find((p) => p.startsWith('-'));
    if (optionLike) ctx.fail(`include/exclude pattern '${optionLike}' starts with '-': unzip would read it as an option (write it as '[-]${optionLike.slice(1)}')`);
    const members = selectMembers(read.members, a.include, a.exclude);
    const files = selectMembers(read.names.map((name) => ({ name })), a.include, a.exclude).map((m) => m.name);
    const cmp = compareZip(members, read.dest, read.crcs, {
      runner: read.runner,
      ...(desired.mode ? { mode: (m, st) => resultingMode(st.mode, desired.mode, m.name.endsWith('/')) } : {}),
      ...(desired.owner ? { owner: desired.owner } : {}),
      ...(desired.group ? { group: desired.group } : {}),
      keepNewer: a.keep_newer,
    });
    result.changed = cmp.itemized.length > 0;
    if (a.list_files) result.files = files;
    if (result.changed && ctx.diff) {
      result.diff = { before: '', after: `${cmp.itemized.join('\n')}\n`, beforeHeader: `${a.dest} (as it is)`, afterHeader: `${a.dest} (what unzip changes)` };
    }
    if (ctx.check || !result.changed) return result;
    const cmd = unzipCommand(read.archive, a.dest, { extraOpts: a.extra_opts, exclude: [...a.exclude, ...cmp.keepNewerExcluded], include: a.include });
    const names = attrTargets(files).map((n) => `${n}\n`).join('');
    const script = [
      `out=$(${cmd} 2>&1); rc=$?`,
      'printf "%s\\0%s\\0" "$rc" "$out"',
      cleanup,
      ...(hasAttrs(desired) ? [memberStatSection(a.dest, q, 'cat')] : []),
    ].join('\n');
    const res = await ctx.run(script, hasAttrs(desired) ? { stdin: Buffer.from(names) } : {});
    const [rc = '', out = '', ...stats] = res.stdout.split('\0');
    result.extract_results = { rc: Number(rc), out, err: '', cmd };
    if (res.rc !== 0 || Number(rc) !== 0) ctx.fail(`failed to unpack ${a.src} to ${a.dest}: ${out.trim() || res.stderr.trim()}`, { ...result });
    if (hasAttrs(desired)) {
      const ops = memberAttrOps(parseMemberStats(stats.join('\0'), a.dest), desired);
      if (ops.length) await applyPlan(ctx, { attrs: ops });
    }
    return result;
  } finally {
    if (temporary && (ctx.check || !result.extract_results)) await ctx.run(cleanup);
  }
}
