import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iniSet from '../../../modules/ini_set.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

// A trimmed Juno ml2_conf.ini as the RDO package ships it: commented defaults only.
const ML2_PACKAGED = `[ml2]
# (ListOpt) List of network type driver entrypoints to be loaded from
# the neutron.ml2.type_drivers namespace.
#
# type_drivers = local,flat,vlan,gre,vxlan
# Example: type_drivers = flat,vlan,gre,vxlan

# (ListOpt) Ordered list of network_types to allocate as tenant
# networks. The default value 'local' is useful for single-box testing
# but provides no connectivity between hosts.
#
# tenant_network_types = local

[ml2_type_vxlan]
# (ListOpt) Comma-separated list of <vni_min>:<vni_max> tuples enumerating
# ranges of VXLAN VNI IDs that are available for tenant network allocation.
#
# vni_ranges =

[securitygroup]
# Controls if neutron security group is enabled or not.
# It should be false when you use nova security group.
# enable_security_group = True
`;

const ML2_SETTINGS = {
  ml2: { tenant_network_types: 'vxlan', mechanism_drivers: 'openvswitch' },
  ml2_type_vxlan: { vni_ranges: '10:100', vxlan_group: '224.0.0.1' },
  securitygroup: { enable_security_group: true },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-ini-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ini_set on the local transport', () => {
  it('sets the ML2 settings with one write, then reports no change; check mode predicts the same', async () => {
    const path = join(dir, 'ml2_conf.ini');
    writeFileSync(path, ML2_PACKAGED);

    const check = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS }, { check: true, diff: true });
    expect(check.failed).toBe(false);
    expect(check.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(ML2_PACKAGED);

    const real = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS }, { diff: true });
    expect(real.changed).toBe(true);
    expect(real.changes).toEqual(check.changes);
    expect(real.diff).toEqual(check.diff);
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('# tenant_network_types = local\ntenant_network_types = vxlan\nmechanism_drivers = openvswitch\n');
    expect(after).toContain('# vni_ranges =\nvni_ranges = 10:100\nvxlan_group = 224.0.0.1\n');
    expect(after).toContain('# enable_security_group = True\nenable_security_group = True\n');
    // Every original line is still there, in order.
    const kept = after.split('\n').filter((l) => ML2_PACKAGED.split('\n').includes(l));
    expect(kept).toEqual(ML2_PACKAGED.split('\n'));
    expect(real.diff).toEqual([{ before: ML2_PACKAGED, after, beforeHeader: `${path} (content)`, afterHeader: `${path} (content)` }]);

    const again = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS });
    expect(again.changed).toBe(false);
    expect(again.msg).toBe('OK');
    const checkAgain = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS }, { check: true });
    expect(checkAgain.changed).toBe(false);
  });

  it('single option form, section-less file, and the Ansible alias arguments', async () => {
    const path = join(dir, 'rabbitmq-env.conf');
    writeFileSync(path, '# RabbitMQ environment\n');
    const r1 = await runModuleLocally(iniSet, { dest: path, option: 'RABBITMQ_NODE_PORT', value: 5672, no_extra_spaces: 'yes' });
    expect(r1.changed).toBe(true);
    const r2 = await runModuleLocally(iniSet, { path, settings: { RABBITMQ_NODE_IP_ADDRESS: '192.168.1.100', RABBITMQ_NODE_PORT: '5672' }, no_extra_spaces: true });
    expect(r2.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# RabbitMQ environment\nRABBITMQ_NODE_PORT=5672\nRABBITMQ_NODE_IP_ADDRESS=192.168.1.100\n');
    expect((await runModuleLocally(iniSet, { path, section: null, option: 'RABBITMQ_NODE_PORT', value: '5672' })).changed).toBe(false);
  });

  it('an existing key with the same value but other spacing is unchanged', async () => {
    const path = join(dir, 'nova.conf');
    writeFileSync(path, '[DEFAULT]\nauth_strategy=keystone\n');
    const r = await runModuleLocally(iniSet, { path, section: 'DEFAULT', option: 'auth_strategy', value: 'keystone' });
    expect(r.changed).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('[DEFAULT]\nauth_strategy=keystone\n');
  });

  it('creates a missing file and its directory (create defaults to true), with mode', async () => {
    const path = join(dir, 'etc', 'nova', 'nova.conf');
    const check = await runModuleLocally(iniSet, { path, section: 'libvirt', option: 'virt_type', value: 'kvm', mode: '0640' }, { check: true, diff: true });
    expect(check.changed).toBe(true);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
    const r = await runModuleLocally(iniSet, { path, section: 'libvirt', option: 'virt_type', value: 'kvm', mode: '0640' }, { diff: true });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('[libvirt]\nvirt_type = kvm\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(r.diff).toEqual(check.diff);
  });

  it('create: false on a missing file is a clear error', async () => {
    const path = join(dir, 'missing.ini');
    const r = await runModuleLocally(iniSet, { path, section: 'a', option: 'b', value: 'c', create: false });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe(`${path} does not exist on localhost; set create: true to create it`);
  });

  it('an unreadable path is a clear error naming the path and what the host said', async () => {
    writeFileSync(join(dir, 'x'), '');
    const asDir = await runModuleLocally(iniSet, { path: dir, section: 'a', option: 'b', value: 'c' });
    expect(asDir.failed).toBe(true);
    expect(asDir.msg).toBe(`cannot read ${dir} on localhost: ${dir} is a directory, not a file`);
    // Through a file used as a directory: the host's own error message is passed on.
    const notDir = await runModuleLocally(iniSet, { path: join(dir, 'x', 'y.ini'), section: 'a', option: 'b', value: 'c' });
    expect(notDir.failed).toBe(true);
    expect(notDir.msg).toMatch(new RegExp(`^cannot (read|create the directory of) ${join(dir, 'x', 'y.ini')} on localhost: .+`));
  });

  it('a file without read permission is a clear error (when not root the host refuses)', async () => {
    const path = join(dir, 'secret.ini');
    writeFileSync(path, '[a]\n');
    chmodSync(path, 0o000);
    chmodSync(dir, 0o755);
    // Root reads anything; run the read as an unprivileged shell to see the host's refusal.
    const r = await runModuleLocally(iniSet, { path, section: 'a', option: 'b', value: 'c' }, { transport: process.getuid?.() === 0 ? nobodyTransport() : undefined });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(new RegExp(`^cannot read ${path} on localhost: .*${path}.*Permission denied`));
  });

  it('state=absent removes every occurrence; a second run is unchanged', async () => {
    const path = join(dir, 'nova.conf');
    writeFileSync(path, '[DEFAULT]\n#sql_connection=sqlite://\nsql_connection = mysql://a\nsql_connection = mysql://b\ndebug = true\n');
    const r = await runModuleLocally(iniSet, { path, section: 'DEFAULT', option: 'sql_connection', state: 'absent' });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('[DEFAULT]\n#sql_connection=sqlite://\ndebug = true\n');
    expect((await runModuleLocally(iniSet, { path, section: 'DEFAULT', option: 'sql_connection', state: 'absent' })).changed).toBe(false);
  });

  it('settings: a null value removes that option', async () => {
    const path = join(dir, 'nova.conf');
    writeFileSync(path, '[DEFAULT]\nnetwork_manager = x\nkeep = 1\n');
    const r = await runModuleLocally(iniSet, { path, settings: { DEFAULT: { network_manager: null, keep: 1 } } });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('[DEFAULT]\nkeep = 1\n');
  });

  it('backup keeps the old file and returns its path', async () => {
    const path = join(dir, 'a.ini');
    writeFileSync(path, '[a]\nk = 1\n');
    const r = await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: '2', backup: true });
    expect(r.changed).toBe(true);
    expect(typeof r.backup_file).toBe('string');
    expect(readFileSync(r.backup_file as string, 'utf8')).toBe('[a]\nk = 1\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('a.ini.'))).toHaveLength(1);
  });

  it('mode alone is a change on an existing file; check mode predicts it without applying it', async () => {
    const path = join(dir, 'a.ini');
    writeFileSync(path, '[a]\nk = 1\n');
    chmodSync(path, 0o644);
    const check = await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: '1', mode: '0600' }, { check: true });
    expect(check.changed).toBe(true);
    expect(check.changes).toEqual(['mode 0644 -> 0600']);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const r = await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: '1', mode: '0600' });
    expect(r.changed).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: '1', mode: '600' })).changed).toBe(false);
  });

  it('keeps bytes that are not UTF-8 (a Latin-1 comment) while editing', async () => {
    const path = join(dir, 'latin1.ini');
    const original = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n[a]\nk = 1\n')]);
    writeFileSync(path, original);
    const r = await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: 'é' });
    expect(r.changed).toBe(true);
    expect(readFileSync(path)).toEqual(Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n[a]\nk = é\n')]));
    expect((await runModuleLocally(iniSet, { path, section: 'a', option: 'k', value: 'é' })).changed).toBe(false);
  });
});

