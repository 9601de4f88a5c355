import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshConfigFromText } from '../../../core/transport/ssh-config.js';
import {
  parseJumpHosts,
  proxyCommandAsJump,
  resolveJumpSettings,
  resolveSshSettings,
  type SshConnectionSpec,
} from '../../../core/transport/ssh-settings.js';

const home = os.homedir();
const noConfig = sshConfigFromText('');
const ctx = (configText = '', env: NodeJS.ProcessEnv = {}) => ({ config: sshConfigFromText(configText), env, localUser: 'me' });
const spec = (over: Partial<SshConnectionSpec> = {}): SshConnectionSpec => ({ host: 'web1', address: 'web1', ...over });

describe('resolveSshSettings', () => {
  it('resolves the lab inventory’s settings', () => {
    const s = resolveSshSettings(
      spec({
        host: 'opctl',
        address: '198.18.0.10',
        user: 'root',
        privateKeyFile: '/var/lib/tsplay-lab/ssh/id_ed25519',
        sshArgs: ['-o UserKnownHostsFile=/var/lib/tsplay-lab/ssh/known_hosts -o StrictHostKeyChecking=yes'],
      }),
      ctx(),
    );
    expect(s).toMatchObject({
      host: 'opctl',
      hostname: '198.18.0.10',
      port: 22,
      user: 'root',
      identityFiles: ['/var/lib/tsplay-lab/ssh/id_ed25519'],
      defaultIdentityFiles: [],
      knownHostsFiles: ['/var/lib/tsplay-lab/ssh/known_hosts'],
      hostKeyName: '198.18.0.10',
      hostKeyChecking: 'strict',
      connectTimeoutMs: 10_000,
      proxyJump: [],
    });
  });

  it('falls back to OpenSSH defaults', () => {
    const s = resolveSshSettings(spec(), ctx());
    expect(s.user).toBe('me');
    expect(s.port).toBe(22);
    expect(s.identityFiles).toEqual([]);
    expect(s.defaultIdentityFiles).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(home, '.ssh', k)));
    expect(s.knownHostsFiles).toEqual([path.join(home, '.ssh/known_hosts'), path.join(home, '.ssh/known_hosts2')]);
    expect(s.globalKnownHostsFiles).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    expect(s.agentSocket).toBeUndefined();
    expect(s.keepaliveIntervalMs).toBe(15_000);
  });

  it('gives inventory variables precedence over ssh args, and ssh args over ssh config', () => {
    const config = 'Host web1\n  Port 2201\n  User cfg\n  IdentityFile ~/.ssh/cfg\n  ConnectTimeout 3\n';
    const args = ['-o Port=2202 -o User=arg -i /keys/arg -o ConnectTimeout=4'];
    expect(resolveSshSettings(spec(), ctx(config))).toMatchObject({ port: 2201, user: 'cfg', connectTimeoutMs: 3000 });
    expect(resolveSshSettings(spec({ sshArgs: args }), ctx(config))).toMatchObject({
      port: 2202,
      user: 'arg',
      connectTimeoutMs: 4000,
      identityFiles: ['/keys/arg', path.join(home, '.ssh/cfg')],
    });
    expect(
      resolveSshSettings(spec({ sshArgs: args, port: 2203, user: 'inv', privateKeyFile: '/keys/inv', connectTimeoutMs: 5000 }), ctx(config)),
    ).toMatchObject({ port: 2203, user: 'inv', connectTimeoutMs: 5000, identityFiles: ['/keys/inv', '/keys/arg', path.join(home, '.ssh/cfg')] });
  });

  it('looks ssh config up by ansible_host and expands tokens', () => {
    const config = 'Host 198.18.0.*\n  HostName %h.lab\n  User admin\n  IdentityFile %d/.ssh/%r@%h-%p\n  UserKnownHostsFile ~/kh/%n\n';
    const s = resolveSshSettings(spec({ address: '198.18.0.10' }), ctx(config));
    expect(s.hostname).toBe('198.18.0.10.lab');
    expect(s.identityFiles).toEqual([`${home}/.ssh/admin@198.18.0.10.lab-22`]);
    expect(s.knownHostsFiles).toEqual([`${home}/kh/198.18.0.10`]);
  });

  it('names the known_hosts entry [host]:port off port 22, or HostKeyAlias', () => {
    expect(resolveSshSettings(spec({ port: 2222 }), ctx()).hostKeyName).toBe('[web1]:2222');
    expect(resolveSshSettings(spec(), ctx('Host web1\n  HostKeyAlias Web-Alias\n')).hostKeyName).toBe('web-alias');
  });

  it('honours host key checking like Ansible: off/accept-new win, the default leaves it to ssh options', () => {
    const yes = ['-o StrictHostKeyChecking=yes'];
    expect(resolveSshSettings(spec({ hostKeyChecking: 'off', sshArgs: yes }), ctx()).hostKeyChecking).toBe('off');
    expect(resolveSshSettings(spec({ hostKeyChecking: 'accept-new', sshArgs: yes }), ctx()).hostKeyChecking).toBe('accept-new');
    expect(resolveSshSettings(spec({ hostKeyChecking: 'strict', sshArgs: ['-o StrictHostKeyChecking=accept-new'] }), ctx()).hostKeyChecking).toBe('accept-new');
    expect(resolveSshSettings(spec({ sshArgs: ['-o StrictHostKeyChecking=no'] }), ctx()).hostKeyChecking).toBe('off');
    expect(resolveSshSettings(spec(), ctx('Host *\n  StrictHostKeyChecking ask\n')).hostKeyChecking).toBe('strict');
    expect(() => resolveSshSettings(spec({ sshArgs: ['-o StrictHostKeyChecking=maybe'] }), ctx())).toThrow(/StrictHostKeyChecking must be yes, accept-new, no or ask, not 'maybe'/);
  });

  it('uses ssh-agent from SSH_AUTH_SOCK unless IdentityAgent none or IdentitiesOnly say otherwise', () => {
    expect(resolveSshSettings(spec(), ctx('', { SSH_AUTH_SOCK: '/run/agent' })).agentSocket).toBe('/run/agent');
    expect(resolveSshSettings(spec(), ctx('Host *\n  IdentityAgent none\n', { SSH_AUTH_SOCK: '/run/agent' })).agentSocket).toBeUndefined();
    expect(resolveSshSettings(spec(), ctx('Host *\n  IdentityAgent ~/agent.sock\n')).agentSocket).toBe(`${home}/agent.sock`);
    expect(resolveSshSettings(spec({ sshArgs: ['-o IdentitiesOnly=yes'] }), ctx()).identitiesOnly).toBe(true);
  });

  it('reads KexAlgorithms lists and edits', () => {
    const kex = (v: string) => resolveSshSettings(spec({ sshArgs: [`-o KexAlgorithms=${v}`] }), ctx()).kexAlgorithms;
    expect(kex('curve25519-sha256,ecdh-sha2-nistp256')).toEqual(['curve25519-sha256', 'ecdh-sha2-nistp256']);
    expect(kex('+diffie-hellman-group14-sha1')).toEqual({ append: ['diffie-hellman-group14-sha1'] });
    expect(kex('-ecdh-sha2-nistp521')).toEqual({ remove: ['ecdh-sha2-nistp521'] });
    expect(kex('^curve25519-sha256')).toEqual({ prepend: ['curve25519-sha256'] });
  });

  it('takes ProxyJump from args or config, and turns the ssh -W ProxyCommand idiom into one', () => {
    expect(resolveSshSettings(spec({ sshArgs: ['-J u@b:2022,c'] }), ctx()).proxyJump).toEqual([{ user: 'u', host: 'b', port: 2022 }, { host: 'c' }]);
    expect(resolveSshSettings(spec(), ctx('Host web1\n  ProxyJump none\n')).proxyJump).toEqual([]);
    expect(resolveSshSettings(spec(), ctx('Host web1\n  ProxyCommand ssh -q -W %h:%p -p 2200 ops@bastion\n')).proxyJump).toEqual([
      { user: 'ops', host: 'bastion', port: 2200 },
    ]);
  });

  it('rejects bad values with what to fix', () => {
    expect(() => resolveSshSettings(spec({ port: 70000 }), ctx())).toThrow("invalid port '70000' (expected 1-65535)");
    expect(() => resolveSshSettings(spec(), ctx('Host *\n  IdentityFile ~/.ssh/%C\n'))).toThrow("IdentityFile: unsupported token '%C'");
    expect(() => resolveSshSettings(spec({ sshArgs: ['-o ConnectTimeout=soon'] }), ctx())).toThrow("ConnectTimeout: invalid number of seconds 'soon'");
  });
});

