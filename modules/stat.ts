/**
 * `stat`: report a path's properties with Ansible's keys (exists, isdir, mode, pw_name,
 * checksum, ...), in ONE round trip. Changes nothing.
 */
import { defineModule } from '../core/modules/api.js';
import { requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { formatMode, permissionBits } from './_lib/file-mode.js';
import { statPath, type ChecksumAlgorithm, type PathState } from './_lib/path-state.js';

interface StatArgs {
  path?: string;
  follow: boolean;
  get_checksum: boolean;
  checksum_algorithm?: ChecksumAlgorithm;
  get_mime: boolean;
  get_attributes: boolean;
}

const ALIASES = { path: ['dest', 'name'], checksum_algorithm: ['checksum', 'checksum_algo'] };

/** lsattr flag letters, named as Ansible names them. */
const ATTRIBUTE_NAMES: Record<string, string> = {
  A: 'noatime', a: 'append', c: 'compressed', C: 'nocow', d: 'nodump', D: 'dirsync', e: 'extents', E: 'encrypted',
  h: 'blocksize', i: 'immutable', I: 'indexed', j: 'journalled', N: 'inline', s: 'zero', S: 'synchronous',
  t: 'notail', T: 'blockroot', u: 'undelete', X: 'compressedraw', Z: 'compresseddirty', F: 'casefold', P: 'projinherit', V: 'verity', x: 'dax',
};

/** Ansible's `stat` dictionary from our path state (pure; unit-tested). */
export function ansibleStat(s: PathState, a: Pick<StatArgs, 'get_checksum' | 'get_mime' | 'get_attributes'>): Record<string, unknown> {
  if (s.kind === 'absent') return { exists: false };
  const mode = s.mode ?? 0;
  const out: Record<string, unknown> = {
    exists: true,
    path: s.path,
    mode: formatMode(mode),
    isdir: s.kind === 'directory',
    ischr: s.kind === 'char',
    isblk: s.kind === 'block',
    isreg: s.kind === 'file',
    isfifo: s.kind === 'fifo',
    islnk: s.kind === 'link',
    issock: s.kind === 'socket',
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    inode: s.inode,
    dev: s.dev,
    nlink: s.nlink,
    atime: s.atime,
    mtime: s.mtime,
    ctime: s.ctime,
    ...permissionBits(mode),
    blocks: s.blocks,
    block_size: s.blockSize,
    pw_name: s.owner,
    gr_name: s.group,
    readable: s.readable,
    writeable: s.writable,
    executable: s.executable,
  };
  if ((s.kind === 'char' || s.kind === 'block') && s.deviceType) out.device_type = s.deviceType[0] * 256 + s.deviceType[1];
  if (s.kind === 'link') {
    out.lnk_target = s.linkTarget;
    out.lnk_source = s.realPath;
  }
  if (a.get_checksum && s.checksum) out.checksum = s.checksum;
  if (a.get_mime && s.mimeType) {
    out.mimetype = s.mimeType;
    out.charset = s.charset;
  }
  if (a.get_attributes && s.attrFlags !== undefined) {
    const flags = s.attrFlags.replace(/-/g, '');
    out.attr_flags = flags;
    out.attributes = [...flags].map((f) => ATTRIBUTE_NAMES[f] ?? f);
  }
  return out;
}

export default defineModule<StatArgs>({
  name: 'stat',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: withAliases(
      {
        path: { type: 'string', description: 'Required. The path on the host.' },
        follow: { type: 'boolean', default: false, description: 'Report on the target of a symbolic link.' },
        get_checksum: { type: 'boolean', default: true, description: 'Checksum regular files.' },
        checksum_algorithm: { enum: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'], description: "Checksum algorithm, 'sha1' by default." },
        get_mime: { type: 'boolean', default: true, description: 'Add mimetype and charset (needs `file` on the host).' },
        get_attributes: { type: 'boolean', default: true, description: 'Add attributes (needs `lsattr` on the host).' },
      },
      ALIASES,
    ),
  },
  docs: {
    short: "Report a file's existence, type, mode, owner and checksum",
    description: [
      "Returns Ansible's `stat` dictionary for the path: `exists`, `isdir`, `isreg`, `islnk`, `mode` ('0644'),",
      '`pw_name`, `gr_name`, `uid`, `gid`, `size`, `mtime`, `checksum`, link targets, permission bits... All of it',
      'comes from one command on the host. Typically registered and used in `when:` conditions.',
    ].join('\n'),
    examples: [
      '- name: Was the answer file generated?',
      '  stat:',
      '    path: /root/answer.txt',
      '  register: answer',
      '',
      '- name: Generate it otherwise',
      '  command: packstack --gen-answer-file=/root/answer.txt',
      '  when: not answer.stat.exists',
      '',
      '- name: sha256 of an image',
      '  stat:',
      '    path: /var/tmp/cirros-0.3.3-x86_64-disk.img',
      '    checksum_algorithm: sha256',
      '    get_mime: false',
      '  register: image',
      '',
    ].join('\n'),
    returns: {
      stat: 'exists, path, mode, isdir, isreg, islnk, ischr, isblk, isfifo, issock, uid, gid, pw_name, gr_name, size, inode, dev, nlink, atime, mtime, ctime, blocks, block_size, the r/w/x bits (rusr, wgrp, xoth...), isuid, isgid, readable, writeable, executable, checksum, lnk_target, lnk_source, mimetype, charset, attributes, attr_flags.',
    },
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'path', ALIASES.path);
    const s = await statPath(ctx, a.path!, {
      follow: a.follow,
      ...(a.get_checksum ? { checksum: a.checksum_algorithm ?? 'sha1' } : {}),
      realPath: true,
      mime: a.get_mime,
      attributes: a.get_attributes,
    });
    return { changed: false, stat: ansibleStat(s, a) };
  },
});
