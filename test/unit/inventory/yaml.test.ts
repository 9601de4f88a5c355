import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../core/inventory/errors.js';
import { load, names, tree } from './helpers.js';

async function yamlInventory(text: string) {
  const dir = tree({ 'inventory.yml': text });
  return load(dir, ['inventory.yml']);
}

async function yamlError(text: string): Promise<InventoryError> {
  try {
    await yamlInventory(text);
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return e as InventoryError;
  }
  throw new Error('expected an InventoryError');
}

describe('YAML inventory', () => {
  it('reads nested groups, vars, ranges and ports', async () => {
    const inv = await yamlInventory(`
all:
  vars: { ntp: pool }
  children:
    web:
      hosts:
        web[1:2]:
        lb:8443: { tls: true }
      children:
        canary:
          hosts: { web1: }
`);
    expect(names(inv.selectHosts('web'))).toEqual(['web1', 'web2', 'lb']);
    expect(inv.varsFor('lb')).toMatchObject({ ansible_port: 8443, tls: true, ntp: 'pool' });
    expect(inv.groupsOf('web1')).toEqual(['all', 'web', 'canary']);
  });

  it('reads values as Ansible (PyYAML, YAML 1.1) does: yes/no/on/off booleans, octal, y/n strings', async () => {
    const inv = await yamlInventory('all:\n  hosts:\n    h:\n      a: yes\n      b: off\n      c: 0755\n      d: y\n      e: 2024-01-02\n');
    expect(inv.varsFor('h')).toMatchObject({ a: true, b: false, c: 493, d: 'y', e: '2024-01-02' });
  });

  it('accepts a bare string for hosts/children, and top-level groups besides all', async () => {
    const inv = await yamlInventory('all:\n  children:\n    web:\n      hosts: w1\nextra:\n  hosts:\n    w1:\n');
    expect(inv.groupsOf('w1')).toEqual(['all', 'extra', 'web']);
  });

  it('warns about unknown group keys, with a suggestion, and skips them', async () => {
    const inv = await yamlInventory('all:\n  hots:\n    h1:\n  hosts:\n    h2:\n');
    expect(names(inv.selectHosts('all'))).toEqual(['h2']);
    expect(inv.warnings[0]).toMatch(/inventory.yml:2:3: skipping unexpected key 'hots' in group 'all' - did you mean 'hosts'\?/);
  });

  it('supports anchors and aliases', async () => {
    const inv = await yamlInventory('all:\n  hosts:\n    a: &common { x: 1 }\n    b: *common\n');
    expect(inv.varsFor('b')['x']).toBe(1);
  });

  it('rejects a list of hosts, pointing at it', async () => {
    const e = await yamlError('all:\n  hosts:\n    - web1\n    - web2\n');
    expect([e.line, e.column]).toEqual([3, 5]);
    expect(e.message).toMatch(/'hosts' of group 'all' must be a mapping \(host1: on its own line\), found a list/);
  });

  it('rejects host variables that are not a mapping', async () => {
    const e = await yamlError('all:\n  hosts:\n    web1: 10.0.0.1\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/host 'web1' in group 'all' must be followed by a mapping of its variables or by nothing, found a string/);
  });

  it('rejects a YAML syntax error with its position', async () => {
    const e = await yamlError('all:\n  hosts:\n    web1: {a: 1\n');
    expect(e.message).toMatch(/inventory.yml:\d+:\d+: YAML syntax error/);
  });

  it('rejects an empty file, a list at the top and plugin configuration files', async () => {
    expect((await yamlError('')).message).toMatch(/the YAML inventory is empty/);
    expect((await yamlError('- a\n')).message).toMatch(/must be a mapping of group names/);
    expect((await yamlError('plugin: aws_ec2\n')).message).toMatch(/inventory plugin configuration \(plugin: aws_ec2\)/);
  });

  it('rejects a children loop', async () => {
    const e = await yamlError('all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n');
    // As in Ansible, the inner link (b -> a) is made first; closing the loop is a -> b.
    expect(e.message).toMatch(/inventory.yml:5:9: adding group 'b' as a child of 'a' creates a loop \(b is already an ancestor of a\)/);
  });

  it('a !vault value without a vault secret is an error at its position (decrypting: test/unit/vault)', async () => {
    const e = await yamlError('all:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      3131\n');
    expect(e.message).toMatch(/inventory\.yml:3:13: this !vault value: not a vault file or corrupt at line 2 of the vault text/);
  });

  it('skips a group that is not a mapping, with a warning', async () => {
    const inv = await yamlInventory('all:\n  hosts: {a: }\nodd: 5\n');
    expect(inv.groups.has('odd')).toBe(false);
    expect(inv.warnings[0]).toMatch(/skipping 'odd'/);
  });
});
