import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iniSet from '../../../modules/ini_set.js';
import iniFile from '../../../modules/ini_file.js';
import { HostRuntime, ModuleTester, runModuleLocally } from '../../../core/testing/index.js';

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

// Every case is also checked by ModuleTester: check mode writes nothing and predicts the same
// changed/diff, a second run changes nothing, the result's shape, the docs examples.
new ModuleTester({ module: iniSet, framework: { describe, it } }).run('ini_set on the local transport', {
  unchanged: [
    { name: 'an existing key with the same value but other spacing', args: { path: '{{ root }}/nova.conf', section: 'DEFAULT', option: 'auth_strategy', value: 'keystone' }, files: { 'nova.conf': '[DEFAULT]\nauth_strategy=keystone\n' }, expectFiles: { 'nova.conf': '[DEFAULT]\nauth_strategy=keystone\n' } },
    { name: 'section null is the top of the file', args: { path: '{{ root }}/env', section: null, option: 'RABBITMQ_NODE_PORT', value: '5672' }, files: { env: '# RabbitMQ environment\nRABBITMQ_NODE_PORT=5672\n' } },
    { name: "mode '600' equals 0600", args: { path: '{{ root }}/a.ini', section: 'a', option: 'k', value: '1', mode: '600' }, files: { 'a.ini': { content: '[a]\nk = 1\n', mode: '0600' } } },
  ],
  changes: [
    {
      name: 'sets the ML2 settings with one write, next to the commented defaults',
      args: { path: '{{ root }}/ml2_conf.ini', settings: ML2_SETTINGS },
      files: { 'ml2_conf.ini': ML2_PACKAGED },
      assert: ({ root, check, first, second }) => {
        const path = join(root, 'ml2_conf.ini');
        expect(first.changes).toEqual(check.changes);
        const after = readFileSync(path, 'utf8');
        expect(after).toContain('# tenant_network_types = local\ntenant_network_types = vxlan\nmechanism_drivers = openvswitch\n');
        expect(after).toContain('# vni_ranges =\nvni_ranges = 10:100\nvxlan_group = 224.0.0.1\n');
        expect(after).toContain('# enable_security_group = True\nenable_security_group = True\n');
        // Every original line is still there, in order.
        const kept = after.split('\n').filter((l) => ML2_PACKAGED.split('\n').includes(l));
        expect(kept).toEqual(ML2_PACKAGED.split('\n'));
        expect(first.diff).toEqual([{ before: ML2_PACKAGED, after, beforeHeader: `${path} (content)`, afterHeader: `${path} (content)` }]);
        expect(second!.msg).toBe('OK');
      },
    },
    {
      name: 'single option form with the Ansible alias arguments',
      args: { dest: '{{ root }}/env', option: 'RABBITMQ_NODE_PORT', value: 5672, no_extra_spaces: 'yes' },
      files: { env: '# RabbitMQ environment\n' },
      expectFiles: { env: '# RabbitMQ environment\nRABBITMQ_NODE_PORT=5672\n' },
    },
    {
      name: 'settings in a section-less file',
      args: { path: '{{ root }}/env', settings: { RABBITMQ_NODE_IP_ADDRESS: '192.168.1.100', RABBITMQ_NODE_PORT: '5672' }, no_extra_spaces: true },
      files: { env: '# RabbitMQ environment\nRABBITMQ_NODE_PORT=5672\n' },
      expectFiles: { env: '# RabbitMQ environment\nRABBITMQ_NODE_PORT=5672\nRABBITMQ_NODE_IP_ADDRESS=192.168.1.100\n' },
    },
    {
      name: 'creates a missing file and its directory (create defaults to true), with mode',
      args: { path: '{{ root }}/etc/nova/nova.conf', section: 'libvirt', option: 'virt_type', value: 'kvm', mode: '0640' },
      expectFiles: { 'etc/nova/nova.conf': { content: '[libvirt]\nvirt_type = kvm\n', mode: '0640' } },
    },
    {
      name: 'state=absent removes every occurrence',
      args: { path: '{{ root }}/nova.conf', section: 'DEFAULT', option: 'sql_connection', state: 'absent' },
      files: { 'nova.conf': '[DEFAULT]\n#sql_connection=sqlite://\nsql_connection = mysql://a\nsql_connection = mysql://b\ndebug = true\n' },
      expectFiles: { 'nova.conf': '[DEFAULT]\n#sql_connection=sqlite://\ndebug = true\n' },
    },
    {
      name: 'settings: a null value removes that option',
      args: { path: '{{ root }}/nova.conf', settings: { DEFAULT: { network_manager: null, keep: 1 } } },
      files: { 'nova.conf': '[DEFAULT]\nnetwork_manager = x\nkeep = 1\n' },
      expectFiles: { 'nova.conf': '[DEFAULT]\nkeep = 1\n' },
    },
    {
      name: 'backup keeps the old file and returns its path',
      args: { path: '{{ root }}/a.ini', section: 'a', option: 'k', value: '2', backup: true },
      files: { 'a.ini': '[a]\nk = 1\n' },
      assert: ({ root, first }) => {
        expect(readFileSync(first.backup_file as string, 'utf8')).toBe('[a]\nk = 1\n');
        expect(readdirSync(root).filter((f) => f.startsWith('a.ini.'))).toHaveLength(1);
      },
    },
    {
      name: 'mode alone is a change on an existing file',
      args: { path: '{{ root }}/a.ini', section: 'a', option: 'k', value: '1', mode: '0600' },
      files: { 'a.ini': { content: '[a]\nk = 1\n', mode: '0644' } },
      result: { changes: ['mode 0644 -> 0600'] },
      expectFiles: { 'a.ini': { mode: '0600' } },
    },
    {
      name: 'keeps bytes that are not UTF-8 (a Latin-1 comment) while editing',
      args: { path: '{{ root }}/latin1.ini', section: 'a', option: 'k', value: 'é' },
      files: { 'latin1.ini': Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n[a]\nk = 1\n')]) },
      assert: ({ root }) => expect(readFileSync(join(root, 'latin1.ini'))).toEqual(Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n[a]\nk = é\n')])),
    },
    {
      name: "section '' means the top of the file, as in Ansible",
      args: { path: '{{ root }}/env.conf', section: '', option: 'B', value: 2, no_extra_spaces: true },
      files: { 'env.conf': 'A=1\n[x]\n' },
      expectFiles: { 'env.conf': 'A=1\nB=2\n[x]\n' },
    },
  ],
  invalid: [
    { name: 'create: false on a missing file', args: { path: '{{ root }}/missing.ini', section: 'a', option: 'b', value: 'c', create: false }, error: '{{ root }}/missing.ini does not exist on localhost; set create: true to create it' },
    { name: 'a directory', args: { path: '{{ root }}', section: 'a', option: 'b', value: 'c' }, error: 'cannot read {{ root }} on localhost: {{ root }} is a directory, not a file' },
    // Found by ModuleTester: check mode used to predict a change here that the real run then
    // failed to make (mkdir -p below a file); the read now says so in both modes.
    { name: 'a file used as a directory', args: { path: '{{ root }}/x/y.ini', section: 'a', option: 'b', value: 'c' }, files: { x: '' }, error: 'cannot read {{ root }}/x/y.ini on localhost: {{ root }}/x is not a directory' },
    { name: 'a file used as a directory, higher up', args: { path: '{{ root }}/x/new/y.ini', section: 'a', option: 'b', value: 'c' }, files: { x: '' }, error: 'cannot read {{ root }}/x/new/y.ini on localhost: {{ root }}/x is not a directory' },
    { name: 'no path', args: { section: 'a', option: 'b', value: 'c' }, error: /missing required argument 'path'/ },
    { name: 'value without option', args: { path: '/x', section: 'a', value: 'c' }, error: /'value' needs 'option'/ },
    { name: 'present without value', args: { path: '/x', section: 'a', option: 'b' }, error: /'value' is required to set option 'b'/ },
    { name: 'settings and option', args: { path: '/x', option: 'b', settings: { a: { b: 1 } } }, error: /either 'settings' or 'option'/ },
    { name: 'value and values', args: { path: '/x', option: 'b', value: 1, values: [1] }, error: /either 'value' or 'values'/ },
    { name: 'bad state', args: { path: '/x', option: 'b', value: 1, state: 'gone' }, error: /state' must be one of: present, absent/ },
    { name: 'unknown argument', args: { path: '/x', option: 'b', value: 1, sectoin: 'a' }, error: /unsupported argument 'sectoin' - did you mean 'section'\?/ },
    { name: 'symbolic mode', args: { path: '/x', option: 'b', value: 1, mode: 'u+rw' }, error: /argument 'mode' must be octal/ },
    { name: 'newline in value', args: { path: '/x', option: 'b', value: 'a\nb' }, error: /value of option 'b' must be on one line/ },
    { name: 'bracket in section', args: { path: '/x', section: 'a]b', option: 'b', value: 1 }, error: /section name "a]b" must not contain/ },
    { name: 'nested too deep', args: { path: '/x', settings: { a: { b: { c: 1 } } } }, error: /^settings.a.b: a value must be a string, number, boolean, a list of those, or null/ },
    { name: 'nothing to do', args: { path: '/x' }, error: /give 'option' \(or 'settings'\)/ },
  ],
});

// ini_file is ini_set with Ansible's layout for what it adds; ini_set keeps its own (above).
new ModuleTester({ module: iniFile, framework: { describe, it } }).run("ini_file (Ansible's layout) on the local transport", {
  unchanged: [{ name: 'an option already set', args: { path: '{{ root }}/a.ini', section: 'a', option: 'k', value: '1' }, files: { 'a.ini': '[a]\nk = 1\n' } }],
  changes: [
    { name: 'a new file begins with an empty line', args: { path: '{{ root }}/conf', section: 'drinks', option: 'fav', value: 'lemonade', mode: '0600' }, expectFiles: { conf: { content: '\n[drinks]\nfav = lemonade\n', mode: '0600' } } },
    { name: 'a new section right after the last line', args: { path: '{{ root }}/app.ini', section: 'server', option: 'port', value: 8080 }, files: { 'app.ini': '[cache]\nsize = 10\n' }, expectFiles: { 'app.ini': '[cache]\nsize = 10\n[server]\nport = 8080\n' } },
    { name: 'an existing section is edited as ini_set edits it', args: { path: '{{ root }}/app.ini', section: 'cache', option: 'ttl', value: 5 }, files: { 'app.ini': '[cache]\nsize = 10\n\n[x]\n' }, expectFiles: { 'app.ini': '[cache]\nsize = 10\nttl = 5\n\n[x]\n' } },
  ],
  invalid: [{ name: 'no path', args: { section: 'a', option: 'b', value: 'c' }, error: /missing required argument 'path'/ }],
});

describe('ini_set as an unprivileged remote user', () => {
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

