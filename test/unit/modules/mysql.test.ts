/**
 * The pure parts of mysql_db/mysql_user: community.mysql's priv forms, SHOW GRANTS lines as
 * MariaDB 10.11 and 5.5 print them, the grant planner, quoting, the option file and the
 * native password hash (known values from MariaDB's PASSWORD()).
 */
import { describe, expect, it } from 'vitest';
import { canonicalObject, clientOptions, describePrivs, nativePasswordHash, parseGrants, parsePriv, planGrants, PrivError, sqlIdent, sqlString, unescapeBatch } from '../../../modules/_lib/mysql.js';

describe('priv strings and dicts', () => {
  it('reads the string form: objects split by /, privileges by commas, GRANT as the grant option', () => {
    const m = parsePriv('nova.*:ALL/nova_api.*:select,Insert,GRANT/*.*:USAGE');
    expect([...m]).toEqual([
      ['`nova`.*', { privs: ['ALL PRIVILEGES'], grantOption: false }],
      ['`nova_api`.*', { privs: ['INSERT', 'SELECT'], grantOption: true }],
      ['*.*', { privs: ['USAGE'], grantOption: false }],
    ]);
  });

  it('reads the dict form with comma strings and lists, and quoted names with dots', () => {
    const m = parsePriv({ 'nova.*': 'ALL PRIVILEGES', '`my.db`.`t`': ['SELECT', 'SHOW VIEW'] });
    expect(m.get('`nova`.*')).toEqual({ privs: ['ALL PRIVILEGES'], grantOption: false });
    expect(m.get('`my.db`.`t`')).toEqual({ privs: ['SELECT', 'SHOW VIEW'], grantOption: false });
  });

  it('keeps column privileges whole and splits at the last colon', () => {
    expect([...parsePriv('db.t:SELECT (a, b),UPDATE (c)')]).toEqual([['`db`.`t`', { privs: ['SELECT (A, B)', 'UPDATE (C)'], grantOption: false }]]);
  });

  it('ALL absorbs other privileges', () => {
    expect(parsePriv('db.*:SELECT,ALL').get('`db`.*')!.privs).toEqual(['ALL PRIVILEGES']);
  });

  it.each(['nova', 'nova.*', ':ALL', 'nova.*:', '*.t:SELECT', 'nova.*:DROP TABLE;', 'db.*:REQUIRESSL'])('refuses %j with a clear error', (bad) => {
    expect(() => parsePriv(bad)).toThrow(PrivError);
  });

  it('canonical objects', () => {
    expect(canonicalObject('*.*')).toBe('*.*');
    expect(canonicalObject('`nova`.*')).toBe('`nova`.*');
    expect(canonicalObject('`a``b`.c')).toBe('`a``b`.`c`');
    expect(canonicalObject('procedure db.p')).toBe('PROCEDURE `db`.`p`');
  });
});

describe('SHOW GRANTS', () => {
  it('MariaDB 10.11: password hash, database grant, grant option', () => {
    const g = parseGrants([
      "GRANT USAGE ON *.* TO `nova`@`%` IDENTIFIED BY PASSWORD '*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4'",
      'GRANT ALL PRIVILEGES ON `nova`.* TO `nova`@`%` WITH GRANT OPTION',
      'GRANT SELECT, INSERT ON `glance`.`images` TO `nova`@`%`',
    ]);
    expect(g.passwordHash).toBe('*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4');
    expect(describePrivs(g.privs)).toEqual(['INSERT, SELECT ON `glance`.`images`', 'ALL PRIVILEGES ON `nova`.* WITH GRANT OPTION']);
  });

  it('MariaDB 5.5 quoting, unix_socket root, no password', () => {
    const g = parseGrants([
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION",
      "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
    ]);
    expect(g.passwordHash).toBe('invalid');
    expect(g.plugins).toEqual(['mysql_native_password', 'unix_socket']);
    expect(describePrivs(g.privs)).toEqual(['ALL PRIVILEGES ON *.* WITH GRANT OPTION']);
    expect(parseGrants(['GRANT USAGE ON *.* TO `x`@`localhost`'])).toEqual({ privs: new Map(), passwordHash: null, plugins: [] });
  });
});

