/**
 * known_hosts handling as Ansible's known_hosts module does it, as pure functions over what
 * `ssh-keygen -F` reports (it understands hashed names, patterns and [host]:port): which
 * line holds a key of the same type, whether it is the same key, the new file content and
 * the diff; and hashing a host name the way `ssh-keygen -H` does.
 */
import { createHmac, randomBytes } from 'node:crypto';

interface NormalizedKey {
  options?: string;
  host: string;
  type: string;
  key: string;
}

/** normalize_known_hosts_key: host, type and key (and a @marker), the comment dropped. */
export function normalizeKey(line: string): NormalizedKey {
  const k = line.trim().split(/\s+/);
  if (k[0]!.startsWith('@')) return { options: k[0]!, host: k[1]!, type: k[2]!, key: k[3]! };
  return { host: k[0]!, type: k[1]!, key: k[2]! };
}

function same(a: NormalizedKey, b: NormalizedKey): boolean {
  return a.options === b.options && a.host === b.host && a.type === b.type && a.key === b.key;
}

export interface Search {
  found: boolean;
  replaceOrAdd: boolean;
  /** 1-based line of the key of the same type, when there is one. */
  foundLine?: number;
}

/** search_for_host_key, from `ssh-keygen -F HOST -f PATH`'s output. */
export function searchHostKey(sshKeygenOut: string, key: string | undefined): Search {
  if (sshKeygenOut === '') return { found: false, replaceOrAdd: false };
  if (!key) return { found: true, replaceOrAdd: false };
  const wanted = normalizeKey(key);
  let foundLine: number | undefined;
  for (const l of sshKeygenOut.split('\n')) {
    if (l === '') continue;
    if (l.startsWith('#')) {
      const m = /found: line (\d+)/.exec(l);
      if (m) foundLine = Number(m[1]);
      continue;
    }
    const found = normalizeKey(l);
    // An already hashed entry keeps its hash: compare as if the names were the same.
    if (wanted.host.startsWith('|1|') && found.host.startsWith('|1|')) wanted.host = found.host;
    if (same(wanted, found)) return { found: true, replaceOrAdd: false, ...(foundLine !== undefined ? { foundLine } : {}) };
    if (wanted.type === found.type) return { found: true, replaceOrAdd: true, ...(foundLine !== undefined ? { foundLine } : {}) };
  }
  return { found: true, replaceOrAdd: true };
}

/** The file after the change (compute_diff's "after", which is also what gets written). */
export function knownHostsAfter(before: string, s: Search, state: 'present' | 'absent', key: string | undefined): string {
  const lines: string[] = before.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  if ((s.replaceOrAdd || state === 'absent') && s.foundLine !== undefined && s.foundLine >= 1 && s.foundLine <= lines.length) lines.splice(s.foundLine - 1, 1);
  if (state === 'present' && key && (s.replaceOrAdd || s.foundLine === undefined)) lines.push(key);
  return lines.join('');
}

/** hash_host_key: `|1|salt|hmac-sha1(host)` in place of the host name. */
export function hashHostKey(host: string, key: string, salt: Buffer = randomBytes(20)): string {
  const hashed = createHmac('sha1', salt).update(host).digest();
  const parts = key.trim().split(/\s+/);
  const i = parts[0]!.startsWith('@') ? 1 : 0;
  parts[i] = `|1|${salt.toString('base64')}|${hashed.toString('base64')}`;
  return parts.join(' ');
}