describe('jump hosts', () => {
  it('parses ProxyJump values', () => {
    expect(parseJumpHosts('bastion')).toEqual([{ host: 'bastion' }]);
    expect(parseJumpHosts('ssh://root@[2001:db8::1]:2222')).toEqual([{ user: 'root', host: '2001:db8::1', port: 2222 }]);
    expect(() => parseJumpHosts('a@@b')).toThrow(/cannot parse 'a@@b'/);
  });

  it('refuses ProxyCommands it cannot express as ProxyJump', () => {
    expect(() => proxyCommandAsJump('nc -X 5 -x proxy:1080 %h %p')).toThrow(/not supported .* use ProxyJump/);
    expect(() => proxyCommandAsJump('ssh -W %h:%p -o Foo=bar bastion')).toThrow(/not supported/);
  });

  it('resolves a hop from its own config, inheriting the target’s trust and keys, never its password', () => {
    const target = resolveSshSettings(
      spec({ address: '198.18.0.11', privateKeyFile: '/lab/id', password: 'secret', sshArgs: ['-o UserKnownHostsFile=/lab/kh -J root@198.18.0.10'] }),
      ctx(),
    );
    const hop = resolveJumpSettings(target.proxyJump[0]!, target, { config: noConfig, localUser: 'me' });
    expect(hop).toMatchObject({ hostname: '198.18.0.10', user: 'root', port: 22, identityFiles: ['/lab/id'], knownHostsFiles: ['/lab/kh'], hostKeyChecking: 'strict' });
    expect(hop.password).toBeUndefined();
    const own = resolveJumpSettings({ host: 'bastion' }, target, {
      config: sshConfigFromText('Host bastion\n  HostName 10.0.0.1\n  User ops\n  IdentityFile /keys/ops\n  UserKnownHostsFile /kh/ops\n'),
      localUser: 'me',
    });
    expect(own).toMatchObject({ hostname: '10.0.0.1', user: 'ops', identityFiles: ['/keys/ops'], knownHostsFiles: ['/kh/ops'] });
  });
});
