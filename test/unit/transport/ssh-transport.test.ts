/**
 * SshTransport against an in-process SSH server (see ssh-test-server.ts) that runs real
 * /bin/sh commands on this machine: exec semantics, connection reuse, session limits,
 * timeouts, drops, host keys and authentication, without needing sshd or the lab.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../../core/transport/known-hosts.js';
import { closeAll, configureSshTransport, SshTransport, setSshLogger, type SshConnectionSpec } from '../../../core/transport/ssh.js';
import { quote } from '../../../core/transport/shell-quote.js';
import { CommandTimeoutError, UnreachableError } from '../../../core/transport/transport.js';
import { clientKeyPair, startSilentServer, startTestServer, type TestServer } from './ssh-test-server.js';

let dir: string;
let keyFile: string;
let knownHosts: string;
let server: TestServer;
const savedEnv = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
const warnings: string[] = [];
const key = clientKeyPair();

function khLine(port: number, type: string, blob: Buffer, marker = ''): string {
  return `${marker}[127.0.0.1]:${port} ${type} ${blob.toString('base64')}\n`;
}

/** A spec isolated from the developer's ssh config, agent and keys. */
function spec(over: Partial<SshConnectionSpec> & { extraArgs?: string } = {}): SshConnectionSpec {
  const { extraArgs, ...rest } = over;
  return {
    host: 'target',
    address: '127.0.0.1',
    port: server.port,
    user: 'tester',
    privateKeyFile: keyFile,
    connectTimeoutMs: 5000,
    sshArgs: [`-F /dev/null -o UserKnownHostsFile=${knownHosts} ${extraArgs ?? ''}`],
    ...rest,
  };
}

