/**
 * `mysql_user` (also `community.mysql.mysql_user`): a MariaDB/MySQL account, its password
 * and its privileges, through the `mysql` client on the target. One call reads every account
 * of the user name and its `SHOW GRANTS`; the controller compares (passwords as their
 * mysql_native_password hash, never in clear); one call runs the statements needed. The
 * passwords go to the host on stdin only and are masked in every output.
 */
import { defineModule, type DiffEntry, type ModuleContext } from '../core/modules/api.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { batchRows, describeMysqlError, LOGIN_DOC_NOTES, LOGIN_PROPERTIES, runMysql, serverKey, serverPredictedFresh, type LoginArgs } from './_lib/mysql-client.js';
import { account, describePrivs, nativePasswordHash, parseGrants, parsePriv, planGrants, PrivError, sqlString, type PrivMap } from './_lib/mysql.js';

interface MysqlUserArgs extends LoginArgs {
  name?: string;
  user?: string;
  host: string;
  host_all: boolean;
  password?: string;
  encrypted: boolean;
  priv?: string | Record<string, string | string[]>;
  append_privs: boolean;
  state: 'present' | 'absent';
  update_password: 'always' | 'on_create';
}

/** An account as read (or predicted): privileges as entries so that it survives JSON. */
interface AccountState {
  exists: boolean;
  passwordHash: string | null;
  privs: Array<[string, { privs: string[]; grantOption: boolean }]>;
}

interface Statement {
  sql: string;
  /** The statement as reported: the password replaced. */
  shown: string;
}

const ALIASES = { name: ['user'] };
const PREDICTED_NS = 'mysql-user';
const MASKED = "'********'";
const HASH_RE = /^\*[0-9A-F]{40}$/;

