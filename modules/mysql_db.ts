/**
 * `mysql_db` (also `community.mysql.mysql_db`): databases on a MariaDB/MySQL server,
 * through the `mysql` client on the target. One mysql call reads the databases named (and
 * the server's default character set); the controller compares; one mysql call creates,
 * alters or drops. The login never reaches a command line (modules/_lib/mysql-client.ts).
 */
import { defineModule, type DiffEntry, type ModuleContext } from '../core/modules/api.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { batchRows, describeMysqlError, LOGIN_DOC_NOTES, LOGIN_PROPERTIES, runMysql, serverKey, serverPredictedFresh, type LoginArgs } from './_lib/mysql-client.js';
import { sqlIdent, sqlString } from './_lib/mysql.js';

interface MysqlDbArgs extends LoginArgs {
  name?: string | string[];
  db?: string | string[];
  state: 'present' | 'absent' | 'dump' | 'import';
  target?: string;
  single_transaction: boolean;
  quick: boolean;
  force: boolean;
  ignore_tables?: string[];
  encoding?: string;
  collation?: string;
}

interface DbState {
  exists: boolean;
  encoding?: string;
  collation?: string;
}

const ALIASES = { name: ['db'] };
const PREDICTED_NS = 'mysql-db';
const CHARSET_RE = '^[A-Za-z0-9_]+$';
const nameList = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] };

