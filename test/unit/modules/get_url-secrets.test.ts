/**
 * get_url keeps URL credentials and request headers off the target's command lines
 * (issue 13, item 8): while a download stalls, `ps -eo args` on the host shows neither the
 * password nor the header values, and the download still authenticates - the server checks
 * both. Run with curl, with wget (no curl on PATH) and with the bash /dev/tcp fallback.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import getUrl from '../../../modules/get_url.js';
import { redactUrl, splitCredentials } from '../../../modules/_lib/fetch-url.js';
import yum from '../../../modules/yum.js';
import { runModuleLocally } from '../../../core/testing/index.js';
import { LocalTransport } from '../../../core/transport/local.js';
import type { ExecOptions, ExecResult } from '../../../core/transport/transport.js';
import { RecordingTransport, removeDir, tempDir } from './general-helpers.js';

const USER = 'alice';
const PASSWORD = `pa ss"w0rd\\${randomBytes(6).toString('hex')}`;
const HEADER = `k3y "quoted" ${randomBytes(6).toString('hex')}`;
const BODY = 'image bytes\n'.repeat(4096);
/** What must never appear in a process list: the secrets and every encoding of them. */
const SECRETS = [PASSWORD, encodeURIComponent(PASSWORD), HEADER, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let server: Server;
let port: number;
let stalled: () => void = () => {};
let release: () => void = () => {};
let authorized = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    if (req.headers.authorization !== basic) {
      // wget sends credentials only when challenged, as Ansible's get_url does by default.
      return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tsplay"', 'Content-Length': 0 }).end();
    }
    if (req.headers['x-api-key'] !== HEADER) return void res.writeHead(403, { 'Content-Length': 0 }).end();
    authorized++;
    // Half the body, then wait until the test has looked at the process list.
    res.writeHead(200, { 'Content-Length': Buffer.byteLength(BODY) });
    res.write(BODY.slice(0, BODY.length / 2));
    const done = new Promise<void>((r) => (release = r));
    stalled();
    void done.then(() => res.end(BODY.slice(BODY.length / 2)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-get_url-secrets-');
  authorized = 0;
});
afterEach(() => removeDir(dir));

/** A PATH with every tool of /usr/bin except `without` (the host "has no curl"). */
function pathWithout(...without: string[]): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const name of readdirSync('/usr/bin')) if (!without.includes(name)) symlinkSync(join('/usr/bin', name), join(bin, name));
  return bin;
}

class PathTransport extends LocalTransport {
  constructor(private readonly path: string | undefined) {
    super('localhost');
  }
  override exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return super.exec(command, this.path ? { ...options, env: { ...options.env, PATH: this.path } } : options);
  }
}

/** Run `task` until the server stalls, take the process list, then let the download finish. */
async function psDuringDownload<T>(task: () => Promise<T>): Promise<{ ps: string; result: T }> {
  const atStall = new Promise<void>((r) => (stalled = r));
  const running = task();
  await Promise.race([atStall, running.then(() => Promise.reject(new Error('the task ended before the server stalled')))]);
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  release();
  return { ps, result: await running };
}

describe('get_url credentials and headers', () => {
  const url = () => `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/slow/image.img`;

  for (const [tool, without] of [
    ['curl', []],
    ['wget', ['curl']],
    ['bash /dev/tcp', ['curl', 'wget']],
  ] as const) {
    it(`with ${tool}: authenticate, and never appear in ps`, async () => {
      const transport = new PathTransport(without.length ? pathWithout(...without) : undefined);
      const dest = join(dir, 'image.img');
      const { ps, result } = await psDuringDownload(() => runModuleLocally(getUrl, { url: url(), dest, headers: { 'X-Api-Key': HEADER } }, { transport }));
      expect(result.failed, result.msg).toBe(false);
      expect(readFileSync(dest, 'utf8')).toBe(BODY);
      expect(authorized).toBe(1);
      // We looked while the download ran: its URL (without the credentials) is in the list.
      expect(ps).toContain(`127.0.0.1:${port}/slow/image.img`);
      for (const secret of SECRETS) expect(ps).not.toContain(secret);
      // Results show the URL with the password masked.
      expect(result.url).toBe(`http://${USER}:********@127.0.0.1:${port}/slow/image.img`);
      expect(JSON.stringify(result)).not.toContain(encodeURIComponent(PASSWORD));
      // Nothing is left in the temp directory (wget's config file is unlinked at once).
      expect(readdirSync(dir).filter((n) => n.startsWith('.tsplay'))).toEqual([]);
    }, 30_000);
  }

  it('refuses a header that would start another config line, naming it', async () => {
    const r = await runModuleLocally(getUrl, { url: url(), dest: join(dir, 'x'), headers: { 'X-Api-Key': 'v\nurl = http://elsewhere/' } });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/the value of header X-Api-Key must not contain line breaks/);
    expect(authorized).toBe(0);
  });

  it('a failure message shows the URL with the password masked', async () => {
    const bad = `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/slow/image.img`;
    const r = await runModuleLocally(getUrl, { url: bad, dest: join(dir, 'x'), timeout: 5 });
    expect(r.failed).toBe(true); // no X-Api-Key header: 403
    expect(r.msg).toContain(`http://${USER}:********@127.0.0.1:${port}/slow/image.img`);
    expect(r.msg).not.toContain(encodeURIComponent(PASSWORD));
  });
});

describe('yum package URLs with credentials', () => {
  it('are downloaded with the credentials on stdin, not in the script', async () => {
    const transport = new RecordingTransport();
    // The server answers 403 without the header (yum sends none): the download fails after
    // authenticating, which is as far as the credentials go.
    const r = await runModuleLocally(yum, { name: [`http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/slow/p.rpm`] }, { transport });
    expect(r.failed).toBe(true);
    expect(r.msg).toContain(`http://${USER}:********@127.0.0.1:${port}/slow/p.rpm`);
    expect(transport.commands.length).toBeGreaterThan(0);
    for (const command of transport.commands) for (const secret of SECRETS) expect(command).not.toContain(secret);
  });
});

describe('splitCredentials and redactUrl (pure)', () => {
  it('take user:password@ off the URL, decoded; the last @ ends them', () => {
    expect(splitCredentials('https://example.org/a@b')).toEqual({ url: 'https://example.org/a@b' });
    expect(splitCredentials('https://bob@example.org/x')).toEqual({ url: 'https://example.org/x', user: 'bob' });
    expect(splitCredentials('ftp://bob:p%40ss%20w@rd@example.org:21/x?q=1')).toEqual({ url: 'ftp://example.org:21/x?q=1', user: 'bob', password: 'p@ss w@rd' });
    expect(splitCredentials('http://:tok@h/')).toEqual({ url: 'http://h/', user: '', password: 'tok' });
    expect(() => splitCredentials('http://bob:%0Aurl%20=%20x@h/')).toThrow(/line break/);
    expect(() => splitCredentials('http://bob:%zz@h/')).toThrow(/percent-encoding/);
    expect(redactUrl('http://bob:secret@h:8080/p')).toBe('http://bob:********@h:8080/p');
    expect(redactUrl('http://bob@h/p')).toBe('http://bob@h/p');
    expect(redactUrl('http://h/p?user=a:b@c')).toBe('http://h/p?user=a:b@c');
  });
});
