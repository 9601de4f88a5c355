/**
 * The sysctl module applying live values, against a private network namespace of this
 * machine: `net.*` keys are per namespace, so nothing outside it changes. Needs root and
 * `ip netns` (iproute2), as the lab does; skipped where those are missing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sysctl from '../../../modules/sysctl.js';
import { LocalTransport } from '../../../core/transport/local.js';
import { quote } from '../../../core/transport/shell-quote.js';
import type { ExecOptions, Transport } from '../../../core/transport/transport.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

const NS = `tsplay-sysctl-${process.pid}`;

function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A transport whose commands run inside the namespace (same filesystem, own net.* sysctls). */
class NetnsTransport implements Transport {
  readonly host = 'netns';
  private readonly local = new LocalTransport('netns');
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  exec(command: string, options?: ExecOptions) {
    return this.local.exec(`ip netns exec ${NS} /bin/sh -c ${quote(command)}`, options);
  }
}

function nsSysctl(key: string): string {
  return execFileSync('ip', ['netns', 'exec', NS, 'sysctl', '-n', key]).toString().trim();
}
function nsSet(key: string, value: string): void {
  execFileSync('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', `${key}=${value}`]);
}

describe.skipIf(!netnsAvailable())('sysctl module applying values (network namespace)', () => {
  const transport = new NetnsTransport();
  let dir: string;
  let file: string;

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'delete', NS]);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-sysctl-ns-'));
    file = join(dir, 'sysctl.conf');
    nsSet('net.ipv4.ip_forward', '0');
    nsSet('net.ipv4.conf.all.rp_filter', '1');
    nsSet('net.ipv4.conf.default.rp_filter', '1');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reload (default) writes the file and applies it; second run unchanged; check mode changes nothing', async () => {
    writeFileSync(file, '');
    const args = { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: file };
    const check = await runModuleLocally(sysctl, args, { check: true, diff: true, transport });
    expect(check.changed).toBe(true);
    expect(check.live_after).toBe('1');
    expect(nsSysctl('net.ipv4.ip_forward')).toBe('0');
    expect(readFileSync(file, 'utf8')).toBe('');

    const real = await runModuleLocally(sysctl, args, { diff: true, transport });
    expect(real.failed).toBe(false);
    expect(real.changed).toBe(true);
    expect(real.diff).toEqual(check.diff);
    expect(real.live_before).toBe('0');
    expect(real.live_after).toBe('1');
    expect(nsSysctl('net.ipv4.ip_forward')).toBe('1');
    expect(readFileSync(file, 'utf8')).toBe('net.ipv4.ip_forward = 1\n');

    expect((await runModuleLocally(sysctl, args, { transport })).changed).toBe(false);
    expect((await runModuleLocally(sysctl, args, { check: true, transport })).changed).toBe(false);
  });

  it('a file that is right but a live value that is not is a change, fixed by the reload', async () => {
    writeFileSync(file, 'net.ipv4.ip_forward = 1\n');
    const args = { name: 'net.ipv4.ip_forward', value: '1', sysctl_file: file };
    const check = await runModuleLocally(sysctl, args, { check: true, diff: true, transport });
    expect(check.changed).toBe(true);
    expect(check.changes).toEqual(['live: "0" -> "1"']);
    const real = await runModuleLocally(sysctl, args, { transport });
    expect(real.changed).toBe(true);
    expect(nsSysctl('net.ipv4.ip_forward')).toBe('1');
    expect(readFileSync(file, 'utf8')).toBe('net.ipv4.ip_forward = 1\n');
  });

  it('sysctl_set without reload sets only this key (sysctl -w)', async () => {
    writeFileSync(file, 'net.ipv4.conf.all.rp_filter = 0\n');
    const r = await runModuleLocally(sysctl, { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: file, sysctl_set: true, reload: false }, { transport });
    expect(r.changed).toBe(true);
    expect(nsSysctl('net.ipv4.ip_forward')).toBe('1');
    // Not reloaded: the other key in the file is still as it was.
    expect(nsSysctl('net.ipv4.conf.all.rp_filter')).toBe('1');
  });

  it('multi-value keys compare with whitespace normalised (the kernel prints tabs)', async () => {
    nsSet('net.ipv4.ip_local_port_range', '32768 60999');
    expect(nsSysctl('net.ipv4.ip_local_port_range')).toContain('\t');
    writeFileSync(file, '');
    const args = { name: 'net.ipv4.ip_local_port_range', value: '20000   40000', sysctl_file: file };
    expect((await runModuleLocally(sysctl, args, { transport })).changed).toBe(true);
    expect(nsSysctl('net.ipv4.ip_local_port_range')).toBe('20000\t40000');
    expect((await runModuleLocally(sysctl, { ...args, value: '20000 40000' }, { transport })).changed).toBe(false);
  });

  it('check mode predicts a loop exactly, including keys another iteration\'s reload applies', async () => {
    // rp_filter is already right in the file but not live: the first iteration's reload fixes it.
    writeFileSync(file, 'net.ipv4.conf.all.rp_filter = 0\n');
    const loop: Array<[string, number]> = [
      ['net.ipv4.ip_forward', 1],
      ['net.ipv4.conf.all.rp_filter', 0],
      ['net.ipv4.conf.default.rp_filter', 0],
    ];
    const runtime = new HostRuntime();
    const predicted: boolean[] = [];
    for (const [name, value] of loop) predicted.push((await runModuleLocally(sysctl, { name, value, sysctl_file: file }, { check: true, runtime, transport })).changed);
    const actual: boolean[] = [];
    for (const [name, value] of loop) actual.push((await runModuleLocally(sysctl, { name, value, sysctl_file: file }, { transport })).changed);
    expect(actual).toEqual([true, false, true]);
    expect(predicted).toEqual(actual);
  });

  it('a reload that fails on another key of the file names it and suggests ignoreerrors; ignoreerrors applies the rest', async () => {
    writeFileSync(file, 'net.tsplay.missing = 1\n');
    const failed = await runModuleLocally(sysctl, { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: file }, { transport });
    expect(failed.failed).toBe(true);
    expect(failed.msg).toMatch(new RegExp(`^sysctl -p ${file} failed on netns: .*net/tsplay/missing.*ignoreerrors: true`));
    // sysctl -p goes on after a bad line; start the second run from a live value that differs.
    nsSet('net.ipv4.ip_forward', '0');
    const ok = await runModuleLocally(sysctl, { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: file, ignoreerrors: true }, { transport });
    expect(ok.failed).toBe(false);
    expect(ok.changed).toBe(true);
    expect(nsSysctl('net.ipv4.ip_forward')).toBe('1');
  });
});
