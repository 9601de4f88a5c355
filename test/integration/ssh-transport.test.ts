/**
 * The SSH transport against real OpenSSH on the lab hosts (`npm run lab -- up`): connection
 * reuse proved from sshd's side, become with and without a password, host keys, an
 * unreachable address, timeouts, a 50 MB atomic write, a write cut off mid-transfer, and
 * byte-exact arguments. Connection settings come from inventories/lab exactly as a run
 * builds them (core/executor/connections.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSpecFor } from '../../core/executor/connections.js';
import { loadInventory } from '../../core/inventory/load.js';
import type { Inventory } from '../../core/inventory/model.js';
import { readFile, RemoteCommandError, writeFileAtomic } from '../../core/transport/remote-shell.js';
import { quote } from '../../core/transport/shell-quote.js';
import { closeAll, SshTransport, sshStats, type SshConnectionSpec } from '../../core/transport/ssh.js';
import { BecomeError, CommandTimeoutError, UnreachableError } from '../../core/transport/transport.js';

const LAB_INVENTORY = fileURLToPath(new URL('../../inventories/lab', import.meta.url));
const UNUSED_LAB_ADDRESS = '198.18.0.250';
/** Every shell metacharacter, both quotes, `$`, backticks, backslashes, newlines, tabs, non-ASCII. */
const NASTY = `a'b"c $HOME $(id) \${x} \`id\` \\ \\n \\\\\n\tline2; & && || | < > >> 2>&1 ( ) { } [ ] * ? ~ # ! % ^ = , é ü 日本 🙂 '"'"' -n -- end`;

let inventory: Inventory;
let hosts: string[];
let tmp: string;
const open: SshTransport[] = [];

/** The spec a run would build for `host`, with overrides. */
function specFor(host: string, over: Partial<SshConnectionSpec> = {}): SshConnectionSpec {
  const { connection: _c, ...spec } = connectionSpecFor(host, inventory.varsFor(host), {});
  return { ...spec, ...over };
}

function transport(host: string, over: Partial<SshConnectionSpec> = {}): SshTransport {
  const t = new SshTransport(specFor(host, over));
  open.push(t);
  return t;
}

async function failure<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(type);
  return e as T;
}

/** Replace the UserKnownHostsFile in the lab's ssh args with `file`. */
function withKnownHosts(host: string, file: string): string[] {
  return specFor(host).sshArgs!.map((a) => a.replace(/UserKnownHostsFile=\S+/, `UserKnownHostsFile=${file}`));
}

beforeAll(async () => {
  if (!existsSync(path.join(LAB_INVENTORY, 'hosts.ini'))) {
    throw new Error(`no lab inventory at ${LAB_INVENTORY}: bring the lab up first (npm run lab -- up)`);
  }
  inventory = await loadInventory([LAB_INVENTORY]);
  // The RPM hosts: the OpenStack controller ([openstack_api]) has no tester users.
  hosts = inventory
    .selectHosts('all')
    .map((h) => h.name)
    .filter((h) => !inventory.groupsOf(h).includes('openstack_api'));
  expect(hosts.length).toBeGreaterThanOrEqual(2);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tsplay-ssh-it-'));
});

