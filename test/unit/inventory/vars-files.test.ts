import { describe, expect, it } from 'vitest';
import { findVarsFiles } from '../../../core/inventory/vars-files.js';
import { load, tree } from './helpers.js';

describe('group_vars/ and host_vars/', () => {
  it('are read beside an inventory file', async () => {
    const dir = tree({ 'inv/hosts': '[web]\nw1\n', 'inv/group_vars/web.yml': 'a: 1\n', 'inv/host_vars/w1.yaml': 'b: 2\n' });
    const inv = await load(dir, ['inv/hosts']);
    expect(inv.varsFor('w1')).toMatchObject({ a: 1, b: 2 });
  });

  it('are read inside an inventory directory', async () => {
    const dir = tree({ 'inv/hosts': '[web]\nw1\n', 'inv/group_vars/all.json': '{"a": 1}', 'inv/host_vars/w1': 'b: 2\n' });
    const inv = await load(dir, ['inv']);
    expect(inv.varsFor('w1')).toMatchObject({ a: 1, b: 2 });
  });

  it('use the first of NAME, NAME.yml, NAME.yaml, NAME.json', () => {
    const dir = tree({ 'gv/web.yml': 'x: yml\n', 'gv/web.json': '{"x": "json"}', 'gv/web': 'x: plain\n', 'gv/db.yaml': 'x: 1\n', 'gv/db.json': '{}' });
    expect(findVarsFiles(`${dir}/gv`, 'web')).toEqual([`${dir}/gv/web`]);
    expect(findVarsFiles(`${dir}/gv`, 'db')).toEqual([`${dir}/gv/db.yaml`]);
    expect(findVarsFiles(`${dir}/gv`, 'none')).toEqual([]);
  });

  it('merge a NAME/ directory in lexical order, recursing, skipping hidden, backup and other files', async () => {
    const dir = tree({
      hosts: '[web]\nw1\n',
      'group_vars/web/10-a.yml': 'x: a\nonly_a: 1\n',
      'group_vars/web/20-b.yaml': 'x: b\n',
      'group_vars/web/30-sub/c': 'x: c\n',
      'group_vars/web/40-d.json': '{"x": "d"}',
      'group_vars/web/.hidden.yml': 'x: hidden\n',
      'group_vars/web/50-e.yml~': 'x: backup\n',
      'group_vars/web/60-notes.txt': 'x: txt\n',
    });
    const inv = await load(dir, ['hosts']);
    expect(findVarsFiles(`${dir}/group_vars`, 'web').map((f) => f.slice(dir.length + 1))).toEqual([
      'group_vars/web/10-a.yml',
      'group_vars/web/20-b.yaml',
      'group_vars/web/30-sub/c',
      'group_vars/web/40-d.json',
    ]);
    expect(inv.varsFor('w1')).toMatchObject({ x: 'd', only_a: 1 });
  });

  it('treat an empty file as no variables, and name the file and line of bad YAML', async () => {
    const ok = tree({ hosts: 'h\n', 'host_vars/h.yml': '# nothing yet\n' });
    expect((await load(ok, ['hosts'])).varsFor('h')).not.toHaveProperty('x');
    const bad = tree({ hosts: 'h\n', 'host_vars/h.yml': 'a: 1\nb: [1, 2\n' });
    await expect(load(bad, ['hosts'])).rejects.toThrow(/host_vars\/h.yml:\d+:\d+: YAML syntax error/);
    const list = tree({ hosts: 'h\n', 'group_vars/all.yml': '- a\n- b\n' });
    await expect(load(list, ['hosts'])).rejects.toThrow(/group_vars\/all.yml:1:1: a vars file must be a mapping of variable names to values, found a list/);
  });

  it('are ignored for names with no group or host, and for a group_vars that is a file', async () => {
    const dir = tree({ hosts: 'h\n', 'group_vars/nosuch.yml': 'x: 1\n', 'host_vars': 'not a dir\n' });
    const inv = await load(dir, ['hosts']);
    expect(inv.varsFor('h')).not.toHaveProperty('x');
    expect(inv.warnings[0]).toMatch(/host_vars that is not a directory/);
  });

  it('show up in the group and host vars of the model (inline first, files over them)', async () => {
    const dir = tree({ hosts: '[web]\nw1 a=inline b=inline\n[web:vars]\ng=inline\n', 'group_vars/web.yml': 'g: file\n', 'host_vars/w1.yml': 'a: file\n' });
    const inv = await load(dir, ['hosts']);
    expect(inv.groups.get('web')!.vars).toEqual({ g: 'file' });
    expect(inv.hosts.get('w1')!.vars).toMatchObject({ a: 'file', b: 'inline' });
  });
});