export default defineModule<MysqlDbArgs>({
  name: 'mysql_db',
  aliases: ['community.mysql.mysql_db'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...withAliases({ name: { ...nameList, description: 'Database name, or a list of names.' } }, ALIASES),
      state: { enum: ['present', 'absent', 'dump', 'import'], default: 'present' },
      target: { type: 'string', pattern: '^/', description: 'dump/import: the SQL file on the host; .gz, .bz2 and .xz are (de)compressed.' },
      single_transaction: { type: 'boolean', default: false, description: 'dump: --single-transaction (a consistent InnoDB dump without locking).' },
      quick: { type: 'boolean', default: true, description: 'dump: --quick (rows are streamed, not buffered).' },
      force: { type: 'boolean', default: false, description: 'import: go on after an SQL error (mysql --force).' },
      ignore_tables: { type: 'array', items: { type: 'string', pattern: '^[^.\\s]+\\.[^.\\s]+$' }, description: 'dump: db.table entries left out.' },
      encoding: { type: 'string', pattern: CHARSET_RE, description: 'Character set of a new database (utf8, utf8mb4, latin1...); an existing one is altered.' },
      collation: { type: 'string', pattern: CHARSET_RE, description: 'Collation (utf8_general_ci...); an existing database is altered.' },
      ...LOGIN_PROPERTIES,
    },
  },
  docs: {
    short: 'Create, alter, drop, dump or import MariaDB/MySQL databases',
    description: [
      "community.mysql's `mysql_db`. For `state: present/absent`:",
      'One `mysql` call reads the databases named from information_schema, the controller compares, and',
      'one `mysql` call runs only the statements needed: `CREATE DATABASE`, `ALTER DATABASE` when an existing',
      "database's `encoding`/`collation` differ, `DROP DATABASE`. Check mode runs nothing but the read and",
      'returns the same `changed`, diff and `executed_commands` a real run would.',
      '',
      'In check mode on a host where an earlier task would install and start mariadb-server (so the server',
      'cannot be read yet), the module predicts against a fresh server: the database does not exist.',
      '',
      '`state: dump` writes the databases named (`all`: every one) with `mysqldump` to `target` on the host',
      '(compressed by its extension; written to a temporary file first, so a failed dump never replaces a good',
      'one); `state: import` feeds `target` to `mysql`. Both always report changed, as in community.mysql, and in',
      'check mode run nothing.',
    ].join('\n'),
    examples: [
      '- name: The nova database (seed 004, CREATE DATABASE nova), as root over the unix socket',
      '  mysql_db:',
      '    name: nova',
      '    login_unix_socket: /var/lib/mysql/mysql.sock',
      '',
      '- name: Two databases in UTF-8 on a remote server',
      '  community.mysql.mysql_db:',
      '    name: [glance, cinder]',
      '    encoding: utf8',
      '    collation: utf8_general_ci',
      '    login_host: 198.18.0.13',
      '    login_user: admin',
      '    login_password: "{{db_admin_password}}"',
      '',
      '- name: Drop a database',
      '  mysql_db: db=scratch state=absent',
      '',
      '- name: A consistent, compressed dump of nova before an upgrade',
      '  mysql_db:',
      '    name: nova',
      '    state: dump',
      '    target: /var/backups/nova.sql.gz',
      '    single_transaction: true',
      '',
      '- name: Load it back',
      '  mysql_db: name=nova state=import target=/var/backups/nova.sql.gz',
    ].join('\n'),
    returns: {
      db: 'The database name (the first, when a list was given)',
      db_list: 'Every database name given',
      executed_commands: 'The SQL statements run (check mode: that would run); empty when nothing changed',
    },
    notes: [...LOGIN_DOC_NOTES, 'The name `all` means every database, for dump and import only.'],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    if (a.name === undefined) ctx.fail("missing required argument 'name' (or its alias: db)");
    const names: string[] = [...new Set(Array.isArray(a.name) ? a.name : [a.name!])];
    if (a.state === 'dump' || a.state === 'import') return dumpOrImport(ctx, names);
    if (a.target !== undefined) ctx.fail('target is for state: dump or import');
    if (names.includes('all')) ctx.fail("name 'all' is for state: dump or import");
    if ((a.collation !== undefined || a.encoding !== undefined) && a.state === 'absent') ctx.fail('encoding/collation apply to state: present only');

    const current = await readDatabases(ctx, names);
    const statements: string[] = [];
    const after = new Map<string, DbState>();
    for (const name of names) {
      const have = current.get(name) ?? { exists: false };
      if (a.state === 'absent') {
        if (have.exists) statements.push(`DROP DATABASE ${sqlIdent(name)};`);
        after.set(name, { exists: false });
        continue;
      }
      const spec = `${a.encoding ? ` CHARACTER SET ${a.encoding}` : ''}${a.collation ? ` COLLATE ${a.collation}` : ''}`;
      if (!have.exists) {
        statements.push(`CREATE DATABASE ${sqlIdent(name)}${spec};`);
        after.set(name, { exists: true, ...(a.encoding ? { encoding: a.encoding } : {}), ...(a.collation ? { collation: a.collation } : {}) });
        continue;
      }
      const encodingDiffers = a.encoding !== undefined && a.encoding.toLowerCase() !== have.encoding?.toLowerCase();
      const collationDiffers = a.collation !== undefined && a.collation.toLowerCase() !== have.collation?.toLowerCase();
      if (encodingDiffers || collationDiffers) {
        statements.push(`ALTER DATABASE ${sqlIdent(name)}${spec};`);
        after.set(name, { exists: true, encoding: a.encoding ?? have.encoding!, ...(a.collation || have.collation ? { collation: a.collation ?? have.collation! } : {}) });
      } else after.set(name, have);
    }

    if (statements.length && !ctx.check) {
      const res = await runMysql(ctx, 'm', statements.join('\n'));
      if (res.rc !== 0) ctx.fail(describeMysqlError(ctx, res), { executed_commands: statements });
    }
    if (ctx.check) for (const [name, state] of after) ctx.predicted.set<DbState>(PREDICTED_NS, `${serverKey(a)}|${name}`, state);

    const out: Record<string, unknown> & { changed: boolean } = {
      changed: statements.length > 0,
      db: names[0],
      db_list: names,
      executed_commands: statements,
    };
    if (ctx.diff && statements.length) {
      const describe = (m: Map<string, DbState>) =>
        names.map((n) => {
          const s = m.get(n) ?? { exists: false };
          return `${n}: ${s.exists ? `present${s.encoding ? `, encoding ${s.encoding}` : ''}${s.collation ? `, collation ${s.collation}` : ''}` : 'absent'}\n`;
        }).join('');
      const header = `databases on ${a.login_host === 'localhost' ? ctx.host.name : a.login_host}`;
      out.diff = { before: describe(new Map(names.map((n) => [n, current.get(n) ?? { exists: false }]))), after: describe(after), beforeHeader: header, afterHeader: header } satisfies DiffEntry;
    }
    return out;
  },
});

