/**
 * Pure helpers of `mysql_db` and `mysql_user`: SQL quoting, the client option file that
 * carries the login (never a command line), community.mysql's `priv` forms, the parser of
 * `SHOW GRANTS` lines, the mysql_native_password hash, and the planner that turns the
 * account read from the server and the wanted one into SQL statements. Nothing here talks
 * to a host (modules/_lib/mysql-client.ts does); everything is unit-tested.
 */
import { createHash } from 'node:crypto';

/** A string literal for SQL. The session runs without NO_BACKSLASH_ESCAPES (see SESSION_PREAMBLE). */
export function sqlString(value: string): string {
  return `'${value.replace(/[\\'\0\n\r\x1a]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z' })[c]!)}'`;
}

/** An identifier (database, table) in backticks. */
export function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `'user'@'host'` for account statements. */
export function account(user: string, host: string): string {
  return `${sqlString(user)}@${sqlString(host)}`;
}

/**
 * First statements of every session: string literals above use backslash escapes, which a
 * server whose sql_mode has NO_BACKSLASH_ESCAPES would read differently.
 */
export const SESSION_PREAMBLE = "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');";

export interface LoginOptions {
  user?: string | undefined;
  password?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  socket?: string | undefined;
  connectTimeout?: number | undefined;
}

/** A value in an option file: double-quoted with the escapes mysql's option parser knows. */
function optionValue(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`;
}

/**
 * The `[client]` section that carries the login. It is sent to the host on stdin and read by
 * mysql through a here-document on a file descriptor (see mysql-client.ts), so the password
 * is in no command line, no environment and no file on disk.
 */
export function clientOptions(login: LoginOptions): string {
  const lines = ['[client]'];
  if (login.user !== undefined) lines.push(`user=${optionValue(login.user)}`);
  if (login.password !== undefined) lines.push(`password=${optionValue(login.password)}`);
  if (login.socket !== undefined) lines.push(`socket=${optionValue(login.socket)}`);
  if (login.host !== undefined) lines.push(`host=${optionValue(login.host)}`);
  if (login.port !== undefined) lines.push(`port=${login.port}`);
  // Not in [client]: mysqldump reads that group too and refuses options it does not know.
  if (login.connectTimeout !== undefined) lines.push('[mysql]', `connect-timeout=${login.connectTimeout}`);
  return `${lines.join('\n')}\n`;
}

/** Undo the escaping of `mysql --batch` output fields (\\, \t, \n, \0). */
export function unescapeBatch(field: string): string {
  return field.replace(/\\([\\tn0])/g, (_, c: string) => ({ '\\': '\\', t: '\t', n: '\n', '0': '\0' })[c]!);
}

/** mysql_native_password's stored form: '*' + upper hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------
// Privileges

/** Privileges on one object, as granted: sorted names and whether WITH GRANT OPTION. */
export interface ObjectPrivs {
  privs: string[];
  grantOption: boolean;
}

/** Object (canonical form, see `canonicalObject`) -> privileges. */
export type PrivMap = Map<string, ObjectPrivs>;

export class PrivError extends Error {
  override name = 'PrivError';
}

/** Split `a.b` at the dot that is outside backticks; a name may be quoted (`` `my.db`.* ``). */
function splitObject(object: string): [string, string] {
  let inQuote = false;
  for (let i = 0; i < object.length; i++) {
    const c = object[i];
    if (c === '`') {
      if (inQuote && object[i + 1] === '`') {
        i++;
        continue;
      }
      inQuote = !inQuote;
    } else if (c === '.' && !inQuote) return [object.slice(0, i), object.slice(i + 1)];
  }
  throw new PrivError(`'${object}' is not a privilege object: write db.* , db.table or *.*`);
}

function unquoteName(part: string): string {
  const p = part.trim();
  if (p.length >= 2 && p.startsWith('`') && p.endsWith('`')) return p.slice(1, -1).replace(/``/g, '`');
  return p;
}

/**
 * The one spelling of a grant object used for comparisons and in statements: `*.*`,
 * `` `db`.* ``, `` `db`.`table` `` (FUNCTION/PROCEDURE prefixes kept in upper case).
 */
export function canonicalObject(object: string): string {
  let o = object.trim();
  let prefix = '';
  const kind = /^(FUNCTION|PROCEDURE|TABLE)\s+/i.exec(o);
  if (kind) {
    if (kind[1]!.toUpperCase() !== 'TABLE') prefix = `${kind[1]!.toUpperCase()} `;
    o = o.slice(kind[0].length);
  }
  const [db, table] = splitObject(o);
  const d = unquoteName(db);
  const t = unquoteName(table);
  if (d === '') throw new PrivError(`'${object}' has no database name before the dot`);
  const dbPart = d === '*' ? '*' : sqlIdent(d);
  const tablePart = t === '*' ? '*' : sqlIdent(t);
  if (dbPart === '*' && tablePart !== '*') throw new PrivError(`'${object}' names a table of every database; write *.* or db.table`);
  return `${prefix}${dbPart}.${tablePart}`;
}

