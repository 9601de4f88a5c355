/**
 * mysql_db and mysql_user against the real MariaDB of the lab's mariadb-server package on
 * compute2 (root over the unix socket), and over TCP from compute1. Every end state is read
 * back with the mysql client itself (SHOW GRANTS, information_schema, logging in with the
 * password); check mode must leave the server exactly as it was; passwords must not show up
 * in `ps` on the host while the modules run, nor anywhere in the results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import mysqlDb from '../../modules/mysql_db.js';
import mysqlUser from '../../modules/mysql_user.js';
import { openLab, type Lab } from './modules-lab.js';
import type { TaskResult } from '../../core/executor/task-result.js';

const DB_HOST = 'compute2';
const DB_IP = '198.18.0.13';
const CLIENT = 'compute1';
const SOCKET = '/var/lib/mysql/mysql.sock';
const PW = `Pw-${randomBytes(9).toString('hex')}`;
const PW2 = `Pw2-${randomBytes(9).toString('hex')}`;
const ADMIN_PW = `Adm-${randomBytes(9).toString('hex')}`;
const login = { login_unix_socket: SOCKET };
let lab: Lab;

/** SQL as root over the socket; tab-separated rows. */
const sql = async (q: string): Promise<string> => lab.out(DB_HOST, `mysql --batch --skip-column-names -e ${JSON.stringify(q)}`);
const grants = async (user: string, host: string): Promise<string> => {
  const r = await lab.sh(DB_HOST, `mysql --batch --skip-column-names -e "SHOW GRANTS FOR '${user}'@'${host}'"`);
  return r.rc === 0 ? r.stdout : `(no account: ${r.stderr.trim()})`;
};
/** Whether USER/PASSWORD can log in from compute1 over TCP (password through a file descriptor, not argv). */
const canLogin = async (user: string, password: string): Promise<boolean> => {
  const r = await lab.sh(CLIENT, `bash -c 'mysql --defaults-extra-file=<(printf "[client]\\nuser=%s\\npassword=%s\\n" ${user} "$(cat)") -h ${DB_IP} --protocol=TCP -e "SELECT 1"' <<'EOF'\n${password}\nEOF`);
  return r.rc === 0;
};
const everything = async () => sql("SELECT CONCAT(User,'@',Host) FROM mysql.user ORDER BY 1; SHOW DATABASES; SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA ORDER BY 1");
const noSecrets = (r: TaskResult, ...secrets: string[]) => {
  const text = JSON.stringify(r);
  for (const s of secrets) expect(text, 'a password appears in the result').not.toContain(s);
};

beforeAll(async () => {
  lab = await openLab();
  await lab.out(DB_HOST, 'rpm -q mariadb-server >/dev/null || yum install -y -q mariadb-server >/dev/null; systemctl start mariadb');
  await sql("DROP DATABASE IF EXISTS tsp_a; DROP DATABASE IF EXISTS tsp_b; DROP DATABASE IF EXISTS tsp_c; DROP USER IF EXISTS 'tsp_u'@'%', 'tsp_u'@'localhost', 'tsp_u'@'10.%', 'tsp_admin'@'%'");
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await sql("DROP DATABASE IF EXISTS tsp_a; DROP DATABASE IF EXISTS tsp_b; DROP DATABASE IF EXISTS tsp_c; DROP USER IF EXISTS 'tsp_u'@'%', 'tsp_u'@'localhost', 'tsp_u'@'10.%', 'tsp_admin'@'%'").catch(() => undefined);
  await lab.close();
});

