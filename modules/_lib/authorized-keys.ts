/**
 * authorized_keys handling as ansible.posix.authorized_key does it, as pure functions: keys
 * are indexed by their base64 blob, comments and other lines kept (by rank), options parsed
 * into an ordered mapping, and the file rendered the way Ansible writes it (including the
 * space it leaves after a key without a comment), so files match byte for byte.
 */

const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519',
  'ssh-ed25519-cert-v01@openssh.com',
  'ssh-dss',
  'ssh-rsa',
  'ssh-xmss@openssh.com',
  'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256',
  'rsa-sha2-512',
  'ssh-rsa-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** [key blob (or the raw line), type ('skipped' for other lines), options, comment, rank]. */
export type ParsedKey = [string, string, Map<string, string | null> | null, string | null, number];

/** parseoptions: `a,b="x,y",c=1` into an ordered mapping (a value-less option maps to null). */
export function parseOptions(options: string | null): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (!options) return out;
  // Python's re.split with a capturing group, then [1:-1]: groups and the separators between them.
  const parts = options.split(/((?:[^,"']|"[^"]*"|'[^']*')+)/).slice(1, -1);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq >= 0) out.set(part.slice(0, eq), part.slice(eq + 1));
    else if (part !== ',') out.set(part, null);
  }
  return out;
}

export class InvalidKeyError extends Error {}

/** parsekey: null when the line has no known key type. */
export function parseKey(raw: string, rank: number): ParsedKey | null {
  const line = raw.replace(/\\#/g, '#');
  const parts = line.split(/\s+/).filter(Boolean);
  if (parts[0] === '#') return [line, 'skipped', null, null, rank];
  const typeIndex = parts.findIndex((p) => KEY_TYPES.has(p));
  if (typeIndex < 0) return null;
  if (parts[typeIndex + 1] === undefined) throw new InvalidKeyError(`invalid key specified: ${raw.trim()} (no key after ${parts[typeIndex]})`);
  const options = parseOptions(typeIndex > 0 ? parts.slice(0, typeIndex).join(' ') : null);
  return [parts[typeIndex + 1]!, parts[typeIndex]!, options, parts.slice(typeIndex + 2).join(' '), rank];
}

/** Python's str.splitlines(True). */
function splitlinesKeep(text: string): string[] {
  return text.match(/[^\n\r]*(?:\r\n|\n|\r)|[^\n\r]+$/g) ?? [];
}

/** parsekeys: an insertion-ordered map from blob (or line) to the parsed key. */
export function parseKeys(content: string): Map<string, ParsedKey> {
  const keys = new Map<string, ParsedKey>();
  splitlinesKeep(content).forEach((line, rank) => {
    const k = parseKey(line, rank);
    if (k) keys.set(k[0], k);
    else keys.set(line, [line, 'skipped', null, null, rank]);
  });
  return keys;
}

function sameOptions(a: Map<string, string | null> | null, b: Map<string, string | null> | null): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || b.get(k) !== v) return false;
  return true;
}

/** serialize: by rank; `OPTIONS TYPE KEY COMMENT\n` (a space even without a comment). */
export function serialize(keys: Map<string, ParsedKey>): string {
  return [...keys.values()]
    .sort((x, y) => x[4] - y[4])
    .map(([blob, type, options, comment]) => {
      if (type === 'skipped') return blob;
      const opts = options && options.size ? `${[...options].map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(',')} ` : '';
      return `${opts}${type} ${blob} ${comment ?? ''}\n`;
    })
    .join('');
}

export interface KeyRequest {
  key: string;
  state: 'present' | 'absent';
  keyOptions?: string;
  comment?: string;
  exclusive: boolean;
}

/** enforce_state's edit: the new content and whether it must be written. */
export function enforceKeys(existingContent: string, r: KeyRequest): { content: string; changed: boolean } {
  const newKeys = r.key.split(/\r\n|\n|\r/).filter((s) => s && !s.startsWith('#'));
  const existing = parseKeys(existingContent);
  const maxRank = existing.size;
  const keep: string[] = [];
  let write = false;
  newKeys.forEach((raw, rank) => {
    let k = parseKey(raw, rank);
    if (!k) throw new InvalidKeyError(`invalid key specified: ${raw}`);
    if (r.keyOptions !== undefined) k = [k[0], k[1], parseOptions(r.keyOptions), k[3], k[4]];
    if (r.comment !== undefined) k = [k[0], k[1], k[2], r.comment, k[4]];
    const old = existing.get(k[0]);
    let matched = false;
    let nonMatching: ParsedKey | undefined;
    if (old) {
      const same = old[1] === k[1] && sameOptions(old[2], k[2]) && old[3] === k[3];
      if (!same && r.state === 'present') nonMatching = old;
      else matched = true;
    }
    if (r.state === 'present') {
      keep.push(k[0]);
      if (nonMatching && existing.has(nonMatching[0])) {
        existing.delete(nonMatching[0]);
        write = true;
      }
      if (!matched) {
        existing.set(k[0], [k[0], k[1], k[2], k[3], maxRank + k[4]]);
        write = true;
      }
    } else if (matched) {
      existing.delete(k[0]);
      write = true;
    }
  });
  if (r.state === 'present' && r.exclusive) {
    for (const blob of [...existing.keys()]) {
      if (!keep.includes(blob)) {
        existing.delete(blob);
        write = true;
      }
    }
  }
  return { content: write ? serialize(existing) : existingContent, changed: write };
}