/** Alive and not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function unreachable(p: Promise<unknown>): Promise<UnreachableError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UnreachableError);
  return e as UnreachableError;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-ssh-'));
  process.env.HOME = dir; // no ~/.ssh/id_* or ~/.ssh/config of the developer
  delete process.env.SSH_AUTH_SOCK;
  keyFile = path.join(dir, 'id_test');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  knownHosts = path.join(dir, 'known_hosts');
  server = await startTestServer({ authorizedKeys: [key.parsed], password: 'pw-s3cret' });
  setSshLogger({ debug: () => {}, warn: (m) => warnings.push(m) });
});

beforeEach(() => {
  writeFileSync(knownHosts, khLine(server.port, server.hostKeyType, server.hostKey));
  warnings.length = 0;
});

afterAll(async () => {
  await closeAll();
  await server.close();
  setSshLogger(undefined);
  process.env.HOME = savedEnv.HOME;
  if (savedEnv.SSH_AUTH_SOCK !== undefined) process.env.SSH_AUTH_SOCK = savedEnv.SSH_AUTH_SOCK;
  rmSync(dir, { recursive: true, force: true });
});

describe('exec', () => {
  it('returns rc, stdout, stderr and raw stdout bytes, and feeds stdin', async () => {
    const t = new SshTransport(spec());
    const r = await t.exec('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ rc: 7, stdout: 'out\n', stderr: 'err\n' });
    const bin = await t.exec("printf '\\000\\377\\001'");
    expect([...bin.stdoutBuffer]).toEqual([0, 255, 1]);
    const cat = await t.exec('cat; printf "|%s" "$FOO"', { stdin: 'line1\nline2', env: { FOO: 'a b' } });
    expect(cat.stdout).toBe('line1\nline2|a b');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect((await t.exec('wc -c', { stdin: big })).stdout.trim()).toBe(String(big.length));
    await t.close();
  });

  it('passes every shell metacharacter, quotes, newlines and non-ASCII through byte for byte', async () => {
    const t = new SshTransport(spec());
    const word = `a'b"c $HOME $(id) \`id\` \\ \\n\n\t; & && || | < > >> ( ) { } [ ] * ? ~ # ! % ^ = , é 日本 🙂 '"'"' end`;
    const r = await t.exec(`printf %s ${quote(word)}`);
    expect(r.stdoutBuffer.equals(Buffer.from(word, 'utf8'))).toBe(true);
    // What went over the wire is one `exec /bin/sh -c '<command>'` string, behind the
    // marker that lets a timeout or an interrupt find the command's processes.
    expect(server.commands.at(-1)).toMatch(/^export TSPLAY_EXEC_ID=[0-9a-f]{16}; /);
    expect(server.commands.at(-1)!.replace(/^export TSPLAY_EXEC_ID=[0-9a-f]{16}; /, '')).toBe(`exec /bin/sh -c ${quote(`printf %s ${quote(word)}`)}`);
    await t.close();
  });

  it('reports a command killed by a signal as 128 + n', async () => {
    const t = new SshTransport(spec());
    expect((await t.exec('kill -9 $$')).rc).toBe(137);
    expect((await t.exec('kill -TERM $$')).rc).toBe(143);
    await t.close();
  });

  it('runs every command of a host over one connection, at most 9 sessions at a time', async () => {
    const before = server.connections;
    const t = new SshTransport(spec());
    for (let i = 0; i < 5; i++) expect((await t.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => t.exec(`sleep 0.05; echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
    expect(server.connections - before).toBe(1);
    expect(server.maxConcurrentSessions).toBeLessThanOrEqual(9);
    await t.close();
  });

  it('adapts to a server that allows fewer sessions than OpenSSH’s default', async () => {
    const small = await startTestServer({ authorizedKeys: [key.parsed], maxSessions: 2 });
    writeFileSync(knownHosts, khLine(small.port, small.hostKeyType, small.hostKey));
    const t = new SshTransport(spec({ port: small.port }));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => t.exec(`sleep 0.05; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(small.maxConcurrentSessions).toBe(2);
    expect(small.connections).toBe(1);
    await t.close();
    await small.close();
  });

  it('kills a command that outlives timeoutMs and everything it started, on a server that ignores signal requests', async () => {
    const srv = await startTestServer({ authorizedKeys: [key.parsed] });
    writeFileSync(knownHosts, khLine(srv.port, srv.hostKeyType, srv.hostKey));
    const t = new SshTransport(spec({ port: srv.port }));
    const pidFile = path.join(dir, 'pids');
    const started = Date.now();
    // 1 s: long enough for the command to have started on a loaded machine before the
    // timeout fires (the test server spawns it from this same busy process).
    const err = await t.exec(`sleep 30 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect((err as CommandTimeoutError).timeoutMs).toBe(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 2500)); // the killer's KILL passes
    for (const pid of pids) expect(isRunning(pid), `pid ${pid} still running`).toBe(false);
    expect((await t.exec('echo still here')).stdout).toBe('still here\n');
    await t.close();
    await srv.close();
  });

  it('never puts a become password on the command line', async () => {
    const t = new SshTransport(spec());
    // No sudo prompt here (the fixture runs as this user): only what was sent matters.
    await t.exec('true', { become: { user: 'root', password: 'become-pw-123' } });
    expect(server.commands.at(-1)).not.toContain('become-pw-123');
    expect(server.commands.at(-1)).toContain('sudo -S -p ');
    await t.close();
  });
});

describe('connection loss', () => {
  it('fails a running command as unreachable with the reason, then reconnects on the next exec', async () => {
    const t = new SshTransport(spec());
    await t.connect();
    const before = server.connections;
    const running = t.exec('sleep 5');
    setTimeout(() => server.dropAll(), 200);
    const e = await unreachable(running);
    expect(e.host).toBe('target');
    expect(e.message).toMatch(/connection lost while running a command: .*127\.0\.0\.1/);
    expect((await t.exec('echo back')).stdout).toBe('back\n');
    expect(server.connections).toBe(before + 1);
    await t.close();
  });

  it('closeAll() ends every open connection', async () => {
    const a = new SshTransport(spec({ host: 'a' }));
    const b = new SshTransport(spec({ host: 'b' }));
    await Promise.all([a.connect(), b.connect()]);
    const running = unreachable(a.exec('sleep 5'));
    await new Promise((r) => setTimeout(r, 100));
    await closeAll();
    expect((await running).message).toMatch(/closed by tsplay/);
  });
});

describe('connecting', () => {
  it('times out on a server that never answers', async () => {
    const silent = await startSilentServer();
    const started = Date.now();
    const e = await unreachable(new SshTransport(spec({ port: silent.port, connectTimeoutMs: 300 })).connect());
    expect(e.message).toBe(`timed out after 0.3 s connecting to 127.0.0.1:${silent.port}`);
    expect(Date.now() - started).toBeLessThan(2000);
    await silent.close();
  });

  it('reports a refused connection', async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    await silent.close();
    const e = await unreachable(new SshTransport(spec({ port })).connect());
    expect(e.message).toBe(`connection refused by 127.0.0.1:${port}`);
  });

  it('bounds concurrent handshakes across hosts', async () => {
    configureSshTransport({ maxConcurrentHandshakes: 2 });
    const many = await startTestServer({ authorizedKeys: [key.parsed] });
    writeFileSync(knownHosts, khLine(many.port, many.hostKeyType, many.hostKey));
    const ts = Array.from({ length: 8 }, (_, i) => new SshTransport(spec({ host: `h${i}`, port: many.port })));
    await Promise.all(ts.map((t) => t.exec('true')));
    expect(many.connections).toBe(8);
    expect(many.maxConcurrentHandshakes).toBeLessThanOrEqual(2);
    configureSshTransport({ maxConcurrentHandshakes: 10 });
    await Promise.all(ts.map((t) => t.close()));
    await many.close();
  });

  it('paces channel opens through a shared jump host like handshakes, so a burst of hosts never queues there', async () => {
    configureSshTransport({ maxConcurrentHandshakes: 2 });
    const jump = await startTestServer({ authorizedKeys: [key.parsed], forwardDelayMs: 20 });
    const target = await startTestServer({ authorizedKeys: [key.parsed] });
    writeFileSync(knownHosts, khLine(jump.port, jump.hostKeyType, jump.hostKey) + khLine(target.port, target.hostKeyType, target.hostKey));
    const ts = Array.from({ length: 8 }, (_, i) => new SshTransport(spec({ host: `h${i}`, port: target.port, extraArgs: `-J tester@127.0.0.1:${jump.port}` })));
    const outputs = await Promise.all(ts.map((t) => t.exec('echo through')));
    expect(outputs.map((r) => r.stdout)).toEqual(Array(8).fill('through\n'));
    expect(jump.connections).toBe(1); // one shared jump connection
    expect(jump.forwards).toBe(8);
    expect(jump.maxPendingForwards).toBeLessThanOrEqual(2);
    expect(target.maxConcurrentHandshakes).toBeLessThanOrEqual(2);
    configureSshTransport({ maxConcurrentHandshakes: 10 });
    await Promise.all(ts.map((t) => t.close()));
    await Promise.all([jump.close(), target.close()]);
  });

  it('explains a configuration error instead of connecting', async () => {
    const e = await unreachable(new SshTransport(spec({ extraArgs: '-o ProxyCommand="nc %h %p"' })).connect());
    expect(e.message).toMatch(/ProxyCommand 'nc %h %p' is not supported .* use ProxyJump/);
  });
});

describe('authentication', () => {
  it('logs in with a password when no key works, and keyboard-interactive when that is all the server offers', async () => {
    const t = new SshTransport(spec({ privateKeyFile: undefined, password: 'pw-s3cret' }));
    expect((await t.exec('echo in')).stdout).toBe('in\n');
    await t.close();
    const kbd = await startTestServer({ password: 'pw-s3cret', keyboardInteractiveOnly: true });
    writeFileSync(knownHosts, khLine(kbd.port, kbd.hostKeyType, kbd.hostKey));
    const k = new SshTransport(spec({ port: kbd.port, privateKeyFile: undefined, password: 'pw-s3cret' }));
    expect((await k.exec('echo kbd')).stdout).toBe('kbd\n');
    expect(kbd.authAttempts.map((a) => a.method)).toContain('keyboard-interactive');
    await k.close();
    await kbd.close();
  });

  it('names the user and the methods tried, never the password', async () => {
    const other = clientKeyPair();
    const otherFile = path.join(dir, 'id_other');
    writeFileSync(otherFile, other.privateKey, { mode: 0o600 });
    const e = await unreachable(new SshTransport(spec({ privateKeyFile: otherFile, password: 'wrong-pw-xyz' })).connect());
    expect(e.message).toContain(`authentication failed for user 'tester' on 127.0.0.1:${server.port}`);
    expect(e.message).toContain(`tried: publickey ${otherFile}, password, keyboard-interactive`);
    expect(e.message).toContain('the server accepts: publickey, password, keyboard-interactive');
    expect(e.message).not.toContain('wrong-pw-xyz');
  });

  it('says so when there is nothing to authenticate with', async () => {
    const e = await unreachable(new SshTransport(spec({ privateKeyFile: path.join(dir, 'missing') })).connect());
    expect(e.message).toMatch(/nothing to try .*missing.*no ssh-agent.*ansible_ssh_private_key_file/);
  });
});

describe('host keys', () => {
  const fp = () => fingerprintSha256(server.hostKey);

  it('refuses an unknown host, naming it, its fingerprint and how to accept it', async () => {
    writeFileSync(knownHosts, '');
    const e = await unreachable(new SshTransport(spec()).connect());
    expect(e.message).toContain(`[127.0.0.1]:${server.port} is not a known host`);
    expect(e.message).toContain(fp());
    expect(e.message).toContain('TSPLAY_HOST_KEY_CHECKING=accept-new');
    expect(e.message).toContain('ANSIBLE_HOST_KEY_CHECKING=False');
  });

  it('accept-new records the key, and later strict connections accept it', async () => {
    writeFileSync(knownHosts, '# keep me\n');
    const t = new SshTransport(spec({ hostKeyChecking: 'accept-new' }));
    await t.connect();
    await t.close();
    const text = readFileSync(knownHosts, 'utf8');
    expect(text).toBe(`# keep me\n${khLine(server.port, server.hostKeyType, server.hostKey)}`);
    expect(warnings.join('\n')).toContain(`Permanently added '[127.0.0.1]:${server.port}'`);
    const strict = new SshTransport(spec());
    await strict.connect();
    await strict.close();
  });

  it('StrictHostKeyChecking=no in ssh args connects without recording', async () => {
    writeFileSync(knownHosts, '');
    const t = new SshTransport(spec({ extraArgs: '-o StrictHostKeyChecking=no' }));
    await t.connect();
    await t.close();
    expect(readFileSync(knownHosts, 'utf8')).toBe('');
  });

  it('refuses a changed key in every mode', async () => {
    const impostor = clientKeyPair().parsed.getPublicSSH();
    writeFileSync(knownHosts, khLine(server.port, 'ssh-ed25519', impostor));
    for (const mode of ['strict', 'accept-new', 'off'] as const) {
      const e = await unreachable(new SshTransport(spec({ hostKeyChecking: mode })).connect());
      expect(e.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
      expect(e.message).toContain(fp());
      expect(e.message).toContain(`${knownHosts}:1`);
      expect(e.message).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}'`);
    }
    expect(readFileSync(knownHosts, 'utf8')).toBe(khLine(server.port, 'ssh-ed25519', impostor));
  });

  it('refuses a host that now presents another key type than the known one', async () => {
    const ecdsa = await startTestServer({ authorizedKeys: [key.parsed], hostKeyType: 'ecdsa' });
    writeFileSync(knownHosts, khLine(ecdsa.port, 'ssh-ed25519', server.hostKey));
    const e = await unreachable(new SshTransport(spec({ port: ecdsa.port, hostKeyChecking: 'accept-new' })).connect());
    expect(e.message).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED.*ecdsa-sha2-nistp256.*ssh-ed25519/);
    await ecdsa.close();
  });

  it('refuses a revoked key even when it is also listed as known', async () => {
    writeFileSync(knownHosts, khLine(server.port, server.hostKeyType, server.hostKey) + khLine(server.port, server.hostKeyType, server.hostKey, '@revoked '));
    const e = await unreachable(new SshTransport(spec({ hostKeyChecking: 'off' })).connect());
    expect(e.message).toMatch(/REVOKED/);
  });

  it('finds hashed entries and warns about @cert-authority lines it cannot use', async () => {
    const { hashHostName } = await import('../../../core/transport/known-hosts.js');
    writeFileSync(
      knownHosts,
      `@cert-authority *.example,[127.0.0.1]:* ${server.hostKeyType} ${server.hostKey.toString('base64')}\n` +
        `${hashHostName(`[127.0.0.1]:${server.port}`)} ${server.hostKeyType} ${server.hostKey.toString('base64')}\n`,
    );
    const t = new SshTransport(spec());
    await t.connect();
    await t.close();
    expect(warnings.join('\n')).toMatch(/ignoring @cert-authority line .*known_hosts:1/);
  });
});
