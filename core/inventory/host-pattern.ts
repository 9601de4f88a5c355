/**
 * Host entries in INI and YAML inventories: `name`, `name:port`, `[v6::addr]:port`, and
 * Ansible's ranges `web[01:20]`, `db-[a:f]`, `node[1:10:2]` (several ranges multiply).
 * Mirrors ansible.parsing.utils.addresses.parse_address and expand_hostname_range.
 */

export class HostPatternError extends Error {
  override name = 'HostPatternError';
}

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${NUMERIC_RANGE})`;
const LABEL = String.raw`(?:[\p{L}\p{N}\p{M}_]|${ALNUM_RANGE})(?:[\p{L}\p{N}\p{M}_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'i');
const IPV6 = new RegExp(
  '^(?:' +
    [
      String.raw`(?:${IPV6_PART}:){7}${IPV6_PART}`,
      String.raw`(?:${IPV6_PART}:){1,6}:`,
      String.raw`(?:${IPV6_PART}:)(?::${IPV6_PART}){1,6}`,
      String.raw`(?:${IPV6_PART}:){2}(?::${IPV6_PART}){1,5}`,
      String.raw`(?:${IPV6_PART}:){3}(?::${IPV6_PART}){1,4}`,
      String.raw`(?:${IPV6_PART}:){4}(?::${IPV6_PART}){1,3}`,
      String.raw`(?:${IPV6_PART}:){5}(?::${IPV6_PART}){1,2}`,
      String.raw`(?:${IPV6_PART}:){6}(?::${IPV6_PART})`,
      String.raw`:(?::${IPV6_PART}){1,6}`,
      String.raw`${IPV6_PART}?::`,
      String.raw`(?:0:){6}(?:${IPV4_PART}\.){3}${IPV4_PART}`,
      String.raw`::(?:ffff:)?(?:${IPV4_PART}\.){3}${IPV4_PART}`,
      String.raw`(?:0:){5}ffff:(?:${IPV4_PART}\.){3}${IPV4_PART}`,
    ].join('|') +
    ')$',
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
/**
 * The same for names in plain ASCII, the usual case: V8 compiles the case-insensitive
 * Unicode-property pattern above at its first use, 60-100 ms of every start on a loaded
 * 2-core machine (measured), while this one compiles in well under a millisecond. Names with
 * other characters still go through the Unicode pattern.
 */
const ASCII_LABEL = String.raw`(?:[a-z0-9_]|${ALNUM_RANGE})(?:[a-z0-9_-]|${ALNUM_RANGE})*(?<![_-])`;
const ASCII_HOSTNAME = new RegExp(String.raw`^${ASCII_LABEL}(?:\.${ASCII_LABEL})*$`, 'i');
const NON_ASCII = /[^\x00-\x7f]/;

export interface ParsedAddress {
  host: string;
  port: number | undefined;
}

/**
 * Split `host:port` / `[addr]:port` and check that what is left is an IPv4 or IPv6
 * address or a host name (ranges allowed). Undefined when it is none of them.
 */
export function parseAddress(address: string): ParsedAddress | undefined {
  let host = address;
  let port: number | undefined;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(host);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  const name = NON_ASCII.test(host) ? HOSTNAME : ASCII_HOSTNAME;
  if (IPV4.test(host) || IPV6.test(host) || name.test(host)) return { host, port };
  return undefined;
}

export interface ExpandedHosts {
  names: string[];
  port: number | undefined;
}

/**
 * The host names (and port) an inventory host entry stands for. Entries that are not
 * valid addresses are taken literally, as Ansible does (`my_host_` stays `my_host_`).
 */
export function expandHostEntry(entry: string): ExpandedHosts {
  const parsed = parseAddress(entry);
  const pattern = parsed ? parsed.host : entry;
  const port = parsed?.port;
  if (entry.trim().endsWith(':') && port === undefined) {
    throw new HostPatternError(`invalid host '${entry}': a trailing ':' must be followed by a port number`);
  }
  const names = pattern.includes('[') ? expandRanges(pattern) : [pattern];
  for (const name of names) {
    if (name.trim() === '---') throw new HostPatternError(`invalid host '${entry}': '---' usually means this is a YAML file (name it .yml)`);
  }
  return { names, port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/**
 * Most hosts one inventory entry may expand to. A typo such as web[1:50000000] would
 * otherwise build millions of hosts (gigabytes) before anything else happens.
 */
export const MAX_HOSTS_PER_ENTRY = 100_000;

function tooMany(name: string, count?: number): HostPatternError {
  const gives = count === undefined ? `more than ${MAX_HOSTS_PER_ENTRY.toLocaleString('en-US')}` : count.toLocaleString('en-US');
  return new HostPatternError(
    `host range in '${name}' gives ${gives} hosts; one inventory entry may give at most ${MAX_HOSTS_PER_ENTRY.toLocaleString('en-US')} (check the range, or split it)`,
  );
}

/** `db[01:03]-[a:b]` -> db01-a db01-b db02-a ... (first range outermost). */
export function expandRanges(name: string): string[] {
  const open = name.indexOf('[');
  const close = name.indexOf(']');
  if (open < 0) return [name];
  if (close < open || name.indexOf('[', open + 1) !== -1 && name.indexOf('[', open + 1) < close) {
    throw new HostPatternError(`invalid host range in '${name}': expected [begin:end] or [begin:end:step]`);
  }
  const head = name.slice(0, open);
  const body = name.slice(open + 1, close);
  const tail = name.slice(close + 1);
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternError(`invalid host range [${body}] in '${name}': expected [begin:end] or [begin:end:step]`);
  }
  const begin = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!end) throw new HostPatternError(`invalid host range [${body}] in '${name}': the end value is missing`);
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) === 0) {
    throw new HostPatternError(`invalid host range [${body}] in '${name}': the step must be a positive number`);
  }
  const step = Number(stepText);

  let sequence: string[];
  const beginLetter = LETTERS.indexOf(begin);
  const endLetter = LETTERS.indexOf(end);
  if (begin.length === 1 && end.length === 1 && beginLetter >= 0 && endLetter >= 0) {
    if (beginLetter > endLetter) throw new HostPatternError(`invalid host range [${body}] in '${name}': begin must come before end`);
    sequence = [];
    for (let i = beginLetter; i <= endLetter; i += step) sequence.push(LETTERS[i]!);
  } else {
    if (!/^[0-9]+$/.test(begin) || !/^[0-9]+$/.test(end)) {
      throw new HostPatternError(`invalid host range [${body}] in '${name}': use two numbers or two single letters`);
    }
    // A leading zero asks for zero-padding to the width of `begin` (web[01:20]).
    const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
    if (width && width !== end.length) {
      throw new HostPatternError(`invalid host range [${body}] in '${name}': begin and end must have the same number of digits`);
    }
    const from = Number(begin);
    const to = Number(end);
    if (from > to) throw new HostPatternError(`invalid host range [${body}] in '${name}': begin must not be greater than end`);
    const count = Math.floor((to - from) / step) + 1;
    if (count > MAX_HOSTS_PER_ENTRY) throw tooMany(name, count);
    sequence = [];
    for (let i = from; i <= to; i += step) sequence.push(width ? String(i).padStart(width, '0') : String(i));
  }

  const names: string[] = [];
  for (const item of sequence) {
    const expanded = head + item + tail;
    if (expanded.includes('[')) names.push(...expandRanges(expanded));
    else names.push(expanded);
    // Ranges multiply (a[1:1000]-[1:1000]): stop as soon as the product is too large.
    if (names.length > MAX_HOSTS_PER_ENTRY) throw tooMany(name);
  }
  return names;
}