describe('mysql_db on a real MariaDB', () => {
  it('check mode predicts the create and changes nothing; the real run creates; then idempotent', async () => {
    const before = await everything();
    const dry = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_a', ...login }, { check: true, diff: true });
    expect(dry).toMatchObject({ failed: false, changed: true, executed_commands: ['CREATE DATABASE `tsp_a`;'] });
    expect(dry.diff![0]).toMatchObject({ before: 'tsp_a: absent\n', after: 'tsp_a: present\n' });
    expect(await everything()).toBe(before);
    const real = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_a', ...login }, { diff: true });
    expect(real).toMatchObject({ failed: false, changed: true, executed_commands: dry.executed_commands });
    expect(await sql("SHOW DATABASES LIKE 'tsp\\_a'")).toBe('tsp_a\n');
    const again = await lab.run(DB_HOST, mysqlDb, { db: 'tsp_a', ...login });
    expect(again).toMatchObject({ failed: false, changed: false, executed_commands: [] });
  });

  it('encoding and collation: created with them, altered when they differ; a list of names', async () => {
    const r = await lab.run(DB_HOST, mysqlDb, { name: ['tsp_b', 'tsp_c'], encoding: 'utf8mb3', collation: 'utf8mb3_general_ci', ...login });
    expect(r).toMatchObject({ failed: false, changed: true, db: 'tsp_b', db_list: ['tsp_b', 'tsp_c'] });
    expect(await sql("SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'tsp\\_%' ORDER BY 1")).toContain(
      'tsp_b\tutf8mb3\tutf8mb3_general_ci\ntsp_c\tutf8mb3\tutf8mb3_general_ci\n',
    );
    expect((await lab.run(DB_HOST, mysqlDb, { name: ['tsp_b', 'tsp_c'], encoding: 'utf8mb3', collation: 'utf8mb3_general_ci', ...login })).changed).toBe(false);
    const alter = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_c', encoding: 'latin1', collation: 'latin1_swedish_ci', ...login }, { check: true });
    expect(alter).toMatchObject({ changed: true, executed_commands: ['ALTER DATABASE `tsp_c` CHARACTER SET latin1 COLLATE latin1_swedish_ci;'] });
    expect(await sql("SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'tsp_c'")).toBe('utf8mb3_general_ci\n');
    await lab.run(DB_HOST, mysqlDb, { name: 'tsp_c', encoding: 'latin1', collation: 'latin1_swedish_ci', ...login });
    expect(await sql("SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'tsp_c'")).toBe('latin1_swedish_ci\n');
  });

  it('state absent: predicted, then dropped, then nothing to do', async () => {
    expect(await lab.run(DB_HOST, mysqlDb, { name: 'tsp_c', state: 'absent', ...login }, { check: true })).toMatchObject({ changed: true, executed_commands: ['DROP DATABASE `tsp_c`;'] });
    expect(await sql("SHOW DATABASES LIKE 'tsp\\_c'")).toBe('tsp_c\n');
    expect((await lab.run(DB_HOST, mysqlDb, { name: 'tsp_c', state: 'absent', ...login })).changed).toBe(true);
    expect(await sql("SHOW DATABASES LIKE 'tsp\\_c'")).toBe('');
    expect((await lab.run(DB_HOST, mysqlDb, { name: 'tsp_c', state: 'absent', ...login })).changed).toBe(false);
  });

  it('dump (compressed, atomic) and import: check mode runs nothing; the data comes back', async () => {
    await sql('CREATE TABLE tsp_a.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO tsp_a.t VALUES (1, "one"), (2, "two")');
    const target = '/root/tsp_a.sql.gz';
    await lab.out(DB_HOST, `rm -f ${target}`);
    const dry = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_a', state: 'dump', target, single_transaction: true, ...login }, { check: true });
    expect(dry).toMatchObject({ changed: true, executed_commands: [`mysqldump tsp_a > ${target}`] });
    expect((await lab.sh(DB_HOST, `test -e ${target}`)).rc).toBe(1);
    const dump = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_a', state: 'dump', target, single_transaction: true, ...login });
    expect(dump, dump.msg).toMatchObject({ failed: false, changed: true });
    expect(await lab.out(DB_HOST, `gzip -t ${target} && zcat ${target} | grep -q 'CREATE TABLE .t.' && zcat ${target} | grep -q "(2,'two')" && stat -c %a ${target}`)).toBe('600\n');
    // A failed dump (unknown database) leaves the good file alone.
    const bad = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_nope', state: 'dump', target, ...login });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(/dump failed: .*Unknown database/);
    expect((await lab.sh(DB_HOST, `gzip -t ${target}`)).rc).toBe(0);
    expect(await lab.out(DB_HOST, 'ls -a /root | grep -c tsplay-dump || true')).toBe('0\n');

    await sql('DROP DATABASE tsp_a');
    const load = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_a', state: 'import', target, ...login });
    expect(load, load.msg).toMatchObject({ failed: false, changed: true });
    expect(await sql('SELECT v FROM tsp_a.t ORDER BY id')).toBe('one\ntwo\n');
    await lab.out(DB_HOST, `rm -f ${target}`);
  });

  it('a server that is not there fails with the reason and a hint', async () => {
    const r = await lab.run(DB_HOST, mysqlDb, { name: 'tsp_x', login_unix_socket: '/nonexistent.sock' });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/mysql on compute2 failed: ERROR 2002 .*is the server running/);
  });
});

