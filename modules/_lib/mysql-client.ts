/**
 * Running the `mysql` client on the target, shared by every MySQL module (`mysql_db` and
 * `mysql_user` one command per call, `mysql_session` a client held open): the connection
 * arguments of community.mysql (schema, defaults), how the client is started so that it
 * logs in without putting the password anywhere `ps` or the disk could show it, and what
 * its errors mean. The held session's own protocol (statements, markers, replies) is in
 * mysql-session-client.ts.
 *
 * stdin carries `[client]` options (login_user, login_password...) followed by the SQL. The
 * script reads exactly the options' bytes with dd into a shell variable (no more, so the SQL
 * after them stays on stdin, also for a session that goes on reading it) and hands them to
 * mysql as `--defaults-file=/dev/fd/3` through a here-document, after `!include` lines for
 * the host's global option files and `config_file` (default ~/.my.cnf) - so those still
 * apply, and the login arguments, read last, win. mysql then reads the SQL from the rest of
 * stdin. The command line holds only the fixed script.
 */
import type { JsonSchema, ModuleContext } from '../../core/modules/api.js';
import { quote } from '../../core/transport/shell-quote.js';
import { clientOptions, SESSION_PREAMBLE, unescapeBatch, type LoginOptions } from './mysql.js';

export interface LoginArgs {
  login_user?: string;
  login_password?: string;
  login_host: string;
  login_port: number;
  login_unix_socket?: string;
  connect_timeout: number;
  config_file: string;
}

/** Connection arguments, with community.mysql's names and defaults. */
export const LOGIN_PROPERTIES: Record<string, JsonSchema> = {
  login_user: { type: 'string', minLength: 1, description: 'User to log in as (default: from config_file, else the remote user running the task, e.g. root over the unix socket).' },
  login_password: { type: 'string', description: 'Password of login_user; sent on stdin, masked in all output.' },
  login_host: { type: 'string', minLength: 1, default: 'localhost', description: 'Server host; localhost means the unix socket (login_unix_socket or the client default).' },
  login_port: { type: 'integer', minimum: 1, maximum: 65535, default: 3306 },
  login_unix_socket: { type: 'string', minLength: 1, description: 'Unix socket of a server on the target, e.g. /var/lib/mysql/mysql.sock (CentOS 7).' },
  connect_timeout: { type: 'integer', minimum: 1, default: 30, description: 'Seconds to wait for the connection.' },
  config_file: { type: 'string', default: '~/.my.cnf', description: "Option file read before the login arguments (when it exists); '' reads none." },
};

export const LOGIN_DOC_NOTES = [
  'Runs the `mysql` client on the target (install the MariaDB/MySQL client there; mariadb-server brings it). No Python, no PyMySQL.',
  'The login travels on stdin as a client option file given to mysql through a file descriptor: login_password and password never appear in a command line (`ps`), the environment or a file on the host, and are masked in all output and logs.',
  "The host's global option files (/etc/my.cnf, /etc/mysql/my.cnf) and config_file (default ~/.my.cnf) are read first when they exist; login_* arguments override them.",
];

/** Exit status of the script when no mysql client is installed. */
export const NO_CLIENT = 127;

function configWord(file: string): string | null {
  if (file === '') return null;
  if (file === '~') return '"$HOME"';
  if (file.startsWith('~/')) return `"$HOME"/${quote(file.slice(2))}`;
  return quote(file);
}

/**
 * The script: reads `optionBytes` bytes of options from stdin, defines `with_login PROGRAM
 * ARGS...` (a client program with those options), `m` (mysql with them, batch output without
 * column names) and `d` (mysqldump with them), then runs `body`, which calls them and may
 * read the rest of stdin (the SQL).
 */
export function clientScript(optionBytes: number, configFile: string, body: string): string {
  const cfg = configWord(configFile);
  return [
    'set -u',
    'PATH="$PATH:/usr/bin:/usr/local/bin:/usr/sbin"',
    `command -v mysql >/dev/null 2>&1 || { echo 'mysql: command not found' >&2; exit ${NO_CLIENT}; }`,
    // The trailing '.' keeps the options' final newline through $( ).
    `o=$(dd bs=${optionBytes} count=1 iflag=fullblock status=none; echo .) || exit 126`,
    'o=${o%.}',
    "inc=''",
    `for f in /etc/my.cnf /etc/mysql/my.cnf${cfg ? ` ${cfg}` : ''}; do`,
    '  if [ -f "$f" ] && [ -r "$f" ]; then inc="$inc!include $f',
    '"; fi',
    'done',
    'with_login() {',
    '  p=$1; shift',
    '  "$p" --defaults-file=/dev/fd/3 "$@" 3<<TSPLAY_MYSQL_OPTIONS',
    '$inc$o',
    'TSPLAY_MYSQL_OPTIONS',
    '}',
    'm() { with_login mysql --batch --skip-column-names "$@"; }',
    'd() { with_login mysqldump "$@"; }',
    body,
  ].join('\n');
}

