import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSshConfigCache, loadSshConfig, readConfigText, sshConfigFromText } from '../../../core/transport/ssh-config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-sshcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lookup', () => {
  const config = sshConfigFromText(`
# Specific hosts first, defaults last, as ssh_config(5) recommends.
Host opctl opnet
  HostName 198.18.0.10
  Port 2222
  IdentityFile ~/.ssh/lab
  UserKnownHostsFile /lab/known_hosts /lab/known_hosts2

Host 198.18.0.*
  ProxyJump jump@bastion:2022
  StrictHostKeyChecking accept-new

Match user deploy
  Port 9999

Match exec "true"
  User from-match-exec

Host *
  User keanu
  Port 22
  IdentityFile ~/.ssh/id_default
`);

  it('merges matching sections with the first value winning and IdentityFile accumulating', () => {
    expect(config.lookup('opctl')).toEqual({
      hostname: '198.18.0.10',
      port: '2222',
      identityfile: ['~/.ssh/lab', '~/.ssh/id_default'],
      userknownhostsfile: ['/lab/known_hosts', '/lab/known_hosts2'],
      user: 'keanu',
    });
  });

  it('matches wildcards against the name ssh is given', () => {
    expect(config.lookup('198.18.0.11')).toMatchObject({ proxyjump: 'jump@bastion:2022', stricthostkeychecking: 'accept-new', port: '22' });
    expect(config.lookup('other').proxyjump).toBeUndefined();
  });

  it('does not run Match exec commands', () => {
    expect(config.lookup('other').user).toBe('keanu');
  });
});

describe('files', () => {
  it('splices Include files (relative to ~/.ssh, with wildcards, sorted) and treats a missing file as empty', () => {
    const sshDir = path.join(dir, '.ssh');
    mkdirSync(path.join(sshDir, 'conf.d'), { recursive: true });
    writeFileSync(path.join(sshDir, 'conf.d', 'b.conf'), 'Host b\n  Port 2\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'a.conf'), 'Host a\n  Port 1\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'ignored.txt'), 'Host c\n  Port 3\n');
    writeFileSync(path.join(sshDir, 'config'), 'Include conf.d/*.conf missing.conf\nHost *\n  User u\n');
    const text = readConfigText(path.join(sshDir, 'config'), sshDir);
    expect(text.replace(/\n+/g, '\n')).toBe('Host a\n  Port 1\nHost b\n  Port 2\nHost *\n  User u\n');
    expect(sshConfigFromText(text).lookup('b')).toEqual({ port: '2', user: 'u' });
    expect(readConfigText(path.join(sshDir, 'nope'), sshDir)).toBe('');
  });

  it('refuses Include loops', () => {
    const f = path.join(dir, 'loop.conf');
    writeFileSync(f, `Include ${f}\n`);
    expect(() => readConfigText(f, dir)).toThrow(/nested too deeply/);
  });

  it('loads only the -F file when one is given', () => {
    const f = path.join(dir, 'only.conf');
    writeFileSync(f, 'Host x\n  Port 77\n');
    clearSshConfigCache();
    expect(loadSshConfig(f).lookup('x')).toEqual({ port: '77' });
    expect(loadSshConfig('/dev/null').lookup('x')).toEqual({});
  });
});
