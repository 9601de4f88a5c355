/**
 * The HTTP client (core/http, used by uri and the OpenStack modules) against a real local HTTP server: direct and through a
 * transport's TCP tunnel (the local transport's, a plain socket), streamed request bodies,
 * the timeout, and a refused port. Keystone/Glance/Cinder themselves are tested against
 * the lab cloud (test/integration/modules-glance_image.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../core/http/client.js';
import { HttpUnreachableError, RequestAbortedError } from '../../../core/http/errors.js';
import { LocalTransport } from '../../../core/transport/local.js';

let server: Server;
let base: string;
let tunnels = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: n, token: req.headers['x-auth-token'] ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpClient', () => {
  it('direct: JSON answers, and a streamed body of 5 MiB is counted, not buffered by the caller', async () => {
    const c = new HttpClient({ verify: true });
    const r = await c.request({ method: 'GET', url: `${base}/v2/images?name=x`, headers: { 'X-Auth-Token': 't' }, timeoutMs: 5000 });
    expect(JSON.parse(r.body.toString())).toEqual({ method: 'GET', url: '/v2/images?name=x', bytes: 0, token: 't' });
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const up = await c.request({ method: 'PUT', url: `${base}/file`, body: () => Readable.from([chunk, chunk, chunk, chunk, chunk]), timeoutMs: 5000 });
    expect(JSON.parse(up.body.toString()).bytes).toBe(5 * 1024 * 1024);
    c.close();
  });

  it('through a tunnel opened by the transport, one channel per request', async () => {
    const t = new LocalTransport('localhost');
    const c = new HttpClient({ verify: true, tunnel: { via: 'localhost', open: (h, p) => (tunnels++, t.openTcpTunnel(h, p)) } });
    const r = await c.request({ method: 'POST', url: `${base}/v3/auth/tokens`, body: '{"a":1}', timeoutMs: 5000 });
    expect(JSON.parse(r.body.toString())).toMatchObject({ method: 'POST', bytes: 7 });
    await c.request({ method: 'GET', url: `${base}/x`, timeoutMs: 5000 });
    expect(tunnels).toBe(2);
  });

  it('a request that outlives its timeout fails, naming the URL and the limit', async () => {
    const c = new HttpClient({ verify: true });
    const err = await c.request({ method: 'GET', url: `${base}/slow`, timeoutMs: 300 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HttpUnreachableError);
    expect((err as Error).message).toBe(`GET ${base}/slow: no complete answer within 0.3 s`);
    c.close();
  });

  it("the task's signal abandons a request at once (its timeout, the run's interrupt)", async () => {
    const c = new HttpClient({ verify: true });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('task timeout')), 200);
    const started = Date.now();
    const err = await c.request({ method: 'GET', url: `${base}/slow`, timeoutMs: 5000, signal: abort.signal }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect((err as Error).message).toBe(`GET ${base}/slow abandoned: task timeout`);
    expect(Date.now() - started).toBeLessThan(1500);
    const before = await c.request({ method: 'GET', url: `${base}/x`, timeoutMs: 5000, signal: abort.signal }).catch((e: Error) => e);
    expect(before).toBeInstanceOf(RequestAbortedError);
    c.close();
  });

  it('a refused port is one sentence, direct or through the tunnel', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const direct = await new HttpClient({ verify: true }).request({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }).catch((e: Error) => e);
    expect((direct as Error).message).toBe(`connection refused by 127.0.0.1:${port}`);
    const t = new LocalTransport('localhost');
    const via = await new HttpClient({ verify: true, tunnel: { via: 'cloud', open: (h, p) => t.openTcpTunnel(h, p) } })
      .request({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 })
      .catch((e: Error) => e);
    expect((via as Error).message).toBe(`connection refused by 127.0.0.1:${port} (through cloud's SSH connection)`);
  });

  it('https: an unknown CA is refused with a hint; ca_cert or validate_certs: false let it through, direct and tunnelled', async () => {
    // A CA and a server certificate for 127.0.0.1, made with openssl for this test.
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-tls-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=tsplay test CA');
    ossl('req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
    ossl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '1', '-extfile', 'ext');
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.pem')) }, (_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/v3`;
    const ca = readFileSync(join(dir, 'ca.pem'));
    const t = new LocalTransport('localhost');
    const tunnel = { via: 'cloud', open: (h: string, p: number) => t.openTcpTunnel(h, p) };
    try {
      const refused = await new HttpClient({ verify: true }).request({ method: 'GET', url, timeoutMs: 5000 }).catch((e: Error) => e);
      expect((refused as Error).message).toMatch(/^TLS certificate of 127\.0\.0\.1:\d+ not trusted \(.*\): give ca_cert, or validate_certs: false$/);
      for (const options of [{ verify: true, ca }, { verify: false }, { verify: true, ca, tunnel }, { verify: false, tunnel }]) {
        const c = new HttpClient(options);
        const r = await c.request({ method: 'GET', url, timeoutMs: 5000 });
        expect(r.body.toString(), JSON.stringify(Object.keys(options))).toBe('{"ok":true}');
        c.close();
      }
      const tunnelled = await new HttpClient({ verify: true, tunnel }).request({ method: 'GET', url, timeoutMs: 5000 }).catch((e: Error) => e);
      expect((tunnelled as Error).message).toMatch(/not trusted/);
    } finally {
      await new Promise<void>((r) => tls.close(() => r()));
    }
  });
});