export default defineModule<MysqlUserArgs>({
  name: 'mysql_user',
  aliases: ['community.mysql.mysql_user'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...withAliases({ name: { type: 'string', minLength: 1, maxLength: 80, description: 'User name (the part before @).' } }, ALIASES),
      host: { type: 'string', minLength: 1, default: 'localhost', description: "Host part of the account ('%' for any host)." },
      host_all: { type: 'boolean', default: false, description: 'Apply to every existing account of this user name (never creates one).' },
      password: { type: 'string', description: 'Password in clear, or with encrypted: true its mysql_native_password hash (*6C89...).' },
      encrypted: { type: 'boolean', default: false },
      priv: {
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', minProperties: 1, additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } }],
        description: "Privileges: 'db.*:ALL/db2.table:SELECT,INSERT' or {db.*: ALL, db2.table: 'SELECT,INSERT'}; GRANT in a list means WITH GRANT OPTION.",
      },
      append_privs: { type: 'boolean', default: false, description: 'Add priv to what the account has instead of replacing it.' },
      state: { enum: ['present', 'absent'], default: 'present' },
      update_password: { enum: ['always', 'on_create'], default: 'always', description: 'always: set password when it differs; on_create: only for a new account.' },
      ...LOGIN_PROPERTIES,
    },
  },
  docs: {
    short: 'Manage MariaDB/MySQL accounts, their passwords and privileges',
    description: [
      "community.mysql's `mysql_user`. One `mysql` call reads every account of the user name and its",
      '`SHOW GRANTS`; the controller compares and one call runs only what differs: `CREATE USER`, `SET PASSWORD`,',
      '`GRANT`/`REVOKE`, `DROP USER`. Privileges are given as community.mysql does (`priv`, string or dict form)',
      'and compared object by object, ALL = ALL PRIVILEGES; with `append_privs: false` (the default) privileges',
      'on objects not in `priv` are revoked. Without `priv` the privileges are not managed.',
      '',
      'The password is compared as its mysql_native_password hash, computed in the controller, with the hash',
      '`SHOW GRANTS` reports, so an unchanged password is no change. Passwords reach the host on stdin only:',
      'never on a command line, in `--diff` (which says only that a password is set or changed) or in results',
      '(`queries` shows them as ********).',
      '',
      'Check mode returns the same `changed`, diff and `queries` as a real run. On a host where an earlier task',
      'of the run would install and start mariadb-server, it predicts against a fresh server (no such account).',
    ].join('\n'),
    examples: [
      '- name: The nova accounts of seed 004 (GRANT ALL ON nova.* TO nova@... IDENTIFIED BY ...)',
      '  mysql_user:',
      '    name: nova',
      '    host: "{{item}}"',
      '    password: "{{nova_db_password}}"',
      '    priv: "nova.*:ALL"',
      '    login_unix_socket: /var/lib/mysql/mysql.sock',
      '  loop: ["%", localhost]',
      '',
      '- name: Read-only reporting user, dict form of priv, password already hashed',
      '  community.mysql.mysql_user:',
      '    user: report',
      '    host: 10.0.0.%',
      '    password: "*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4"',
      '    encrypted: true',
      '    priv:',
      '      "nova.*": SELECT',
      '      "glance.images": [SELECT, SHOW VIEW]',
      '',
      '- name: Add a privilege without touching the others; keep the password a user changed',
      '  mysql_user:',
      '    name: nova',
      '    host: "%"',
      '    password: "{{nova_db_password}}"',
      '    update_password: on_create',
      '    priv: "nova_cell0.*:ALL"',
      '    append_privs: true',
      '',
      '- name: Remove every account named old_app',
      '  mysql_user: name=old_app host_all=true state=absent',
    ].join('\n'),
    returns: {
      user: 'The user name',
      hosts: 'The host parts of the accounts managed',
      password_changed: 'Whether a password was set or changed',
      queries: 'The SQL statements run (check mode: that would run), passwords shown as ********',
      msg: 'What changed',
    },
    notes: [
      ...LOGIN_DOC_NOTES,
      'Passwords are compared as mysql_native_password hashes (MariaDB, MySQL 5.x). An account that logs in with another plugin (unix_socket) has no such hash: a password given for it is set.',
      'GRANT takes effect at once; no FLUSH PRIVILEGES is needed (or run).',
      'Not implemented: roles, resource limits, TLS requirements (tls_requires), plugin/plugin_hash_string.',
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    if (a.name === undefined) ctx.fail("missing required argument 'name' (or its alias: user)");
    const name = a.name!;
    if (a.password !== undefined) ctx.secret(a.password);
    if (a.encrypted && a.password !== undefined && !HASH_RE.test(a.password)) {
      ctx.fail('with encrypted: true, password must be a mysql_native_password hash: * and 40 upper-case hex digits');
    }
    let wanted: PrivMap | undefined;
    try {
      wanted = a.priv === undefined ? undefined : parsePriv(a.priv);
    } catch (err) {
      if (err instanceof PrivError) ctx.fail(`priv: ${err.message}`);
      throw err;
    }

    const accounts = await readAccounts(ctx, name);
    const hosts = a.host_all ? [...accounts.keys()].filter((h) => accounts.get(h)!.exists).sort() : [a.host];
    const statements: Statement[] = [];
    const after = new Map<string, AccountState>();
    let passwordChanged = false;
    const changes: string[] = [];

    for (const host of hosts) {
      const have = accounts.get(host) ?? { exists: false, passwordHash: null, privs: [] };
      const target = account(name, host);
      if (a.state === 'absent') {
        if (have.exists) {
          statements.push(plain(`DROP USER ${target};`));
          changes.push(`${name}@${host} removed`);
        }
        after.set(host, { exists: false, passwordHash: null, privs: [] });
        continue;
      }
      const next: AccountState = { exists: true, passwordHash: have.passwordHash, privs: have.privs };
      const wantHash = a.password === undefined ? undefined : a.encrypted ? a.password : nativePasswordHash(a.password);
      if (!have.exists) {
        statements.push(a.password === undefined ? plain(`CREATE USER ${target};`) : withPassword(`CREATE USER ${target} IDENTIFIED BY `, a));
        next.passwordHash = wantHash ?? null;
        passwordChanged ||= a.password !== undefined;
        changes.push(`${name}@${host} created`);
      } else if (wantHash !== undefined && a.update_password === 'always' && wantHash !== have.passwordHash) {
        statements.push(a.encrypted ? withPassword(`SET PASSWORD FOR ${target} = `, a) : withPassword(`SET PASSWORD FOR ${target} = PASSWORD(`, a, ')'));
        next.passwordHash = wantHash;
        passwordChanged = true;
        changes.push(`${name}@${host} password changed`);
      }
      if (wanted) {
        const plan = planGrants(target, new Map(have.exists ? have.privs : []), wanted, a.append_privs);
        statements.push(...plan.statements.map(plain));
        if (plan.statements.length) changes.push(`${name}@${host} privileges changed`);
        next.privs = [...plan.after];
      }
      after.set(host, next);
    }

    if (statements.length && !ctx.check) {
      const res = await runMysql(ctx, 'm', statements.map((s) => s.sql).join('\n'));
      if (res.rc !== 0) ctx.fail(describeMysqlError(ctx, res), { queries: statements.map((s) => s.shown) });
    }
    if (ctx.check) for (const [host, state] of after) ctx.predicted.set<AccountState>(PREDICTED_NS, `${serverKey(a)}|${name}@${host}`, state);

    const out: Record<string, unknown> & { changed: boolean } = {
      changed: statements.length > 0,
      user: name,
      hosts,
      password_changed: passwordChanged,
      queries: statements.map((s) => s.shown),
      msg: changes.length ? changes.join('; ') : a.host_all && hosts.length === 0 ? `no account named ${name}` : 'OK',
    };
    if (ctx.diff && statements.length) {
      const header = `accounts on ${a.login_host === 'localhost' ? ctx.host.name : a.login_host}`;
      out.diff = {
        before: hosts.map((h) => describeAccount(name, h, accounts.get(h), null)).join(''),
        after: hosts.map((h) => describeAccount(name, h, after.get(h), accounts.get(h)?.passwordHash ?? null)).join(''),
        beforeHeader: header,
        afterHeader: header,
      } satisfies DiffEntry;
    }
    return out;
  },
});

