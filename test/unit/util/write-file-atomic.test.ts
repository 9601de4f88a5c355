import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../core/util/write-file-atomic.js';

const mode = (p: string) => statSync(p).mode & 0o7777;

describe('writeFileAtomic', () => {
  it('writes a new file with the given mode whatever the umask, leaving no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-atomic-'));
    const old = process.umask(0o077);
    try {
      writeFileAtomic(join(dir, 'a'), 'hello', { mode: 0o640 });
    } finally {
      process.umask(old);
    }
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('hello');
    expect(mode(join(dir, 'a'))).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['a']);
  });

  it('replaces a file, keeping its mode when asked (default 0600 otherwise)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-atomic-'));
    writeFileSync(join(dir, 'a'), 'old');
    chmodSync(join(dir, 'a'), 0o604);
    writeFileAtomic(join(dir, 'a'), Buffer.from('new'), { keepMode: true });
    expect([readFileSync(join(dir, 'a'), 'utf8'), mode(join(dir, 'a'))]).toEqual(['new', 0o604]);
    writeFileAtomic(join(dir, 'a'), 'newer');
    expect([readFileSync(join(dir, 'a'), 'utf8'), mode(join(dir, 'a'))]).toEqual(['newer', 0o600]);
  });

  it('a failed replace leaves the old content and no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-atomic-'));
    mkdirSync(join(dir, 'target'));
    writeFileSync(join(dir, 'target', 'keep'), 'x');
    // rename over a non-empty directory fails after the data was written
    expect(() => writeFileAtomic(join(dir, 'target'), 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readFileSync(join(dir, 'target', 'keep'), 'utf8')).toBe('x');
  });
});