afterAll(async () => {
  await Promise.allSettled(open.map((t) => t.close()));
  await closeAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('connection reuse', () => {
  it('runs a multi-command session over one TCP connection (sshd logs one login for it)', async () => {
    const [host] = hosts;
    const t = transport(host!);
    const before = sshStats().handshakes;
    const ports = new Set<string>();
    for (let i = 0; i < 10; i++) ports.add((await t.exec('echo $SSH_CLIENT')).stdout.split(' ')[1]!);
    const parallel = await Promise.all(Array.from({ length: 30 }, () => t.exec('echo $SSH_CLIENT')));
    for (const r of parallel) ports.add(r.stdout.split(' ')[1]!);
    expect(ports.size).toBe(1);
    expect(sshStats().handshakes - before).toBe(1);
    const port = [...ports][0]!;
    // sshd's own record: exactly one accepted login from our source port.
    const log = await t.exec(`journalctl -u ssh --no-pager -o cat | grep -c 'Accepted publickey for root from 198.18.0.1 port ${port} ' || true`);
    expect(log.stdout.trim()).toBe('1');
    const info = t.info()!;
    expect(info.kex).toMatch(/^curve25519-sha256/);
    console.log(`[ssh] ${host}: kex ${info.kex}, host key ${info.serverHostKey}, cipher ${info.cipher}, handshake ${info.handshakeMs.toFixed(1)} ms`);
  });

  it('reaches a lab host through another one with ProxyJump, sharing the jump connection', async () => {
    const [jump, target] = hosts;
    const jumpAddress = String(inventory.varsFor(jump!).ansible_host);
    const base = specFor(target!);
    const before = sshStats().handshakes;
    const a = transport(target!, { sshArgs: [...base.sshArgs!, `-J root@${jumpAddress}`] });
    const b = transport(target!, { host: `${target}-again`, sshArgs: [...base.sshArgs!, `-J root@${jumpAddress}`] });
    const [ra, rb] = await Promise.all([a.exec('echo $SSH_CLIENT'), b.exec('echo $SSH_CLIENT')]);
    expect(ra.stdout.split(' ')[0]).toBe(jumpAddress);
    expect(rb.stdout.split(' ')[0]).toBe(jumpAddress);
    expect(sshStats().handshakes - before).toBe(3); // one jump connection, two targets
    await Promise.all([a.close(), b.close()]);
  });
});

describe('authentication', () => {
  it('logs in with a password (ansible_password) and names what failed with a wrong one', async () => {
    const host = hosts[0]!;
    const password = readFileSync(String(inventory.varsFor(host).lab_sudo_password_file), 'utf8').trim();
    const noKey = { user: 'tester2', privateKeyFile: undefined, sshArgs: [...specFor(host).sshArgs!, '-o IdentityAgent=none -o IdentityFile=/nonexistent'] };
    expect((await transport(host, { ...noKey, password }).exec('id -un')).stdout).toBe('tester2\n');
    const e = await failure(transport(host, { ...noKey, password: 'wrong-password-123' }).connect(), UnreachableError);
    expect(e.message).toMatch(/authentication failed for user 'tester2' on .*tried: password/);
    expect(e.message).not.toContain('wrong-password-123');
  });

  it('logs in with a key held by ssh-agent', async () => {
    const host = hosts[0]!;
    const socket = path.join(tmp, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
      const added = spawnSync('ssh-add', ['-q', String(inventory.varsFor(host).ansible_ssh_private_key_file)], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      expect(added.status).toBe(0);
      const t = transport(host, { privateKeyFile: undefined, sshArgs: [...specFor(host).sshArgs!, `-o IdentityAgent=${socket} -o IdentityFile=/nonexistent`] });
      expect((await t.exec('id -un')).stdout).toBe('root\n');
      await t.close();
    } finally {
      agent.kill();
    }
  });
});

describe('become', () => {
  it('becomes root without a password (tester: NOPASSWD sudo)', async () => {
    const t = transport(hosts[0]!, { user: 'tester' });
    expect((await t.exec('id -un')).stdout.trim()).toBe('tester');
    const r = await t.exec('id -un; printf %s "$HOME"', { become: { user: 'root' } });
    expect(r.rc).toBe(0);
    expect(r.stdout).toBe('root\n/root');
  });

  it('becomes root with a password on stdin (tester2), never on argv or in the journal', async () => {
    const password = readFileSync(String(inventory.varsFor(hosts[0]!).lab_sudo_password_file), 'utf8').trim();
    const t = transport(hosts[0]!, { user: 'tester2' });
    // sudo refusing is a BecomeError (the command never ran), not an exit status of the command.
    const noPassword = await failure(t.exec('id -un', { become: { user: 'root' } }), BecomeError);
    expect(noPassword.message).toMatch(/password is required/);
    const wrong = await failure(t.exec('id -un', { become: { user: 'root', password: 'not-the-password' } }), BecomeError);
    expect(wrong.message).toMatch(/rejected the become password/);
    // With stdin for the command after the password line.
    const running = t.exec('cat; sleep 2; id -un', { become: { user: 'root', password }, stdin: 'payload\n' });
    await new Promise((r) => setTimeout(r, 1000));
    const root = transport(hosts[0]!);
    const ps = await root.exec('ps -eo args');
    expect(ps.stdout).not.toContain(password);
    const r = await running;
    expect(r.rc).toBe(0);
    expect(r.stdout).toBe('payload\nroot\n');
    const journal = await root.exec('journalctl --no-pager -o cat -n 500');
    expect(journal.stdout).not.toContain(password);
  });
});

describe('host keys', () => {
  it('refuses an unknown host, naming it and the fingerprint', async () => {
    const empty = path.join(tmp, 'empty_known_hosts');
    writeFileSync(empty, '');
    const host = hosts[0]!;
    const e = await failure(transport(host, { sshArgs: withKnownHosts(host, empty) }).connect(), UnreachableError);
    expect(e.message).toMatch(new RegExp(`${String(inventory.varsFor(host).ansible_host).replace(/\./g, '\\.')} is not a known host`));
    expect(e.message).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(e.message).toContain('TSPLAY_HOST_KEY_CHECKING=accept-new');
  });

  it('accept-new records the same key the lab knows', async () => {
    const host = hosts[0]!;
    const address = String(inventory.varsFor(host).ansible_host);
    const file = path.join(tmp, 'accepted_known_hosts');
    const t = transport(host, { sshArgs: withKnownHosts(host, file), hostKeyChecking: 'accept-new' });
    await t.connect();
    const recorded = readFileSync(file, 'utf8').trim().split(' ').slice(1).join(' ');
    const lab = readFileSync(String(inventory.varsFor(host).lab_known_hosts), 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[0]!.split(',').includes(address))!;
    expect(recorded).toBe(lab.split(' ').slice(1, 3).join(' '));
  });

  it('refuses a changed key, even with host key checking off', async () => {
    const [host, other] = hosts;
    const address = String(inventory.varsFor(host!).ansible_host);
    const otherKey = readFileSync(String(inventory.varsFor(host!).lab_known_hosts), 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[0]!.split(',').includes(String(inventory.varsFor(other!).ansible_host)))!;
    const file = path.join(tmp, 'changed_known_hosts');
    writeFileSync(file, `${address} ${otherKey.split(' ').slice(1).join(' ')}\n`);
    for (const mode of ['strict', 'off'] as const) {
      const e = await failure(transport(host!, { sshArgs: withKnownHosts(host!, file), hostKeyChecking: mode }).connect(), UnreachableError);
      expect(e.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    }
  });
});

describe('unreachable and timeouts', () => {
  it('reports an address with nothing behind it as unreachable quickly, while another host works', async () => {
    const started = Date.now();
    const dead = transport(hosts[0]!, { host: 'ghost', address: UNUSED_LAB_ADDRESS, connectTimeoutMs: 5000 });
    const alive = transport(hosts[1]!);
    const [d, a] = await Promise.allSettled([dead.exec('true'), alive.exec('echo alive')]);
    expect(d.status).toBe('rejected');
    const e = (d as PromiseRejectedResult).reason as UnreachableError;
    expect(e).toBeInstanceOf(UnreachableError);
    expect(e.host).toBe('ghost');
    expect(e.message).toMatch(new RegExp(`(timed out after 5 s connecting to|no route to host) ${UNUSED_LAB_ADDRESS.replace(/\./g, '\\.')}:22`));
    expect(Date.now() - started).toBeLessThan(6500);
    expect(a.status === 'fulfilled' && a.value.stdout).toBe('alive\n');
  });

  it.each([
    ['root', {}, undefined],
    ['tester (a non-root login)', { user: 'tester' }, undefined],
    ['tester2 with sudo and a password', { user: 'tester2' }, 'password'],
  ] as const)('kills a command that outlives its timeout, as %s', async (_label, over, become) => {
    const host = hosts[0]!;
    const marker = 4000 + Math.floor(Math.random() * 5000);
    const t = transport(host, over);
    const password = readFileSync(String(inventory.varsFor(host).lab_sudo_password_file), 'utf8').trim();
    const started = Date.now();
    const e = await failure(
      t.exec(`sleep ${marker} & sleep ${marker}; echo never`, { timeoutMs: 1000, ...(become ? { become: { user: 'root', password } } : {}) }),
      CommandTimeoutError,
    );
    expect(e.timeoutMs).toBe(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 1500));
    const left = await transport(host).exec(`pgrep -fx 'sleep ${marker}' || true`);
    expect(left.stdout).toBe('');
    expect((await t.exec('echo usable')).stdout).toBe('usable\n');
  });
});

describe('file transfer', () => {
  it('writes 50 MB atomically and it arrives intact', async () => {
    const t = transport(hosts[0]!);
    const data = randomBytes(50 * 1024 * 1024);
    const dest = `/tmp/tsplay-it-${process.pid}-big.bin`;
    const started = Date.now();
    await writeFileAtomic(t, dest, data, { mode: '0600' });
    const seconds = (Date.now() - started) / 1000;
    console.log(`[ssh] 50 MB writeFileAtomic: ${seconds.toFixed(2)} s (${(50 / seconds).toFixed(1)} MB/s)`);
    const r = await t.exec(`sha256sum ${quote(dest)} | cut -d' ' -f1; stat -c %a ${quote(dest)}; rm -f ${quote(dest)}`);
    expect(r.stdout).toBe(`${createHash('sha256').update(data).digest('hex')}\n600\n`);
  });

  it('leaves the old file and no temp file when the connection is killed mid-transfer', async () => {
    const host = hosts[0]!;
    const dir = `/tmp/tsplay-it-${process.pid}-cut`;
    const dest = `${dir}/target file`;
    const admin = transport(host);
    await admin.exec(`rm -rf ${quote(dir)} && mkdir ${quote(dir)} && printf 'old content' > ${quote(dest)}`);
    const t = transport(host);
    const port = (await t.exec('echo $SSH_CLIENT')).stdout.split(' ')[1]!;
    const writing = writeFileAtomic(t, dest, randomBytes(200 * 1024 * 1024)).then(
      () => undefined,
      (err: unknown) => err,
    );
    // Once the temp file is growing, kill the sshd process serving our connection.
    await admin.exec(`for i in $(seq 100); do ls -a ${quote(dir)} | grep -q tsplay-tmp && break; sleep 0.1; done`);
    await admin.exec(`kill -9 $(ss -tnpH state established "( sport = :22 and dport = :${port} )" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)`);
    const e = await writing;
    expect(e instanceof UnreachableError || e instanceof RemoteCommandError).toBe(true);
    // The remote script's trap removes the temp file as soon as its stdin ends.
    const check = await admin.exec(
      `for i in $(seq 50); do ls -A ${quote(dir)} | grep -q tsplay-tmp || break; sleep 0.1; done; ls -A ${quote(dir)}; cat ${quote(dest)}; rm -rf ${quote(dir)}`,
    );
    expect(check.stdout).toBe('target file\nold content');
    // The transport reconnects for the next command.
    expect((await t.exec('echo again')).stdout).toBe('again\n');
  });
});

describe('byte-exact arguments', () => {
  it('round-trips every metacharacter, newline and non-ASCII through exec, env, become and files', async () => {
    const t = transport(hosts[0]!, { user: 'tester' });
    const direct = await t.exec(`printf %s ${quote(NASTY)}`);
    expect(direct.stdoutBuffer.equals(Buffer.from(NASTY))).toBe(true);
    const viaEnv = await t.exec('printf %s "$NASTY"', { env: { NASTY } });
    expect(viaEnv.stdout).toBe(NASTY);
    const viaSudo = await t.exec(`printf %s ${quote(NASTY)}`, { become: { user: 'root' } });
    expect(viaSudo.stdout).toBe(NASTY);
    const dest = `/tmp/tsplay-it-${process.pid} ${NASTY.replace(/[/\n]/g, '_')}`;
    await writeFileAtomic(t, dest, NASTY);
    expect((await readFile(t, dest))!.toString('utf8')).toBe(NASTY);
    expect((await t.exec(`rm -f -- ${quote(dest)}`)).rc).toBe(0);
  });
});
