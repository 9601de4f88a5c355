/**
 * Held processes on the SSH transport (docs/held-sessions.md), on compute3: under become with
 * a password (the first input waits until sudo took the password, and never reaches it), a
 * handful held open on one connection while parallel commands still run (the command queue
 * gives up a channel per held process, so sshd's MaxSessions is never exceeded), and ending
 * or killing them leaves nothing behind on the host.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSpecFor } from '../../core/executor/connections.js';
import { SshTransport } from '../../core/transport/ssh.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute3';
let lab: Lab;
const open: SshTransport[] = [];
const line = (word: string) => (out: string) => {
  const at = out.indexOf(`${word}\n`);
  return at < 0 ? -1 : at + word.length + 1;
};

function as(user: string): SshTransport {
  const { connection: _c, ...spec } = connectionSpecFor(HOST, lab.inventory.varsFor(HOST), {});
  const t = new SshTransport({ ...spec, user });
  open.push(t);
  return t;
}

beforeAll(async () => {
  lab = await openLab();
});
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await lab?.close();
});

describe('held processes over SSH', () => {
  it('under become with a password: input written at once reaches the command after sudo, as root', async () => {
    const password = readFileSync(String(lab.inventory.varsFor(HOST).lab_sudo_password_file), 'utf8').trim();
    const p = await as('tester2').openHeld('while read -r l; do echo "$(id -un) $l"; echo END; done', { become: { user: 'root', password }, stdin: 'first\n' });
    p.write('second\n');
    expect(await p.reply(undefined, line('END'))).toBe('root first\nEND\n');
    expect(await p.reply(undefined, line('END'))).toBe('root second\nEND\n');
    expect(await p.end()).toMatchObject({ rc: 0, killed: false });
  });

  it('six held on one connection, and twenty commands in parallel still run; ending them leaves nothing', async () => {
    const t = as('root');
    const held = await Promise.all(Array.from({ length: 6 }, (_, i) => t.openHeld(`echo up; exec sh -c 'cat >/dev/null; echo bye' tsplay-held-${i}`)));
    for (const p of held) await p.reply(undefined, line('up'));
    expect((await lab.out(HOST, "ps -eo args | grep -c '[t]splay-held-'")).trim()).toBe('6');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.exec(`sleep 0.2; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    const exits = await Promise.all(held.map((p) => p.end()));
    expect(exits.every((e) => e.rc === 0 && e.output === 'bye\n' && !e.killed)).toBe(true);
    // The queue has its channels back: nine run at once again. Proven by overlap on the
    // host's clock, not by a wall-time bound: each records when it started and ended, and
    // every one started before the first one ended.
    const dir = (await lab.out(HOST, 'mktemp -d')).trim();
    await Promise.all(Array.from({ length: 9 }, (_, i) => t.exec(`date +%s%N > ${dir}/${i}.start; sleep 2; date +%s%N > ${dir}/${i}.end`)));
    const stamps = (await lab.out(HOST, `cd ${dir} && for i in 0 1 2 3 4 5 6 7 8; do echo $(cat $i.start) $(cat $i.end); done; rm -rf ${dir}`)).trim().split('\n').map((l) => l.split(' ').map(Number));
    expect(stamps).toHaveLength(9);
    expect(Math.max(...stamps.map((x) => x[0]!))).toBeLessThan(Math.min(...stamps.map((x) => x[1]!)));
    expect((await lab.sh(HOST, "ps -eo args | grep -c '[t]splay-held-'")).stdout.trim()).toBe('0');
  });

  it('one that ignores the end of its input is killed with what it started', async () => {
    const p = await as('root').openHeld("echo up; sh -c 'trap \"\" TERM HUP; sleep 300 # tsplay-stubborn' & wait");
    await p.reply(undefined, line('up'));
    const exit = await p.end({ graceMs: 500 });
    expect(exit.killed).toBe(true);
    for (let i = 0; i < 40; i++) {
      if ((await lab.sh(HOST, "ps -eo args | grep -c '[t]splay-stubborn'")).stdout.trim() === '0') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await lab.sh(HOST, "ps -eo args | grep -c '[t]splay-stubborn'")).stdout.trim()).toBe('0');
  });
});
