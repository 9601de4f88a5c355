/**
 * ModuleTester against a lab host over SSH: the same tables as on this machine, with the
 * scratch directory made by `mktemp -d` on opctl (a shared host: nothing outside the scratch
 * directory is touched, and it is removed after each case). Proves the tester's host mode
 * (setup, snapshots, file checks through the transport) and the modules over SSH.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import iniSet from '../../modules/ini_set.js';
import lineinfile from '../../modules/lineinfile.js';
import { loadInventory } from '../../core/inventory/load.js';
import { closeAll } from '../../core/transport/ssh.js';
import { connectHost, ModuleTester } from '../../core/testing/index.js';

const inventory = await loadInventory([fileURLToPath(new URL('../../inventories/lab', import.meta.url))]);
const host = connectHost('opctl', inventory.varsFor('opctl'));
afterAll(async () => {
  await host.close();
  await closeAll();
});

new ModuleTester({ module: lineinfile, host, framework: { describe, it } }).run('lineinfile on opctl', {
  unchanged: [{ args: { path: '{{ root }}/hosts', line: '10.0.0.5 db' }, files: { hosts: '10.0.0.5 db\n' } }],
  changes: [
    {
      name: 'insert before the REJECT rule',
      args: { path: '{{ root }}/iptables', line: '-A INPUT -p tcp --dport 8774 -j ACCEPT', insertbefore: '^-A INPUT -j REJECT' },
      files: { iptables: '-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT\nCOMMIT\n' },
      expectFiles: { iptables: '-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 8774 -j ACCEPT\n-A INPUT -j REJECT\nCOMMIT\n' },
    },
    {
      name: 'mode and owner over SSH, starting state made by a setup command',
      args: { path: '{{ root }}/f', line: 'x', mode: '0640', owner: 'nobody' },
      setup: ['printf "a\\n" > f', 'chmod 0600 f'],
      expectFiles: { f: { content: 'a\nx\n', mode: '0640' } },
      assert: async ({ sh, root }) => expect((await sh(`stat -c %U ${root}/f`)).trim()).toBe('nobody'),
    },
  ],
  invalid: [{ args: { path: '{{ root }}/missing', line: 'x' }, error: 'Destination {{ root }}/missing does not exist !' }],
});

new ModuleTester({ module: iniSet, host, framework: { describe, it } }).run('ini_set on opctl', {
  changes: [
    {
      args: { path: '{{ root }}/nova.conf', settings: { DEFAULT: { debug: true }, libvirt: { virt_type: 'qemu' } } },
      files: { 'nova.conf': '[DEFAULT]\n#debug=false\n' },
      expectFiles: { 'nova.conf': '[DEFAULT]\n#debug=false\ndebug = True\n\n[libvirt]\nvirt_type = qemu\n' },
    },
  ],
  invalid: [{ args: { path: '{{ root }}/x.ini', section: 'a', option: 'b', value: 'c', create: false }, error: '{{ root }}/x.ini does not exist on opctl; set create: true to create it' }],
});

describe('the scratch directory on opctl', () => {
  it('is removed after a case', async () => {
    const outcome = await new ModuleTester({ module: lineinfile, host }).runCase('changes', { args: { path: '{{ root }}/f', line: 'x', create: true } });
    expect(outcome.root).toMatch(/^\/tmp\/tsplay-modtest\./);
    expect((await host.exec(`test -e ${outcome.root}`)).rc).toBe(1);
  });
});
