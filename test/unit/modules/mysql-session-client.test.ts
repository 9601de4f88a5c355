/**
 * The parts particular to mysql_session (modules/_lib/mysql-session-client.ts): the held
 * client's flags on the shared login script, statements and markers, and reading --batch
 * replies. The script is run for real with a stand-in `mysql` that prints what it got: the
 * login arrives on fd 3, and the session's statements after it stay on stdin for the client.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleContext } from '../../../core/modules/api.js';
import type { LoginArgs } from '../../../modules/_lib/mysql-client.js';
import { batchValue, markerEnd, markerStatement, parseStatementOutput, sessionCommand, statement, withoutMarker } from '../../../modules/_lib/mysql-session-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the session client', () => {
  it('logs in as the other MySQL modules do; the password only in the first input; statements follow on stdin', () => {
    const password = 'p"a\\ss$w`rd $(touch /tmp/x) \'q\'';
    const secrets: string[] = [];
    const args: LoginArgs = { login_user: 'bk', login_password: password, login_host: 'localhost', login_port: 3306, login_unix_socket: '/var/lib/mysql/mysql.sock', connect_timeout: 30, config_file: '' };
    const ctx = { args, secret: (s: string) => secrets.push(s) } as unknown as ModuleContext<LoginArgs>;
    const c = sessionCommand(ctx);
    expect(secrets).toEqual([password]);
    expect(c.command).not.toContain('p"a');
    expect(c.command).not.toContain('rd ');
    expect(c.stdinPrefix).toContain(`user="bk"\npassword="p\\"a\\\\ss$w\`rd $(touch /tmp/x) 'q'"\n`);

    const d = mkdtempSync(join(tmpdir(), 'tsplay-mysql-session-'));
    dirs.push(d);
    writeFileSync(join(d, 'mysql'), '#!/bin/sh\nprintf "args: %s\\n" "$*"\ncat /dev/fd/3\necho "stdin:"\ncat\n');
    chmodSync(join(d, 'mysql'), 0o755);
    const r = spawnSync('/bin/sh', ['-c', c.command], { input: `${c.stdinPrefix}SELECT 1;\n`, encoding: 'utf8', env: { ...process.env, PATH: `${d}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`args: --defaults-file=/dev/fd/3 --batch --unbuffered --force --skip-reconnect\n${c.stdinPrefix}\nstdin:\nSELECT 1;\n`);
  });
});

describe('statements and replies', () => {
  it('one statement per item, with exactly one terminating semicolon', () => {
    expect(statement(' FLUSH TABLES WITH READ LOCK ')).toBe('FLUSH TABLES WITH READ LOCK;\n');
    expect(statement('UNLOCK TABLES;;  ')).toBe('UNLOCK TABLES;\n');
    expect(() => statement(' ; ')).toThrow(/empty/);
  });

  it('the reply ends after the marker; the marker is taken off the reply', () => {
    const end = markerEnd('abc');
    expect(markerStatement('abc')).toBe("SELECT 'abc' AS tsplay_marker;\n");
    expect(end('u\nroot\ntsplay_marker\n')).toBe(-1);
    const out = 'u\nroot\ntsplay_marker\nabc\nnext';
    expect(end(out)).toBe(out.length - 4);
    expect(withoutMarker(out.slice(0, end(out)), 'abc')).toBe('u\nroot\n');
  });

  it('--batch output: a header line and rows by column; NULL and the escapes', () => {
    expect(parseStatementOutput('id\tname\n1\ta\\tb\\nc\n2\tNULL\n')).toEqual({ errors: [], rows: [{ id: '1', name: 'a\tb\nc' }, { id: '2', name: null }] });
    expect(parseStatementOutput('')).toEqual({ errors: [], rows: [] });
    expect(batchValue('back\\\\slash\\0')).toBe('back\\slash\0');
    expect(batchValue('NULL')).toBeNull();
  });

  it('an error, with the echo of the failing statement that --force prints, is an error and nothing else', () => {
    const text = '--------------\nSELEC bad\n--------------\n\nERROR 1064 (42000) at line 3: You have an error in your SQL syntax\n';
    expect(parseStatementOutput(text)).toEqual({ errors: ['ERROR 1064 (42000) at line 3: You have an error in your SQL syntax'], rows: [] });
    expect(parseStatementOutput('ERROR 2002 (HY000): Can\'t connect to local server\n').errors).toHaveLength(1);
  });
});