/** Normalise a privilege name: upper case, single spaces, ALL -> ALL PRIVILEGES. */
export function canonicalPriv(priv: string): string {
  const p = priv.trim().replace(/\s+/g, ' ').toUpperCase();
  if (p === 'ALL') return 'ALL PRIVILEGES';
  // A column privilege, SELECT (a,b): columns in the server's order are not ours to sort.
  return p.replace(/\s*\(\s*/, ' (').replace(/\s*,\s*/g, ', ').replace(/\s*\)$/, ')');
}

/** Split a comma list, keeping column lists such as `SELECT (a, b)` in one piece. */
function splitPrivList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

function addPrivs(map: PrivMap, object: string, privNames: string[]): void {
  const key = canonicalObject(object);
  const entry = map.get(key) ?? { privs: [], grantOption: false };
  const set = new Set(entry.privs);
  for (const raw of privNames) {
    const p = canonicalPriv(raw);
    if (p === 'GRANT' || p === 'GRANT OPTION') entry.grantOption = true;
    else if (p === 'REQUIRESSL') throw new PrivError("REQUIRESSL in priv is not supported: use the server's REQUIRE SSL directly");
    else if (!/^[A-Z ]+( \([^()]+\))?$/.test(p)) throw new PrivError(`'${raw.trim()}' is not a privilege name (on ${object})`);
    else set.add(p);
  }
  if (set.size === 0 && !entry.grantOption) throw new PrivError(`no privileges given for ${object}`);
  if (set.size === 0) set.add('USAGE');
  entry.privs = normalisePrivSet(set);
  map.set(key, entry);
}

/** ALL PRIVILEGES absorbs everything else; USAGE means nothing when others are there. */
function normalisePrivSet(set: Set<string>): string[] {
  if (set.has('ALL PRIVILEGES')) return ['ALL PRIVILEGES'];
  if (set.size > 1) set.delete('USAGE');
  return [...set].sort();
}

/**
 * community.mysql's `priv`: the string form `db.*:ALL,GRANT/db2.t:SELECT,INSERT` (objects
 * separated by `/`, each `object:privileges`, split at the last colon), or the dict form
 * `{db.*: ALL, db2.t: "SELECT,INSERT"}` (values a comma string or a list).
 */
export function parsePriv(priv: string | Record<string, string | string[]>): PrivMap {
  const map: PrivMap = new Map();
  if (typeof priv === 'string') {
    for (const part of priv.split('/').map((s) => s.trim()).filter(Boolean)) {
      const colon = part.lastIndexOf(':');
      if (colon <= 0) throw new PrivError(`'${part}' is not object:privileges (e.g. nova.*:ALL)`);
      addPrivs(map, part.slice(0, colon), splitPrivList(part.slice(colon + 1)));
    }
  } else {
    for (const [object, value] of Object.entries(priv)) {
      addPrivs(map, object, Array.isArray(value) ? value.flatMap((v) => splitPrivList(String(v))) : splitPrivList(String(value)));
    }
  }
  return map;
}

// ---------------------------------------------------------------------------------------
// SHOW GRANTS

export interface AccountGrants {
  privs: PrivMap;
  /** The stored mysql_native_password hash, when the account authenticates with one. */
  passwordHash: string | null;
  /** Authentication plugins named in the grants (`unix_socket`...), for messages. */
  plugins: string[];
}

/**
 * Read an account's `SHOW GRANTS` lines (MariaDB 5.5-11, MySQL 5.x):
 *   GRANT USAGE ON *.* TO `nova`@`%` IDENTIFIED BY PASSWORD '*6C89...'
 *   GRANT ALL PRIVILEGES ON `nova`.* TO 'nova'@'localhost' WITH GRANT OPTION
 *   GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION
 * Role grants (`GRANT role TO user`) and PROXY lines are kept out of the privilege map.
 */
