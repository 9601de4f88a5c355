/**
 * sysctl on a lab host over SSH: the seed's step 1 as a loop (check mode exact, nothing
 * changed by it, real run, idempotent), multi-value keys, unknown keys. Live values are
 * read back with `sysctl -n`, the file with cat. The keys touched are restored afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sysctl from '../../modules/sysctl.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const FILE = '/etc/sysctl.d/90-tsplay-it.conf';
const SEED_KEYS: Array<[string, number]> = [
  ['net.ipv4.ip_forward', 1],
  ['net.ipv4.conf.default.rp_filter', 0],
  ['net.bridge.bridge-nf-call-ip6tables', 0],
  ['net.bridge.bridge-nf-call-iptables', 0],
  ['net.bridge.bridge-nf-call-arptables', 0],
  ['net.ipv4.conf.all.rp_filter', 0],
  ['net.ipv4.conf.all.forwarding', 1],
];
const OTHER_KEYS = ['net.ipv4.ip_local_port_range', 'net.core.somaxconn'];
let lab: Lab;
let host: string;
const original = new Map<string, string>();

const live = async (key: string): Promise<string> => (await lab.out(host, `sysctl -n ${key}`)).trim();

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  for (const [key] of SEED_KEYS) {
    const r = await lab.sh(host, `sysctl -n ${key}`);
    if (r.rc === 0) original.set(key, r.stdout.trim());
  }
  for (const key of OTHER_KEYS) original.set(key, await live(key));
  await lab.out(host, `rm -f ${FILE}`);
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  for (const [key, value] of original) if (!key.startsWith('net.bridge.')) await lab.sh(host, `sysctl -q -w ${key}='${value}'`);
  await lab.sh(host, `rm -f ${FILE}`);
  await lab.close();
});

describe('sysctl on a lab host', () => {
  it('seed 001 step 1: check mode predicts each key exactly and changes nothing; the real run matches; then idempotent', async () => {
    // Start from live values that differ from the seed's. Not for net.bridge.*: depending on the
    // kernel those may be shared with the lab's own host, whose bridging they would change.
    for (const [key, value] of SEED_KEYS) {
      if (original.has(key) && !key.startsWith('net.bridge.')) await lab.out(host, `sysctl -q -w ${key}=${1 - value}`);
    }
    await lab.out(host, `printf '%s\\n' '# tsplay integration test' > ${FILE}`);
    const args = (key: string, value: number) => ({ name: key, value, sysctl_file: FILE, ignoreerrors: true });

    const liveBefore = await lab.out(host, `sysctl -n ${SEED_KEYS.map(([k]) => k).join(' ')} 2>/dev/null; true`);
    const before = await snapshot(lab, host);
    const dry = new HostRuntime();
    const predicted: boolean[] = [];
    for (const [key, value] of SEED_KEYS) {
      const r = await lab.run(host, sysctl, args(key, value), { check: true, diff: true, runtime: dry });
      expect(r.failed, `${key}: ${r.msg}`).toBe(false);
      predicted.push(r.changed);
    }
    expect(await snapshot(lab, host)).toBe(before);
    expect(await lab.out(host, `sysctl -n ${SEED_KEYS.map(([k]) => k).join(' ')} 2>/dev/null; true`)).toBe(liveBefore);

    const real = new HostRuntime();
    const changed: boolean[] = [];
    for (const [key, value] of SEED_KEYS) {
      const r = await lab.run(host, sysctl, args(key, value), { runtime: real });
      expect(r.failed, `${key}: ${r.msg}`).toBe(false);
      changed.push(r.changed);
    }
    expect(changed).toEqual(predicted);
    expect(changed.every(Boolean)).toBe(true);

    expect(await lab.out(host, `cat ${FILE}`)).toBe(`# tsplay integration test\n${SEED_KEYS.map(([k, v]) => `${k} = ${v}\n`).join('')}`);
    for (const [key, value] of SEED_KEYS) if (original.has(key)) expect(await live(key), key).toBe(String(value));

    for (const check of [false, true]) {
      for (const [key, value] of SEED_KEYS) expect((await lab.run(host, sysctl, args(key, value), { check })).changed, key).toBe(false);
    }
  });

  it('a right file with a wrong live value is a change; sysctl_set alone sets only the key', async () => {
    await lab.out(host, `sysctl -q -w net.core.somaxconn=1000`);
    await lab.out(host, `printf 'net.core.somaxconn = 2048\\n' > ${FILE}`);
    const r = await lab.run(host, sysctl, { name: 'net.core.somaxconn', value: 2048, sysctl_file: FILE }, { diff: true });
    expect(r).toMatchObject({ changed: true, live_before: '1000', live_after: '2048', changes: ['live: "1000" -> "2048"'] });
    expect(await live('net.core.somaxconn')).toBe('2048');

    const s = await lab.run(host, sysctl, { name: 'net.core.somaxconn', value: 3000, sysctl_file: FILE, sysctl_set: true, reload: false });
    expect(s.changed).toBe(true);
    expect(await live('net.core.somaxconn')).toBe('3000');
    expect(await lab.out(host, `cat ${FILE}`)).toBe('net.core.somaxconn = 3000\n');
  });

  it('multi-value keys: whitespace normalised against the tab-separated live value', async () => {
    await lab.out(host, `rm -f ${FILE}`);
    const args = { name: 'net.ipv4.ip_local_port_range', value: '20000    40000', sysctl_file: FILE };
    expect((await lab.run(host, sysctl, args)).changed).toBe(true);
    expect(await live('net.ipv4.ip_local_port_range')).toBe('20000\t40000');
    expect((await lab.run(host, sysctl, { ...args, value: '20000 40000' })).changed).toBe(false);
  });

  it('an unknown key is a clear error naming it; ignoreerrors manages the file only', async () => {
    await lab.out(host, `rm -f ${FILE}`);
    const r = await lab.run(host, sysctl, { name: 'net.ipv4.tsplay_nonexistent', value: 1, sysctl_file: FILE });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(new RegExp(`^unknown sysctl key net\\.ipv4\\.tsplay_nonexistent on ${host} \\(sysctl said: .*\\)`));
    expect((await lab.sh(host, `test -e ${FILE}`)).rc).not.toBe(0);
    const ignored = await lab.run(host, sysctl, { name: 'net.ipv4.tsplay_nonexistent', value: 1, sysctl_file: FILE, ignoreerrors: true });
    expect(ignored).toMatchObject({ failed: false, changed: true, live_before: null });
    // The file now has a key the kernel rejects: another task's reload says so, naming it.
    const reload = await lab.run(host, sysctl, { name: 'net.core.somaxconn', value: 1024, sysctl_file: FILE });
    expect(reload.failed).toBe(true);
    expect(reload.msg).toMatch(new RegExp(`^sysctl -p ${FILE} failed on ${host}: .*tsplay_nonexistent.*ignoreerrors: true`));
  });
});
