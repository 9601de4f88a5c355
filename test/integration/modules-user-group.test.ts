/**
 * user and group on a lab host: create, modify, remove, with check mode and diff, verified
 * with getent/id; the benchmark's user task; the password hash kept out of every output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import user from '../../modules/user.js';
import group from '../../modules/group.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

let lab: Lab;
let host: string;
// A hash in SHA-512 crypt format, as a playbook would carry it (its value is never logged).
const HASH = '$6$7sYvhVhk$1Y0zQ2l9B9w5k1n8m5iQmV6q1ZqPpQ3Y9Ck0o0YtW5lXkX1cK6b5JmGzN3hQ0mT2rE9sV7uU4wW8xY1zA2bC3.';
const cleanup = 'userdel -r tsplayit 2>/dev/null; userdel -r pyinfra 2>/dev/null; groupdel tsplayit-ops 2>/dev/null; groupdel tsplayit-svc 2>/dev/null; true';

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  await lab.sh(host, cleanup);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, cleanup);
  await lab.close();
});

describe('user and group on a lab host', () => {
  it('the benchmark task: one create, then nothing; check mode predicts and changes nothing', async () => {
    const args = { name: 'pyinfra', home: '/home/pyinfra', shell: '/bin/bash' };
    const before = await snapshot(lab, host);
    const check = await lab.run(host, user, args, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, failed: false });
    expect(check.diff?.[0]).toMatchObject({ before: 'state: absent\n', after: expect.stringContaining('shell: /bin/bash') });
    expect(await snapshot(lab, host)).toBe(before);
    const r = await lab.run(host, user, args);
    expect(r).toMatchObject({ changed: true, name: 'pyinfra', home: '/home/pyinfra', shell: '/bin/bash' });
    expect(await lab.out(host, 'getent passwd pyinfra | cut -d: -f6,7; stat -c %U /home/pyinfra')).toBe('/home/pyinfra:/bin/bash\npyinfra\n');
    expect(r.uid).toBe(Number((await lab.out(host, 'id -u pyinfra')).trim()));
    expect((await lab.run(host, user, args)).changed).toBe(false);
    expect((await lab.run(host, user, args, { check: true })).changed).toBe(false);
  });

  it('groups: create, renumber, then a user in them; group/user chain predicted in one dry run', async () => {
    const tasks: Array<[typeof user | typeof group, Record<string, unknown>]> = [
      [group, { name: 'tsplayit-ops' }],
      [group, { name: 'tsplayit-svc', gid: 4711, system: true }],
      [user, { name: 'tsplayit', group: 'tsplayit-svc', groups: ['tsplayit-ops'], comment: 'tsplay it', shell: '/bin/sh', create_home: false }],
    ];
    const dry = new HostRuntime();
    for (const [m, a] of tasks) {
      const r = await lab.run(host, m, a, { check: true, runtime: dry });
      expect(r.failed, `${m.name}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
    }
    for (const [m, a] of tasks) {
      const r = await lab.run(host, m, a);
      expect(r.failed, `${m.name}: ${r.msg}`).toBe(false);
      expect(r.changed).toBe(true);
    }
    expect(await lab.out(host, 'getent group tsplayit-svc | cut -d: -f3; id -gn tsplayit; id -Gn tsplayit; getent passwd tsplayit | cut -d: -f5,6,7')).toBe(
      '4711\ntsplayit-svc\ntsplayit-svc tsplayit-ops\ntsplay it:/home/tsplayit:/bin/sh\n',
    );
    expect((await lab.sh(host, 'test -d /home/tsplayit')).rc).not.toBe(0);
    for (const [m, a] of tasks) expect((await lab.run(host, m, a)).changed, m.name).toBe(false);

    const renumber = await lab.run(host, group, { name: 'tsplayit-svc', gid: 4712 }, { diff: true });
    expect(renumber).toMatchObject({ changed: true, gid: 4712 });
    expect(renumber.diff?.[0]).toMatchObject({ before: 'state: present\ngid: 4711\n', after: 'state: present\ngid: 4712\n' });
  });

  it('modifies only what differs; append keeps groups; groups: [] clears them', async () => {
    let r = await lab.run(host, user, { name: 'tsplayit', shell: '/bin/bash', groups: ['sudo'], append: true });
    expect(r).toMatchObject({ changed: true });
    expect((await lab.out(host, 'id -Gn tsplayit')).trim().split(' ').sort()).toEqual(['sudo', 'tsplayit-ops', 'tsplayit-svc']);
    expect((await lab.run(host, user, { name: 'tsplayit', groups: ['sudo'], append: true })).changed).toBe(false);
    r = await lab.run(host, user, { name: 'tsplayit', groups: [] });
    expect(r.changed).toBe(true);
    expect((await lab.out(host, 'id -Gn tsplayit')).trim()).toBe('tsplayit-svc');
    const missing = await lab.run(host, user, { name: 'tsplayit', groups: ['no-such-group'] });
    expect(missing.failed).toBe(true);
    expect(missing.msg).toMatch(/group 'no-such-group' does not exist/);
  });

  it('sets a hashed password through stdin only, and compares it without showing it', async () => {
    const r = await lab.run(host, user, { name: 'tsplayit', password: HASH }, { diff: true });
    expect(r.changed).toBe(true);
    expect(JSON.stringify(r)).not.toContain(HASH.slice(3, 20));
    expect((await lab.out(host, 'getent shadow tsplayit | cut -d: -f2')).trim()).toBe(HASH);
    expect((await lab.run(host, user, { name: 'tsplayit', password: HASH })).changed).toBe(false);
    expect((await lab.run(host, user, { name: 'tsplayit', password: `${HASH.slice(0, -1)}x`, update_password: 'on_create' })).changed).toBe(false);
  });

  it('removes users and groups, and refuses to remove a primary group in use', async () => {
    const busy = await lab.run(host, group, { name: 'tsplayit-svc', state: 'absent' });
    expect(busy.failed).toBe(true);
    expect(busy.msg).toMatch(/groupdel tsplayit-svc failed/);
    const check = await lab.run(host, user, { name: 'tsplayit', state: 'absent', remove: true }, { check: true });
    expect(check.changed).toBe(true);
    expect((await lab.sh(host, 'getent passwd tsplayit')).rc).toBe(0);
    expect((await lab.run(host, user, { name: 'tsplayit', state: 'absent', remove: true })).changed).toBe(true);
    expect((await lab.sh(host, 'getent passwd tsplayit')).rc).toBe(2);
    expect((await lab.run(host, user, { name: 'tsplayit', state: 'absent' })).changed).toBe(false);
    expect((await lab.run(host, group, { name: 'tsplayit-svc', state: 'absent' })).changed).toBe(true);
    expect((await lab.run(host, group, { name: 'tsplayit-svc', state: 'absent' })).changed).toBe(false);
  });
});
