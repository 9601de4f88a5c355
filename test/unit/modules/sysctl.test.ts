import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalKey,
  editSysctlConf,
  normaliseValue,
  parseSysctlConf,
  procPath,
  renderSysctlConf,
  sysctlAssignments,
  sysctlValue,
} from '../../../modules/_lib/sysctl.js';
import sysctl from '../../../modules/sysctl.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

// /etc/sysctl.conf after step 1 of seed 001, with the stock CentOS 7 header.
const SEED_CONF = `# System default settings live in /usr/lib/sysctl.d/00-system.conf.
# To override those settings, enter new settings here, or in an /etc/sysctl.d/<name>.conf file
#
# For more information, see sysctl.conf(5) and sysctl.d(5).
net.ipv4.ip_forward = 1
net.ipv4.conf.default.rp_filter = 0

net.bridge.bridge-nf-call-ip6tables = 0
net.bridge.bridge-nf-call-iptables = 0
net.bridge.bridge-nf-call-arptables = 0

net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.all.forwarding = 1
`;

describe('sysctl.conf parsing and editing', () => {
  it('round-trips byte for byte', () => {
    for (const text of [SEED_CONF, '', 'a=1', '; c\r\nkernel.panic=10\r\n', '-net.ipv4.foo = 1\n  weird line\n']) {
      expect(renderSysctlConf(parseSysctlConf(text))).toBe(text);
    }
  });

  it('reads assignments as sysctl -p applies them (last wins, leading - allowed)', () => {
    const values = sysctlAssignments(parseSysctlConf('a.b = 1\n-c.d=2\na.b =  3 \n# x.y = 9\n'));
    expect([...values]).toEqual([
      ['a.b', '3'],
      ['c.d', '2'],
    ]);
  });

  it('canonical keys: slash form swaps separators like sysctl does', () => {
    expect(canonicalKey('net.ipv4.ip_forward')).toBe('net.ipv4.ip_forward');
    expect(canonicalKey('net/ipv4/ip_forward')).toBe('net.ipv4.ip_forward');
    expect(canonicalKey('net/ipv4/conf/eth0.100/rp_filter')).toBe('net.ipv4.conf.eth0/100.rp_filter');
    expect(procPath('net.ipv4.conf.eth0/100.rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
  });

  it('values: whitespace-insensitive comparison, booleans as 1/0', () => {
    expect(normaliseValue('4096\t87380   6291456 ')).toBe('4096 87380 6291456');
    expect(sysctlValue(true)).toBe('1');
    expect(sysctlValue('no')).toBe('0');
    expect(sysctlValue(1)).toBe('1');
    expect(sysctlValue(' 4096 87380 6291456 ')).toBe('4096 87380 6291456');
  });

  it('changes only the value of the existing line, keeping its spacing', () => {
    const r = editSysctlConf(parseSysctlConf(SEED_CONF), 'net.ipv4.ip_forward', '0');
    expect(renderSysctlConf(r.doc)).toBe(SEED_CONF.replace('net.ipv4.ip_forward = 1', 'net.ipv4.ip_forward = 0'));
    expect(r.changes).toEqual(['net.ipv4.ip_forward: "1" -> "0"']);
  });

  it('is no change when the value matches apart from whitespace', () => {
    const text = 'net.ipv4.tcp_rmem = 4096\t87380 6291456\n';
    expect(editSysctlConf(parseSysctlConf(text), 'net.ipv4.tcp_rmem', '4096 87380 6291456').changes).toEqual([]);
  });

  it('appends a missing key in the file\'s style (` = ` by default)', () => {
    expect(renderSysctlConf(editSysctlConf(parseSysctlConf(''), 'net.ipv4.ip_forward', '1').doc)).toBe('net.ipv4.ip_forward = 1\n');
    expect(renderSysctlConf(editSysctlConf(parseSysctlConf('a=1'), 'b', '2').doc)).toBe('a=1\nb=2\n');
  });

  it('removes later duplicates that sysctl -p would apply last', () => {
    const r = editSysctlConf(parseSysctlConf('a = 1\nb = 2\na = 3\n'), 'a', '1');
    expect(renderSysctlConf(r.doc)).toBe('a = 1\nb = 2\n');
  });

  it('matches a key written in slash form, and removes every assignment for absent', () => {
    const r = editSysctlConf(parseSysctlConf('net/ipv4/ip_forward=0\n'), 'net.ipv4.ip_forward', '1');
    expect(renderSysctlConf(r.doc)).toBe('net/ipv4/ip_forward=1\n');
    expect(renderSysctlConf(editSysctlConf(parseSysctlConf('# k\na = 1\nb = 2\n-a = 3\n'), 'a', null).doc)).toBe('# k\nb = 2\n');
  });
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-sysctl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// These run against the machine's own kernel, so they only READ live values: reload and
// sysctl_set are off. Applying values is tested in a network namespace (sysctl-netns.test.ts)
// and on lab hosts (test/integration/modules-sysctl.test.ts).
describe('sysctl module on the local transport (file only)', () => {
  const fileOnly = { reload: false, sysctl_set: false };

  it('writes the seed keys one by one; second run unchanged; check mode predicts and writes nothing', async () => {
    const path = join(dir, 'sysctl.conf');
    writeFileSync(path, '# System default settings\n');
    const keys: Array<[string, number]> = [
      ['net.ipv4.ip_forward', 1],
      ['net.ipv4.conf.default.rp_filter', 0],
      ['net.ipv4.conf.all.rp_filter', 0],
      ['net.ipv4.conf.all.forwarding', 1],
    ];
    const runtime = new HostRuntime();
    for (const [name, value] of keys) {
      const check = await runModuleLocally(sysctl, { name, value, sysctl_file: path, ...fileOnly }, { check: true, diff: true, runtime });
      expect(check.changed).toBe(true);
    }
    expect(readFileSync(path, 'utf8')).toBe('# System default settings\n');
    for (const [name, value] of keys) {
      const real = await runModuleLocally(sysctl, { name, value, sysctl_file: path, ...fileOnly }, { diff: true });
      expect(real.changed).toBe(true);
      expect(real.failed).toBe(false);
    }
    expect(readFileSync(path, 'utf8')).toBe(
      '# System default settings\nnet.ipv4.ip_forward = 1\nnet.ipv4.conf.default.rp_filter = 0\nnet.ipv4.conf.all.rp_filter = 0\nnet.ipv4.conf.all.forwarding = 1\n',
    );
    for (const [name, value] of keys) {
      expect((await runModuleLocally(sysctl, { name, value: String(value), sysctl_file: path, ...fileOnly })).changed).toBe(false);
      expect((await runModuleLocally(sysctl, { name, value, sysctl_file: path, ...fileOnly }, { check: true })).changed).toBe(false);
    }
  });

  it('returns the live value it read in the same command', async () => {
    const path = join(dir, 'sysctl.conf');
    const live = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const r = await runModuleLocally(sysctl, { name: 'net.ipv4.ip_forward', value: live, sysctl_file: path, ...fileOnly });
    expect(r.live_before).toBe(live);
  });

  it('the diff is the file content; check and real agree', async () => {
    const path = join(dir, 'sysctl.conf');
    writeFileSync(path, 'net.ipv4.ip_forward = 0\n');
    const args = { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: path, ...fileOnly };
    const check = await runModuleLocally(sysctl, args, { check: true, diff: true });
    const real = await runModuleLocally(sysctl, args, { diff: true });
    expect(real.diff).toEqual(check.diff);
    expect(real.diff).toEqual([
      { before: 'net.ipv4.ip_forward = 0\n', after: 'net.ipv4.ip_forward = 1\n', beforeHeader: `${path} (content)`, afterHeader: `${path} (content)` },
    ]);
  });

  it('state=absent removes the key from the file only', async () => {
    const path = join(dir, 'sysctl.conf');
    writeFileSync(path, 'net.ipv4.ip_forward = 1\nkernel.panic = 10\n');
    const r = await runModuleLocally(sysctl, { name: 'kernel.panic', state: 'absent', sysctl_file: path, reload: false });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('net.ipv4.ip_forward = 1\n');
    expect((await runModuleLocally(sysctl, { name: 'kernel.panic', state: 'absent', sysctl_file: path, reload: false })).changed).toBe(false);
  });

  it('an unknown key is a clear error naming it, before the file is touched', async () => {
    const path = join(dir, 'sysctl.conf');
    writeFileSync(path, '');
    const r = await runModuleLocally(sysctl, { name: 'net.tsplay.no_such_key', value: 1, sysctl_file: path });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^unknown sysctl key net\.tsplay\.no_such_key on localhost \(sysctl said: .*No such file or directory\); .*ignoreerrors: true/);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('with ignoreerrors an unknown key is managed in the file only, idempotently', async () => {
    const path = join(dir, 'sysctl.conf');
    const args = { name: 'net.tsplay.no_such_key', value: 0, sysctl_file: path, ignoreerrors: true, reload: false };
    const r = await runModuleLocally(sysctl, args);
    expect(r.failed).toBe(false);
    expect(r.changed).toBe(true);
    expect(r.live_before).toBeNull();
    expect(r.warnings).toEqual(['net.tsplay.no_such_key is not known to the running kernel (ignored: ignoreerrors)']);
    expect((await runModuleLocally(sysctl, args)).changed).toBe(false);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a group of keys', { name: 'net.ipv4', value: 1, sysctl_file: '/nonexistent/s.conf' }, /net\.ipv4 is a group of keys on localhost/],
    ['no value', { name: 'net.ipv4.ip_forward' }, /'value' is required to set net\.ipv4\.ip_forward/],
    ['relative file', { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: 'sysctl.conf' }, /sysctl_file must be an absolute path/],
    ['key with spaces', { name: 'net ipv4', value: 1 }, /is not a sysctl key/],
    ['value with newline', { name: 'net.ipv4.ip_forward', value: '1\n2' }, /must be one non-empty line/],
    ['unknown argument', { name: 'net.ipv4.ip_forward', value: 1, reloaded: true }, /unsupported argument 'reloaded' - did you mean 'reload'\?/],
    ['unreadable file', { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: '/proc/self/mem', reload: false }, /^cannot read \/proc\/self\/mem on localhost/],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input: ${name}`, async () => {
      const r = await runModuleLocally(sysctl, args);
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(message);
    });
  }
});
