/**
 * mysql_session against a real MariaDB on compute3 (the lab's mariadb-server RPM): a session
 * held across tasks really holds FLUSH TABLES WITH READ LOCK (a write from another session
 * blocks until the release), the password never shows in `ps` or a process environment, a
 * failed statement keeps the session, lock_wait_timeout bounds a blocked FLUSH, check mode opens
 * nothing, and a dropped connection releases the lock on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysqlSession from '../../modules/mysql_session.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute3';
const PASSWORD = `pw "with' $(quotes) \\ ${process.pid}`;
let lab: Lab;

/** Sessions other than the one asking, as the server sees them: "user command" lines. */
const sessions = async () => (await lab.out(HOST, `mysql -N -e "SELECT USER, COMMAND FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon' ORDER BY ID"`)).trim();
/** An INSERT from its own session: ms taken, or 'blocked' if it did not finish within 2 s. */
async function insert(tag: string): Promise<number | 'blocked'> {
  const r = await lab.sh(HOST, `s=$(date +%s%3N); timeout 2 mysql -e "INSERT INTO tsplay_it.t (v) VALUES ('${tag}')" && echo $(( $(date +%s%3N) - s ))`);
  return r.rc === 0 ? Number(r.stdout.trim()) : 'blocked';
}

beforeAll(async () => {
  lab = await openLab();
  await lab.out(HOST, 'rpm -q mariadb-server >/dev/null || yum -y -q install mariadb-server >/dev/null; systemctl start mariadb');
  const sql = [
    'DROP DATABASE IF EXISTS tsplay_it',
    'CREATE DATABASE tsplay_it',
    'CREATE TABLE tsplay_it.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB',
    "DROP USER IF EXISTS 'tsplay_bk'@'localhost'",
  ].join('; ');
  await lab.out(HOST, `mysql -e ${JSON.stringify(sql)}`);
  // The password through a file: it must not appear on a command line here either.
  await lab.sh(HOST, `cat > /root/tsplay-it.sql <<'EOF'\nCREATE USER 'tsplay_bk'@'localhost' IDENTIFIED BY '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';\nGRANT RELOAD, SELECT ON *.* TO 'tsplay_bk'@'localhost';\nEOF\nmysql < /root/tsplay-it.sql && rm /root/tsplay-it.sql`);
}, 300_000);

afterAll(async () => {
  await lab?.sh(HOST, `mysql -e "DROP DATABASE IF EXISTS tsplay_it; DROP USER IF EXISTS 'tsplay_bk'@'localhost'"`);
  await lab?.close();
});

