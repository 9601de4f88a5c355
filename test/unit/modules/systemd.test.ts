import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actCommand, isEnabled, parseShow, plan, presetFor, showCommand, unitName, unitState } from '../../../modules/_lib/systemd.js';

// `systemctl show -p ...` as systemd prints it, followed by the read command's markers.
const show = (props: Record<string, string>, extra = '') =>
  `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n@@tsplay:rc=0\n${extra}`;

const sshd = show({
  Id: 'ssh.service',
  Names: 'ssh.service sshd.service',
  Description: 'OpenBSD Secure Shell server',
  LoadState: 'loaded',
  ActiveState: 'active',
  SubState: 'running',
  UnitFileState: 'enabled',
  UnitFilePreset: 'enabled',
  FragmentPath: '/lib/systemd/system/ssh.service',
  SourcePath: '',
  MainPID: '123',
  ExecMainStatus: '0',
  CanReload: 'yes',
  Result: 'success',
});

describe('systemctl show', () => {
  it('parses properties and the unit state', () => {
    const s = parseShow(sshd);
    expect(s.error).toBeUndefined();
    expect(s.props.Names).toBe('ssh.service sshd.service');
    expect(unitState(s)).toEqual({ found: true, active: 'active', unitFileState: 'enabled', masked: false });
  });

  it('knows a missing unit, and collects presets after it', () => {
    const s = parseShow(
      show({ Id: 'nova.service', LoadState: 'not-found', ActiveState: 'inactive', UnitFileState: '' }, '@@tsplay:presets\n/usr/lib/systemd/system-preset/99-default-disable.preset:disable *\n'),
    );
    expect(unitState(s).found).toBe(false);
    expect(s.presetLines).toEqual(['/usr/lib/systemd/system-preset/99-default-disable.preset:disable *']);
  });

  it('takes chkconfig\'s answer for SysV scripts (EL7 network)', () => {
    const s = parseShow(show({ Id: 'network.service', LoadState: 'loaded', ActiveState: 'active', UnitFileState: 'bad', SourcePath: '/etc/rc.d/init.d/network' }, '@@tsplay:is-enabled=enabled\n'));
    expect(unitState(s).unitFileState).toBe('enabled');
  });

  it('reports systemctl failures (no systemd as PID 1)', () => {
    const s = parseShow("System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n@@tsplay:rc=1\n");
    expect(s.error).toMatch(/not been booted with systemd/);
  });

  it('masked units', () => {
    expect(unitState(parseShow(show({ LoadState: 'masked', ActiveState: 'inactive', UnitFileState: 'masked' }))).masked).toBe(true);
  });

  it('completes names like systemd', () => {
    expect(unitName('network')).toBe('network.service');
    expect(unitName('sshd.socket')).toBe('sshd.socket');
    expect(unitName('getty@tty1')).toBe('getty@tty1.service');
  });

  it('quotes the unit name into the read command', () => {
    expect(showCommand("a'b", false)).toContain(`-- 'a'"'"'b'`);
  });
});

describe('planning', () => {
  const stopped = { found: true, active: 'inactive', unitFileState: 'disabled', masked: false };
  const running = { found: true, active: 'active', unitFileState: 'enabled', masked: false };

  it('starts and enables in Ansible\'s order, and nothing when already there', () => {
    expect(plan(stopped, { state: 'started', enabled: true }, 'x').actions).toEqual(['enable', 'start']);
    expect(plan(running, { state: 'started', enabled: true }, 'x').actions).toEqual([]);
    expect(plan(running, { state: 'stopped', enabled: false }, 'x').actions).toEqual(['disable', 'stop']);
  });

  it('restarted and reloaded always act; on a stopped unit they start it', () => {
    expect(plan(running, { state: 'restarted' }, 'x').actions).toEqual(['restart']);
    expect(plan(running, { state: 'reloaded' }, 'x').actions).toEqual(['reload']);
    expect(plan(stopped, { state: 'restarted' }, 'x').actions).toEqual(['start']);
  });

  it('masks and unmasks first', () => {
    expect(plan(running, { masked: true, state: 'stopped' }, 'x').actions).toEqual(['mask', 'stop']);
    const masked = { found: true, active: 'inactive', unitFileState: 'masked', masked: true };
    expect(plan(masked, { masked: false, enabled: true, state: 'started' }, 'x').actions).toEqual(['unmask', 'enable', 'start']);
    expect(plan(masked, { state: 'started' }, 'x').error).toMatch(/masked/);
  });

  it('treats static units as enabled and refuses to disable them', () => {
    const s = { found: true, active: 'inactive', unitFileState: 'static', masked: false };
    expect(plan(s, { enabled: true }, 'x').actions).toEqual([]);
    expect(plan(s, { enabled: false }, 'x').error).toMatch(/static.*masked: yes/);
    expect(isEnabled('indirect')).toBe(false);
  });

  it('acts in one command that stops at the first failure', () => {
    expect(actCommand('nova api', ['enable', 'start'], { noBlock: true })).toBe("systemctl enable -- 'nova api' || exit $?\nsystemctl --no-block start -- 'nova api' || exit $?");
  });
});

describe('presets', () => {
  const lines = [
    '/usr/lib/systemd/system-preset/90-default.preset:# Units enabled by default on CentOS 7',
    '/usr/lib/systemd/system-preset/90-default.preset:enable NetworkManager.service',
    '/usr/lib/systemd/system-preset/90-default.preset:enable libvirtd.service',
    '/usr/lib/systemd/system-preset/99-default-disable.preset:disable *',
  ];
  it('first match across files sorted by name wins; no match enables', () => {
    expect(presetFor('libvirtd.service', lines)).toBe('enabled');
    expect(presetFor('openstack-nova-api.service', lines)).toBe('disabled');
    expect(presetFor('anything.service', [])).toBe('enabled');
  });
  it('a file in /etc hides the same name in /usr/lib', () => {
    expect(presetFor('libvirtd.service', [...lines, '/etc/systemd/system-preset/90-default.preset:disable libvirtd.service'])).toBe('disabled');
  });
});

describe('real systemctl show output (systemd 252 on a lab host)', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/systemd/${name}`, import.meta.url), 'utf8');

  it('reads running, static, disabled and missing units', () => {
    expect(unitState(parseShow(fixture('show-ssh.out')))).toEqual({ found: true, active: 'active', unitFileState: 'enabled', masked: false });
    expect(unitState(parseShow(fixture('show-systemd-journald.out'))).unitFileState).toBe('static');
    expect(unitState(parseShow(fixture('show-network.out')))).toEqual({ found: true, active: 'inactive', unitFileState: 'disabled', masked: false });
    const missing = parseShow(fixture('show-no-such-unit.out'));
    expect(unitState(missing).found).toBe(false);
    expect(missing.error).toBeUndefined();
  });

  it('evaluates the lab\'s CentOS-like presets (merged /usr lists every file twice)', () => {
    const presets = parseShow(fixture('show-no-such-unit.out')).presetLines!;
    expect(presets.some((l) => l.startsWith('/lib/systemd/system-preset/'))).toBe(true);
    expect(presetFor('libvirtd.service', presets)).toBe('enabled');
    expect(presetFor('NetworkManager.service', presets)).toBe('enabled');
    expect(presetFor('dnsmasq.service', presets)).toBe('disabled');
    expect(presetFor('openstack-nova-api.service', presets)).toBe('disabled');
    expect(presetFor('systemd-resolved.service', presets)).toBe('enabled');
  });
});