export function parseGrants(lines: string[]): AccountGrants {
  const privs: PrivMap = new Map();
  let passwordHash: string | null = null;
  const plugins: string[] = [];
  for (const line of lines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+((?:(?:FUNCTION|PROCEDURE)\s+)?(?:`(?:[^`]|``)*`|[^\s.`]+)\.(?:`(?:[^`]|``)*`|[^\s`]+))\s+TO\s+(.*)$/i.exec(line.trim());
    if (!m) continue;
    const rest = m[3]!;
    const hash = /IDENTIFIED BY PASSWORD '([^']*)'/i.exec(rest) ?? /IDENTIFIED (?:VIA|WITH) mysql_native_password (?:USING|AS) '([^']*)'/i.exec(rest);
    if (hash) passwordHash = hash[1]!;
    const via = /IDENTIFIED\s+(?:VIA|WITH)\s+(.*?)(?:\s+(?:WITH|REQUIRE)\s|$)/i.exec(rest);
    for (const alt of via ? via[1]!.split(/\s+OR\s+/i) : []) {
      const plugin = /^[a-z_0-9]+/i.exec(alt)?.[0];
      if (plugin && !plugins.includes(plugin)) plugins.push(plugin);
    }
    const object = canonicalObject(m[2]!);
    const names = splitPrivList(m[1]!).map(canonicalPriv);
    const grantOption = /\bWITH\b.*\bGRANT OPTION\b/i.test(rest);
    const entry = privs.get(object) ?? { privs: [], grantOption: false };
    entry.privs = normalisePrivSet(new Set([...entry.privs, ...names]));
    entry.grantOption ||= grantOption;
    privs.set(object, entry);
  }
  // USAGE on *.* (every account has it) is no privilege.
  const global = privs.get('*.*');
  if (global && global.privs.length === 1 && global.privs[0] === 'USAGE' && !global.grantOption) privs.delete('*.*');
  return { privs, passwordHash, plugins };
}

/** One grant as text, for diffs and messages: `ALL PRIVILEGES ON `nova`.* (WITH GRANT OPTION)`. */
export function describePrivs(privs: PrivMap): string[] {
  return [...privs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([o, p]) => `${p.privs.join(', ')} ON ${o}${p.grantOption ? ' WITH GRANT OPTION' : ''}`);
}

/** Whether two privilege sets on one object are the same grant. */
function samePrivs(a: ObjectPrivs | undefined, b: ObjectPrivs | undefined): boolean {
  const norm = (p: ObjectPrivs | undefined) => (p ? JSON.stringify([p.privs.filter((x) => x !== 'USAGE'), p.grantOption]) : JSON.stringify([[], false]));
  return norm(a) === norm(b);
}

export interface GrantChange {
  /** SQL statements, in order. */
  statements: string[];
  /** The privileges the account has afterwards. */
  after: PrivMap;
}

/**
 * Statements that take an account from `current` to `wanted`. Objects not in `wanted` are
 * revoked unless `append`; an object whose privileges differ is revoked and granted again
 * (append: only the missing privileges are granted, nothing is revoked).
 */
export function planGrants(target: string, current: PrivMap, wanted: PrivMap, append: boolean): GrantChange {
  const statements: string[] = [];
  const after: PrivMap = new Map([...current].map(([k, v]) => [k, { privs: [...v.privs], grantOption: v.grantOption }]));
  const revokeAll = (object: string, p: ObjectPrivs) => {
    if (p.privs.some((x) => x !== 'USAGE')) statements.push(`REVOKE ALL PRIVILEGES ON ${object} FROM ${target};`);
    if (p.grantOption) statements.push(`REVOKE GRANT OPTION ON ${object} FROM ${target};`);
    after.delete(object);
  };
  if (!append) {
    for (const [object, p] of current) if (!wanted.has(object)) revokeAll(object, p);
  }
  for (const [object, want] of wanted) {
    const have = current.get(object);
    if (append) {
      const merged = { privs: normalisePrivSet(new Set([...(have?.privs ?? []), ...want.privs])), grantOption: (have?.grantOption ?? false) || want.grantOption };
      if (samePrivs(have, merged)) continue;
      const missing = want.privs.filter((p) => !(have?.privs ?? []).includes(p) && !(have?.privs ?? []).includes('ALL PRIVILEGES'));
      const privList = missing.length ? missing : ['USAGE'];
      statements.push(`GRANT ${privList.join(', ')} ON ${object} TO ${target}${want.grantOption ? ' WITH GRANT OPTION' : ''};`);
      after.set(object, merged);
      continue;
    }
    if (samePrivs(have, want)) continue;
    if (have) revokeAll(object, have);
    statements.push(`GRANT ${want.privs.join(', ')} ON ${object} TO ${target}${want.grantOption ? ' WITH GRANT OPTION' : ''};`);
    after.set(object, { privs: [...want.privs], grantOption: want.grantOption });
  }
  return { statements, after };
}
