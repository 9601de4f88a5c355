/**
 * The MySQL client plumbing every MySQL module shares (modules/_lib/mysql-client.ts): the
 * script that starts the client is run for real by /bin/sh, with a stand-in `mysql` that
 * prints its arguments, the option file it was given on fd 3 and its stdin. The login must
 * reach the option file only, and the SQL after it must arrive whole.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleContext } from '../../../core/modules/api.js';
import { describeMysqlError, ERROR_LINE, isConnectError, loginCommand, NO_CLIENT, type LoginArgs } from '../../../modules/_lib/mysql-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DEFAULTS: LoginArgs = { login_host: 'localhost', login_port: 3306, connect_timeout: 30, config_file: '' };

/** What loginCommand reads of a context: the arguments, the secret registry and the host's name. */
function context(args: Partial<LoginArgs>): { ctx: ModuleContext<LoginArgs>; secrets: string[] } {
  const secrets: string[] = [];
  const ctx = { args: { ...DEFAULTS, ...args }, secret: (s: string) => secrets.push(s), host: { name: 'db1' } } as unknown as ModuleContext<LoginArgs>;
  return { ctx, secrets };
}

/** A directory with a stand-in `mysql` first on PATH. */
function standIn(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-mysql-client-'));
  dirs.push(d);
  writeFileSync(join(d, 'mysql'), '#!/bin/sh\nprintf "args: %s\\n" "$*"\ncat /dev/fd/3\necho "stdin:"\ncat\n');
  chmodSync(join(d, 'mysql'), 0o755);
  return d;
}

function runScript(command: string, input: Buffer | string, path: string) {
  return spawnSync('/bin/sh', ['-c', command], { input, encoding: 'utf8', env: { ...process.env, PATH: path } });
}

describe('loginCommand: the login on stdin, read by the client from fd 3', () => {
  it('the password is in the first input only, never in the command; the SQL after it arrives whole', () => {
    const password = 'p"a\\ss$w`rd $(touch /tmp/x) \'q\' ünï';
    const { ctx, secrets } = context({ login_user: 'bk', login_password: password, login_unix_socket: '/var/lib/mysql/mysql.sock' });
    const { command, stdinPrefix } = loginCommand(ctx, 'm');
    expect(secrets).toEqual([password]);
    expect(command).not.toContain('p"a');
    expect(command).not.toContain('bk');
    const options = stdinPrefix.toString('utf8');
    expect(options).toBe('[client]\nuser="bk"\npassword="p\\"a\\\\ss$w`rd $(touch /tmp/x) \'q\' ünï"\nsocket="/var/lib/mysql/mysql.sock"\n[mysql]\nconnect-timeout=30\n');

    const d = standIn();
    // More input than the options: dd must take exactly their bytes (multi-byte text included).
    const r = runScript(command, Buffer.concat([stdinPrefix, Buffer.from('SELECT 1;\nSELECT 2;\n')]), `${d}:${process.env.PATH}`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`args: --defaults-file=/dev/fd/3 --batch --skip-column-names\n${options}\nstdin:\nSELECT 1;\nSELECT 2;\n`);
  });

  it('config_file is included before the login options (which win); a missing one is skipped', () => {
    const d = standIn();
    writeFileSync(join(d, 'my.cnf'), '[client]\nuser=fromfile\n');
    const { ctx } = context({ config_file: join(d, 'my.cnf') });
    const { command, stdinPrefix } = loginCommand(ctx, 'm');
    const r = runScript(command, stdinPrefix, `${d}:${process.env.PATH}`);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('!include'))).toEqual([`!include ${join(d, 'my.cnf')}`]);
    const missing = loginCommand(context({ config_file: join(d, 'nothing.cnf') }).ctx, 'm');
    expect(runScript(missing.command, missing.stdinPrefix, `${d}:${process.env.PATH}`).stdout).not.toContain('!include');
  });

  it('with no mysql client on the host the script exits with NO_CLIENT', () => {
    const { ctx } = context({});
    const { command, stdinPrefix } = loginCommand(ctx, 'm');
    const empty = mkdtempSync(join(tmpdir(), 'tsplay-mysql-none-'));
    dirs.push(empty);
    const r = spawnSync('/bin/sh', ['-c', command], { input: stdinPrefix, encoding: 'utf8', env: { PATH: `${empty}:/bin` } });
    if (spawnSync('/bin/sh', ['-c', 'PATH=/bin:/usr/bin:/usr/local/bin:/usr/sbin command -v mysql']).status === 0) return; // this machine has a real client
    expect(r.status).toBe(NO_CLIENT);
    expect(describeMysqlError(ctx, { rc: r.status!, stdout: r.stdout, stderr: r.stderr })).toBe('no mysql client on db1: install mariadb (the client) or mariadb-server first');
  });
});

describe('errors of the client', () => {
  it('error lines, connection errors and their hints', () => {
    expect(ERROR_LINE.test('ERROR 1064 (42000) at line 3: You have an error in your SQL syntax')).toBe(true);
    expect(ERROR_LINE.test("ERROR 2002 (HY000): Can't connect to local MySQL server through socket")).toBe(true);
    expect(ERROR_LINE.test('nova\t%')).toBe(false);
    expect(isConnectError("ERROR 2002 (HY000): Can't connect")).toBe(true);
    expect(isConnectError("ERROR 1045 (28000): Access denied for user 'x'@'localhost'")).toBe(false);
    const { ctx } = context({});
    const said = describeMysqlError(ctx, { rc: 1, stdout: '', stderr: "mysql: [Warning] Using a password\nERROR 1045 (28000): Access denied for user 'x'@'localhost'\n" });
    expect(said).toBe("mysql on db1 failed: ERROR 1045 (28000): Access denied for user 'x'@'localhost' (wrong login_user/login_password, or root logs in over the unix socket only: use login_unix_socket without a password)");
    expect(describeMysqlError(ctx, { rc: 1, stdout: '', stderr: "ERROR 2002 (HY000): Can't connect\n" })).toMatch(/is the server running/);
  });
});
