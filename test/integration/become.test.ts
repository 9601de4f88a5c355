/**
 * Become never hands the password to the command (issue 13, item 1), on the lab hosts'
 * real sudo: NOPASSWD (tester), password sudo (tester2), cached credentials with
 * `timestamp_type=global` (sudo does not ask the second time), root becoming root, and
 * `requiretty`. For each: a file written through become holds exactly its data, a command
 * reads exactly its stdin, and a refusing sudo is a BecomeError, never an exit status. The
 * CLI case is the one the review reproduced: `copy: content=...` with become and an
 * `ansible_become_password` on a NOPASSWD host.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionSpecFor } from '../../core/executor/connections.js';
import { writeFileAtomic } from '../../core/transport/remote-shell.js';
import { closeAll, SshTransport } from '../../core/transport/ssh.js';
import { BecomeError, type BecomeSpec } from '../../core/transport/transport.js';
import { openLab, type Lab } from './modules-lab.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const HOST = 'opctl';
const DROP_IN = '/etc/sudoers.d/zz-tsplay-become-test';

let lab: Lab;
let password: string;
let dir: string;
const open: SshTransport[] = [];

function as(user: string): SshTransport {
  const { connection: _c, ...spec } = connectionSpecFor(HOST, lab.inventory.varsFor(HOST), {});
  const t = new SshTransport({ ...spec, user });
  open.push(t);
  return t;
}

async function becomeError(p: Promise<unknown>): Promise<BecomeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BecomeError);
  return e as BecomeError;
}

/** Write through become, read back as root: exactly the data, never the password. */
async function writesExactly(t: SshTransport, become: BecomeSpec, name: string): Promise<void> {
  const dest = `/root/tsplay-become-${name}`;
  const data = `data for ${name}\n`;
  await writeFileAtomic(t, dest, data, { become });
  expect(await lab.out(HOST, `cat ${dest}; rm -f ${dest}`)).toBe(data);
  const r = await t.exec('cat; id -un', { become, stdin: 'stdin payload\n' });
  expect(r.stdout).toBe('stdin payload\nroot\n');
  expect(r.stderr).toBe('');
}

beforeAll(async () => {
  lab = await openLab();
  password = readFileSync(String(lab.inventory.varsFor(HOST).lab_sudo_password_file), 'utf8').trim();
  dir = mkdtempSync(join(tmpdir(), 'tsplay-become-it-'));
});

afterEach(async () => {
  // Back to the lab's sudo: no drop-in, no cached credentials.
  await lab.out(HOST, `rm -f ${DROP_IN}; rm -rf /run/sudo/ts/tester2 /var/run/sudo/ts/tester2`);
});

