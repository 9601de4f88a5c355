/**
 * `fetch`: copy a file from the host to the controller, as Ansible's fetch action does
 * (dest/HOST/SRC, or `flat`). The controller's copy is hashed first, so ONE command reads
 * the remote file's type and sha1 and, only when it differs, its bytes. Files larger than
 * one chunk are read in further chunks, each written to a temporary file beside `dest` as
 * it arrives: memory stays bounded however large the file is.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { quote } from '../core/transport/shell-quote.js';
import { contentDiff, MAX_DIFF_BYTES } from './_lib/diff.js';

interface FetchArgs {
  src: string;
  dest: string;
  flat: boolean;
  fail_on_missing: boolean;
  validate_checksum: boolean;
}

/** Bytes read per command: well below the transport's output cap (32 MiB). */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** sha1 and md5 of a controller file, or null when it does not exist. */
async function localSums(path: string): Promise<{ sha1: string; md5: string } | null> {
  try {
    if (!statSync(path).isFile()) return null;
  } catch {
    return null;
  }
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  await new Promise<void>((done, fail) =>
    createReadStream(path)
      .on('data', (chunk) => {
        sha1.update(chunk);
        md5.update(chunk);
      })
      .on('error', fail)
      .on('end', () => done()),
  );
  return { sha1: sha1.digest('hex'), md5: md5.digest('hex') };
}

/**
 * One command: what the source is, and (when its sha1 differs from `known`) its first
 * chunk. Output: a status line, then the bytes.
 */
export function probeCommand(src: string, known: string): string {
  const f = quote(src);
  return [
    `if [ -d ${f} ]; then echo dir; exit 0; fi`,
    `if [ ! -e ${f} ]; then echo missing; exit 0; fi`,
    `if [ ! -r ${f} ]; then echo unreadable; exit 0; fi`,
    `s=$(sha1sum < ${f} | cut -c1-40) && n=$(stat -L -c %s -- ${f}) || exit 1`,
    `echo "file $s $n"`,
    `[ "$s" = ${quote(known)} ] || head -c ${CHUNK_BYTES} < ${f}`,
  ].join('\n');
}

