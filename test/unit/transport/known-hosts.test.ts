/**
 * known_hosts parsing, matching and recording. The hashed lines and fingerprints below were
 * produced by OpenSSH 9.2 (`ssh-keygen -H`, `ssh-keygen -lf`), so these tests compare us
 * with OpenSSH itself rather than with our own idea of the format.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KnownHosts,
  fingerprintSha256,
  hashHostName,
  hostFieldMatches,
  knownHostsName,
  parseKnownHosts,
  recordHostKey,
} from '../../../core/transport/known-hosts.js';

const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIKoIIzviW2xgygkh5/gGTJq3D9H0EYsQt61PtUykxH91';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLhAJvqHsEB7CMuaX+ScGyG5I1pz1VBh2DH4AsoQKNBEv/YMGEIiYyvTfegwLH8gGvxZMBEWfqttKstV8aCz5j8=';
const ed = Buffer.from(ED25519, 'base64');
const ecdsa = Buffer.from(ECDSA, 'base64');
// `ssh-keygen -H` of "[web1.example.com]:2222 ssh-ed25519 ..." and "db.example.com ecdsa-sha2-nistp256 ...".
const HASHED_WEB1 = '|1|DOo8pDy/fQM7lRwxUnoVhDevfOo=|Rq6WieE9DwLxk/DSPiDLoc7gDGQ=';
const HASHED_DB = '|1|FNiGawZWU/wIw7lBfXhhvPa+vV8=|B67+44ao+SGaapE/XcnpFNdIdfQ=';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempFile(content?: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-kh-'));
  dirs.push(d);
  const f = path.join(d, 'known_hosts');
  if (content !== undefined) writeFileSync(f, content);
  return f;
}

describe('names and fingerprints', () => {
  it('uses [host]:port off port 22, lower-cased', () => {
    expect(knownHostsName('Web1.Example.com', 22)).toBe('web1.example.com');
    expect(knownHostsName('198.18.0.10', 2222)).toBe('[198.18.0.10]:2222');
  });

  it('prints SHA256 fingerprints exactly like ssh-keygen -l', () => {
    expect(fingerprintSha256(ed)).toBe('SHA256:lH3QyprHJeoaFesNJ4Vbdtfot4R79GOOz5W3ZWgeg2Q');
    expect(fingerprintSha256(ecdsa)).toBe('SHA256:F8aT2nkQgf0+HsYUXSFXzA95Jfb1ukxvXPU++7Vj9gE');
  });
});

describe('host field matching', () => {
  it('matches names hashed by OpenSSH, and only those', () => {
    expect(hostFieldMatches(HASHED_WEB1, '[web1.example.com]:2222')).toBe(true);
    expect(hostFieldMatches(HASHED_WEB1, 'web1.example.com')).toBe(false);
    expect(hostFieldMatches(HASHED_DB, 'db.example.com')).toBe(true);
    expect(hostFieldMatches(HASHED_DB, 'db.example.org')).toBe(false);
  });

  it('hashes names the way OpenSSH does (same salt, same hash)', () => {
    const salt = Buffer.from('DOo8pDy/fQM7lRwxUnoVhDevfOo=', 'base64');
    expect(hashHostName('[web1.example.com]:2222', salt)).toBe(HASHED_WEB1);
    const fresh = hashHostName('opctl');
    expect(hostFieldMatches(fresh, 'opctl')).toBe(true);
  });

  it('supports pattern lists, wildcards, negation and bracketed ports', () => {
    expect(hostFieldMatches('web1,web2', 'web2')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'db.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostFieldMatches('web?', 'web7')).toBe(true);
    expect(hostFieldMatches('web?', 'web17')).toBe(false);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'good.example.com')).toBe(true);
    expect(hostFieldMatches('[198.18.0.*]:2222', '[198.18.0.10]:2222')).toBe(true);
    expect(hostFieldMatches('198.18.0.10', '[198.18.0.10]:2222')).toBe(false);
    expect(hostFieldMatches('WEB1', 'web1')).toBe(true);
    // Regex metacharacters in a pattern are literal.
    expect(hostFieldMatches('a.b', 'axb')).toBe(false);
  });
});

describe('parsing', () => {
  it('reads markers and key types, and reports malformed lines with file:line', () => {
    const text = [
      '# comment',
      '',
      `${HASHED_WEB1} ssh-ed25519 ${ED25519}`,
      `@revoked * ssh-ed25519 ${ED25519}`,
      `@cert-authority *.example.com ecdsa-sha2-nistp256 ${ECDSA} ca comment`,
      `@bogus host ssh-ed25519 ${ED25519}`,
      'onlyhost',
      `db ssh-rsa ${ED25519}`,
      'old 1024 35 12345',
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text, 'kh');
    expect(entries.map((e) => [e.line, e.marker ?? '', e.keyType])).toEqual([
      [3, '', 'ssh-ed25519'],
      [4, 'revoked', 'ssh-ed25519'],
      [5, 'cert-authority', 'ecdsa-sha2-nistp256'],
    ]);
    expect(problems).toEqual([
      { file: 'kh', line: 6, message: "unknown marker '@bogus'" },
      { file: 'kh', line: 7, message: 'expected "hosts keytype base64-key"' },
      { file: 'kh', line: 8, message: 'key data is not a valid ssh-rsa public key' },
    ]);
  });
});

describe('checking a presented key', () => {
  const kh = (text: string) => new KnownHosts(parseKnownHosts(text, '/kh').entries);

  it('knows a listed key, plain or hashed', () => {
    expect(kh(`db.example.com ecdsa-sha2-nistp256 ${ECDSA}`).check('db.example.com', ecdsa).status).toBe('known');
    expect(kh(`${HASHED_DB} ecdsa-sha2-nistp256 ${ECDSA}`).check('db.example.com', ecdsa).status).toBe('known');
  });

  it('says unknown for another host', () => {
    expect(kh(`db.example.com ecdsa-sha2-nistp256 ${ECDSA}`).check('db2.example.com', ecdsa)).toEqual({ status: 'unknown' });
  });

  it('flags a different key of the same type as changed, with the offending line', () => {
    const other = Buffer.from(ed);
    other[other.length - 1] ^= 1;
    const r = kh(`# x\nweb ssh-ed25519 ${ED25519}`).check('web', other);
    expect(r.status).toBe('changed');
    expect(r.status === 'changed' && r.entries[0]!.line).toBe(2);
  });

  it('flags a key of a type not known for the host as other-type', () => {
    expect(kh(`web ssh-ed25519 ${ED25519}`).check('web', ecdsa).status).toBe('other-type');
  });

  it('lets any matching line vouch for the key (several keys per host)', () => {
    const other = Buffer.from(ed);
    other[other.length - 1] ^= 1;
    const both = kh(`web ssh-ed25519 ${other.toString('base64')}\nweb ssh-ed25519 ${ED25519}`);
    expect(both.check('web', ed).status).toBe('known');
  });

  it('puts @revoked before everything else and ignores @cert-authority as a key', () => {
    const list = kh(`web ssh-ed25519 ${ED25519}\n@revoked * ssh-ed25519 ${ED25519}`);
    expect(list.check('web', ed).status).toBe('revoked');
    const ca = kh(`@cert-authority web ssh-ed25519 ${ED25519}`);
    expect(ca.check('web', ed).status).toBe('unknown');
    expect(ca.certAuthorities('web')).toHaveLength(1);
  });

  it('lists the key types known for a host', () => {
    expect(kh(`web ssh-ed25519 ${ED25519}\nweb,db ecdsa-sha2-nistp256 ${ECDSA}`).knownKeyTypes('web')).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });

  it('loads several files, skipping missing ones', async () => {
    const a = tempFile(`web ssh-ed25519 ${ED25519}\n`);
    const loaded = await KnownHosts.load([a, path.join(path.dirname(a), 'missing')]);
    expect(loaded.check('web', ed)).toMatchObject({ status: 'known', entry: { file: a, line: 1 } });
  });

  it('sees every change to a file it has parsed before (reuse is by size and mtime)', async () => {
    const f = tempFile(`web ssh-ed25519 ${ED25519}\n`);
    expect((await KnownHosts.load([f])).check('web', ed).status).toBe('known');
    expect((await KnownHosts.load([f])).check('db', ed).status).toBe('unknown');
    await recordHostKey(f, 'db', ed);
    expect((await KnownHosts.load([f])).check('db', ed).status).toBe('known');
    // Same size, new content, a later mtime: another host name of the same length.
    writeFileSync(f, `app ssh-ed25519 ${ED25519}\ndb ssh-ed25519 ${ED25519}\n`);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const reloaded = await KnownHosts.load([f]);
    expect(reloaded.check('app', ed).status).toBe('known');
    expect(reloaded.check('web', ed).status).toBe('unknown');
  });

  it('matches plain names case-insensitively and wildcards, with negation', () => {
    const list = kh(`WEB.example.COM,!db* ssh-ed25519 ${ED25519}\n*.lab,!bad.lab ssh-ed25519 ${ED25519}`);
    expect(list.check('web.example.com', ed).status).toBe('known');
    expect(list.check('x.lab', ed).status).toBe('known');
    expect(list.check('bad.lab', ed).status).toBe('unknown');
    expect(list.check('x.lab.evil', ed).status).toBe('unknown');
  });
});

describe('recording a new key', () => {
  it('appends one line, adding a missing final newline, and creates the file if needed', async () => {
    const f = tempFile('# mine');
    expect(await recordHostKey(f, '[198.18.0.10]:22', ed)).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe(`# mine\n[198.18.0.10]:22 ssh-ed25519 ${ED25519}\n`);
    const created = path.join(path.dirname(f), 'sub', 'kh');
    expect(await recordHostKey(created, 'web', ecdsa)).toBe(true);
    expect(readFileSync(created, 'utf8')).toBe(`web ecdsa-sha2-nistp256 ${ECDSA}\n`);
  });

  it('writes a key once even when many connections accept it at the same time', async () => {
    const f = tempFile();
    const results = await Promise.all(Array.from({ length: 10 }, () => recordHostKey(f, 'web', ed)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const hosts = await Promise.all(Array.from({ length: 20 }, (_, i) => recordHostKey(f, `h${i}`, ed)));
    expect(hosts.every(Boolean)).toBe(true);
    const { entries, problems } = parseKnownHosts(readFileSync(f, 'utf8'), f);
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(21);
  });

  it('can hash the recorded name', async () => {
    const f = tempFile('');
    await recordHostKey(f, 'web', ed, { hash: true });
    const line = readFileSync(f, 'utf8');
    expect(line).toMatch(/^\|1\|[^ ]+ ssh-ed25519 /);
    expect(new KnownHosts(parseKnownHosts(line, f).entries).check('web', ed).status).toBe('known');
  });
});
