import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeUser,
  groupReadCommand,
  parseGroupLine,
  parseGroupRead,
  parsePasswdLine,
  parseUserRead,
  planGroup,
  planUser,
  userActCommand,
  userReadCommand,
  type UserWant,
} from '../../../modules/_lib/passwd.js';

// Output of userReadCommand on a lab host (Debian 12 userland), with a wrong hash on stdin.
const labRead = readFileSync(new URL('./fixtures/passwd/user-read-tester.out', import.meta.url), 'utf8');

const want = (o: Partial<UserWant> = {}): UserWant => ({
  name: 'pyinfra',
  nonUnique: false,
  append: false,
  createHome: true,
  moveHome: false,
  system: false,
  password: false,
  updatePassword: 'always',
  ...o,
});

describe('getent parsing', () => {
  it('reads passwd and group lines', () => {
    expect(parsePasswdLine('nova:x:162:162:OpenStack Nova Daemons:/var/lib/nova:/sbin/nologin')).toEqual({
      name: 'nova',
      uid: 162,
      gid: 162,
      comment: 'OpenStack Nova Daemons',
      home: '/var/lib/nova',
      shell: '/sbin/nologin',
    });
    expect(parseGroupLine('libvirt:x:990:nova,qemu')).toEqual({ name: 'libvirt', gid: 990, members: ['nova', 'qemu'] });
    expect(parsePasswdLine('garbage')).toBeUndefined();
  });

  it('reads the real output of the user read command', () => {
    const s = parseUserRead(labRead);
    expect(s.user).toMatchObject({ name: 'tester', uid: 1000, gid: 1000, home: '/home/tester', shell: '/bin/bash' });
    expect(s.groupNames).toEqual(['tester']);
    expect(s.groups.map((g) => g.name)).toEqual(['tester', 'sudo', 'root']);
    expect(s.password).toBe('differs');
    expect(parseUserRead('@@tsplay:absent\n').user).toBeUndefined();
  });

  it('never puts the password on the command line', () => {
    const cmd = userReadCommand({ name: 'pyinfra', groups: false, lookups: [], password: true });
    expect(cmd).toContain('IFS= read -r want');
    expect(userActCommand('pyinfra', { setPassword: true, changes: [] })).toContain('chpasswd -e');
  });

  it('reads groups', () => {
    expect(groupReadCommand("we'ird")).toContain(`'we'"'"'ird'`);
    expect(parseGroupRead('@@tsplay:group=nova:x:162:\n')).toEqual({ name: 'nova', gid: 162, members: [] });
    expect(parseGroupRead('@@tsplay:absent\n')).toBeUndefined();
  });
});

describe('user planning', () => {
  const existing = parseUserRead(
    '@@tsplay:passwd=pyinfra:x:1001:1001::/home/pyinfra:/bin/bash\n@@tsplay:groups=pyinfra adm\n@@tsplay:lookup\npyinfra:x:1001:\nadm:x:4:syslog\nwheel:x:10:\n',
  );

  it('creates with exactly the given attributes (the benchmark task)', () => {
    const p = planUser(want({ home: '/home/pyinfra', shell: '/bin/bash' }), parseUserRead('@@tsplay:absent\n'));
    expect(p.argv).toEqual(['useradd', '-d', '/home/pyinfra', '-m', '-s', '/bin/bash', '--', 'pyinfra']);
  });

  it('passes -N when a group of the user\'s name already exists (as Ansible)', () => {
    const p = planUser(want(), parseUserRead('@@tsplay:absent\n@@tsplay:lookup\npyinfra:x:1005:\n'));
    expect(p.argv).toEqual(['useradd', '-N', '-m', '--', 'pyinfra']);
  });

  it('is a no-op when everything matches', () => {
    const p = planUser(want({ home: '/home/pyinfra', shell: '/bin/bash', groups: ['adm'] }), existing);
    expect(p.argv).toBeUndefined();
    expect(p.setPassword).toBe(false);
  });

  it('changes only what differs, in one usermod', () => {
    const p = planUser(want({ shell: '/bin/sh', groups: ['wheel'], comment: 'bench' }), existing);
    expect(p.argv).toEqual(['usermod', '-G', 'wheel', '-s', '/bin/sh', '-c', 'bench', '--', 'pyinfra']);
    expect(p.changes).toEqual(['groups', 'shell', 'comment']);
  });

  it('appends only missing groups, and clears them with groups: []', () => {
    expect(planUser(want({ groups: ['adm', 'wheel'], append: true }), existing).argv).toEqual(['usermod', '-a', '-G', 'wheel', '--', 'pyinfra']);
    expect(planUser(want({ groups: ['adm'], append: true }), existing).argv).toBeUndefined();
    expect(planUser(want({ groups: [] }), existing).argv).toEqual(['usermod', '-G', '', '--', 'pyinfra']);
  });

  it('resolves groups by gid, and names the ones that do not exist', () => {
    expect(planUser(want({ group: '10' }), existing).argv).toEqual(['usermod', '-g', 'wheel', '--', 'pyinfra']);
    expect(planUser(want({ groups: ['nope', 'adm', 'gone'] }), existing).error).toBe("groups 'nope', 'gone' do not exist");
  });

  it('sets a password only when it differs, and on_create only for new users', () => {
    const same = { ...existing, password: 'same' as const };
    expect(planUser(want({ password: true }), same).setPassword).toBe(false);
    expect(planUser(want({ password: true }), { ...existing, password: 'differs' }).setPassword).toBe(true);
    expect(planUser(want({ password: true, updatePassword: 'on_create' }), { ...existing, password: 'differs' }).setPassword).toBe(false);
  });

  it('moves the home only when asked', () => {
    expect(planUser(want({ home: '/srv/pyinfra', moveHome: true }), existing).argv).toEqual(['usermod', '-d', '/srv/pyinfra', '-m', '--', 'pyinfra']);
  });

  it('describes attributes for --diff without any password value', () => {
    expect(describeUser(existing.user, existing.groupNames, { password: 'changed' })).toBe(
      'state: present\nuid: 1001\ngid: 1001\ngroups: pyinfra,adm\nhome: /home/pyinfra\nshell: /bin/bash\ncomment: \npassword: changed\n',
    );
  });
});

describe('group planning', () => {
  it('adds, renumbers, or leaves alone', () => {
    expect(planGroup({ name: 'nova', gid: 162, system: true, nonUnique: false }, undefined)).toEqual(['groupadd', '-g', '162', '-r', '--', 'nova']);
    expect(planGroup({ name: 'nova', gid: 163, system: false, nonUnique: false }, { name: 'nova', gid: 162, members: [] })).toEqual(['groupmod', '-g', '163', '--', 'nova']);
    expect(planGroup({ name: 'nova', system: false, nonUnique: false }, { name: 'nova', gid: 162, members: [] })).toBeUndefined();
  });
});

describe('user read command', () => {
  it('asks for the group of the user\'s own name only when the user does not exist', () => {
    const cmd = userReadCommand({ name: 'pyinfra', groups: false, lookups: [], lookupsIfAbsent: ['pyinfra'], password: false });
    const [then, otherwise] = cmd.split('\nelse\n');
    expect(then).not.toContain('getent group');
    expect(otherwise).toContain("getent group -- pyinfra");
    expect(parseUserRead('@@tsplay:absent\n@@tsplay:lookup\npyinfra:x:1005:\n').groups).toEqual([{ name: 'pyinfra', gid: 1005, members: [] }]);
  });
});