function plain(sql: string): Statement {
  return { sql, shown: sql };
}

/** A statement with the password literal in it (clear text, or the hash when encrypted). */
function withPassword(prefix: string, a: MysqlUserArgs, suffix = ''): Statement {
  const kind = a.encrypted && !prefix.startsWith('SET') ? 'PASSWORD ' : '';
  return { sql: `${prefix}${kind}${sqlString(a.password!)}${suffix};`, shown: `${prefix}${kind}${MASKED}${suffix};` };
}

/** An account for --diff: existence, whether a password is set (never the hash), privileges. */
function describeAccount(name: string, host: string, s: AccountState | undefined, hashBefore: string | null): string {
  if (!s?.exists) return `'${name}'@'${host}': absent\n`;
  const pw = s.passwordHash === null ? 'no password' : hashBefore !== null && hashBefore !== s.passwordHash ? 'password changed' : 'password set';
  const grants = describePrivs(new Map(s.privs));
  return `'${name}'@'${host}': present, ${pw}\n${grants.map((g) => `  ${g}\n`).join('')}`;
}

/**
 * One call: every account of the user name, each followed by its SHOW GRANTS. mysql itself
 * writes the SHOW GRANTS statements (the account names come quoted by QUOTE()), a second
 * mysql runs them; a `#account` row before each says whose lines follow.
 */
async function readAccounts(ctx: ModuleContext<MysqlUserArgs>, name: string): Promise<Map<string, AccountState>> {
  const sql = `SELECT CONCAT('SELECT ''#account'', ', QUOTE(Host), '; SHOW GRANTS FOR ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE User = ${sqlString(name)} ORDER BY Host;`;
  const body = ['g=$(m --raw) || exit $?', '[ -z "$g" ] || printf \'%s\\n\' "$g" | m'].join('\n');
  const res = await runMysql(ctx, body, sql);
  const out = new Map<string, AccountState>();
  if (res.rc !== 0) {
    if (serverPredictedFresh(ctx, res)) return withPredictions(ctx, name, out);
    ctx.fail(describeMysqlError(ctx, res));
  }
  let host: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (host === null) return;
    const g = parseGrants(lines);
    out.set(host, { exists: true, passwordHash: g.passwordHash, privs: [...g.privs] });
  };
  for (const row of batchRows(res.stdout)) {
    if (row[0] === '#account' && row.length === 2) {
      flush();
      host = row[1]!;
      lines = [];
    } else lines.push(row.join('\t'));
  }
  flush();
  return withPredictions(ctx, name, out);
}

/** Check mode: accounts earlier mysql_user tasks of this run would have changed. */
function withPredictions(ctx: ModuleContext<MysqlUserArgs>, name: string, read: Map<string, AccountState>): Map<string, AccountState> {
  if (!ctx.check) return read;
  const prefix = `${serverKey(ctx.args)}|${name}@`;
  for (const host of new Set([...read.keys(), ctx.args.host])) {
    const p = ctx.predicted.get<AccountState>(PREDICTED_NS, `${prefix}${host}`);
    if (p) read.set(host, p);
  }
  return read;
}
