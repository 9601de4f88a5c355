/**
 * uri against a real HTTP server on 127.0.0.1: bodies as Python encodes them, redirects,
 * Basic auth, status codes, dest on the host (idempotent, predicted in check mode),
 * creates/removes, and the request made from the host side (api_via: host), compared with
 * Ansible's own uri where ansible-playbook is installed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import uri from '../../../modules/uri.js';
import { formUrlencoded, pythonJsonDumps } from '../../../modules/_lib/http-request.js';
import { ansibleResults, hasAnsible } from './ansible-reference.js';
import { CountingTransport } from './count-trips.js';
import { removeDir, run, tempDir } from './general-helpers.js';

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];

function handle(req: IncomingMessage, res: ServerResponse, body: string) {
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  const u = new URL(req.url!, base);
  if (u.pathname === '/json') return res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end('{"ok": true, "n": [1, 2]}');
  if (u.pathname === '/echo') return res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Method': req.method }).end(body);
  if (u.pathname === '/moved') return res.writeHead(302, { Location: '/json' }).end();
  if (u.pathname === '/missing') return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing\n');
  if (u.pathname === '/private') {
    if (req.headers.authorization === `Basic ${Buffer.from('admin:s3cret').toString('base64')}`) return res.writeHead(200).end('welcome\n');
    return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end();
  }
  if (u.pathname === '/motd') return res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Managed by tsplay\n');
  res.writeHead(500).end();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-uri-');
  seen.length = 0;
});
afterEach(() => removeDir(dir));

describe('request bodies, encoded as Python does', () => {
  it('json.dumps and urlencode', () => {
    expect(pythonJsonDumps({ a: 1, b: [true, null], c: 'é' })).toBe('{"a": 1, "b": [true, null], "c": "\\u00e9"}');
    expect(formUrlencoded({ user: 'a b', tags: ['x', 'y*'], ok: true })).toBe('user=a+b&tags=x&tags=y%2A&ok=True');
  });
});

describe('uri against a local server', () => {
  it('GET parses JSON, sends nothing to the host, and headers become keys', async () => {
    const transport = new CountingTransport();
    const r = await run(uri, { url: `${base}/json` }, { transport });
    expect(r).toMatchObject({ changed: false, status: 200, json: { ok: true, n: [1, 2] }, msg: 'OK (unknown bytes)', content_type: 'application/json; charset=utf-8', redirected: false });
    expect(r.content).toBeUndefined();
    expect(transport.count).toBe(0);
  });

  it('POST with a JSON body and form bodies; the body bytes are what Ansible sends', async () => {
    const r = await run(uri, { url: `${base}/echo`, method: 'POST', body_format: 'json', body: { name: 'web1', size: 2 }, return_content: true });
    expect(r).toMatchObject({ status: 200, content: '{"name": "web1", "size": 2}', x_method: 'POST' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    await run(uri, { url: `${base}/echo`, method: 'PUT', body_format: 'form-urlencoded', body: { q: 'a&b' } });
    expect(seen[1]).toMatchObject({ method: 'PUT', body: 'q=a%26b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });

  it('a status outside status_code fails with Ansible\'s message; status_code widens it', async () => {
    const r = await run(uri, { url: `${base}/missing`, return_content: true });
    expect(r).toMatchObject({ failed: true, status: 404, msg: 'Status code was 404 and not [200]: HTTP Error 404: Not Found', content: 'no such thing\n' });
    expect((await run(uri, { url: `${base}/missing`, status_code: '200,404' })).failed).toBe(false);
    const down = await run(uri, { url: 'http://127.0.0.1:1/' });
    expect(down).toMatchObject({ failed: true, status: -1 });
    expect(down.msg).toMatch(/^Status code was -1 and not \[200\]: Request failed: connection refused by 127\.0\.0\.1:1/);
  });

  it('redirects: safe follows GET, not POST; none follows nothing', async () => {
    expect(await run(uri, { url: `${base}/moved` })).toMatchObject({ status: 200, redirected: true, url: `${base}/json` });
    expect(await run(uri, { url: `${base}/moved`, method: 'POST', status_code: 302 })).toMatchObject({ status: 302, location: `${base}/json`, redirected: false });
    expect(await run(uri, { url: `${base}/moved`, follow_redirects: 'none' })).toMatchObject({ failed: true, msg: 'Status code was 302 and not [200]: HTTP Error 302: Found' });
    expect(await run(uri, { url: `${base}/moved`, method: 'POST', follow_redirects: 'all' })).toMatchObject({ status: 200, url: `${base}/json` });
  });

  it('Basic auth after the challenge, or up front; the password never shows', async () => {
    const r = await run(uri, { url: `${base}/private`, url_username: 'admin', url_password: 's3cret', return_content: true });
    expect(r).toMatchObject({ status: 200, content: 'welcome\n' });
    expect(seen.map((s) => Boolean(s.headers.authorization))).toEqual([false, true]);
    seen.length = 0;
    expect((await run(uri, { url: `http://admin:s3cret@127.0.0.1:${new URL(base).port}/private`, force_basic_auth: true })).status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });

  it('dest: written once, predicted in check mode, unchanged the second time', async () => {
    const dest = join(dir, 'motd');
    const args = { url: `${base}/motd`, dest, mode: '0640' };
    const check = await run(uri, args, { check: true });
    expect(check).toMatchObject({ changed: true, path: dest });
    expect(existsSync(dest)).toBe(false);
    expect(await run(uri, args)).toMatchObject({ changed: true, path: dest });
    expect(readFileSync(dest, 'utf8')).toBe('Managed by tsplay\n');
    expect((await run(uri, args)).changed).toBe(false);
    expect((await run(uri, args, { check: true })).changed).toBe(false);
  });

  it('creates/removes are checked on the host with one command; check mode skips a POST', async () => {
    writeFileSync(join(dir, 'done'), '');
    const transport = new CountingTransport();
    expect(await run(uri, { url: `${base}/echo`, method: 'POST', creates: join(dir, 'done') }, { transport })).toMatchObject({ changed: false, stdout: `skipped, since '${join(dir, 'done')}' exists` });
    expect(await run(uri, { url: `${base}/echo`, removes: join(dir, 'nope') }, { transport })).toMatchObject({ stdout: `skipped, since '${join(dir, 'nope')}' does not exist` });
    expect(transport.count).toBe(2);
    expect(seen).toHaveLength(0);
    expect(await run(uri, { url: `${base}/echo`, method: 'DELETE' }, { check: true })).toMatchObject({ skipped: true, changed: false });
    expect(seen).toHaveLength(0);
  });

  it('api_via: host makes the request from the host (here the local transport opens the socket)', async () => {
    expect(await run(uri, { url: `${base}/json`, api_via: 'host' })).toMatchObject({ status: 200, json: { ok: true, n: [1, 2] } });
  });

  it.skipIf(!hasAnsible)("gives Ansible's results", async () => {
    const cases = [
      { url: `${base}/json` },
      { url: `${base}/echo`, method: 'POST', body_format: 'json', body: { name: 'web1', size: 2 }, return_content: true },
      { url: `${base}/missing` },
      { url: `${base}/moved` },
      { url: `${base}/moved`, method: 'POST', status_code: [302] },
      { url: `${base}/private`, url_username: 'admin', url_password: 's3cret', return_content: true },
    ];
    const theirs = await ansibleResults('uri', cases);
    const keys = ['changed', 'failed', 'status', 'msg', 'json', 'content', 'redirected', 'url', 'location', 'content_type'];
    const pick = (r: Record<string, unknown>) => Object.fromEntries(keys.filter((k) => r[k] !== undefined && !(k === 'failed' && r[k] === false)).map((k) => [k, r[k]]));
    for (const [i, args] of cases.entries()) expect(pick(await run(uri, args)), JSON.stringify(args)).toEqual(pick(theirs[i]!));
  }, 120_000);
});
