/**
 * Talking to MySQL/MariaDB through the `mysql` command-line client on the host, as
 * community.mysql's login arguments describe the connection. Pure: builds the remote
 * command and its first input, and reads the client's batch output. The password never
 * appears on a command line or in the environment: it reaches the client as an option file
 * on a pipe (see `mysqlClientCommand`).
 */
import { quote } from '../../core/transport/shell-quote.js';

export interface MysqlLogin {
  login_user?: string;
  login_password?: string;
  login_host?: string;
  login_port?: number;
  login_unix_socket?: string;
  config_file?: string;
  connect_timeout?: number;
}

/** The line that ends the option text on the client's stdin (followed by SQL). */
export const OPTIONS_END = 'tsplay-end-of-mysql-options';

/** A value in a MySQL option file: double-quoted, with the escapes the option parser knows. */
export function optionValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('a line break cannot be part of a MySQL option value');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The remote command that runs the client, and the input that must precede any SQL on its
 * stdin. With a password, a few shell lines first read the option text from stdin up to
 * OPTIONS_END (`read` takes one line at a time, so nothing of the SQL after it is consumed),
 * and hand it to the client as `--defaults-extra-file=/dev/fd/3`, a here-document on a pipe:
 * no file on disk, nothing in `ps` or /proc/PID/environ. `--batch` prints tab-separated rows
 * with a header line, `--unbuffered` flushes after each statement (a reply arrives while the
 * session stays open), `--force` goes on after an error (the session survives a failed
 * statement), `--skip-reconnect` makes a lost connection an error instead of a silent new
 * session without the old one's locks. stderr joins stdout so an error arrives in order.
 */
export function mysqlClientCommand(login: MysqlLogin): { command: string; stdinPrefix: string } {
  const argv = ['mysql'];
  const opts: string[] = [];
  if (login.login_password !== undefined) opts.push('[client]', `password=${optionValue(login.login_password)}`);
  const readsOptions = opts.length > 0;
  if (readsOptions) argv.push('--defaults-extra-file=/dev/fd/3');
  else if (login.config_file) argv.push(`--defaults-extra-file=${login.config_file}`);
  argv.push('--batch', '--unbuffered', '--force', '--skip-reconnect');
  if (login.login_user !== undefined) argv.push(`--user=${login.login_user}`);
  if (login.login_host !== undefined) argv.push(`--host=${login.login_host}`);
  if (login.login_port !== undefined) argv.push(`--port=${login.login_port}`);
  if (login.login_unix_socket !== undefined) argv.push(`--socket=${login.login_unix_socket}`);
  if (login.connect_timeout !== undefined) argv.push(`--connect-timeout=${login.connect_timeout}`);
  const client = `exec ${argv.map(quote).join(' ')} 2>&1`;
  if (!readsOptions) return { command: client, stdinPrefix: '' };
  const config = login.config_file ? `$(cat -- ${quote(login.config_file)})\n` : '';
  const command = [
    "o=''",
    `while IFS= read -r l; do [ "$l" = ${OPTIONS_END} ] && break; o="$o$l\n"; done`,
    'exec 3<<TSPLAY_MYSQL_OPTIONS',
    `${config}$o`,
    'TSPLAY_MYSQL_OPTIONS',
    client,
  ].join('\n');
  return { command, stdinPrefix: `${opts.join('\n')}\n${OPTIONS_END}\n` };
}

/** One statement as the client reads it: trailing `;` and whitespace taken off, then one `;`. */
export function statement(query: string): string {
  const s = query.trim().replace(/[;\s]+$/, '');
  if (!s) throw new Error('an empty query');
  return `${s};\n`;
}

/** A statement whose only output is the marker: the end of a reply. */
export function markerStatement(nonce: string): string {
  return `SELECT '${nonce}' AS tsplay_marker;\n`;
}

/** ReplyEnd for `markerStatement(nonce)`: the index just past the marker's two lines. */
export function markerEnd(nonce: string): (output: string) => number {
  const tail = `tsplay_marker\n${nonce}\n`;
  return (output) => {
    const at = output.indexOf(tail);
    return at < 0 ? -1 : at + tail.length;
  };
}

/** The reply without the marker lines at its end. */
export function withoutMarker(reply: string, nonce: string): string {
  const tail = `tsplay_marker\n${nonce}\n`;
  return reply.endsWith(tail) ? reply.slice(0, -tail.length) : reply;
}

const ERROR_LINE = /^ERROR \d+ \([0-9A-Z]{5}\)(?: at line \d+)?: .*$/;

/** `\n`, `\t`, `\\` and `\0` as --batch escapes them in a value; `NULL` is SQL NULL. */
export function unescapeBatch(value: string): string | null {
  if (value === 'NULL') return null;
  return value.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '0': '\0', '\\': '\\' })[c] ?? c);
}

export interface StatementOutput {
  /** The client's error lines (`ERROR 1064 (42000) at line 3: ...`). */
  errors: string[];
  /** Rows of the statement's result set, by column name (none for statements without one). */
  rows: Array<Record<string, string | null>>;
}

/** With --force the client echoes a failing statement between two lines of dashes, before its error. */
const ECHO_FENCE = '--------------';

/** What one statement printed in --batch mode (its header line, then its rows), and its errors. */
export function parseStatementOutput(text: string): StatementOutput {
  const errors: string[] = [];
  const lines: string[] = [];
  let echo = false;
  for (const line of text.split('\n')) {
    if (line === ECHO_FENCE) {
      echo = !echo;
      continue;
    }
    if (echo || line === '') continue;
    if (ERROR_LINE.test(line)) errors.push(line);
    else lines.push(line);
  }
  const rows: Array<Record<string, string | null>> = [];
  if (lines.length > 0) {
    const header = lines[0]!.split('\t');
    for (const line of lines.slice(1)) {
      const cells = line.split('\t');
      const row: Record<string, string | null> = {};
      header.forEach((h, i) => (row[h] = unescapeBatch(cells[i] ?? '')));
      rows.push(row);
    }
  }
  return { errors, rows };
}
