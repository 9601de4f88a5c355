/**
 * StreamedInput: controller files sent to a command's stdin as they are read (large
 * `copy` sources), in order with buffers around them, plain and through become (where the
 * input may only start once sudo is done). The local transport runs the real commands.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../../core/transport/local.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const t = new LocalTransport('localhost');
const sha = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('StreamedInput', () => {
  const big = randomBytes(20 * 1024 * 1024);
  const file = path.join(dir, 'big.bin');
  writeFileSync(file, big);
  const expected = Buffer.concat([Buffer.from('head\n'), big, Buffer.from('tail\n')]);
  const parts = [Buffer.from('head\n'), { file, size: big.length }, Buffer.from('tail\n')];

  it.each([
    ['plain', undefined],
    ['through become with a password (sent only after sudo is done)', { user: 'root', password: 'unused-pw' }],
  ] as const)('sends buffers and files in order, byte for byte: %s', async (_label, become) => {
    const out = path.join(dir, `out-${Math.random()}`);
    const r = await t.exec(`cat > ${out}; wc -c < ${out}`, { stdin: { parts }, ...(become ? { become } : {}) });
    expect(r.rc).toBe(0);
    expect(Number(r.stdout.trim())).toBe(expected.length);
    expect(sha(readFileSync(out))).toBe(sha(expected));
  });

  it('an unreadable file ends the input early instead of hanging', async () => {
    const r = await t.exec('wc -c', { stdin: { parts: [Buffer.from('abc'), { file: path.join(dir, 'missing'), size: 10 }] }, timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('3');
  });
});