describe('mysql_user on a real MariaDB', () => {
  it("seed 004's GRANT ALL ON nova.* TO 'nova'@'%': check mode, real run, login with the password, idempotent", async () => {
    const args = { name: 'tsp_u', host: '%', password: PW, priv: 'tsp_a.*:ALL', ...login };
    const before = await everything();
    const dry = await lab.run(DB_HOST, mysqlUser, args, { check: true, diff: true });
    expect(dry).toMatchObject({ failed: false, changed: true, password_changed: true });
    expect(dry.queries).toEqual(["CREATE USER 'tsp_u'@'%' IDENTIFIED BY '********';", "GRANT ALL PRIVILEGES ON `tsp_a`.* TO 'tsp_u'@'%';"]);
    expect(dry.diff![0]!.after).toBe("'tsp_u'@'%': present, password set\n  ALL PRIVILEGES ON `tsp_a`.*\n");
    noSecrets(dry, PW);
    expect(await everything()).toBe(before);

    // One command reads (accounts and SHOW GRANTS), one acts.
    const trips = lab.execs(DB_HOST);
    const real = await lab.run(DB_HOST, mysqlUser, args, { diff: true });
    expect(lab.execs(DB_HOST) - trips).toBe(2);
    expect(real).toMatchObject({ failed: false, changed: true, queries: dry.queries });
    noSecrets(real, PW);
    expect(await grants('tsp_u', '%')).toMatch(/^GRANT USAGE ON \*\.\* TO `tsp_u`@`%` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'\nGRANT ALL PRIVILEGES ON `tsp_a`\.\* TO `tsp_u`@`%`\n$/);
    expect(await canLogin('tsp_u', PW)).toBe(true);
    expect(await canLogin('tsp_u', PW2)).toBe(false);

    const before2 = lab.execs(DB_HOST);
    const again = await lab.run(DB_HOST, mysqlUser, { ...args, user: 'tsp_u', name: undefined });
    expect(again).toMatchObject({ failed: false, changed: false, queries: [] });
    expect(lab.execs(DB_HOST) - before2).toBe(1);
    expect(await lab.run(DB_HOST, mysqlUser, args, { check: true })).toMatchObject({ changed: false });
  });

  it('password: changed when it differs (update_password always), kept with on_create; encrypted hashes compare too', async () => {
    const base = { name: 'tsp_u', host: '%', ...login };
    expect(await lab.run(DB_HOST, mysqlUser, { ...base, password: PW2, update_password: 'on_create' })).toMatchObject({ changed: false });
    expect(await canLogin('tsp_u', PW)).toBe(true);
    const change = await lab.run(DB_HOST, mysqlUser, { ...base, password: PW2 }, { diff: true });
    expect(change).toMatchObject({ changed: true, password_changed: true, queries: ["SET PASSWORD FOR 'tsp_u'@'%' = PASSWORD('********');"] });
    expect(change.diff![0]!.after).toContain('password changed');
    noSecrets(change, PW, PW2);
    expect(await canLogin('tsp_u', PW2)).toBe(true);
    expect(await canLogin('tsp_u', PW)).toBe(false);
    const hash = (await sql("SELECT PASSWORD('" + PW2 + "')")).trim();
    expect(await lab.run(DB_HOST, mysqlUser, { ...base, password: hash, encrypted: true })).toMatchObject({ changed: false });
    const hashPw = (await sql("SELECT PASSWORD('" + PW + "')")).trim();
    expect(await lab.run(DB_HOST, mysqlUser, { ...base, password: hashPw, encrypted: true })).toMatchObject({ changed: true, queries: ["SET PASSWORD FOR 'tsp_u'@'%' = '********';"] });
    expect(await canLogin('tsp_u', PW)).toBe(true);
  });

  it('priv: dict form replaces (revokes what is not listed); append_privs adds; GRANT gives the grant option', async () => {
    const base = { name: 'tsp_u', host: '%', ...login };
    const r = await lab.run(DB_HOST, mysqlUser, { ...base, priv: { 'tsp_b.*': 'SELECT,INSERT', 'tsp_a.*': ['SELECT', 'GRANT'] } }, { diff: true });
    expect(r.changed).toBe(true);
    expect(await grants('tsp_u', '%')).toMatch(/GRANT SELECT, INSERT ON `tsp_b`\.\* TO `tsp_u`@`%`\n/);
    expect(await grants('tsp_u', '%')).toMatch(/GRANT SELECT ON `tsp_a`\.\* TO `tsp_u`@`%` WITH GRANT OPTION\n/);
    expect(await grants('tsp_u', '%')).not.toMatch(/ALL PRIVILEGES/);
    expect((await lab.run(DB_HOST, mysqlUser, { ...base, priv: 'tsp_a.*:SELECT,GRANT/tsp_b.*:INSERT,SELECT' })).changed).toBe(false);
    const add = await lab.run(DB_HOST, mysqlUser, { ...base, priv: 'tsp_b.*:UPDATE', append_privs: true });
    expect(add).toMatchObject({ changed: true, queries: ["GRANT UPDATE ON `tsp_b`.* TO 'tsp_u'@'%';"] });
    expect(await grants('tsp_u', '%')).toMatch(/GRANT SELECT, INSERT, UPDATE ON `tsp_b`\.\*/);
    expect((await lab.run(DB_HOST, mysqlUser, { ...base, priv: 'tsp_b.*:UPDATE', append_privs: true })).changed).toBe(false);
    // Without priv the privileges are left alone.
    expect((await lab.run(DB_HOST, mysqlUser, { ...base })).changed).toBe(false);
  });

  it('host_all, a remote login over TCP from another host, absent', async () => {
    await lab.run(DB_HOST, mysqlUser, { name: 'tsp_u', host: 'localhost', password: PW, ...login });
    await lab.run(DB_HOST, mysqlUser, { name: 'tsp_admin', host: '%', password: ADMIN_PW, priv: '*.*:ALL,GRANT', ...login });
    // compute1 manages compute2's accounts over TCP with a password login.
    const remote = { login_host: DB_IP, login_user: 'tsp_admin', login_password: ADMIN_PW };
    const all = await lab.run(CLIENT, mysqlUser, { name: 'tsp_u', host_all: true, priv: 'tsp_a.*:SELECT', ...remote }, { diff: true });
    expect(all).toMatchObject({ failed: false, changed: true, hosts: ['%', 'localhost'] });
    noSecrets(all, ADMIN_PW, PW);
    expect(await grants('tsp_u', 'localhost')).toMatch(/GRANT SELECT ON `tsp_a`\.\* TO `tsp_u`@`localhost`\n$/);
    expect(await grants('tsp_u', '%')).toMatch(/GRANT SELECT ON `tsp_a`\.\* TO `tsp_u`@`%`\n$/);
    expect((await lab.run(CLIENT, mysqlUser, { name: 'tsp_u', host_all: true, priv: 'tsp_a.*:SELECT', ...remote })).changed).toBe(false);

    const wrong = await lab.run(CLIENT, mysqlUser, { name: 'tsp_u', ...remote, login_password: `${ADMIN_PW}x` });
    expect(wrong.failed).toBe(true);
    expect(wrong.msg).toMatch(/ERROR 1045 .*Access denied.*wrong login_user\/login_password/);
    noSecrets(wrong, ADMIN_PW);

    const gone = await lab.run(DB_HOST, mysqlUser, { name: 'tsp_u', host_all: true, state: 'absent', ...login }, { check: true });
    expect(gone).toMatchObject({ changed: true, queries: ["DROP USER 'tsp_u'@'%';", "DROP USER 'tsp_u'@'localhost';"] });
    expect(await grants('tsp_u', '%')).toMatch(/^GRANT/);
    expect((await lab.run(DB_HOST, mysqlUser, { name: 'tsp_u', host_all: true, state: 'absent', ...login })).changed).toBe(true);
    expect(await grants('tsp_u', '%')).toMatch(/no account/);
    expect((await lab.run(DB_HOST, mysqlUser, { name: 'tsp_u', host: '%', state: 'absent', ...login })).changed).toBe(false);
  });

  it('passwords never appear in `ps` on the host while the modules run', async () => {
    // Sample every process's command line on both hosts, every 5 ms, while modules run there.
    const sampler = (host: string) => lab.sh(host, 'end=$(( $(date +%s) + 6 )); while [ $(date +%s) -lt $end ]; do ps -eo args; sleep 0.005; done');
    const samples = Promise.all([sampler(DB_HOST), sampler(CLIENT)]);
    await new Promise((r) => setTimeout(r, 300));
    const remote = { login_host: DB_IP, login_user: 'tsp_admin', login_password: ADMIN_PW };
    for (let i = 0; i < 6; i++) {
      await lab.run(DB_HOST, mysqlUser, { name: 'tsp_u', host: '%', password: i % 2 ? PW : PW2, priv: 'tsp_a.*:ALL', ...login });
      await lab.run(CLIENT, mysqlUser, { name: 'tsp_u', host: '10.%', password: i % 2 ? PW : PW2, ...remote });
      await lab.run(CLIENT, mysqlDb, { name: 'tsp_b', ...remote });
    }
    const [db, client] = await samples;
    const seen = `${db!.stdout}\n${client!.stdout}`;
    // The sampler did see the modules' mysql processes, so their absence of passwords means something.
    expect(seen).toMatch(/mysql --defaults-file=\/dev\/fd\/3/);
    for (const secret of [PW, PW2, ADMIN_PW]) expect(seen.includes(secret), 'a password is visible in ps').toBe(false);
  }, 120_000);
});
