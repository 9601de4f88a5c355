import { describe, expect, it } from 'vitest';
import { expandHostEntry, expandRanges, HostPatternError, parseAddress } from '../../../core/inventory/host-pattern.js';

describe('host ranges', () => {
  it('pads numbers to the width of a zero-padded begin', () => {
    const names = expandRanges('web[01:20].example.com');
    expect(names).toHaveLength(20);
    expect(names[0]).toBe('web01.example.com');
    expect(names[19]).toBe('web20.example.com');
  });

  it('does not pad without a leading zero', () => {
    expect(expandRanges('n[8:11]')).toEqual(['n8', 'n9', 'n10', 'n11']);
  });

  it('expands letters and strides', () => {
    expect(expandRanges('db-[a:f]')).toEqual(['db-a', 'db-b', 'db-c', 'db-d', 'db-e', 'db-f']);
    expect(expandRanges('h[1:10:2]')).toEqual(['h1', 'h3', 'h5', 'h7', 'h9']);
    expect(expandRanges('h[a:e:2]')).toEqual(['ha', 'hc', 'he']);
  });

  it('treats a missing begin as 0 and multiplies several ranges, first outermost', () => {
    expect(expandRanges('h[:2]')).toEqual(['h0', 'h1', 'h2']);
    expect(expandRanges('r[1:2]-[a:b]')).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
  });

  it.each([
    ['web[01:100]', /same number of digits/],
    ['web[5:2]', /begin must not be greater than end/],
    ['web[c:a]', /begin must come before end/],
    ['web[1:]', /end value is missing/],
    ['web[1:3:0]', /step must be a positive number/],
    ['web[a:5]', /two numbers or two single letters/],
    ['web[1:2:3:4]', /expected \[begin:end\]/],
    ['web[1:2', /expected \[begin:end\]/],
  ])('rejects %s', (pattern, message) => {
    expect(() => expandRanges(pattern)).toThrow(HostPatternError);
    expect(() => expandRanges(pattern)).toThrow(message);
  });
});

describe('host entries with ports', () => {
  it('splits host:port and [ipv6]:port', () => {
    expect(parseAddress('web1:2222')).toEqual({ host: 'web1', port: 2222 });
    expect(parseAddress('[2001:db8::1]:22')).toEqual({ host: '2001:db8::1', port: 22 });
    expect(parseAddress('2001:db8::1')).toEqual({ host: '2001:db8::1', port: undefined });
    expect(parseAddress('10.0.0.1:22')).toEqual({ host: '10.0.0.1', port: 22 });
    expect(parseAddress('web[01:03]:22')).toEqual({ host: 'web[01:03]', port: 22 });
  });

  it('takes an entry that is not an address literally, as Ansible does', () => {
    expect(parseAddress('bad_')).toBeUndefined();
    expect(expandHostEntry('bad_:22')).toEqual({ names: ['bad_:22'], port: undefined });
  });

  it('expands ranges and keeps the port for every host', () => {
    expect(expandHostEntry('w[1:2]:2222')).toEqual({ names: ['w1', 'w2'], port: 2222 });
  });

  it('rejects a trailing colon and a YAML document marker', () => {
    expect(() => expandHostEntry('web1:')).toThrow(/trailing ':'/);
    expect(() => expandHostEntry('---')).toThrow(/YAML/);
  });
});

describe('host range cap', () => {
  it('refuses an entry that expands to more than 100,000 hosts, before building them', () => {
    const started = Date.now();
    expect(() => expandRanges('web[1:50000000]')).toThrow(/gives 50,000,000 hosts; one inventory entry may give at most 100,000/);
    expect(() => expandRanges('w[1:1000]-[1:1000]')).toThrow(/gives more than 100,000 hosts/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(expandRanges('w[1:100000]')).toHaveLength(100_000);
  });
});