describe('ini_set check mode chained after a package install', () => {
  it('a file an earlier task would install is a predicted change, not an error', async () => {
    const runtime = new HostRuntime();
    const path = join(dir, 'etc', 'neutron', 'plugins', 'ml2', 'ml2_conf.ini');
    runtime.predicted.setFile(path, 'exists'); // what yum records in check mode
    const r = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS }, { check: true, diff: true, runtime });
    expect(r.failed).toBe(false);
    expect(r.changed).toBe(true);
    expect(r.msg).toMatch(/the file is created by an earlier task, e.g. a package it installs/);
    const diff = (r.diff as Array<{ before: string; after: string; beforeHeader: string }>)[0]!;
    expect(diff.before).toBe('');
    expect(diff.beforeHeader).toMatch(/created by an earlier task, e.g. a package it installs: not known in check mode/);
    expect(diff.after).toContain('[ml2_type_vxlan]\nvni_ranges = 10:100\n');
    // The same settings again in the same check run: the earlier task already set them.
    const again = await runModuleLocally(iniSet, { path, settings: ML2_SETTINGS }, { check: true, runtime });
    expect(again.changed).toBe(false);
    const other = await runModuleLocally(iniSet, { path, section: 'ml2', option: 'type_drivers', value: 'vxlan' }, { check: true, runtime });
    expect(other.changed).toBe(true);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
  });

  it('check mode sees what an earlier check-mode task would have written', async () => {
    const runtime = new HostRuntime();
    const path = join(dir, 'answer.txt');
    writeFileSync(path, '[general]\nCONFIG_DEFAULT_PASSWORD=\n');
    const first = await runModuleLocally(iniSet, { path, settings: { general: { CONFIG_DEFAULT_PASSWORD: 'password' } } }, { check: true, runtime });
    expect(first.changed).toBe(true);
    const second = await runModuleLocally(iniSet, { path, section: 'general', option: 'CONFIG_DEFAULT_PASSWORD', value: 'password' }, { check: true, runtime });
    expect(second.changed).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('[general]\nCONFIG_DEFAULT_PASSWORD=\n');
  });
});

