/**
 * `copy`: put a controller file, a controller directory (recursively) or inline `content`
 * on the host. Checksums are compared first, so unchanged files are never transferred.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { posix } from 'node:path';
import { defineModule, type JsonSchema, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { mutuallyExclusive, requireArg } from './_lib/args.js';
import { copyTree, hostSource, localSource } from './_lib/copy-tree.js';
import { attrSchema, parseAttrs, type AttrArgs } from './_lib/file-attrs.js';
import { installFile, type InstallSpec } from './_lib/install-file.js';
import { isVaultText } from '../core/vault/envelope.js';
import { statPath } from './_lib/path-state.js';
import { pythonJson } from '../core/util/python-json.js';

interface CopyArgs extends AttrArgs {
  src?: string;
  content?: unknown;
  dest?: string;
  backup: boolean;
  force: boolean;
  directory_mode?: string | number;
  remote_src: boolean;
  validate?: string;
  decrypt: boolean;
}

const anyValue: JsonSchema = { type: ['string', 'number', 'boolean', 'array', 'object'] };

/** Ansible's action plugin turns structured `content` into JSON text with Python's json.dumps. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (typeof content === 'object') return pythonJson(content, { ensureAscii: true });
  return String(content);
}

async function copyFromHost(ctx: ModuleContext<CopyArgs>, a: CopyArgs, dest: string): Promise<ModuleResult> {
  const src = await statPath(ctx, a.src!, { checksum: 'sha1', follow: true });
  if (src.kind === 'absent') ctx.fail(`Source ${a.src} not found on ${ctx.host.name} (remote_src: true)`);
  if (src.kind === 'directory') {
    const dirMode = a.directory_mode !== undefined ? parseAttrs(ctx, { mode: a.directory_mode }).mode : undefined;
    return copyTree(ctx, {
      source: await hostSource(ctx, a.src!),
      contentsOnly: a.src!.endsWith('/'),
      dest,
      attrs: parseAttrs(ctx, a, true),
      ...(dirMode ? { directoryMode: dirMode } : {}),
      backup: a.backup,
      force: a.force,
    });
  }
  if (src.readable === false) ctx.fail(`Source ${a.src} is not readable on ${ctx.host.name}; add become: true`);
  return installFile(ctx, {
    data: Buffer.alloc(0),
    ...(src.contentUnknown || src.checksum === undefined ? {} : { hostSource: { path: a.src!, checksum: src.checksum, size: src.size ?? 0 } }),
    dest,
    basename: posix.basename(a.src!.replace(/\/+$/, '')),
    sourceLabel: a.src!,
    attrs: parseAttrs(ctx, a, true),
    ...(src.mode !== undefined ? { preserveMode: src.mode } : {}),
    backup: a.backup,
    force: a.force,
    ...(a.validate ? { validate: a.validate } : {}),
  });
}

/** Controller files larger than this are streamed to the host instead of read into memory. */
const STREAM_ABOVE_BYTES = 8 * 1024 * 1024;

