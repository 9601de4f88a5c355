import { describe, expect, it, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../core/transport/local.js';
import { atomicWriteScript, readFile, writeFileAtomic, withEnv } from '../../../core/transport/remote-shell.js';
import { quote, quoteArgv } from '../../../core/transport/shell-quote.js';
import { CommandTimeoutError } from '../../../core/transport/transport.js';

const NASTY = `a b 'single' "double" $HOME \`id\` ; | & > < * ? [x] ~ # ! \\ \n second line\ttab ünïcødé $(echo no)`;

describe('LocalTransport + remote-shell', () => {
  let dir: string;
  const t = new LocalTransport('localhost');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-transport-'));
  });

  it('passes every shell metacharacter through quoting byte for byte', async () => {
    const r = await t.exec(`printf %s ${quote(NASTY)}`);
    expect(r.rc).toBe(0);
    expect(r.stdout).toBe(NASTY);
    const argv = await t.exec(`printf '%s\\0' ${quoteArgv(['x', NASTY, ''])}`);
    expect(argv.stdout.split('\0')).toEqual(['x', NASTY, '', '']);
  });

  it('feeds stdin and reports exit codes and stderr', async () => {
    const r = await t.exec('cat; echo err >&2; exit 3', { stdin: 'input\n' });
    expect(r).toMatchObject({ rc: 3, stdout: 'input\n', stderr: 'err\n' });
  });

  it('exports environment values quoted', async () => {
    const r = await t.exec('printf %s "$X"', { env: { X: NASTY } });
    expect(r.stdout).toBe(NASTY);
    expect(() => withEnv('true', { 'BAD-NAME': 'x' })).toThrow(/invalid environment variable name/);
  });

  it('kills a command that outlives its timeout', async () => {
    const started = Date.now();
    await expect(t.exec('sleep 5', { timeoutMs: 200 })).rejects.toBeInstanceOf(CommandTimeoutError);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('writes atomically, keeps the existing mode, and leaves no temp file', async () => {
    const dest = join(dir, 'f.conf');
    writeFileSync(dest, 'old\n');
    chmodSync(dest, 0o600);
    await writeFileAtomic(t, dest, NASTY);
    expect(readFileSync(dest, 'utf8')).toBe(NASTY);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['f.conf']);
  });

  it('applies an explicit mode and makes a backup', async () => {
    const dest = join(dir, 'g');
    writeFileSync(dest, 'v1');
    const { backupFile } = await writeFileAtomic(t, dest, 'v2', { mode: '0640', backup: true });
    expect(statSync(dest).mode & 0o777).toBe(0o640);
    expect(backupFile).toBeTruthy();
    expect(readFileSync(backupFile!, 'utf8')).toBe('v1');
  });

  it('refuses a short write: the old file stays and the temp file is removed', async () => {
    const dest = join(dir, 'h');
    writeFileSync(dest, 'intact');
    // Claim 100 bytes but send 5: what a dropped connection looks like to the script.
    const r = await t.exec(atomicWriteScript(dest, 100), { stdin: 'short' });
    expect(r.rc).toBe(99);
    expect(readFileSync(dest, 'utf8')).toBe('intact');
    expect(readdirSync(dir)).toEqual(['h']);
  });

  it('reads files, null when missing', async () => {
    const p = join(dir, 'r');
    writeFileSync(p, Buffer.from([0, 1, 2, 255]));
    expect(await readFile(t, p)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await readFile(t, join(dir, 'missing'))).toBeNull();
  });
});
