/**
 * The host-key decision for one connection attempt: check the key the server presented
 * against known_hosts, apply the mode (strict / accept-new / off), record a new key in
 * accept-new mode, and word the refusal so the user knows what happened and what to do.
 * A changed, revoked or different-type key is refused in every mode.
 */
import { KnownHosts, fingerprintSha256, hostKeyAlgorithmsFor, keyTypeOfBlob, recordHostKey } from './known-hosts.js';
import { sshLog } from './ssh-log.js';
import type { SshSettings } from './ssh-settings.js';

export type HostKeyVerdict = { ok: true } | { ok: false; message: string };

const warnedCertAuthorities = new Set<string>();

function where(settings: SshSettings): string {
  return `${settings.hostname}:${settings.port}`;
}

function location(entry: { file: string; line: number }): string {
  return `${entry.file}:${entry.line}`;
}

/** ssh-keyscan's `-t` names: ed25519, ecdsa, rsa, dsa. */
function keyscanType(type: string): string {
  return type.replace(/^ssh-/, '').replace(/^ecdsa-sha2-.*/, 'ecdsa').replace(/^dss$/, 'dsa');
}

export class HostKeyPolicy {
  private constructor(
    private readonly settings: SshSettings,
    private readonly knownHosts: KnownHosts,
  ) {}

  static async load(settings: SshSettings): Promise<HostKeyPolicy> {
    const knownHosts = await KnownHosts.load([...settings.knownHostsFiles, ...settings.globalKnownHostsFiles]);
    for (const p of knownHosts.problems) sshLog().debug(`${p.file}:${p.line}: ${p.message} (line ignored)`);
    return new HostKeyPolicy(settings, knownHosts);
  }

  /**
   * ssh2 `serverHostKey` edits that put the key types we already know first, as ssh does:
   * otherwise a server with ed25519 and RSA keys, known by its RSA key only, would
   * present ed25519 and look unknown.
   */
  preferredHostKeyAlgorithms(): { remove: string[]; prepend: string[] } | undefined {
    const algos = this.knownHosts.knownKeyTypes(this.settings.hostKeyName).flatMap(hostKeyAlgorithmsFor);
    return algos.length > 0 ? { remove: algos, prepend: algos } : undefined;
  }

  async verify(key: Buffer): Promise<HostKeyVerdict> {
    const s = this.settings;
    const name = s.hostKeyName;
    const type = keyTypeOfBlob(key) ?? 'unknown-type';
    const fp = fingerprintSha256(key);
    for (const ca of this.knownHosts.certAuthorities(name)) {
      const id = location(ca);
      if (!warnedCertAuthorities.has(id)) {
        warnedCertAuthorities.add(id);
        sshLog().warn(`ignoring @cert-authority line ${id} for ${name}: tsplay does not verify host certificates, only plain host keys`);
      }
    }
    const check = this.knownHosts.check(name, key);
    switch (check.status) {
      case 'known':
        return { ok: true };
      case 'revoked':
        return {
          ok: false,
          message: `host key of ${s.host} (${where(s)}) is REVOKED: its ${type} key ${fp} is marked @revoked in ${location(check.entry)}; refusing to connect`,
        };
      case 'changed':
      case 'other-type': {
        const old = check.entries[0]!;
        const detail =
          check.status === 'changed'
            ? `the server presented ${type} key ${fp}, but ${location(old)} holds ${fingerprintSha256(old.key)}`
            : `the server presented a ${type} key (${fp}), but the known keys for it are of type ${[...new Set(check.entries.map((e) => e.keyType))].join(', ')} (${location(old)})`;
        return {
          ok: false,
          message:
            `REMOTE HOST IDENTIFICATION HAS CHANGED for ${s.host} (${name}): ${detail}. ` +
            `Someone could be intercepting the connection (man-in-the-middle), or the host was reinstalled. ` +
            `tsplay refuses changed host keys whatever host_key_checking says; if the change is expected, ` +
            `remove the old key with: ssh-keygen -R '${name}' -f ${old.file}`,
        };
      }
      case 'unknown':
        return this.unknownHost(key, type, fp);
    }
  }

  private async unknownHost(key: Buffer, type: string, fp: string): Promise<HostKeyVerdict> {
    const s = this.settings;
    const name = s.hostKeyName;
    if (s.hostKeyChecking === 'off') {
      sshLog().debug(`host key checking is off: accepting ${type} key ${fp} of ${name} without recording it`);
      return { ok: true };
    }
    if (s.hostKeyChecking === 'accept-new') {
      const file = s.knownHostsFiles[0];
      if (!file) {
        sshLog().warn(`accepting ${type} key ${fp} of ${name}, but UserKnownHostsFile is none: it is not recorded`);
        return { ok: true };
      }
      try {
        if (await recordHostKey(file, name, key, { hash: s.hashKnownHosts })) {
          sshLog().warn(`Permanently added '${name}' (${type} ${fp}) to the list of known hosts (${file}).`);
        }
      } catch (e) {
        sshLog().warn(`accepted ${type} key of ${name}, but could not record it in ${file}: ${(e as Error).message}`);
      }
      return { ok: true };
    }
    const files = s.knownHostsFiles.length > 0 ? s.knownHostsFiles.join(', ') : '(UserKnownHostsFile none)';
    const scanPort = s.port === 22 ? '' : ` -p ${s.port}`;
    return {
      ok: false,
      message:
        `host key verification failed for ${s.host}: ${name} is not a known host (looked in ${files}); ` +
        `the server's ${type} key fingerprint is ${fp}. If that is the expected key, either add it ` +
        `(ssh-keyscan${scanPort} -t ${keyscanType(type)} ${s.hostname} >> ${s.knownHostsFiles[0] ?? '~/.ssh/known_hosts'}), ` +
        `or set TSPLAY_HOST_KEY_CHECKING=accept-new to record new keys automatically, ` +
        `or disable checking with ANSIBLE_HOST_KEY_CHECKING=False (or the variable ansible_host_key_checking: false)`,
    };
  }
}
