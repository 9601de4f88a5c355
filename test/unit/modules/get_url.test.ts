/**
 * get_url on the local transport with file:// and http:// (a server on loopback), and the
 * bash /dev/tcp fallback used on hosts without curl or wget (the lab's minimal images).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import getUrl from '../../../modules/get_url.js';
import { fetchCommand } from '../../../modules/_lib/fetch-url.js';
import { LocalTransport } from '../../../core/transport/local.js';
import { runModuleLocally as runLocal } from '../../../core/testing/index.js';

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const BODY = 'cirros image bytes\n'.repeat(100);

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/moved') return void res.writeHead(302, { Location: '/image.img' }).end();
    if (req.url === '/image.img') return void res.writeHead(200, { 'Content-Length': Buffer.byteLength(BODY) }).end(BODY);
    if (req.url === '/auth') return void res.writeHead(req.headers['x-token'] === 'secret' ? 200 : 403).end('ok\n');
    res.writeHead(404).end('not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('get_url', () => {
  let dir: string;
  let src: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-get_url-'));
    src = join(dir, 'source.rpm');
    writeFileSync(src, 'rpm bytes v1\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const leftovers = () => readdirSync(dir).filter((f) => f.startsWith('.tsplay'));

  it('downloads a file:// URL once; check mode predicts without writing', async () => {
    const dest = join(dir, 'rdo-release.rpm');
    const check = await runLocal(getUrl, { url: `file://${src}`, dest }, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, failed: false });
    expect(existsSync(dest)).toBe(false);
    const real = await runLocal(getUrl, { url: `file://${src}`, dest, mode: '0600' });
    expect(real).toMatchObject({ changed: true, failed: false, dest, size: 13, mode: '0600' });
    expect(readFileSync(dest, 'utf8')).toBe('rpm bytes v1\n');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(leftovers()).toEqual([]);
    // Exists and no checksum: not fetched again, even when the source changed (Ansible).
    writeFileSync(src, 'rpm bytes v2\n');
    expect((await runLocal(getUrl, { url: `file://${src}`, dest, mode: '0600' })).changed).toBe(false);
    expect((await runLocal(getUrl, { url: `file://${src}`, dest, mode: '0600' }, { check: true })).changed).toBe(false);
    // force: fetched, replaced only because the content differs.
    expect((await runLocal(getUrl, { url: `file://${src}`, dest, force: true }, { check: true })).changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('rpm bytes v1\n');
    expect((await runLocal(getUrl, { url: `file://${src}`, dest, force: true })).changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('rpm bytes v2\n');
    expect(statSync(dest).mode & 0o777).toBe(0o600); // the existing file's mode is kept
    expect((await runLocal(getUrl, { url: `file://${src}`, dest, force: true })).changed).toBe(false);
  });

  it('verifies checksums: a match skips the download, a mismatch installs nothing', async () => {
    const dest = join(dir, 'image.img');
    const good = `sha256:${sha256(BODY)}`;
    const r = await runLocal(getUrl, { url: `${base}/image.img`, dest, checksum: good });
    expect(r).toMatchObject({ changed: true, failed: false, size: BODY.length });
    expect(readFileSync(dest, 'utf8')).toBe(BODY);
    expect((await runLocal(getUrl, { url: `${base}/image.img`, dest, checksum: good })).changed).toBe(false);
    const other = join(dir, 'other.img');
    const bad = await runLocal(getUrl, { url: `${base}/image.img`, dest: other, checksum: `sha256:${'0'.repeat(64)}` });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(new RegExp(`checksum mismatch .* got sha256:${sha256(BODY)}`));
    expect(existsSync(other)).toBe(false);
    expect(leftovers()).toEqual([]);
    expect((await runLocal(getUrl, { url: `${base}/image.img`, dest, checksum: 'sha256:abc' })).msg).toMatch(/has 64 hex digits/);
    expect((await runLocal(getUrl, { url: `${base}/image.img`, dest, checksum: 'crc32:abcd' })).msg).toMatch(/ALGORITHM:HEXDIGEST/);
  });

  it('names the URL and the reason when the download fails', async () => {
    const r = await runLocal(getUrl, { url: `${base}/missing`, dest: join(dir, 'x') });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/download of http:\/\/127\.0\.0\.1:\d+\/missing failed on localhost: .*404/);
    expect((await runLocal(getUrl, { url: `${base}/image.img`, dest: join(dir, 'no', 'such', 'dir', 'x') })).msg).toMatch(/destination directory .* does not exist/);
  });

  it('follows redirects, sends headers, and puts the file into a directory dest', async () => {
    const r = await runLocal(getUrl, { url: `${base}/moved`, dest: `${dir}/` });
    expect(r.failed, r.msg).toBe(false);
    expect(readFileSync(join(dir, 'moved'), 'utf8')).toBe(BODY);
    expect((await runLocal(getUrl, { url: `${base}/auth`, dest: join(dir, 'a'), headers: { 'X-Token': 'secret' } })).failed).toBe(false);
    expect((await runLocal(getUrl, { url: `${base}/auth`, dest: join(dir, 'b') })).failed).toBe(true);
  });

  it('downloads plain http with bash alone when the host has neither curl nor wget', async () => {
    // A PATH with only what a minimal image has: no curl, no wget.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['bash', 'timeout', 'cat', 'wc', 'sh', 'dd']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    const t = new LocalTransport('minimal');
    const out = join(dir, 'fetched');
    const fetch = fetchCommand(`${base}/moved`, out, { timeout: 5, headers: { 'X-Token': 'secret' } });
    const res = await t.exec(fetch.command, { env: { PATH: bin }, stdin: fetch.stdin });
    expect(res.rc, res.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(BODY);
    const missing = await t.exec(fetchCommand(`${base}/missing`, out, { timeout: 5 }).command, { env: { PATH: bin } });
    expect(missing.rc).toBe(22);
    expect(missing.stderr).toMatch(/404/);
    const tls = await t.exec(fetchCommand('https://127.0.0.1:1/x', out, { timeout: 5 }).command, { env: { PATH: bin } });
    expect(tls.rc).toBe(69);
    expect(tls.stderr).toMatch(/https:\/\/ needs curl or wget/);
  });
});
