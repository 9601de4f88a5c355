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
import { HostRuntime, ModuleTester, runModuleLocally } from '../../../core/testing/index.js';

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
const fileOnly = { reload: false, sysctl_set: false };

describe('sysctl module on the local transport (file only)', () => {

  // Check mode chained in one runtime: each prediction builds on the previous ones.
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
});

const LIVE_FORWARD = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();

// File-only cases on this machine (the live kernel is only read); each also proves check
// mode, idempotence and the result's shape through ModuleTester.
new ModuleTester({ module: sysctl, framework: { describe, it } }).run('sysctl module on the local transport (file only), as cases', {
  unchanged: [
    {
      name: 'returns the live value it read in the same command',
      args: { name: 'net.ipv4.ip_forward', value: LIVE_FORWARD, sysctl_file: '{{ root }}/sysctl.conf', ...fileOnly },
      files: { 'sysctl.conf': `net.ipv4.ip_forward = ${LIVE_FORWARD}\n` },
      result: { live_before: LIVE_FORWARD },
    },
    { name: 'the same value as a string', args: { name: 'net.ipv4.ip_forward', value: '1', sysctl_file: '{{ root }}/s.conf', ...fileOnly }, files: { 's.conf': 'net.ipv4.ip_forward=1\n' } },
  ],
  changes: [
    {
      name: 'the diff is the file content; check and real agree',
      args: { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: '{{ root }}/sysctl.conf', ...fileOnly },
      files: { 'sysctl.conf': 'net.ipv4.ip_forward = 0\n' },
      diff: [{ before: 'net.ipv4.ip_forward = 0\n', after: 'net.ipv4.ip_forward = 1\n', beforeHeader: '{{ root }}/sysctl.conf (content)', afterHeader: '{{ root }}/sysctl.conf (content)' }],
    },
    {
      name: 'state=absent removes the key from the file only',
      args: { name: 'kernel.panic', state: 'absent', sysctl_file: '{{ root }}/sysctl.conf', reload: false },
      files: { 'sysctl.conf': 'net.ipv4.ip_forward = 1\nkernel.panic = 10\n' },
      expectFiles: { 'sysctl.conf': 'net.ipv4.ip_forward = 1\n' },
    },
    {
      name: 'with ignoreerrors an unknown key is managed in the file only',
      args: { name: 'net.tsplay.no_such_key', value: 0, sysctl_file: '{{ root }}/sysctl.conf', ignoreerrors: true, reload: false },
      result: { live_before: null, warnings: ['net.tsplay.no_such_key is not known to the running kernel (ignored: ignoreerrors)'] },
      expectFiles: { 'sysctl.conf': 'net.tsplay.no_such_key = 0\n' },
    },
  ],
  invalid: [
    {
      name: 'an unknown key, before the file is touched',
      args: { name: 'net.tsplay.no_such_key', value: 1, sysctl_file: '{{ root }}/sysctl.conf' },
      files: { 'sysctl.conf': '' },
      error: /^unknown sysctl key net\.tsplay\.no_such_key on localhost \(sysctl said: .*No such file or directory\); .*ignoreerrors: true/,
    },
    { name: 'a group of keys', args: { name: 'net.ipv4', value: 1, sysctl_file: '/nonexistent/s.conf' }, error: /net\.ipv4 is a group of keys on localhost/ },
    { name: 'no value', args: { name: 'net.ipv4.ip_forward' }, error: /'value' is required to set net\.ipv4\.ip_forward/ },
    { name: 'relative file', args: { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: 'sysctl.conf' }, error: /sysctl_file must be an absolute path/ },
    { name: 'key with spaces', args: { name: 'net ipv4', value: 1 }, error: /is not a sysctl key/ },
    { name: 'value with newline', args: { name: 'net.ipv4.ip_forward', value: '1\n2' }, error: /must be one non-empty line/ },
    { name: 'unknown argument', args: { name: 'net.ipv4.ip_forward', value: 1, reloaded: true }, error: /unsupported argument 'reloaded' - did you mean 'reload'\?/ },
    { name: 'unreadable file', args: { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: '/proc/self/mem', reload: false }, error: /^cannot read \/proc\/self\/mem on localhost/ },
  ],
});
