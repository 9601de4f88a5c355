/**
 * wait_for on the local transport: the same shell loop runs here as on a target, against
 * real files and real TCP sockets on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import waitFor, { procAddress } from '../../../modules/wait_for.js';
import { runModuleLocally as runLocal } from '../../../core/testing/index.js';

function listen(host: string, onConnection?: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      // The module's probes hang up as soon as they have what they need, so a reset on
      // the server side is expected, not a failure of the test.
      s.on('error', () => {});
      onConnection?.(s);
    });
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('wait_for', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-wait-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('waits for a file to appear and to contain a pattern', async () => {
    const path = join(dir, 'answer.txt');
    setTimeout(() => writeFileSync(path, '[general]\n'), 600);
    setTimeout(() => writeFileSync(path, '[general]\nCONFIG_DEFAULT_PASSWORD=password\n'), 1500);
    const appeared = await runLocal(waitFor, { path, timeout: 10 });
    expect(appeared).toMatchObject({ changed: false, failed: false });
    const r = await runLocal(waitFor, { path, search_regex: '^CONFIG_DEFAULT_PASSWORD=(.*)$', timeout: 10 });
    expect(r.failed, r.msg).toBe(false);
    expect(r.match).toBe('CONFIG_DEFAULT_PASSWORD=password');
    expect(r.match_groups).toEqual(['password']);
    expect(r.elapsed as number).toBeGreaterThanOrEqual(0);
  });

  it('fails after the timeout with Ansible\'s message, or the given msg', async () => {
    const path = join(dir, 'never');
    const r = await runLocal(waitFor, { path, timeout: 1 });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe(`Timeout when waiting for file ${path}`);
    expect((await runLocal(waitFor, { path, timeout: 1, msg: 'no answer file' })).msg).toBe('no answer file');
    writeFileSync(path, 'x');
    expect((await runLocal(waitFor, { path, state: 'absent', timeout: 1 })).failed).toBe(true);
    rmSync(path);
    expect((await runLocal(waitFor, { path, state: 'absent', timeout: 1 })).failed).toBe(false);
  });

  it('sees a local listening port in /proc/net/tcp, and its closing', async () => {
    const { server, port } = await listen('127.0.0.1');
    expect((await runLocal(waitFor, { port, timeout: 5 })).failed).toBe(false);
    expect((await runLocal(waitFor, { port, state: 'stopped', timeout: 1 })).failed).toBe(true);
    setTimeout(() => void close(server), 500);
    const stopped = await runLocal(waitFor, { port, state: 'stopped', timeout: 10 });
    expect(stopped.failed, stopped.msg).toBe(false);
    expect((await runLocal(waitFor, { port, timeout: 1 })).msg).toBe(`Timeout when waiting for 127.0.0.1:${port}`);
  });

  it('connects to another address and reads a banner (bash /dev/tcp)', async () => {
    const { server, port } = await listen('127.0.0.2', (s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    try {
      expect((await runLocal(waitFor, { host: '127.0.0.2', port, timeout: 5 })).failed).toBe(false);
      const r = await runLocal(waitFor, { host: '127.0.0.2', port, search_regex: 'OpenSSH_([0-9.]+)', timeout: 5 });
      expect(r.failed, r.msg).toBe(false);
      expect(r.match).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2');
      expect(r.match_groups).toEqual(['9.2']);
      expect((await runLocal(waitFor, { host: '127.0.0.2', port, search_regex: 'nginx', timeout: 1, connect_timeout: 1 })).failed).toBe(true);
    } finally {
      await close(server);
    }
  });

  it('waits for connections to drain', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen('127.0.0.1', (s) => sockets.push(s));
    const client = connect(port, '127.0.0.1');
    await new Promise((r) => client.on('connect', r));
    const busy = await runLocal(waitFor, { host: '0.0.0.0', port, state: 'drained', timeout: 1, active_connection_states: ['ESTABLISHED'] });
    expect(busy.failed).toBe(true);
    setTimeout(() => {
      client.destroy();
      for (const s of sockets) s.destroy();
    }, 500);
    const drained = await runLocal(waitFor, { host: '0.0.0.0', port, state: 'drained', timeout: 10, active_connection_states: ['ESTABLISHED'] });
    expect(drained.failed, drained.msg).toBe(false);
    await close(server);
  });

  it('probes once in check mode and never fails for a condition that is not met yet', async () => {
    const r = await runLocal(waitFor, { path: join(dir, 'later'), timeout: 300 }, { check: true });
    expect(r).toMatchObject({ changed: false, failed: false });
    expect(r.msg).toMatch(/a real run would wait up to 300 s/);
  });

  it('rejects contradictory arguments', async () => {
    expect((await runLocal(waitFor, { port: 22, path: '/x' })).msg).toMatch(/either port or path/);
    expect((await runLocal(waitFor, { path: '/x', state: 'drained' })).msg).toMatch(/drained/);
    expect((await runLocal(waitFor, { port: 70000 })).msg).toMatch(/port/);
  });

  it('writes IPv4 addresses the way /proc/net/tcp does', () => {
    expect(procAddress('127.0.0.1')).toBe('0100007F');
    expect(procAddress('198.18.0.10')).toBe('0A0012C6');
  });
});
