import { describe, expect, it } from 'vitest';
import { load, names, tree } from './helpers.js';

describe('inventory sources', () => {
  it('reads a directory in lexical order, recursing, skipping what Ansible skips', async () => {
    const dir = tree({
      'inv/10-web': '[web]\nw1\n',
      'inv/20-db.yml': 'all:\n  children:\n    db:\n      hosts:\n        d1:\n',
      'inv/30-hosts.ini': '[web]\nw2\n', // read: ansible-core >= 2.19 no longer skips .ini in directories
      'inv/sub/40-cache': '[cache]\nc1\n',
      'inv/README.md': 'not = an inventory [\n',
      'inv/README': 'this is a readme, not an inventory\n',
      'inv/site.retry': 'w1\n',
      'inv/old.orig': '[[[\n',
      'inv/hosts~': '[[[\n',
      'inv/.hidden': '[[[\n',
      'inv/notes.txt': '[[[\n',
      'inv/ansible.cfg': '[defaults]\nx = y\n',
    });
    const inv = await load(dir, ['inv']);
    expect(names(inv.selectHosts('web'))).toEqual(['w1', 'w2']);
    // `all` lists its children breadth first: db was made a child of all explicitly by the
    // YAML file, web and cache only when the load finished (Ansible's reconcile order).
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'db', 'web', 'cache']);
    expect(names(inv.selectHosts('all'))).toEqual(['d1', 'w1', 'w2', 'c1']);
    expect(inv.sources).toEqual([`${dir}/inv`]);
  });

  it('merges several sources in order', async () => {
    const dir = tree({ a: '[web]\nw1 x=1\n', 'b.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1: { x: 2 }\n        w2:\n' });
    const inv = await load(dir, ['a', 'b.yml']);
    expect(names(inv.selectHosts('web'))).toEqual(['w1', 'w2']);
    expect(inv.varsFor('w1')['x']).toBe(2);
  });

  it('takes a comma-separated host list when the source is not a path', async () => {
    const dir = tree({});
    const inv = await load(dir, ['web1,web2:2222,[::1]:2200,']);
    expect(names(inv.selectHosts('all'))).toEqual(['web1', 'web2', '::1']);
    expect(inv.groupsOf('web2')).toEqual(['all', 'ungrouped']);
    expect(inv.varsFor('web2')).toMatchObject({ ansible_port: 2222, inventory_file: null });
    expect(inv.varsFor('::1')['ansible_port']).toBe(2200);
  });

  it('names a missing inventory path and says what it may be', async () => {
    const dir = tree({});
    await expect(load(dir, ['nope/hosts'])).rejects.toThrow(
      new RegExp(`inventory source 'nope/hosts' does not exist \\(looked for ${dir}/nope/hosts\\); give a file, a directory`),
    );
  });

  it('reads an extension-less YAML file as YAML and anything else as INI', async () => {
    const dir = tree({ y: '# yaml\nall:\n  hosts:\n    a:\n', i: '# ini\nb\n[g]\nc\n' });
    expect(names((await load(dir, ['y'])).selectHosts('all'))).toEqual(['a']);
    expect(names((await load(dir, ['i'])).selectHosts('all'))).toEqual(['b', 'c']);
  });

  it('reports the YAML error for a broken extension-less YAML file', async () => {
    const dir = tree({ hosts: 'all:\n  hosts:\n    a: {x: 1\n' });
    await expect(load(dir, ['hosts'])).rejects.toThrow(/hosts:\d+:\d+: YAML syntax error/);
  });

  it('reads an executable file without #! as a static inventory', async () => {
    const dir = tree({ hosts: '[g]\nh\n' });
    const { chmodSync } = await import('node:fs');
    chmodSync(`${dir}/hosts`, 0o755);
    expect(names((await load(dir, ['hosts'])).selectHosts('g'))).toEqual(['h']);
  });
});