describe('mysql_session on a real MariaDB', () => {
  it('holds FLUSH TABLES WITH READ LOCK across tasks; the release lets the blocked write through', async () => {
    const runtime = new HostRuntime();
    const login = { login_user: 'tsplay_bk', login_password: PASSWORD, login_unix_socket: '/var/lib/mysql/mysql.sock' };
    expect(await insert('before')).toBeLessThan(1500);

    const opened = await lab.run(HOST, mysqlSession, { name: 'it', query: 'FLUSH TABLES WITH READ LOCK', ...login }, { runtime });
    expect(opened).toMatchObject({ changed: true, failed: false, session: 'it', connection_id: expect.stringMatching(/^\d+$/) });
    // Between tasks: the lock is held by the session, and nothing shows the password.
    expect(await sessions()).toBe('tsplay_bk\tSleep');
    expect(await insert('while-locked')).toBe('blocked');
    const ps = await lab.out(HOST, 'ps -eo args; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"');
    expect(ps).toContain('mysql --defaults-file=/dev/fd/3 --batch --unbuffered');
    expect(ps).not.toContain("$(quotes)");

    // A later task in the same session: results, and a failed statement that keeps it.
    const used = await lab.run(HOST, mysqlSession, { name: 'it', query: ["SELECT 1 AS a, NULL AS b, 'x\\ty' AS c", 'SELECT CURRENT_USER() AS u'] }, { runtime });
    expect(used).toMatchObject({ changed: true, query_result: [[{ a: '1', b: null, c: 'x\ty' }], [{ u: 'tsplay_bk@localhost' }]] });
    const bad = await lab.run(HOST, mysqlSession, { name: 'it', query: 'SELEC 1' }, { runtime });
    expect(bad).toMatchObject({ failed: true, msg: expect.stringMatching(/SELEC 1; failed: ERROR 1064 \(42000\) at line \d+: You have an error in your SQL syntax/) });
    expect(await insert('still-locked')).toBe('blocked');

    const released = await lab.run(HOST, mysqlSession, { name: 'it', state: 'absent', query: 'UNLOCK TABLES' }, { runtime });
    expect(released).toMatchObject({ changed: true, failed: false, executed_queries: ['UNLOCK TABLES;'] });
    expect(await sessions()).toBe('');
    expect(await insert('after')).toBeLessThan(1500);
    // `timeout` stopped the blocked clients; the server may still run an INSERT that was waiting
    // for the lock once it is released (it notices the client's absence later): never before.
    const rows = (await lab.out(HOST, 'mysql -N -e "SELECT v FROM tsplay_it.t ORDER BY id"')).trim().split('\n');
    expect(rows[0]).toBe('before');
    expect(rows).toContain('after');
    expect(rows.every((v) => ['before', 'while-locked', 'still-locked', 'after'].includes(v))).toBe(true);
    expect((await lab.run(HOST, mysqlSession, { name: 'it', state: 'absent' }, { runtime })).changed).toBe(false);
  });

  it('check mode opens nothing; it logs in once, so a wrong socket fails the dry run too', async () => {
    const runtime = new HostRuntime();
    const check = await lab.run(HOST, mysqlSession, { name: 'c', query: 'FLUSH TABLES WITH READ LOCK' }, { runtime, check: true });
    expect(check).toMatchObject({ changed: true, failed: false });
    expect(await sessions()).toBe('');
    expect(await lab.run(HOST, mysqlSession, { name: 'c', state: 'absent', query: 'UNLOCK TABLES' }, { runtime, check: true })).toMatchObject({ changed: true });
    const wrong = await lab.run(HOST, mysqlSession, { name: 'c', login_unix_socket: '/run/nowhere.sock' }, { check: true });
    expect(wrong).toMatchObject({ failed: true, msg: expect.stringMatching(/could not open mysql session c: ERROR 2002 \(HY000\): Can't connect to local server through socket '\/run\/nowhere.sock'/) });
    const wrongReal = await lab.run(HOST, mysqlSession, { name: 'c', login_unix_socket: '/run/nowhere.sock' });
    expect(wrongReal.msg).toBe(wrong.msg);
  });

  it('a FLUSH that waits longer than timeout fails, and the failed session is ended: nothing stays blocked', async () => {
    // Another session holds a table write lock: FLUSH TABLES WITH READ LOCK must wait for it.
    const holder = lab.sh(HOST, 'mysql -e "LOCK TABLES tsplay_it.t WRITE; SELECT SLEEP(6)"');
    await new Promise((r) => setTimeout(r, 800));
    const runtime = new HostRuntime();
    const started = Date.now();
    const r = await lab.run(HOST, mysqlSession, { name: 'w', query: 'FLUSH TABLES WITH READ LOCK', timeout: 2 }, { runtime });
    expect(r).toMatchObject({ failed: true, msg: expect.stringMatching(/FLUSH TABLES WITH READ LOCK; failed: ERROR 1205 \(HY000\) at line \d+: Lock wait timeout exceeded/) });
    expect(Date.now() - started).toBeLessThan(5000);
    await holder;
    expect(await sessions()).toBe('');
    expect(await insert('after-timeout')).toBeLessThan(1500);
  });

  it('the connection to the host drops: the client sees its input end, the server releases the lock', async () => {
    const runtime = new HostRuntime();
    expect((await lab.run(HOST, mysqlSession, { name: 'd', query: 'FLUSH TABLES WITH READ LOCK' }, { runtime })).failed).toBe(false);
    expect(await insert('locked')).toBe('blocked');
    await lab.close(); // the run's SSH connection goes, without ending the session first
    lab = await openLab();
    let left = 'x';
    for (let i = 0; i < 50 && left !== ''; i++) {
      left = await sessions();
      if (left) await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
    expect(await insert('released')).toBeLessThan(1500);
  });
});
