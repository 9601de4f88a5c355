/**
 * What is particular to a `mysql` client held open as a session (mysql_session): the client's
 * flags for a conversation, statements and the markers that end each reply, and reading the
 * replies. Starting the client and its login (the option text on stdin, never a command line)
 * are shared with the other MySQL modules in mysql-client.ts.
 */
import type { ModuleContext } from '../../core/modules/api.js';
import { ERROR_LINE, loginCommand, type LoginArgs } from './mysql-client.js';
import { unescapeBatch } from './mysql.js';

/**
 * The held client: `--batch` prints tab-separated rows with a header line, `--unbuffered`
 * flushes after each statement (a reply arrives while the session stays open), `--force` goes
 * on after an error (the session survives a failed statement), `--skip-reconnect` makes a lost
 * connection an error instead of a silent new session without the old one's locks. stderr
 * joins stdout so an error arrives in order with the results.
 */
export const SESSION_CLIENT = 'with_login mysql --batch --unbuffered --force --skip-reconnect 2>&1';

/**
 * The command that starts the session's client, and the login input that must precede any SQL
 * (as text: a held session's input is written as UTF-8, the encoding its byte count was taken in).
 */
export function sessionCommand(ctx: ModuleContext<LoginArgs>): { command: string; stdinPrefix: string } {
  const { command, stdinPrefix } = loginCommand(ctx, SESSION_CLIENT);
  return { command, stdinPrefix: stdinPrefix.toString('utf8') };
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

/** A --batch field: `NULL` is SQL NULL, anything else is unescaped. */
export function batchValue(value: string): string | null {
  return value === 'NULL' ? null : unescapeBatch(value);
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
      header.forEach((h, i) => (row[h] = batchValue(cells[i] ?? '')));
      rows.push(row);
    }
  }
  return { errors, rows };
}