/** Where the file goes on the controller (Ansible's rules for flat and dest/HOST/SRC). */
export function fetchDest(a: Pick<FetchArgs, 'src' | 'dest' | 'flat'>, hostName: string, baseDir: string): string {
  const srcLocal = a.src;
  let dest = a.dest;
  if (a.flat) {
    if (dest.endsWith('/')) dest = join(dest, basename(srcLocal));
    if (!isAbsolute(dest)) dest = resolve(baseDir, dest);
  } else {
    dest = `${resolve(baseDir, dest)}/${hostName}/${srcLocal}`;
  }
  return normalize(dest);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function fetchRest(ctx: ModuleContext<FetchArgs>, fd: number, size: number, sha1: ReturnType<typeof createHash>, md5: ReturnType<typeof createHash>): Promise<void> {
  for (let offset = CHUNK_BYTES; offset < size; offset += CHUNK_BYTES) {
    const res = await ctx.run(`tail -c +${offset + 1} < ${quote(ctx.args.src)} | head -c ${CHUNK_BYTES}`);
    if (res.rc !== 0) ctx.fail(`could not read ${ctx.args.src} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const chunk = res.stdoutBuffer;
    if (chunk.length === 0) break; // the file shrank: the checksum comparison says so
    writeSync(fd, chunk);
    sha1.update(chunk);
    md5.update(chunk);
  }
}

export default defineModule<FetchArgs>({
  name: 'fetch',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { type: 'string', minLength: 1, description: 'The file on the host (not a directory).' },
      dest: { type: 'string', minLength: 1, description: "Directory on the controller; the file lands in DEST/HOST/SRC. With flat: the file name (or a directory ending in '/'). Relative paths are relative to the playbook." },
      flat: { type: 'boolean', default: false, description: 'Use dest as the file name instead of DEST/HOST/SRC.' },
      fail_on_missing: { type: 'boolean', default: true, description: 'Fail when src is missing, unreadable or a directory (false: report it and go on).' },
      validate_checksum: { type: 'boolean', default: true, description: "Check that the controller's copy has the sha1 the host reported." },
    },
  },
  docs: {
    short: 'Fetch a file from the host to the controller',
    description: [
      "Copies `src` from the host into `dest` on the controller, as Ansible's fetch does: `DEST/HOSTNAME/SRC`",
      '(one tree per host), or exactly `dest` with `flat: true`. The controller\'s copy is hashed first, so',
      'one command reads the remote sha1 and, only when it differs, the bytes. Large files come in chunks of',
      '8 MiB, each appended to a temporary file beside `dest` as it arrives (bounded memory), which replaces',
      '`dest` once the checksum is verified. Check mode predicts the change (Ansible skips fetch in check',
      'mode) and writes nothing; `--diff` shows text files up to 100 KiB.',
    ].join('\n'),
    examples: [
      '- name: Collect every host\'s nova.conf (fetched/HOST/etc/nova/nova.conf)',
      '  fetch:',
      '    src: /etc/nova/nova.conf',
      '    dest: fetched',
      '',
      '- name: One file per host, named after it',
      '  fetch:',
      '    src: /root/keystonerc_admin',
      '    dest: "creds/{{ inventory_hostname }}.rc"',
      '    flat: true',
      '',
      '- name: A log that may not be there',
      '  fetch:',
      '    src: /var/log/packstack.log',
      '    dest: logs/',
      '    flat: true',
      '    fail_on_missing: false',
    ].join('\n'),
    returns: {
      dest: 'The file on the controller.',
      file: 'The source on the host (when nothing was copied).',
      checksum: "sha1 of the controller's copy.",
      md5sum: "md5 of the controller's copy.",
      remote_checksum: 'sha1 the host reported.',
      remote_md5sum: 'Always null, as in Ansible.',
    },
    notes: ['In check mode Ansible reports fetch skipped; tsplay predicts whether the file would change.'],
  },
  async run(ctx) {
    const a = ctx.args;
    const baseDir = typeof ctx.host.vars.playbook_dir === 'string' ? ctx.host.vars.playbook_dir : process.cwd();
    if (a.flat && isDirectory(a.dest) && !a.dest.endsWith('/')) {
      ctx.fail('dest is an existing directory, use a trailing slash if you want to fetch src into that directory');
    }
    const dest = fetchDest(a, ctx.host.name, baseDir);
    if (isDirectory(dest)) ctx.fail(`dest ${dest} is a directory on the controller; fetch needs a file name there`);
    const local = await localSums(dest);
    const probe = await ctx.run(probeCommand(a.src, local?.sha1 ?? '-'));
    if (probe.rc !== 0) ctx.fail(`could not read ${a.src} on ${ctx.host.name}: ${probe.stderr.trim() || `exit ${probe.rc}`}`);
    const out = probe.stdoutBuffer;
    const nl = out.indexOf(0x0a);
    const status = out.subarray(0, nl).toString('utf8').split(' ');
    const missing: Record<string, string> = {
      missing: 'the remote file does not exist, not transferring, ignored',
      unreadable: 'no read permission on remote file, not transferring, ignored',
      dir: 'remote file is a directory, fetch cannot work on directories',
    };
    if (status[0] !== 'file') {
      const msg = missing[status[0]!] ?? `unexpected answer from ${ctx.host.name}: ${status.join(' ')}`;
      if (a.fail_on_missing) ctx.fail(msg, { file: a.src });
      return status[0] === 'dir' ? { changed: false, msg: `${msg}, not transferring, ignored` } : { changed: false, file: a.src, msg };
    }
    const remoteSum = status[1]!;
    const size = Number(status[2]);
    if (local && local.sha1 === remoteSum) {
      return { changed: false, md5sum: local.md5, file: a.src, dest, checksum: local.sha1 };
    }
    const first = out.subarray(nl + 1);
    const result: ModuleResult = { changed: true, dest, remote_md5sum: null, remote_checksum: remoteSum };
    if (ctx.diff && size <= MAX_DIFF_BYTES) {
      result.diff = contentDiff(dest, local ? readFileSync(dest) : null, first);
    }
    if (ctx.check) return { ...result, checksum: remoteSum };
    mkdirSync(dirname(dest), { recursive: true });
    // Created exclusively ('wx') under a random name: nothing planted there is followed.
    const tmp = join(dirname(dest), `.${basename(dest)}.tsplay-fetch-${randomBytes(6).toString('hex')}`);
    const fd = openSync(tmp, 'wx', 0o644);
    const sha1 = createHash('sha1');
    const md5 = createHash('md5');
    try {
      writeSync(fd, first);
      sha1.update(first);
      md5.update(first);
      await fetchRest(ctx, fd, size, sha1, md5);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    const newSum = sha1.digest('hex');
    const newMd5 = md5.digest('hex');
    if (a.validate_checksum && newSum !== remoteSum) {
      rmSync(tmp, { force: true });
      ctx.fail('checksum mismatch', { md5sum: newMd5, file: a.src, dest, remote_md5sum: null, checksum: newSum, remote_checksum: remoteSum });
    }
    renameSync(tmp, dest);
    return { ...result, md5sum: newMd5, checksum: newSum };
  },
});