afterAll(async () => {
  await Promise.allSettled(open.map((t) => t.close()));
  await closeAll();
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('become with a password', () => {
  it('NOPASSWD sudo (tester): the password is never read as data', async () => {
    await writesExactly(as('tester'), { user: 'root', password: 'not-needed-password' }, 'nopasswd');
  });

  it('password sudo (tester2): the password goes to sudo, the data to the command', async () => {
    await writesExactly(as('tester2'), { user: 'root', password }, 'password');
  });

  it('cached credentials (timestamp_type=global): sudo does not ask, nothing is leaked', async () => {
    await lab.out(HOST, `printf 'Defaults:tester2 timestamp_type=global, timestamp_timeout=10\\n' > ${DROP_IN}; chmod 0440 ${DROP_IN}; visudo -cq`);
    const t = as('tester2');
    await t.exec('true', { become: { user: 'root', password } });
    // Proof that the next sudo will not prompt: `sudo -n` (never prompts) succeeds now.
    expect((await t.exec('sudo -n true')).rc).toBe(0);
    await writesExactly(t, { user: 'root', password }, 'cached');
  });

  it('root becoming root: sudo never asks', async () => {
    await writesExactly(as('root'), { user: 'root', password: 'unused-root-password' }, 'root');
  });

  it('a wrong password is a BecomeError that says so, and the command never runs', async () => {
    const t = as('tester2');
    const e = await becomeError(t.exec('touch /root/tsplay-become-wrong', { become: { user: 'root', password: 'not-the-password' } }));
    expect(e.message).toMatch(/sudo rejected the become password/);
    expect(e.message).not.toContain('not-the-password');
    expect(await lab.out(HOST, 'test -e /root/tsplay-become-wrong && echo yes || echo no')).toBe('no\n');
  });

  it('no password where sudo needs one is a BecomeError naming sudo’s reason', async () => {
    const e = await becomeError(as('tester2').exec('true', { become: { user: 'root' } }));
    expect(e.message).toMatch(/password is required/);
  });

  it('requiretty: a clear BecomeError, the password is not written anywhere', async () => {
    await lab.out(HOST, `printf 'Defaults:tester2 requiretty\\n' > ${DROP_IN}; chmod 0440 ${DROP_IN}; visudo -cq`);
    const t = as('tester2');
    const e = await becomeError(writeFileAtomic(t, '/root/tsplay-become-tty', 'x\n', { become: { user: 'root', password } }));
    expect(e.message).toMatch(/requires a tty.*!requiretty/);
    expect(await lab.out(HOST, 'test -e /root/tsplay-become-tty && echo yes || echo no')).toBe('no\n');
    const found = await lab.out(HOST, `grep -rlF -- ${JSON.stringify(password)} /root /tmp /home 2>/dev/null || true`);
    expect(found).toBe('');
  });
});

describe('through the CLI', () => {
  it('copy content with become and ansible_become_password on a NOPASSWD host writes the content only', async () => {
    const v = lab.inventory.varsFor(HOST);
    writeFileSync(
      join(dir, 'hosts.ini'),
      `${HOST} ansible_host=${String(v.ansible_host)} ansible_user=tester ansible_become_password=leaky-password-123\n` +
        `[all:vars]\nansible_ssh_private_key_file=${String(v.ansible_ssh_private_key_file)}\nansible_ssh_common_args="${String(v.ansible_ssh_common_args)}"\n`,
    );
    writeFileSync(
      join(dir, 'copy.yml'),
      `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - copy: { content: "only this\\n", dest: /root/tsplay-become-cli }
    - template: { src: t.j2, dest: /root/tsplay-become-cli-t }
    - lineinfile: { path: /root/tsplay-become-cli-l, line: "one line", create: true }
    - shell: cat > /root/tsplay-become-cli-s
      args: { stdin: "shell input" }
`,
    );
    writeFileSync(join(dir, 't.j2'), 'templated {{ inventory_hostname }}\n');
    const r = spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, 'run', join(dir, 'copy.yml'), '-i', join(dir, 'hosts.ini')], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(await lab.out(HOST, 'cat /root/tsplay-become-cli')).toBe('only this\n');
    expect(await lab.out(HOST, 'cat /root/tsplay-become-cli-t')).toBe(`templated ${HOST}\n`);
    expect(await lab.out(HOST, 'cat /root/tsplay-become-cli-l')).toBe('one line\n');
    // stdin_add_newline defaults to true, as in Ansible.
    expect(await lab.out(HOST, 'cat /root/tsplay-become-cli-s')).toBe('shell input\n');
    expect(await lab.out(HOST, 'grep -rlF leaky-password-123 /root /tmp /home 2>/dev/null || true')).toBe('');
    await lab.out(HOST, 'rm -f /root/tsplay-become-cli*');
  });

  it('remote_user (play and task keyword) decides the login when ansible_user is not set, and ansible_user wins over it', async () => {
    const v = lab.inventory.varsFor(HOST);
    const common = `[all:vars]\nansible_ssh_private_key_file=${String(v.ansible_ssh_private_key_file)}\nansible_ssh_common_args="${String(v.ansible_ssh_common_args)}"\n`;
    writeFileSync(join(dir, 'ru.ini'), `${HOST} ansible_host=${String(v.ansible_host)}\n${common}`);
    writeFileSync(join(dir, 'ru-user.ini'), `${HOST} ansible_host=${String(v.ansible_host)} ansible_user=tester2\n${common}`);
    writeFileSync(
      join(dir, 'ru.yml'),
      `- hosts: all
  gather_facts: false
  remote_user: tester
  tasks:
    - command: id -un
      register: play_level
    - command: id -un
      register: task_level
      remote_user: root
    - debug:
        msg: "users={{ play_level.stdout }},{{ task_level.stdout }}"
`,
    );
    const cli = (inv: string) =>
      spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, 'run', join(dir, 'ru.yml'), '-i', join(dir, inv), '-u', 'nobody'], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 120_000,
      });
    const r = cli('ru.ini');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('users=tester,root');
    const withUser = cli('ru-user.ini');
    expect(withUser.status, withUser.stdout + withUser.stderr).toBe(0);
    expect(withUser.stdout).toContain('users=tester2,tester2');
  });
});
