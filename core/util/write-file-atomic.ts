/**
 * Atomic writes of controller files (vault encrypt/decrypt/edit/rekey): the data goes to a
 * new, exclusively created temporary file in the same directory, is flushed to disk, then
 * renamed over the destination. A reader sees the old file or the new one, never a half.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Write `data` to `path` atomically. The file gets `mode`, or keeps the mode of the file it
 * replaces when `keepMode` (as ansible-vault does on edit and rekey).
 */
export function writeFileAtomic(path: string, data: Buffer | string, options: { mode?: number; keepMode?: boolean } = {}): void {
  let mode = options.mode ?? 0o600;
  if (options.keepMode) {
    try {
      mode = statSync(path).mode & 0o7777;
    } catch {
      // a new file: the given mode
    }
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    try {
      fchmodSync(fd, mode); // exactly `mode`, whatever the umask
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