describe('ini_set argument errors', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no path', { section: 'a', option: 'b', value: 'c' }, /missing required argument 'path'/],
    ['value without option', { path: '/x', section: 'a', value: 'c' }, /'value' needs 'option'/],
    ['present without value', { path: '/x', section: 'a', option: 'b' }, /'value' is required to set option 'b'/],
    ['settings and option', { path: '/x', option: 'b', settings: { a: { b: 1 } } }, /either 'settings' or 'option'/],
    ['value and values', { path: '/x', option: 'b', value: 1, values: [1] }, /either 'value' or 'values'/],
    ['bad state', { path: '/x', option: 'b', value: 1, state: 'gone' }, /state' must be one of: present, absent/],
    ['unknown argument', { path: '/x', option: 'b', value: 1, sectoin: 'a' }, /unsupported argument 'sectoin' - did you mean 'section'\?/],
    ['symbolic mode', { path: '/x', option: 'b', value: 1, mode: 'u+rw' }, /argument 'mode' must be octal/],
    ['newline in value', { path: '/x', option: 'b', value: 'a\nb' }, /value of option 'b' must be on one line/],
    ['bracket in section', { path: '/x', section: 'a]b', option: 'b', value: 1 }, /section name "a]b" must not contain/],
    ['nested too deep', { path: '/x', settings: { a: { b: { c: 1 } } } }, /^settings.a.b: a value must be a string, number, boolean, a list of those, or null/],
    ['nothing to do', { path: '/x' }, /give 'option' \(or 'settings'\)/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await runModuleLocally(iniSet, args);
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(message);
    });
  }
});

function nobodyTransport() {
  // The local transport's become runs through sudo; `su` is always there on Debian.
  return {
    host: 'localhost',
    connect: async () => {},
    close: async () => {},
    exec: async (command: string, options?: { stdin?: string | Buffer }) => {
      const { LocalTransport } = await import('../../../core/transport/local.js');
      const { quote } = await import('../../../core/transport/shell-quote.js');
      return new LocalTransport('localhost').exec(`setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c ${quote(command)}`, options);
    },
  };
}

describe('ini_set section names', () => {
  it("section '' means the top of the file, as in Ansible", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'tsplay-ini-'));
    try {
      const path = join(dir2, 'env.conf');
      writeFileSync(path, 'A=1\n[x]\n');
      const r = await runModuleLocally(iniSet, { path, section: '', option: 'B', value: 2, no_extra_spaces: true });
      expect(r.failed).toBe(false);
      expect(readFileSync(path, 'utf8')).toBe('A=1\nB=2\n[x]\n');
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
