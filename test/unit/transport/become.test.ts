/**
 * Become never hands the password to the command: the driver (core/transport/become.ts)
 * as a state machine, and the real sudo on the controller through the local transport,
 * where root becoming root never prompts (the case that used to write the password into
 * files). Password-prompting sudo, NOPASSWD, cached credentials and requiretty run on the
 * lab hosts (test/integration/become.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { becomeCommand, ExecInput, type ProcessInput } from '../../../core/transport/become.js';
import { LocalTransport } from '../../../core/transport/local.js';
import { writeFileAtomic } from '../../../core/transport/remote-shell.js';
import { BecomeError } from '../../../core/transport/transport.js';

function recorder(): ProcessInput & { written: string[]; ended: boolean } {
  const r = {
    written: [] as string[],
    ended: false,
    write(d: Buffer) {
      r.written.push(d.toString());
    },
    end(d?: Buffer) {
      if (d) r.written.push(d.toString());
      r.ended = true;
    },
  };
  return r;
}

describe('become driver', () => {
  const { plan } = becomeCommand('cat', { user: 'root', password: 'pw' });

  it('sends the password only after the prompt, the data only after the ready line', () => {
    const io = recorder();
    const input = new ExecInput(Buffer.from('DATA'), plan);
    input.start(io);
    expect(io.written).toEqual([]);
    expect(input.stderr(Buffer.from(`sudo: a warning\n${plan.prompt!.slice(0, 5)}`)).length).toBe(0);
    expect(input.stderr(Buffer.from(plan.prompt!.slice(5)))).toHaveLength(0);
    expect(io.written).toEqual(['pw\n']);
    expect(io.ended).toBe(false);
    const own = input.stderr(Buffer.from(`${plan.ready}\ncommand's own`));
    expect(own.toString()).toBe("sudo: a warning\ncommand's own");
    expect(io.written).toEqual(['pw\n', 'DATA']);
    expect(io.ended).toBe(true);
    expect(input.stderr(Buffer.from(' more')).toString()).toBe(' more');
    expect(input.failure()).toBeUndefined();
  });

  it('never writes the password when sudo does not ask (NOPASSWD, cached, root)', () => {
    const io = recorder();
    const input = new ExecInput(Buffer.from('DATA'), plan);
    input.start(io);
    input.stderr(Buffer.from(`${plan.ready}\n`));
    expect(io.written).toEqual(['DATA']);
  });

  it('gives up when asked twice, and says the password was wrong', () => {
    const io = recorder();
    const input = new ExecInput(undefined, plan);
    input.start(io);
    input.stderr(Buffer.from(`${plan.prompt}Sorry, try again.\n${plan.prompt}`));
    expect(io.written).toEqual(['pw\n']);
    expect(io.ended).toBe(true);
    expect(input.failure()).toMatch(/rejected the become password/);
  });

  it('reports requiretty and other refusals without running the command', () => {
    const io = recorder();
    const input = new ExecInput(Buffer.from('x'), plan);
    input.start(io);
    input.stderr(Buffer.from('sudo: sorry, you must have a tty to run sudo\n'));
    expect(input.failure()).toMatch(/requires a tty.*!requiretty/);
    expect(io.written).toEqual([]);
  });

  it('pipelines stdin without a password, and still tells a sudo failure from the command', () => {
    const { plan: nopw } = becomeCommand('cat', { user: 'root' });
    expect(nopw.prompt).toBeUndefined();
    const io = recorder();
    const input = new ExecInput(Buffer.from('DATA'), nopw);
    input.start(io);
    expect(io.written).toEqual(['DATA']);
    input.stderr(Buffer.from('sudo: a password is required\n'));
    expect(input.failure()).toMatch(/sudo failed \(become_user root\): sudo: a password is required/);
  });

  it('refuses a password with a line break (sudo reads one line; the rest would be data)', () => {
    expect(() => becomeCommand('true', { user: 'root', password: 'a\nb' })).toThrow(/line break/);
  });

  it('puts neither password nor data on the command line', () => {
    const { command } = becomeCommand('cat', { user: 'root', password: 'hunter2-secret' });
    expect(command).not.toContain('hunter2-secret');
    expect(command).toMatch(/^sudo -S -p '\[tsplay-become-[0-9a-f]{16}\] password:' -H -u root -- \/bin\/sh -c /);
  });
});

describe('become through the real sudo (root becoming root: sudo never prompts)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const t = new LocalTransport('localhost');
  const become = { user: 'root', password: 'the-become-password' };

  it('gives the command exactly its own stdin', async () => {
    const r = await t.exec('cat; id -un', { become, stdin: 'payload\n' });
    expect(r.stdout).toBe('payload\nroot\n');
    expect(r.stderr).toBe('');
  });

  it('writes exactly the data into a file, never the password', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-become-'));
    dirs.push(dir);
    const dest = path.join(dir, 'f');
    await writeFileAtomic(t, dest, 'content\n', { become });
    expect(readFileSync(dest, 'utf8')).toBe('content\n');
  });

  it('keeps the exit status and stderr of the command itself', async () => {
    const r = await t.exec('echo oops >&2; exit 3', { become });
    expect(r).toMatchObject({ rc: 3, stderr: 'oops\n' });
  });

  it('a sudo that refuses is a BecomeError, not an exit status', async () => {
    const e = await t.exec('true', { become: { user: 'no-such-user-tsplay' } }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BecomeError);
    expect((e as Error).message).toMatch(/unknown user|no-such-user-tsplay/);
  });
});