/** One mysql call: each named database that exists, with its character set and collation. */
async function readDatabases(ctx: ModuleContext<MysqlDbArgs>, names: string[]): Promise<Map<string, DbState>> {
  const sql = `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (${names.map(sqlString).join(', ')});`;
  const res = await runMysql(ctx, 'm', sql);
  const out = new Map<string, DbState>();
  if (res.rc !== 0) {
    if (serverPredictedFresh(ctx, res)) return withPredictions(ctx, names, out);
    ctx.fail(describeMysqlError(ctx, res));
  }
  for (const [name, encoding, collation] of batchRows(res.stdout)) {
    if (name !== undefined && names.includes(name)) out.set(name, { exists: true, ...(encoding ? { encoding } : {}), ...(collation ? { collation } : {}) });
  }
  return withPredictions(ctx, names, out);
}

/** Check mode: what earlier mysql_db tasks of this run would have done takes the place of the read. */
function withPredictions(ctx: ModuleContext<MysqlDbArgs>, names: string[], read: Map<string, DbState>): Map<string, DbState> {
  if (!ctx.check) return read;
  for (const name of names) {
    const p = ctx.predicted.get<DbState>(PREDICTED_NS, `${serverKey(ctx.args)}|${name}`);
    if (p) read.set(name, p);
  }
  return read;
}

const COMPRESSORS: Record<string, string> = { '.gz': 'gzip', '.bz2': 'bzip2', '.xz': 'xz' };

/**
 * dump: mysqldump into a temporary file beside `target` (compressed by its extension), renamed
 * over it only when the dump succeeded. import: `target` (decompressed) into mysql.
 */
async function dumpOrImport(ctx: ModuleContext<MysqlDbArgs>, names: string[]): Promise<Record<string, unknown> & { changed: boolean }> {
  const a = ctx.args;
  if (a.target === undefined) ctx.fail(`state: ${a.state} needs target (the file on the host)`);
  const target = a.target!;
  const all = names.includes('all');
  if (all && names.length > 1) ctx.fail("name 'all' cannot be combined with other names");
  if (a.state === 'import' && !all && names.length > 1) ctx.fail('state: import loads into one database: give one name (or all)');
  if (names.some((n) => n.startsWith('-'))) ctx.fail('a database name to dump or import cannot start with -');
  const compressor = Object.entries(COMPRESSORS).find(([ext]) => target.endsWith(ext))?.[1];
  const q = ctx.quote(target);
  let body: string;
  let describe: string;
  if (a.state === 'dump') {
    const opts = [a.single_transaction && '--single-transaction', a.quick && '--quick', ...(a.ignore_tables ?? []).map((t) => `--ignore-table=${t}`)].filter((o): o is string => Boolean(o));
    const args = [...opts, ...(all ? ['--all-databases'] : ['--databases', ...names])].map((w) => ctx.quote(w)).join(' ');
    describe = `mysqldump ${all ? '--all-databases' : names.join(' ')} > ${target}`;
    body = [
      `t=$(mktemp -- "$(dirname -- ${q})/.tsplay-dump.XXXXXXXX") || exit 97`,
      `trap 'rm -f -- "$t" "$t.failed"' EXIT`,
      `{ d ${args} || : > "$t.failed"; }${compressor ? ` | ${compressor} -c` : ''} > "$t" || exit 1`,
      '[ ! -e "$t.failed" ] || exit 1',
      `chmod 0600 -- "$t" && mv -f -- "$t" ${q}`,
    ].join('\n');
  } else {
    describe = `mysql ${all ? '' : `${names[0]} `}< ${target}`;
    const reader = compressor ? `${compressor} -dc -- ${q}` : `cat -- ${q}`;
    // Into one database: created first when missing, as community.mysql does.
    const use = all ? '' : `printf '%s\\n' ${ctx.quote(`CREATE DATABASE IF NOT EXISTS ${sqlIdent(names[0]!)}; USE ${sqlIdent(names[0]!)};`)}; `;
    body = [`[ -r ${q} ] || { echo "${target.replace(/[^\w./-]/g, '?')}: no such file" >&2; exit 1; }`, `{ ${use}${reader}; } | m${a.force ? ' --force' : ''}`].join('\n');
  }
  const out = { changed: true, db: names[0], db_list: names, executed_commands: [describe], msg: `${ctx.check ? 'would run' : 'ran'}: ${describe}` };
  if (ctx.check) return out;
  const res = await runMysql(ctx, body, '');
  if (res.rc !== 0) ctx.fail(`${a.state} failed: ${describeMysqlError(ctx, res)}`, { executed_commands: [describe] });
  return out;
}
