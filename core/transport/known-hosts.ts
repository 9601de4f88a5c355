/**
 * OpenSSH `known_hosts` files: parsing, host matching (plain patterns, `[host]:port`,
 * negation, hashed `|1|salt|hash` names), checking a server's host key and recording a new
 * one (accept-new). Keys are compared as raw public-key blobs, the same bytes the server
 * sends during key exchange, so no key parsing can disagree with OpenSSH.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma-separated pattern list or one hashed name. */
  hosts: string;
  /** Key type as embedded in the blob (e.g. `ssh-ed25519`, `ssh-rsa`). */
  keyType: string;
  key: Buffer;
}

export interface KnownHostsProblem {
  file: string;
  line: number;
  message: string;
}

export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** An entry of the same key type holds a different key: possible man-in-the-middle. */
  | { status: 'changed'; entries: KnownHostEntry[] }
  /** Keys are known for this host, but none of the type the server presented. */
  | { status: 'other-type'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower case. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -l` and `ssh` print it. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type string at the start of an SSH public-key blob, or undefined if malformed. */
export function keyTypeOfBlob(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return undefined;
  const type = key.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** `|1|salt|hash` for `name` (HMAC-SHA1 keyed with the salt), as `HashKnownHosts yes` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/** Parse one known_hosts file's text. Malformed lines are reported, never fatal (as ssh does). */
export function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push({ file, line: i + 1, message: `unknown marker '${m}'` });
        continue;
      }
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) {
      problems.push({ file, line: i + 1, message: 'expected "hosts keytype base64-key"' });
      continue;
    }
    // SSH-1 RSA lines ("host bits exponent modulus") are obsolete; OpenSSH ignores them too.
    if (/^\d+$/.test(type)) continue;
    const key = Buffer.from(b64, 'base64');
    const embedded = keyTypeOfBlob(key);
    if (!embedded || embedded !== type) {
      problems.push({ file, line: i + 1, message: `key data is not a valid ${type} public key` });
      continue;
    }
    entries.push({ file, line: i + 1, ...(marker ? { marker } : {}), hosts, keyType: type, key });
  }
  return { entries, problems };
}

const wildcardPatterns = new Map<string, RegExp>();

/**
 * OpenSSH wildcard pattern (`*`, `?`), case-insensitive, whole string. Most patterns are
 * plain names, compared directly; wildcard ones are compiled once (a run with 100 hosts
 * matches every known_hosts line against every host: ~10,000 patterns).
 */
function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern.toLowerCase() === name.toLowerCase();
  let re = wildcardPatterns.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    wildcardPatterns.set(pattern, re);
  }
  return re.test(name);
}

/**
 * Does the entry's host field match `name` (as built by knownHostsName)? A hashed field is
 * one name; a plain field is a pattern list where any matching `!pattern` vetoes the line.
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

const parsedFiles = new Map<string, { size: number; mtimeMs: number; parsed: ReturnType<typeof parseKnownHosts> }>();

async function parsedFile(file: string): Promise<ReturnType<typeof parseKnownHosts>> {
  const st = await fs.stat(file);
  const cached = parsedFiles.get(file);
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.parsed;
  const parsed = parseKnownHosts(await fs.readFile(file, 'utf8'), file);
  parsedFiles.set(file, { size: st.size, mtimeMs: st.mtimeMs, parsed });
  return parsed;
}

export class KnownHosts {
  constructor(
    readonly entries: readonly KnownHostEntry[],
    readonly problems: readonly KnownHostsProblem[] = [],
  ) {}

  /**
   * Read the files that exist; missing files are simply empty (as for ssh). A file that has
   * not changed since this process last parsed it (same size and mtime) is not read again:
   * every connection of a run loads the same files.
   */
  static async load(files: readonly string[]): Promise<KnownHosts> {
    const entries: KnownHostEntry[] = [];
    const problems: KnownHostsProblem[] = [];
    for (const file of files) {
      let parsed: ReturnType<typeof parseKnownHosts>;
      try {
        parsed = await parsedFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problems.push({ file, line: 0, message: `cannot read: ${(e as Error).message}` });
        continue;
      }
      entries.push(...parsed.entries);
      problems.push(...parsed.problems);
    }
    return new KnownHosts(entries, problems);
  }

  /** Every entry (any marker) whose host field matches `name`. */
  matching(name: string): KnownHostEntry[] {
    return this.entries.filter((e) => hostFieldMatches(e.hosts, name));
  }

  /** Key types known for `name` (no markers), most useful for ordering host-key algorithms. */
  knownKeyTypes(name: string): string[] {
    return [...new Set(this.matching(name).filter((e) => !e.marker).map((e) => e.keyType))];
  }

  /** Check the key a server presented for `name`, following OpenSSH's precedence. */
  check(name: string, key: Buffer): HostKeyCheck {
    const matches = this.matching(name);
    const revoked = matches.find((e) => e.marker === 'revoked' && e.key.equals(key));
    if (revoked) return { status: 'revoked', entry: revoked };
    const plain = matches.filter((e) => !e.marker);
    const same = plain.find((e) => e.key.equals(key));
    if (same) return { status: 'known', entry: same };
    const type = keyTypeOfBlob(key);
    const sameType = plain.filter((e) => e.keyType === type);
    if (sameType.length > 0) return { status: 'changed', entries: sameType };
    if (plain.length > 0) return { status: 'other-type', entries: plain };
    return { status: 'unknown' };
  }

  /** `@cert-authority` lines that match `name`: tsplay does not verify host certificates. */
  certAuthorities(name: string): KnownHostEntry[] {
    return this.matching(name).filter((e) => e.marker === 'cert-authority');
  }
}

/** The ssh2 host-key algorithm names that produce a key of the given type. */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

// Appends to one file are serialised inside this process; across processes O_APPEND keeps
// each single write() whole.
const appendChains = new Map<string, Promise<unknown>>();

/**
 * Record `key` for `name` in `file`, as accept-new does. One `write()` on an O_APPEND
 * descriptor: the line lands whole after whatever another process (ssh, a parallel tsplay)
 * appended meanwhile, which a rewrite-and-rename could silently drop. A key already present
 * (another connection recorded it first) is not written twice. Returns whether it wrote.
 */
export function recordHostKey(file: string, name: string, key: Buffer, options: { hash?: boolean } = {}): Promise<boolean> {
  const previous = appendChains.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let existing = '';
    try {
      existing = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const current = new KnownHosts(parseKnownHosts(existing, file).entries);
    if (current.check(name, key).status === 'known') return false;
    const type = keyTypeOfBlob(key);
    if (!type) throw new Error('refusing to record a malformed host key');
    const hostField = options.hash ? hashHostName(name) : name;
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    const handle = await fs.open(file, 'a', 0o644);
    try {
      await handle.write(`${separator}${hostField} ${type} ${key.toString('base64')}\n`);
    } finally {
      await handle.close();
    }
    return true;
  });
  appendChains.set(file, next);
  return next;
}
