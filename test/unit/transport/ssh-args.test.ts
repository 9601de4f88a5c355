import { describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../../core/transport/ssh-args.js';

describe('parseSshArgs', () => {
  it('reads the lab inventory’s ansible_ssh_common_args', () => {
    const r = parseSshArgs(['-o UserKnownHostsFile=/var/lib/tsplay-lab/ssh/known_hosts -o StrictHostKeyChecking=yes']);
    expect(r.options).toEqual({ userknownhostsfile: ['/var/lib/tsplay-lab/ssh/known_hosts'], stricthostkeychecking: 'yes' });
    expect(r.ignored).toEqual([]);
  });

  it('accepts every spelling of -o, case-insensitive names, and quoted values', () => {
    const r = parseSshArgs(["-oPort=2222 -o 'User admin' -qo ConnectTimeout=5 -o \"IdentityFile=/k/my key\" -o kexalgorithms=+diffie-hellman-group14-sha1"]);
    expect(r.options).toEqual({
      port: '2222',
      user: 'admin',
      connecttimeout: '5',
      identityfile: ['/k/my key'],
      kexalgorithms: '+diffie-hellman-group14-sha1',
    });
  });

  it('maps -p -l -i -J -F, and lets the first value win except for IdentityFile', () => {
    const r = parseSshArgs(['-p 2200 -l alice -i ~/.ssh/a -J bastion:2022 -F /dev/null', '-o Port=9 -o User=bob -i ~/.ssh/b']);
    expect(r.options).toEqual({ port: '2200', user: 'alice', identityfile: ['~/.ssh/a', '~/.ssh/b'], proxyjump: 'bastion:2022' });
    expect(r.configFile).toBe('/dev/null');
  });

  it('splits UserKnownHostsFile lists', () => {
    expect(parseSshArgs(['-o "UserKnownHostsFile=/a /b"']).options.userknownhostsfile).toEqual(['/a', '/b']);
  });

  it('reports what it ignores instead of failing', () => {
    const r = parseSshArgs(['-C -o ControlMaster=auto -o ControlPersist=60s -c aes128-ctr -vvv extra']);
    expect(r.options).toEqual({});
    expect(r.ignored).toEqual(['-o ControlMaster', '-o ControlPersist', '-c aes128-ctr', "argument 'extra'"]);
  });

  it('fails clearly on broken quoting, a missing value or an -o without a value', () => {
    expect(() => parseSshArgs(['-o "UserKnownHostsFile=/a'])).toThrow(/cannot parse ssh arguments/);
    expect(() => parseSshArgs(['-p'])).toThrow(/-p needs a value/);
    expect(() => parseSshArgs(['-o Port'])).toThrow(/'-o Port' is not Key=Value/);
  });
});
