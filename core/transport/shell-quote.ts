/**
 * Quoting for the target's POSIX shell. We delegate to `shlex` (a port of Python's
 * `shlex.quote`): it wraps a word in single quotes and splices literal quotes as '"'"',
 * which is correct for every POSIX shell. (`shell-quote` was rejected: it escapes
 * backslashes inside single quotes, which corrupts the value.)
 */
import { quote as shlexQuote, split as shlexSplit } from 'shlex';

/** Quote one word so the remote shell passes it through byte for byte. */
export function quote(word: string | number): string {
  return shlexQuote(String(word));
}

/** Quote each word of an argv and join with spaces. */
export function quoteArgv(argv: ReadonlyArray<string | number>): string {
  return argv.map(quote).join(' ');
}

/** Split a command line the way a POSIX shell would (for `command: foo "a b"`). */
export function splitArgs(line: string): string[] {
  return shlexSplit(line);
}
