/**
 * One test per rule of the inventory variable order (core/inventory/inventory.ts,
 * docs/inventory.md). The two-source and group_vars priority cases were checked against
 * ansible-core 2.14.
 */
import { describe, expect, it } from 'vitest';
import { load, tree } from './helpers.js';

async function varsOf(files: Record<string, string>, host: string, sources = ['hosts']) {
  const dir = tree(files);
  return (await load(dir, sources)).varsFor(host);
}

describe('inventory variable precedence', () => {
  it('a group overrides `all`', async () => {
    expect((await varsOf({ hosts: '[web]\nh\n[web:vars]\nv=web\n[all:vars]\nv=all\n' }, 'h'))['v']).toBe('web');
  });

  it('a child group overrides its parent, whatever the file order', async () => {
    const text = '[child]\nh\n[child:vars]\nv=child\n[parent:children]\nchild\n[parent:vars]\nv=parent\n';
    expect((await varsOf({ hosts: text }, 'h'))['v']).toBe('child');
  });

  it('depth is the longest path from all (a diamond takes the deeper parent)', async () => {
    const text = '[top:children]\nmid\n[mid:children]\nleaf\n[other:children]\nleaf\n[leaf]\nh\n[top:vars]\nv=top\n[mid:vars]\nv=mid\n[other:vars]\nv=other\n';
    // other and top have depth 1, mid depth 2 (checked against Ansible: "mid")
    expect((await varsOf({ hosts: text }, 'h'))['v']).toBe('mid');
  });

  it('groups of the same depth apply in name order, the last name winning', async () => {
    const text = '[beta]\nh\n[alpha]\nh\n[alpha:vars]\nv=alpha\n[beta:vars]\nv=beta\n';
    expect((await varsOf({ hosts: text }, 'h'))['v']).toBe('beta');
  });

  it('a higher ansible_group_priority wins over name order, and is not itself a variable', async () => {
    const text = '[alpha]\nh\n[beta]\nh\n[alpha:vars]\nv=alpha\nansible_group_priority=10\n[beta:vars]\nv=beta\n';
    const vars = await varsOf({ hosts: text }, 'h');
    expect(vars['v']).toBe('alpha');
    expect(vars).not.toHaveProperty('ansible_group_priority');
  });

  it('ansible_group_priority in a group_vars file is a plain variable that orders nothing (as in Ansible)', async () => {
    const vars = await varsOf({ hosts: '[za]\nh\n[zb]\nh\n', 'group_vars/za.yml': 'ansible_group_priority: 99\nv: za\n', 'group_vars/zb.yml': 'v: zb\n' }, 'h');
    expect(vars).toMatchObject({ v: 'zb', ansible_group_priority: 99 });
  });

  it('host inline vars override every group var written in the inventory', async () => {
    expect((await varsOf({ hosts: '[web]\nh v=host\n[web:vars]\nv=web\n' }, 'h'))['v']).toBe('host');
  });

  it('group_vars/all overrides inline vars of any group (Ansible: inventory file group vars < group_vars/all)', async () => {
    expect((await varsOf({ hosts: '[web]\nh\n[web:vars]\nv=web-inline\n', 'group_vars/all.yml': 'v: all-file\n' }, 'h'))['v']).toBe('all-file');
  });

  it('group_vars/<group> overrides group_vars/all and inline group vars', async () => {
    const vars = await varsOf({ hosts: '[web]\nh\n[web:vars]\nv=inline\n', 'group_vars/all.yml': 'v: all\n', 'group_vars/web.yml': 'v: web\n' }, 'h');
    expect(vars['v']).toBe('web');
  });

  it('group_vars files follow group order too: child file over parent file', async () => {
    const vars = await varsOf(
      { hosts: '[parent:children]\nchild\n[child]\nh\n', 'group_vars/parent.yml': 'v: parent\n', 'group_vars/child.yml': 'v: child\n' },
      'h',
    );
    expect(vars['v']).toBe('child');
  });

  it('host inline vars override group_vars files', async () => {
    expect((await varsOf({ hosts: '[web]\nh v=inline\n', 'group_vars/web.yml': 'v: file\n' }, 'h'))['v']).toBe('inline');
  });

  it('host_vars files override host inline vars and everything else', async () => {
    const vars = await varsOf({ hosts: '[web]\nh v=inline\n[web:vars]\nv=g\n', 'group_vars/web.yml': 'v: gfile\n', 'host_vars/h.yml': 'v: hfile\n' }, 'h');
    expect(vars['v']).toBe('hfile');
  });

  it('with several sources, each source applies all its group files before the next (checked against Ansible)', async () => {
    const vars = await varsOf(
      { 'a/hosts': '[parent:children]\nchild\n[child]\nh\n', 'b/hosts': '[other]\nz\n', 'a/group_vars/child.yml': 'v: a-child\n', 'b/group_vars/parent.yml': 'v: b-parent\n' },
      'h',
      ['a/hosts', 'b/hosts'],
    );
    expect(vars['v']).toBe('b-parent');
  });

  it('replaces mappings whole rather than merging them (hash_behaviour=replace)', async () => {
    const vars = await varsOf({ hosts: '[web]\nh\n', 'group_vars/all.yml': 'm: {a: 1, b: 2}\n', 'group_vars/web.yml': 'm: {a: 3}\n' }, 'h');
    expect(vars['m']).toEqual({ a: 3 });
  });

  it('gives the implicit localhost all-group vars, ansible_connection=local and its host_vars', async () => {
    const dir = tree({ hosts: '[web]\nw\n[all:vars]\nv=all\nansible_connection=ssh\n', 'host_vars/localhost.yml': 'hv: 1\n' });
    const inv = await load(dir, ['hosts']);
    expect(inv.varsFor('localhost')).toEqual({ v: 'all', ansible_connection: 'local', hv: 1 });
    expect(inv.groupsOf('localhost')).toEqual([]);
    expect(inv.hosts.has('localhost')).toBe(false);
  });

  it('returns a fresh object each time', async () => {
    const dir = tree({ hosts: 'h x=1\n' });
    const inv = await load(dir, ['hosts']);
    inv.varsFor('h')['x'] = 2;
    expect(inv.varsFor('h')['x']).toBe(1);
  });

  it('refuses an unknown host with a clear error', async () => {
    const dir = tree({ hosts: 'h\n' });
    const inv = await load(dir, ['hosts']);
    expect(() => inv.varsFor('nope')).toThrow(/host 'nope' is not in the inventory/);
  });
});
