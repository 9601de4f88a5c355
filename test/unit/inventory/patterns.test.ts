import { describe, expect, it } from 'vitest';
import { splitHostPattern, unmatchedPatterns } from '../../../core/inventory/patterns.js';
import { ini, load, names, tree } from './helpers.js';

const INVENTORY = `
[web]
web1
web2
web3
[db]
db1
db2
[prod:children]
web
db
[canary]
web2
db2
[lb]
web
`;

describe('host patterns', async () => {
  const inv = await ini(INVENTORY);
  const sel = (p: string, limit?: string) => names(inv.selectHosts(p, limit));

  it('all and * select every host in inventory order (checked against Ansible)', () => {
    // all's children are ungrouped, prod, canary, lb (the top-level groups, in the order
    // they were created); their hosts come first, then those of web and db, one level down.
    expect(sel('all')).toEqual(['web2', 'db2', 'web', 'web1', 'web3', 'db1']);
    expect(sel('*')).toEqual(sel('all'));
  });

  it('a group name selects its hosts and its children’s, breadth first', () => {
    expect(sel('prod')).toEqual(['web1', 'web2', 'web3', 'db1', 'db2']);
  });

  it('a host name selects the host, even when a group has the same name', () => {
    expect(sel('db1')).toEqual(['db1']);
    expect(sel('web')).toEqual(['web']); // the host "web" (in [lb]) wins, as in Ansible
    expect(inv.warnings).toEqual(["found both a group and a host named 'web': the pattern 'web' selects the host"]);
  });

  it('union with : or ,, keeping first-seen order without duplicates', () => {
    expect(sel('db:canary')).toEqual(['db1', 'db2', 'web2']);
    expect(sel('db,canary')).toEqual(['db1', 'db2', 'web2']);
    expect(sel('db1:db1:db2')).toEqual(['db1', 'db2']);
  });

  it('intersection and exclusion, applied after the plain patterns wherever they are written', () => {
    expect(sel('prod:&canary')).toEqual(['web2', 'db2']);
    expect(sel('prod:!canary')).toEqual(['web1', 'web3', 'db1']);
    expect(sel('!canary:prod')).toEqual(['web1', 'web3', 'db1']);
    expect(sel('prod:!db:&canary')).toEqual(['web2']);
  });

  it('starts from all when only & or ! parts are given', () => {
    expect(sel('!prod')).toEqual(['web']);
    expect(sel('&canary')).toEqual(['web2', 'db2']);
  });

  it('wildcards match group names (all their hosts) and host names', () => {
    expect(sel('can*')).toEqual(['web2', 'db2']);
    expect(sel('web?')).toEqual(['web1', 'web2', 'web3']);
    expect(sel('db[!1]')).toEqual(['db2']);
  });

  it('~regex matches from the start of the name, like Python re.match', () => {
    expect(sel('~web[13]')).toEqual(['web1', 'web3']);
    expect(sel('~eb')).toEqual([]);
    expect(sel('~(?P<n>db)\\d')).toEqual(['db1', 'db2']); // Python named-group syntax works
  });

  it('subscripts pick by position: index, negative index, inclusive range, open range', () => {
    expect(sel('prod[0]')).toEqual(['web1']);
    expect(sel('prod[-1]')).toEqual(['db2']);
    expect(sel('prod[1:3]')).toEqual(['web2', 'web3', 'db1']);
    expect(sel('prod[3:]')).toEqual(['db1', 'db2']);
    expect(sel('prod:!prod[0]')).toEqual(['web2', 'web3', 'db1', 'db2']);
  });

  it('an out-of-range index is an error naming the pattern (ansible-playbook fails too)', () => {
    expect(() => inv.selectHosts('db[5]')).toThrow(/no hosts matched the subscripted pattern 'db\[5\]': it selects 2 host\(s\)/);
  });

  it('an invalid regex is an error naming the pattern', () => {
    expect(() => inv.selectHosts('~(web')).toThrow(/invalid regular expression in host pattern '~\(web'/);
  });

  it('a pattern that matches nothing gives nothing, and unmatchedPatterns() names it', () => {
    expect(sel('nosuch')).toEqual([]);
    expect(sel('nosuch:db')).toEqual(['db1', 'db2']);
    expect(unmatchedPatterns(inv, 'nosuch:db:!other*:all')).toEqual(['nosuch', '!other*']);
  });

  it('--limit keeps the hosts the limit also selects, in the pattern’s order', () => {
    expect(sel('prod', 'canary')).toEqual(['web2', 'db2']);
    expect(sel('prod', '!web2')).toEqual(['web1', 'web3', 'db1', 'db2']);
    expect(sel('prod', 'db2,web1')).toEqual(['web1', 'db2']);
    expect(sel('canary', 'nosuch')).toEqual([]);
  });

  it('returns a new array each time', () => {
    inv.selectHosts('db').pop();
    expect(sel('db')).toEqual(['db1', 'db2']);
  });
});

describe('--limit @file and localhost', () => {
  it('reads one pattern per line from a limit file, relative to the working directory', async () => {
    const dir = tree({ hosts: '[g]\na\nb\nc\n', 'retry.txt': 'c\n\n  a  \n' });
    const inv = await load(dir, ['hosts']);
    expect(names(inv.selectHosts('all', '@retry.txt'))).toEqual(['a', 'c']);
    expect(() => inv.selectHosts('all', '@missing.txt')).toThrow(/--limit @missing.txt: cannot read limit file '.*missing.txt' \(ENOENT\)/);
  });

  it('gives the implicit localhost only when the inventory has no such host, and never for all', async () => {
    const inv = await ini('[g]\na\n');
    expect(names(inv.selectHosts('localhost'))).toEqual(['localhost']);
    expect(names(inv.selectHosts('127.0.0.1'))).toEqual(['127.0.0.1']);
    expect(inv.selectHosts('localhost')[0]!.vars).toEqual({ ansible_connection: 'local' });
    expect(names(inv.selectHosts('all'))).toEqual(['a']);
    expect(names(inv.selectHosts('localhost:a'))).toEqual(['localhost', 'a']);
    const explicit = await ini('localhost ansible_connection=local x=1\n');
    expect(explicit.selectHosts('localhost')[0]).toBe(explicit.hosts.get('localhost'));
  });
});

describe('splitHostPattern', () => {
  it('splits like Ansible: commas first, else colons outside brackets, IPv6 and host:port kept whole', () => {
    expect(splitHostPattern('a:b:&c:!d')).toEqual(['a', 'b', '&c', '!d']);
    expect(splitHostPattern('a, b ,c')).toEqual(['a', 'b', 'c']);
    expect(splitHostPattern('a:b,c')).toEqual(['a:b', 'c']);
    expect(splitHostPattern('web[1:3]:db')).toEqual(['web[1:3]', 'db']);
    expect(splitHostPattern('2001:db8::1')).toEqual(['2001:db8::1']);
    expect(splitHostPattern('web[0:2]')).toEqual(['web[0:2]']);
  });
});
