import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editIfcfg, ifcfgValues, parseIfcfg, quoteIfcfgValue, readShellWord, renderIfcfg } from '../../../modules/_lib/ifcfg.js';
import ifcfg from '../../../modules/ifcfg.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

// eth1 of the network node before step 9 (seed 001), with the seed's inline comments.
const ETH1_BEFORE = `DEVICE=eth1
HWADDR=52:54:00:12:34:56 # Your eth1's hwaddr
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=none
IPADDR=192.168.1.101
NETMASK=255.255.255.0  # netmask
GATEWAY=192.168.1.1    # gateway
DNS1=8.8.8.8           # nameserver
DNS2=8.8.4.4
NM_CONTROLLED=no       #NetworkManagerで管理しない
`;

const ETH1_PORT: Record<string, string> = {
  DEVICE: 'eth1',
  ONBOOT: 'yes',
  TYPE: 'OVSPort',
  DEVICETYPE: 'ovs',
  OVS_BRIDGE: 'br-ex',
  NM_CONTROLLED: 'no',
};

/** What bash sees when it sources the file: the ground truth for quoting. */
function sourceWithBash(text: string, key: string): string {
  return execFileSync('bash', ['-c', `set -e; eval "$(cat)"; printf %s "$${key}"`], { input: text }).toString();
}

describe('ifcfg parsing and quoting', () => {
  it('round-trips byte for byte', () => {
    for (const text of [ETH1_BEFORE, '', 'A=1', 'A="x y"\r\nB=\'z\'\r\n', '# only a comment\n\n', 'weird line\nexport A=1\n', 'A="unterminated\n']) {
      expect(renderIfcfg(parseIfcfg(text))).toBe(text);
    }
  });

  it('unquotes like the shell, inline comments excluded', () => {
    const values = ifcfgValues(parseIfcfg(ETH1_BEFORE + 'NAME="System eth1"\nX=\'a b\'\nY=a\\ b\nZ="q\\"uote\\$"\nE=""\nC=$\'tab\\there\'\n'));
    expect(values.get('HWADDR')).toBe('52:54:00:12:34:56');
    expect(values.get('NETMASK')).toBe('255.255.255.0');
    expect(values.get('NM_CONTROLLED')).toBe('no');
    expect(values.get('NAME')).toBe('System eth1');
    expect(values.get('X')).toBe('a b');
    expect(values.get('Y')).toBe('a b');
    expect(values.get('Z')).toBe('q"uote$');
    expect(values.get('E')).toBe('');
    expect(values.get('C')).toBe('tab\there');
  });

  it('quotes exactly what the shell needs, and bash reads back the same value', () => {
    expect(quoteIfcfgValue('eth1')).toBe('eth1');
    expect(quoteIfcfgValue('192.168.1.101')).toBe('192.168.1.101');
    expect(quoteIfcfgValue('52:54:00:12:34:56')).toBe('52:54:00:12:34:56');
    expect(quoteIfcfgValue('')).toBe('""');
    expect(quoteIfcfgValue('System eth1')).toBe('"System eth1"');
    for (const v of ['System eth1', 'a"b', 'back\\slash', '$HOME', '`id`', "it's", 'a;b', '~root', '*', 'x#y', 'tab\tin', '']) {
      const text = `V=${quoteIfcfgValue(v)}\n`;
      expect(sourceWithBash(text, 'V')).toBe(v);
      expect(ifcfgValues(parseIfcfg(text)).get('V')).toBe(v);
    }
  });

  it('readShellWord stops at unquoted whitespace and reports unterminated quotes', () => {
    expect(readShellWord('a"b c"d e', 0)).toEqual({ value: 'ab cd', end: 7 });
    expect(readShellWord('"open', 0)).toBeNull();
    expect(readShellWord("'open", 0)).toBeNull();
  });
});