/** The file's first bytes are a vault header (`$ANSIBLE_VAULT;`). */
function startsLikeVault(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    return isVaultText(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/** sha1 of a controller file, read in chunks. */
function fileChecksum(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export default defineModule<CopyArgs>({
  name: 'copy',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      src: { type: 'string', description: "Controller file or directory (looked up in the role's files/, then beside the playbook). A directory ending in '/' copies its contents." },
      content: { ...anyValue, description: 'Write this text instead of a src file (lists and mappings become JSON).' },
      dest: { type: 'string', description: "Required. Path on the host. Ending in '/' (or an existing directory) puts the file inside it." },
      ...attrSchema,
      backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of the file it replaces.' },
      force: { type: 'boolean', default: true, description: 'Replace a different existing file; with false, only create missing files.' },
      directory_mode: { type: ['string', 'number'], description: 'Mode of directories created by a recursive copy.' },
      remote_src: { type: 'boolean', default: false, description: 'src is a file or directory on the host, not on the controller.' },
      validate: { type: 'string', description: "Command that checks the new file before it is installed; '%s' is the file (e.g. 'visudo -cf %s')." },
      decrypt: { type: 'boolean', default: true, description: 'Decrypt a vault-encrypted src with the run\'s vault secrets (false: copy the encrypted file as it is).' },
    },
  },
  docs: {
    short: 'Copy files or inline content to the host',
    description: [
      'Copies a file or a directory tree from the controller, or writes `content`, to `dest`. The host reports',
      'the sha1 of each destination first; only files whose checksum differs are sent, each written',
      'atomically (temporary file in the same directory, then rename). Mode, owner and group are compared',
      'and corrected in the same step. `dest` ending in `/` or naming an existing directory receives the',
      "file under the source's name. For a directory `src`, a trailing `/` copies its contents into `dest`;",
      'without it, the directory itself is created inside `dest`. A vault-encrypted `src` (made by',
      '`tsplay vault encrypt` or `ansible-vault`) is decrypted on the controller, and its content is masked',
      'in the output, unless `decrypt: false`.',
    ].join('\n'),
    examples: [
      '- name: Install a file with its mode',
      '  copy:',
      '    src: motd.txt',
      '    dest: /etc/motd',
      '    mode: "0644"',
      '',
      '- name: Inline content, keeping a backup of the old file',
      '  copy:',
      '    content: |',
      '      dhcp-option=26,1450',
      '    dest: /etc/dnsmasq.d/dnsmasq.conf',
      '    backup: true',
      '',
      '- name: A whole directory (contents only, thanks to the trailing slash)',
      '  copy:',
      '    src: conf.d/',
      '    dest: /etc/myapp/conf.d',
      '    directory_mode: "0755"',
      '',
      '- name: Check a sudoers drop-in before installing it',
      '  copy:',
      '    content: "nova ALL=(ALL) NOPASSWD: ALL\\n"',
      '    dest: /etc/sudoers.d/nova',
      '    mode: "0440"',
      '    validate: visudo -cf %s',
      '',
    ].join('\n'),
    returns: {
      dest: "The file (or directory) written. In check mode, when a file's content would change, the result has only `changed` and the diff, as in Ansible.",
      src: 'The controller source.',
      checksum: 'sha1 of the new content.',
      size: 'Size in bytes.',
      mode: "Mode after the task ('0644').",
      owner: 'Owner after the task.',
      group: 'Group after the task.',
      state: "'file' (or 'directory' for a tree).",
      backup_file: 'Backup of the replaced file, when backup: true (backup_files: per file, for a tree).',
    },
  },
  async run(ctx) {
    const a = ctx.args;
    requireArg(ctx, a, 'dest');
    mutuallyExclusive(ctx, a, ['src', 'content']);
    if (a.src === undefined && a.content === undefined) ctx.fail('one of src or content is required');
    const dest = a.dest!;
    if (a.remote_src) {
      if (a.src === undefined) ctx.fail('remote_src needs src (a path on the host)');
      return copyFromHost(ctx, a, dest);
    }
    const attrs = parseAttrs(ctx, a, true);
    if (a.content !== undefined) {
      return installFile(ctx, {
        data: Buffer.from(contentText(a.content)),
        dest,
        sourceLabel: 'dynamically generated',
        attrs,
        backup: a.backup,
        force: a.force,
        ...(a.validate ? { validate: a.validate } : {}),
      });
    }
    const local = ctx.findFile('files', a.src!);
    let st;
    try {
      st = statSync(local);
    } catch {
      return ctx.fail(`could not find src=${a.src} on the controller (looked for ${local}; relative paths are searched in the role's files/ and beside the playbook)`);
    }
    if (st.isDirectory()) {
      const dirMode = a.directory_mode !== undefined ? parseAttrs(ctx, { mode: a.directory_mode }).mode : undefined;
      return copyTree(ctx, {
        source: localSource(ctx, local, a.decrypt),
        contentsOnly: a.src!.endsWith('/'),
        dest,
        attrs,
        ...(dirMode ? { directoryMode: dirMode } : {}),
        backup: a.backup,
        force: a.force,
      });
    }
    let data: InstallSpec['data'];
    try {
      // A large file is hashed and later sent as it is read: memory does not grow with it.
      // (A vault file is decrypted in memory: only plain files are streamed.)
      data =
        st.size > STREAM_ABOVE_BYTES && !(a.decrypt && startsLikeVault(local))
          ? { file: local, size: st.size, checksum: await fileChecksum(local) }
          : ctx.readControllerFile(local, { decrypt: a.decrypt });
    } catch (err) {
      return ctx.fail(`could not read src=${local}: ${(err as Error).message}`);
    }
    const result = await installFile(ctx, {
      data,
      dest,
      basename: basename(local),
      sourceLabel: local,
      attrs,
      preserveMode: st.mode & 0o7777,
      backup: a.backup,
      force: a.force,
      ...(a.validate ? { validate: a.validate } : {}),
    });
    // A check-mode change carries only `changed` and the diff, as Ansible's (install-file.ts).
    return 'dest' in result ? { ...result, src: local } : result;
  },
});
