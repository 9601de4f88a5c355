/**
 * The pure parts of mysql_session: the client's command line and first input (the password
 * on a pipe, never on a command line), statements and markers, and reading --batch output.
 * The shell prelude is run for real with a stand-in `mysql` that prints what it got.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { markerEnd, markerStatement, mysqlClientCommand, optionValue, OPTIONS_END, parseStatementOutput, statement, unescapeBatch, withoutMarker } from '../../../modules/_lib/mysql-session-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('mysql client command', () => {
  it('without a password: the client alone, login values as single --opt=value words', () => {
    const c = mysqlClientCommand({ login_user: 'root', login_unix_socket: '/var/lib/mysql/mysql.sock', login_port: 3307, login_host: 'db' });
    expect(c.stdinPrefix).toBe('');
    expect(c.command).toBe("exec mysql --batch --unbuffered --force --skip-reconnect --user=root --host=db --port=3307 --socket=/var/lib/mysql/mysql.sock 2>&1");
    expect(mysqlClientCommand({ config_file: '/root/backup.cnf' }).command).toContain('--defaults-extra-file=/root/backup.cnf --batch');
  });

  it('with a password: it is in the first input only, and reaches the client as an option file on fd 3', () => {
    const password = 'p"a\\ss$w`rd $(touch /tmp/x) \'q\'';
    const c = mysqlClientCommand({ login_user: 'bk', login_password: password });
    expect(c.command).not.toContain('p"a');
    expect(c.command).not.toContain('rd ');
    expect(c.stdinPrefix).toBe(`[client]\npassword=${optionValue(password)}\n${OPTIONS_END}\n`);

    // A stand-in client: prints its arguments, the option file it was given, then its stdin.
    const d = mkdtempSync(join(tmpdir(), 'tsplay-mysql-cmd-'));
    dirs.push(d);
    writeFileSync(join(d, 'mysql'), '#!/bin/sh\nprintf "args: %s\\n" "$*"\ncat "${1#--defaults-extra-file=}"\necho "stdin:"\ncat\n');
    chmodSync(join(d, 'mysql'), 0o755);
    const r = spawnSync('/bin/sh', ['-c', c.command], { input: `${c.stdinPrefix}SELECT 1;\n`, encoding: 'utf8', env: { ...process.env, PATH: `${d}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `args: --defaults-extra-file=/dev/fd/3 --batch --unbuffered --force --skip-reconnect --user=bk\n[client]\npassword=${optionValue(password)}\n\nstdin:\nSELECT 1;\n`,
    );
  });

  it('option values are quoted with the escapes the option parser knows; a line break is refused', () => {
    expect(optionValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => optionValue('a\nb')).toThrow(/line break/);
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
    expect(unescapeBatch('back\\\\slash\\0')).toBe('back\\slash\0');
  });

  it('an error, with the echo of the failing statement that --force prints, is an error and nothing else', () => {
    const text = '--------------\nSELEC bad\n--------------\n\nERROR 1064 (42000) at line 3: You have an error in your SQL syntax\n';
    expect(parseStatementOutput(text)).toEqual({ errors: ['ERROR 1064 (42000) at line 3: You have an error in your SQL syntax'], rows: [] });
    expect(parseStatementOutput('ERROR 2002 (HY000): Can\'t connect to local server\n').errors).toHaveLength(1);
  });
});