describe('planGrants', () => {
  const current = parseGrants(['GRANT USAGE ON *.* TO `nova`@`%`', 'GRANT SELECT ON `nova`.* TO `nova`@`%`', 'GRANT ALL PRIVILEGES ON `old`.* TO `nova`@`%`']).privs;
  const target = "'nova'@'%'";

  it('replaces: revokes what is not wanted, regrants what differs', () => {
    const p = planGrants(target, current, parsePriv('nova.*:ALL'), false);
    expect(p.statements).toEqual([
      "REVOKE ALL PRIVILEGES ON `old`.* FROM 'nova'@'%';",
      "REVOKE ALL PRIVILEGES ON `nova`.* FROM 'nova'@'%';",
      "GRANT ALL PRIVILEGES ON `nova`.* TO 'nova'@'%';",
    ]);
    expect(describePrivs(p.after)).toEqual(['ALL PRIVILEGES ON `nova`.*']);
  });

  it('appends only what is missing', () => {
    const p = planGrants(target, current, parsePriv('nova.*:SELECT,INSERT/new.*:SELECT'), true);
    expect(p.statements).toEqual(["GRANT INSERT ON `nova`.* TO 'nova'@'%';", "GRANT SELECT ON `new`.* TO 'nova'@'%';"]);
  });

  it('nothing to do when equal (ALL = ALL PRIVILEGES, order and case of names ignored)', () => {
    const have = parseGrants(['GRANT ALL PRIVILEGES ON `nova`.* TO `nova`@`%`', 'GRANT SELECT, INSERT ON `a`.`b` TO `nova`@`%`']).privs;
    expect(planGrants(target, have, parsePriv('nova.*:all/a.b:insert,select'), false).statements).toEqual([]);
    expect(planGrants(target, have, parsePriv('nova.*:SELECT'), true).statements).toEqual([]);
  });

  it('grant option alone is revoked too', () => {
    const have = parseGrants(['GRANT SELECT ON `a`.* TO `u`@`h` WITH GRANT OPTION']).privs;
    expect(planGrants("'u'@'h'", have, parsePriv('a.*:SELECT'), false).statements).toEqual([
      "REVOKE ALL PRIVILEGES ON `a`.* FROM 'u'@'h';",
      "REVOKE GRANT OPTION ON `a`.* FROM 'u'@'h';",
      "GRANT SELECT ON `a`.* TO 'u'@'h';",
    ]);
  });
});

describe('quoting and secrets plumbing', () => {
  it('SQL literals and identifiers', () => {
    expect(sqlString("it's a \\ test\n")).toBe("'it\\'s a \\\\ test\\n'");
    expect(sqlIdent('we`ird')).toBe('`we``ird`');
  });

  it('option file values are quoted with escapes', () => {
    expect(clientOptions({ user: 'root', password: 'p"a\\ss word', socket: '/var/lib/mysql/mysql.sock', connectTimeout: 30 })).toBe(
      '[client]\nuser="root"\npassword="p\\"a\\\\ss word"\nsocket="/var/lib/mysql/mysql.sock"\n[mysql]\nconnect-timeout=30\n',
    );
  });

  it('batch output is unescaped', () => {
    expect(unescapeBatch('a\\tb\\\\n\\n')).toBe('a\tb\\n\n');
  });

  it("the native hash is MariaDB's PASSWORD()", () => {
    // SELECT PASSWORD('password'), PASSWORD('')
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
    expect(nativePasswordHash('nova')).toBe('*0BE3B501084D35F4C66DD3AC4569EAE5EA738212');
  });
});
