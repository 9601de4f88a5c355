/**
 * `unarchive`: unpack a tar archive (plain, .tar.gz/.tgz, .tar.bz2, .tar.xz) from the
 * controller or the host into a directory on the host. ONE command does it all: the archive
 * arrives on stdin (streamed from the controller file), the host finds its compression,
 * lists it, compares it with dest (`tar --diff`, Ansible's rules) and extracts only when
 * something differs; check mode runs the same comparison and extracts nothing.
 */
import { statSync } from 'node:fs';
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { parseTarOutput, tarScript } from './_lib/tar-archive.js';

interface UnarchiveArgs {
  src: string;
  dest: string;
  remote_src: boolean;
  creates?: string;
  list_files: boolean;
  exclude: string[];
  include: string[];
  keep_newer: boolean;
  extra_opts: string[];
}

const list = { type: 'array', items: { type: 'string' }, default: [] };

export default defineModule<UnarchiveArgs>({
  name: 'unarchive',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { type: 'string', minLength: 1, description: "The archive: a controller file (role files/, then beside the playbook), or with remote_src a file on the host." },
      dest: { type: 'string', pattern: '^/', description: 'Existing directory on the host to unpack into.' },
      remote_src: { type: 'boolean', default: false, description: 'src is already on the host.' },
      creates: { type: 'string', description: 'A path on the host: when it exists, nothing is done.' },
      list_files: { type: 'boolean', default: false, description: 'Return the archive members in files.' },
      exclude: { ...list, description: 'Members (tar --exclude patterns) to leave out.' },
      include: { ...list, description: 'Only these members.' },
      keep_newer: { type: 'boolean', default: false, description: 'Do not replace files newer than the archive\'s (tar --keep-newer-files).' },
      extra_opts: { ...list, description: "More tar options, e.g. ['--strip-components=1']." },
    },
  },
  docs: {
    short: 'Unpack a tar archive on the host',
    description: [
      "Ansible's unarchive for tar archives (plain, .tar.gz/.tgz, .tar.bz2, .tar.xz; the host's tar finds the",
      'compression). One command does everything: the controller archive is streamed on its stdin (large files',
      "are never held in memory), the host lists it, compares it with dest using `tar --diff` and Ansible's",
      'rules (modification times, modes, missing files, and owners when run as root), and extracts only when',
      'something differs. Check mode runs the same comparison and predicts exactly whether a run would',
      'extract, without extracting.',
    ].join('\n'),
    examples: [
      '- name: Unpack a release shipped with the playbook',
      '  unarchive:',
      '    src: app-1.2.tar.gz',
      '    dest: /opt/app',
      '',
      '- name: A tarball already on the host, without its top directory',
      '  unarchive:',
      '    src: /var/tmp/cirros.tgz',
      '    dest: /srv/images',
      '    remote_src: true',
      '    extra_opts: [--strip-components=1]',
      '    list_files: true',
      '',
      '- name: Only once',
      '  unarchive:',
      '    src: data.tar.xz',
      '    dest: /srv/data',
      '    creates: /srv/data/.unpacked',
    ].join('\n'),
    returns: {
      dest: 'The directory.',
      src: 'The archive.',
      handler: "'TgzArchive' (any tar archive, as Ansible names it).",
      files: 'Members of the archive (with list_files).',
      extract_results: '{rc, out, err, cmd} of the extraction, when it ran.',
    },
    notes: [
      'Not supported yet: zip archives, URLs as src, owner/group/mode of the unpacked files, validate_certs.',
      'A tar difference only in contents (same size and time) is not a change, as in Ansible.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const q = ctx.quote;
    if (/^[a-z]+:\/\//i.test(a.src)) ctx.fail('unarchive: URLs as src are not supported; download with get_url first, then unarchive with remote_src: true');
    if (a.creates !== undefined) {
      const res = await ctx.run(`[ -e ${q(a.creates)} ]`);
      // Ansible's unarchive action reports the task skipped (recap skipped=1), not ok.
      if (res.rc === 0) return { changed: false, skipped: true, src: a.src, dest: a.dest, msg: `skipped, since ${a.creates} exists`, stdout: `skipped, since ${a.creates} exists` };
    }
    let setArchive: string;
    let input: { parts: Array<{ file: string; size: number }> } | undefined;
    let src = a.src;
    if (a.remote_src) {
      setArchive = `a=${q(a.src)}`;
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
      // The controller's archive arrives on stdin, streamed, into a temp file removed at exit.
      setArchive = `a=$(mktemp) || exit 1\ntrap 'rm -f -- "$a"' EXIT\ncat > "$a" || exit 1`;
      input = { parts: [{ file: src, size }] };
    }
    const script = tarScript(setArchive, { dest: a.dest, excludes: a.exclude, include: a.include, keepNewer: a.keep_newer, extraOpts: a.extra_opts, extract: !ctx.check });
    const res = await ctx.run(script, input ? { stdin: input } : {});
    if (res.rc !== 0) ctx.fail(`could not read ${a.src} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const outcome = parseTarOutput(res.stdout);
    if (outcome.status === 'nodest') ctx.fail(`dest '${a.dest}' must be an existing dir`);
    if (outcome.status === 'unknown') ctx.fail(`Failed to find handler for "${a.src}": not a tar archive (plain, gzip, bzip2 or xz) the host's tar can read`);
    const changed = outcome.differences.length > 0;
    const result: ModuleResult = { changed, src, dest: a.dest, handler: 'TgzArchive' };
    if (outcome.extracted) {
      result.extract_results = { rc: outcome.extracted.rc, out: outcome.extracted.out, err: '', cmd: `tar --extract -C ${a.dest} ${outcome.flag}`.trim() };
      if (outcome.extracted.rc !== 0) ctx.fail(`failed to unpack ${a.src} to ${a.dest}: ${outcome.extracted.out.trim()}`, { extract_results: result.extract_results });
    }
    if (a.list_files) result.files = outcome.files;
    if (changed && ctx.diff) {
      result.diff = { before: '', after: `${outcome.differences.join('\n')}\n`, beforeHeader: `${a.dest} (as it is)`, afterHeader: `${a.dest} (tar --diff: what unpacking changes)` };
    }

    return result;
  },
});
