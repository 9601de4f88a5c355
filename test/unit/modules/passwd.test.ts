import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createInReadPlans,
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

describe('user read command that creates an absent user (one round trip)', () => {
  /**
   * Runs the command with /bin/sh and stand-ins for getent and useradd on PATH: getent
   * answers from files in the directory, useradd records its argv and adds the passwd line.
   */
  function runWithStandIns(cmd: string, o: { userExists: boolean; groupExists: boolean; useraddFails?: boolean }) {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-passwd-'));
    try {
      if (o.userExists) writeFileSync(join(dir, 'passwd'), 'pyinfra:x:1002:1002::/home/pyinfra:/bin/bash\n');
      if (o.groupExists) writeFileSync(join(dir, 'group'), 'pyinfra:x:1005:\n');
      const getent = `#!/bin/sh\ndb=$1; shift; [ "$1" = -- ] && shift\ngrep "^$1:" "${dir}/$db" 2>/dev/null\n`;
      const useradd = o.useraddFails
        ? '#!/bin/sh\necho "useradd: cannot lock /etc/passwd" >&2; exit 1\n'
        : `#!/bin/sh\necho "$@" > "${dir}/useradd.argv"\necho 'pyinfra:x:1003:1003::/home/pyinfra:/bin/bash' > "${dir}/passwd"\n`;
      for (const [name, text] of [['getent', getent], ['useradd', useradd]] as const) {
        writeFileSync(join(dir, name), text);
        chmodSync(join(dir, name), 0o755);
      }
      const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
      const argvFile = join(dir, 'useradd.argv');
      return { rc: r.status, stdout: r.stdout, stderr: r.stderr, useradd: existsSync(argvFile) ? readFileSync(argvFile, 'utf8').trim() : undefined };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const w = want({ home: '/home/pyinfra', shell: '/bin/bash' });
  const createIfAbsent = createInReadPlans(w)!;
  const cmd = userReadCommand({ name: 'pyinfra', groups: false, lookups: [], lookupsIfAbsent: ['pyinfra'], password: false, createIfAbsent });

  it('is offered only when nothing about the new user depends on the target', () => {
    expect(createIfAbsent).toEqual({
      groupExists: ['useradd', '-N', '-d', '/home/pyinfra', '-m', '-s', '/bin/bash', '--', 'pyinfra'],
      noGroup: ['useradd', '-d', '/home/pyinfra', '-m', '-s', '/bin/bash', '--', 'pyinfra'],
    });
    expect(createInReadPlans(want({ group: 'users' }))).toBeUndefined();
    expect(createInReadPlans(want({ groups: ['wheel'] }))).toBeUndefined();
    expect(createInReadPlans(want({ password: true }))).toBeUndefined();
  });

  it('creates the absent user with the argv planUser plans for what it then reports', () => {
    for (const groupExists of [false, true]) {
      const r = runWithStandIns(cmd, { userExists: false, groupExists });
      expect(r.rc, r.stderr).toBe(0);
      const state = parseUserRead(r.stdout);
      expect(state.user).toBeUndefined();
      expect(state.created).toEqual({ name: 'pyinfra', uid: 1003, gid: 1003, comment: '', home: '/home/pyinfra', shell: '/bin/bash' });
      expect(state.groups.map((g) => g.name)).toEqual(groupExists ? ['pyinfra'] : []);
      // What the controller plans from that state is exactly what ran.
      expect(r.useradd).toBe(planUser(w, state).argv!.slice(1).join(' '));
    }
  });

  it('only reads an existing user', () => {
    const r = runWithStandIns(cmd, { userExists: true, groupExists: true });
    expect(r.rc).toBe(0);
    expect(r.useradd).toBeUndefined();
    expect(parseUserRead(r.stdout)).toMatchObject({ user: { uid: 1002 }, groups: [] });
  });

  it('exits with useradd\'s status and message when it fails', () => {
    const r = runWithStandIns(cmd, { userExists: false, groupExists: false, useraddFails: true });
    expect(r.rc).toBe(1);
    expect(r.stdout).toContain('@@tsplay:absent');
    expect(r.stderr).toContain('cannot lock /etc/passwd');
  });
});
