import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../core/inventory/errors.js';
import { ini, load, names, tree } from './helpers.js';

async function iniError(text: string): Promise<InventoryError> {
  try {
    await ini(text);
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return e as InventoryError;
  }
  throw new Error('expected an InventoryError');
}

describe('INI inventory structure', () => {
  it('puts hosts before any section in ungrouped, and takes them out once grouped', async () => {
    const inv = await ini('alone\nmoved\n[db]\nmoved\n');
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['alone']);
    expect(inv.hosts.get('moved')!.groups).toEqual(['db']);
    expect(inv.groupsOf('alone')).toEqual(['all', 'ungrouped']);
  });

  it('accepts a :children entry declared later in the file, and keeps declared order for children', async () => {
    const inv = await ini('[prod:children]\nweb\ndb\n[db]\nd1\n[web]\nw1\n');
    expect(inv.groups.get('prod')!.children).toEqual(['db', 'web']); // added as each is declared, as in Ansible
    expect(names(inv.selectHosts('prod'))).toEqual(['d1', 'w1']);
  });

  it('sets ansible_port from host:port only where the host is first declared', async () => {
    const inv = await ini('[a]\nh1:2222\n[b]\nh1:3333\n');
    expect(inv.varsFor('h1')['ansible_port']).toBe(2222);
  });

  it('lets later inline vars of the same host override earlier ones', async () => {
    const inv = await ini('[a]\nh1 x=1 y=1\n[b]\nh1 x=2\n');
    expect(inv.hosts.get('h1')!.vars).toMatchObject({ x: 2, y: 1 });
  });

  it('records where each host was first seen, as inventory_file / inventory_dir', async () => {
    const dir = tree({ 'inv/hosts': 'h1\n' });
    const inv = await load(dir, ['inv/hosts']);
    expect(inv.varsFor('h1')).toMatchObject({ inventory_file: `${dir}/inv/hosts`, inventory_dir: `${dir}/inv` });
  });

  it('keeps a [g:vars] value whole, trailing comment included unless the value is a literal', async () => {
    const inv = await ini('[g]\nh\n[g:vars]\nmsg = hello world  # kept\nn = 5 # dropped\nq="quoted # kept"\n');
    expect(inv.varsFor('h')).toMatchObject({ msg: 'hello world  # kept', n: 5, q: 'quoted # kept' });
  });

  it('treats # inside a word on a host line as the start of a comment (quote such values)', async () => {
    const inv = await ini(`[g]\nh pass=ab#cd quoted="'ab#cd'"\n`);
    expect(inv.varsFor('h')['pass']).toBe('ab');
    expect(inv.varsFor('h')['quoted']).toBeUndefined(); // commented out with the rest of the line
  });

  it('accepts comments after section headers and group names, and ; comment lines', async () => {
    const inv = await ini('; top\n[p:children] # the parents\nc   # a child\n[c]\nh\n');
    expect(inv.groups.get('p')!.children).toEqual(['c']);
  });

  it('lets [all:vars] and [ungrouped] be used without declaring them', async () => {
    const inv = await ini('[ungrouped]\nh\n[all:vars]\nx=1\n');
    expect(inv.varsFor('h')['x']).toBe(1);
  });
});

describe('INI inventory errors name file:line:column and what to do', () => {
  it('unknown section type, with a suggestion', async () => {
    const e = await iniError('[web]\nh\n\n[web:var]\nx=1\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/hosts:4:6: section \[web:var\] has unknown type 'var' - did you mean 'vars'\?; use \[web\], \[web:vars\] or \[web:children\]/);
  });

  it('a section header with a space', async () => {
    const e = await iniError('[web servers]\nh\n');
    expect(e.message).toMatch(/hosts:1:1: invalid section header '\[web servers\]'/);
  });

  it('a host variable without =', async () => {
    const e = await iniError('[web]\n  h1 ansible_user=root oops\n');
    expect([e.line, e.column]).toEqual([2, 24]);
    expect(e.message).toMatch(/expected key=value host variable after 'h1', got 'oops'; quote values that contain spaces/);
  });

  it('an unclosed quote', async () => {
    const e = await iniError('[web]\nh1 msg="hello\n');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/no closing quotation/);
  });

  it('a [g:vars] line without =', async () => {
    const e = await iniError('[web]\nh\n[web:vars]\njust_a_word\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/expected key=value in \[web:vars\], got 'just_a_word'/);
  });

  it('a [g:children] line that is not one group name', async () => {
    const e = await iniError('[p:children]\na b\n');
    expect(e.message).toMatch(/hosts:2:1: expected one group name per line in \[p:children\], got 'a b'/);
  });

  it('a child group that is never declared, with a suggestion', async () => {
    const e = await iniError('[webservers]\nw\n[prod:children]\nwebserver\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/\[prod:children\] names group 'webserver', which is never declared; add a \[webserver\] section .* Did you mean 'webservers'\?/);
  });

  it('vars for a group that is never declared', async () => {
    const e = await iniError('[web]\nh\n[db:vars]\nx=1\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/section \[db:vars\] is for group 'db', which is never declared/);
  });

  it('a :children loop, naming both groups', async () => {
    const e = await iniError('[a:children]\nb\n[b:children]\na\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/adding group 'a' as a child of 'b' creates a loop/);
  });

  it('a longer :children loop', async () => {
    const e = await iniError('[a:children]\nb\n[b:children]\nc\n[c:children]\na\n');
    expect(e.message).toMatch(/creates a loop/);
  });

  it('a group that is its own child', async () => {
    const e = await iniError('[a:children]\na\n');
    expect(e.message).toMatch(/cannot be a child of itself/);
  });

  it('a bad host range', async () => {
    const e = await iniError('[web]\nweb[01:100]\n');
    expect(e.message).toMatch(/hosts:2:1: invalid host range \[01:100\].*same number of digits/);
  });

  it('YAML given to the INI reader', async () => {
    const dir = tree({ 'inv.ini': '---\nall:\n  hosts:\n    a:\n' });
    await expect(load(dir, ['inv.ini'])).rejects.toThrow(/inv.ini:1:1: .*YAML/);
  });

  it('never shows a stack trace in the message', async () => {
    const e = await iniError('[web:nope]\n');
    expect(e.message).not.toMatch(/\n\s+at /);
  });
});
