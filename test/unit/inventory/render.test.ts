import { describe, expect, it } from 'vitest';
import { pyStr, renderGraph, renderHost, renderList } from '../../../core/inventory/render.js';
import { ini } from './helpers.js';

const TEXT = '[web]\nw1 a=1\nw2\n[db]\nd1\n[prod:children]\nweb\nempty\n[empty]\n[web:vars]\nport=80\n';

describe('ansible-inventory output', () => {
  it('--list: groups with hosts/children, sorted keys, 4-space indent, empty groups left out', async () => {
    const inv = await ini(TEXT);
    const listed = JSON.parse(renderList(inv)) as Record<string, unknown>;
    expect(Object.keys(listed)).toEqual(['_meta', 'all', 'db', 'prod', 'web']);
    expect(listed['all']).toEqual({ children: ['ungrouped', 'db', 'prod'] });
    expect(listed['prod']).toEqual({ children: ['web', 'empty'] });
    expect(listed['_meta']).toEqual({ hostvars: { w1: { a: 1, port: 80 }, w2: { port: 80 } } });
    expect(renderList(inv)).toContain('\n    "_meta": {\n        "hostvars": {');
  });

  it('--list --limit keeps only the limited hosts', async () => {
    const inv = await ini(TEXT);
    const listed = JSON.parse(renderList(inv, 'w1')) as Record<string, { hosts?: string[] }>;
    expect(listed['web']!.hosts).toEqual(['w1']);
    expect(listed['db']).toBeUndefined();
  });

  it('--graph: the tree with |-- per level, hosts after child groups', async () => {
    const inv = await ini(TEXT);
    expect(renderGraph(inv)).toBe(
      ['@all:', '  |--@ungrouped:', '  |--@db:', '  |  |--d1', '  |--@prod:', '  |  |--@web:', '  |  |  |--w1', '  |  |  |--w2', '  |  |--@empty:'].join('\n'),
    );
    expect(renderGraph(inv, 'web')).toBe(['@web:', '  |--w1', '  |--w2'].join('\n'));
    expect(() => renderGraph(inv, 'nosuch')).toThrow(/--graph takes a group name, and 'nosuch' is not a group/);
  });

  it('--graph with vars prints {k = v} in Python notation under hosts and groups', async () => {
    const inv = await ini('[g]\nh s=x l="[1, \'a\', None, True]" d="{\'k\': \\"it\'s\\"}"\n[g:vars]\nansible_group_priority=3\n');
    expect(renderGraph(inv, 'g', true)).toBe(
      ['@g:', '  |--h', `  |  |--{d = {'k': "it's"}}`, "  |  |--{l = [1, 'a', None, True]}", '  |  |--{s = x}', '  |--{ansible_group_priority = 3}'].join('\n'),
    );
  });

  it('--host: merged variables without Ansible internals', async () => {
    const inv = await ini(TEXT);
    expect(renderHost(inv, 'w1')).toBe('{\n    "a": 1,\n    "port": 80\n}');
    expect(renderHost(inv, 'd1')).toBe('{}');
    expect(JSON.parse(renderHost(inv, 'localhost'))).toEqual({ ansible_connection: 'local' });
    expect(() => renderHost(inv, 'web')).toThrow(/--host needs a single host, and 'web' matches 2 \(w1, w2\)/);
    expect(() => renderHost(inv, 'zz')).toThrow(/'zz' matches no host/);
  });

  it('pyStr writes values as Python str() does', () => {
    expect(pyStr('plain')).toBe('plain');
    expect(pyStr([1, 'a', null, false, { x: 'y' }])).toBe("[1, 'a', None, False, {'x': 'y'}]");
    expect(pyStr(["it's", 'a\nb'])).toBe(`["it's", 'a\\nb']`);
  });
});