describe('editIfcfg', () => {
  const edit = (text: string, settings: Record<string, string | null>, exclusive = false, keep: string[] = []) => {
    const r = editIfcfg(parseIfcfg(text), Object.entries(settings), { exclusive, keep });
    return { text: renderIfcfg(r.doc), changes: r.changes };
  };

  it('turns eth1 into an OVS port of br-ex (exclusive, HWADDR kept), as the seed does', () => {
    const r = edit(ETH1_BEFORE, ETH1_PORT, true, ['HWADDR']);
    expect(r.text).toBe(`DEVICE=eth1
HWADDR=52:54:00:12:34:56 # Your eth1's hwaddr
TYPE=OVSPort
ONBOOT=yes
NM_CONTROLLED=no       #NetworkManagerで管理しない
DEVICETYPE=ovs
OVS_BRIDGE=br-ex
`);
    expect(r.changes).toEqual([
      'TYPE: "Ethernet" -> "OVSPort"',
      'BOOTPROTO removed',
      'IPADDR removed',
      'NETMASK removed',
      'GATEWAY removed',
      'DNS1 removed',
      'DNS2 removed',
      'DEVICETYPE=ovs added',
      'OVS_BRIDGE=br-ex added',
    ]);
    expect(edit(r.text, ETH1_PORT, true, ['HWADDR']).changes).toEqual([]);
  });

  it('compares values after unquoting: "yes" equals yes', () => {
    expect(edit('ONBOOT="yes"\nNAME=\'System eth0\'\n', { ONBOOT: 'yes', NAME: 'System eth0' }).changes).toEqual([]);
  });

  it('replaces only the value word, keeping a trailing comment', () => {
    expect(edit('NETMASK=255.255.0.0  # netmask\n', { NETMASK: '255.255.255.0' }).text).toBe('NETMASK=255.255.255.0  # netmask\n');
  });

  it('non-exclusive leaves other keys; null removes a key; comments are never touched', () => {
    const r = edit('# eth0\nDEVICE=eth0\n#IPADDR=10.0.0.1\nPEERDNS=yes\nMTU=1500\n', { PEERDNS: null, NM_CONTROLLED: 'no' });
    expect(r.text).toBe('# eth0\nDEVICE=eth0\n#IPADDR=10.0.0.1\nMTU=1500\nNM_CONTROLLED=no\n');
  });

  it('reduces a duplicated key to one assignment with the wanted value', () => {
    expect(edit('A=1\nB=2\nA=3\n', { A: '3' }).text).toBe('A=3\nB=2\n');
  });

  it('adds a newline before appending to a file without one, and keeps CRLF', () => {
    expect(edit('A=1', { B: '2' }).text).toBe('A=1\nB=2\n');
    expect(edit('A=1\r\n', { B: 'x y' }).text).toBe('A=1\r\nB="x y"\r\n');
  });

  it('keeps lines it cannot parse, even when exclusive', () => {
    expect(edit('DEVICE=eth0\nif true; then :; fi\n', { DEVICE: 'eth0' }, true).text).toBe('DEVICE=eth0\nif true; then :; fi\n');
  });
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-ifcfg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ifcfg module on the local transport', () => {
  it('changes, then is idempotent; check mode predicts the same change and diff without writing', async () => {
    const path = join(dir, 'ifcfg-eth1');
    writeFileSync(path, ETH1_BEFORE);
    const args = { device: 'eth1', path, exclusive: true, keep: ['HWADDR'], settings: ETH1_PORT };
    const check = await runModuleLocally(ifcfg, args, { check: true, diff: true });
    expect(check.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(ETH1_BEFORE);
    const real = await runModuleLocally(ifcfg, args, { diff: true });
    expect(real.changed).toBe(true);
    expect(real.diff).toEqual(check.diff);
    expect(real.changes).toEqual(check.changes);
    expect(sourceWithBash(readFileSync(path, 'utf8'), 'OVS_BRIDGE')).toBe('br-ex');
    expect((await runModuleLocally(ifcfg, args)).changed).toBe(false);
    expect((await runModuleLocally(ifcfg, args, { check: true })).changed).toBe(false);
  });

  it('creates ifcfg-br-ex with booleans as yes/no and numbers as written', async () => {
    const path = join(dir, 'network-scripts', 'ifcfg-br-ex');
    const settings = { DEVICE: 'br-ex', ONBOOT: true, TYPE: 'OVSBridge', IPADDR: '192.168.1.101', PREFIX: 24, NM_CONTROLLED: false, NAME: 'Public bridge' };
    const r = await runModuleLocally(ifcfg, { device: 'br-ex', path, settings }, { diff: true });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('DEVICE=br-ex\nONBOOT=yes\nTYPE=OVSBridge\nIPADDR=192.168.1.101\nPREFIX=24\nNM_CONTROLLED=no\nNAME="Public bridge"\n');
    expect((await runModuleLocally(ifcfg, { device: 'br-ex', path, settings })).changed).toBe(false);
  });

  it('path defaults to /etc/sysconfig/network-scripts/ifcfg-DEVICE (checked in check mode)', async () => {
    const r = await runModuleLocally(ifcfg, { device: 'tsplay-test0', settings: { DEVICE: 'tsplay-test0' } }, { check: true });
    expect(r.path).toBe('/etc/sysconfig/network-scripts/ifcfg-tsplay-test0');
    expect(r.changed).toBe(true);
  });

  it('state=absent removes the file once', async () => {
    const path = join(dir, 'ifcfg-eth0:1');
    writeFileSync(path, 'DEVICE=eth0:1\n');
    const check = await runModuleLocally(ifcfg, { device: 'eth0:1', path, state: 'absent' }, { check: true });
    expect(check.changed).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect((await runModuleLocally(ifcfg, { device: 'eth0:1', path, state: 'absent' })).changed).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect((await runModuleLocally(ifcfg, { device: 'eth0:1', path, state: 'absent' })).changed).toBe(false);
  });

  it('a check-mode removal is seen by the next check-mode task', async () => {
    const runtime = new HostRuntime();
    const path = join(dir, 'ifcfg-eth9');
    writeFileSync(path, 'DEVICE=eth9\n');
    await runModuleLocally(ifcfg, { device: 'eth9', path, state: 'absent' }, { check: true, runtime });
    const again = await runModuleLocally(ifcfg, { device: 'eth9', path, state: 'absent' }, { check: true, runtime });
    expect(again.changed).toBe(false);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing device', { settings: {} }, /missing required argument 'device'/],
    ['device with a slash', { device: '../etc/passwd' }, /is not an interface name/],
    ['bad key', { device: 'eth0', path: '/nonexistent/x', settings: { 'ip-addr': '1' } }, /"ip-addr" is not a valid ifcfg key/],
    ['newline in value', { device: 'eth0', path: '/nonexistent/x', settings: { NAME: 'a\nb' } }, /value of NAME must be on one line/],
    ['nested value', { device: 'eth0', settings: { A: { b: 1 } } }, /argument 'settings.A' must be/],
    ['unreadable path', { device: 'eth0', path: '/proc/self/mem' }, /^cannot read \/proc\/self\/mem on localhost: /],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input: ${name}`, async () => {
      const r = await runModuleLocally(ifcfg, args);
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(message);
    });
  }
});