export function loginOptions(a: LoginArgs): LoginOptions {
  const o: LoginOptions = { connectTimeout: a.connect_timeout };
  if (a.login_user !== undefined) o.user = a.login_user;
  if (a.login_password !== undefined) o.password = a.login_password;
  if (a.login_unix_socket !== undefined) o.socket = a.login_unix_socket;
  // Only when given a non-default: the option files may name the server (and port) otherwise.
  if (a.login_host !== 'localhost' || a.login_unix_socket === undefined) o.host = a.login_host;
  if (a.login_port !== 3306 || a.login_host !== 'localhost') o.port = a.login_port;
  return o;
}

export interface MysqlResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/**
 * The command that runs `body` (see clientScript) logged in as `a` says, and the input that
 * must come first on its stdin: the option text, before any SQL. The password is registered
 * as a secret with the context, so no output or log shows it.
 */
export function loginCommand(ctx: ModuleContext<LoginArgs>, body: string): { command: string; stdinPrefix: Buffer } {
  const a = ctx.args;
  if (a.login_password !== undefined) ctx.secret(a.login_password);
  const options = Buffer.from(clientOptions(loginOptions(a)), 'utf8');
  return { command: clientScript(options.length, a.config_file, body), stdinPrefix: options };
}

/** Run `body` with the login options and `sql` on stdin (SESSION_PREAMBLE first). */
export async function runMysql(ctx: ModuleContext<LoginArgs>, body: string, sql: string): Promise<MysqlResult> {
  const { command, stdinPrefix } = loginCommand(ctx, body);
  const input = Buffer.concat([stdinPrefix, Buffer.from(`${SESSION_PREAMBLE}\n${sql}\n`, 'utf8')]);
  const res = await ctx.run(command, { stdin: input, timeoutMs: (ctx.args.connect_timeout + 120) * 1000 });
  return { rc: res.rc, stdout: res.stdout, stderr: res.stderr };
}

/** An error line of the client: `ERROR 1064 (42000) at line 3: ...`. */
export const ERROR_LINE = /^ERROR \d+ \([0-9A-Z]{5}\)(?: at line \d+)?: .*$/;

/** Whether mysql failed to reach a server (as opposed to a refused login or bad SQL). */
export function isConnectError(stderr: string): boolean {
  return /ERROR (2002|2003|2005|2006|2013)\b/.test(stderr);
}

/** A message for a failed mysql call: its error line, with a hint for the usual causes. */
export function describeMysqlError(ctx: ModuleContext<LoginArgs>, res: MysqlResult): string {
  if (res.rc === NO_CLIENT) return `no mysql client on ${ctx.host.name}: install mariadb (the client) or mariadb-server first`;
  const said = res.stderr.trim().split('\n').filter((l) => !/^mysql: \[Warning\]/.test(l)).join('; ') || `exit status ${res.rc}`;
  let hint = '';
  if (isConnectError(said)) hint = ' (is the server running, and are login_host/login_port/login_unix_socket right?)';
  else if (/ERROR 1045\b/.test(said)) hint = ' (wrong login_user/login_password, or root logs in over the unix socket only: use login_unix_socket without a password)';
  return `mysql on ${ctx.host.name} failed: ${said}${hint}`;
}

/** Rows of batch output: tab-separated fields, unescaped. */
export function batchRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map(unescapeBatch));
}

/** Systemd units whose predicted start (an earlier task of this --check run) means a fresh server. */
const SERVER_UNITS = ['mariadb.service', 'mysqld.service', 'mysql.service'];

/**
 * Check mode on a host where an earlier task would install and start the server: it is not
 * running yet, so it cannot be read; a freshly started server has no databases or accounts
 * of ours, which is what the module then predicts against.
 */
export function serverPredictedFresh(ctx: ModuleContext<LoginArgs>, res: MysqlResult): boolean {
  if (!ctx.check) return false;
  if (res.rc !== NO_CLIENT && !isConnectError(res.stderr)) return false;
  return SERVER_UNITS.some((unit) => ctx.predicted.get<{ active?: string }>('systemd', unit)?.active === 'active');
}

/** Key of the server for check-mode predictions shared between tasks. */
export function serverKey(a: LoginArgs): string {
  return `${a.login_host}:${a.login_port}:${a.login_unix_socket ?? ''}`;
}
