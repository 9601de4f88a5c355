import { describe, expect, it } from 'vitest';
import { serialBatches, tagsSelect } from '../../../core/executor/play-runner.js';
import { RecapStats } from '../../../core/executor/stats.js';
import { mergeLayers, overlay, RecursiveVariableError } from '../../../core/vars/precedence.js';

describe('serialBatches', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  it('runs everything at once without serial', () => expect(serialBatches(hosts, undefined)).toEqual([hosts]));
  it('splits by a number', () => expect(serialBatches(hosts, [2])).toEqual([['a', 'b'], ['c', 'd'], ['e']]));
  it('splits by a percentage (at least one host)', () => {
    expect(serialBatches(hosts, ['40%'])).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(serialBatches(hosts, ['1%'])).toHaveLength(5);
  });
  it('repeats the last size of a list', () => expect(serialBatches(hosts, [1, 3])).toEqual([['a'], ['b', 'c', 'd'], ['e']]));
});

describe('tagsSelect (Ansible tag rules)', () => {
  const t = (...tags: string[]) => new Set(tags);
  it('runs everything but `never` by default', () => {
    expect(tagsSelect(t(), [], [])).toBe(true);
    expect(tagsSelect(t('x'), [], [])).toBe(true);
    expect(tagsSelect(t('never'), [], [])).toBe(false);
  });
  it('selects by --tags, keeping `always`', () => {
    expect(tagsSelect(t('a'), ['a'], [])).toBe(true);
    expect(tagsSelect(t('b'), ['a'], [])).toBe(false);
    expect(tagsSelect(t('always'), ['a'], [])).toBe(true);
    expect(tagsSelect(t('never', 'a'), ['a'], [])).toBe(true);
  });
  it('skips by --skip-tags, even `always` when named', () => {
    expect(tagsSelect(t('a'), [], ['a'])).toBe(false);
    expect(tagsSelect(t('always'), [], ['always'])).toBe(false);
    expect(tagsSelect(t('always'), [], ['a'])).toBe(true);
  });
  it('understands tagged and untagged', () => {
    expect(tagsSelect(t(), ['untagged'], [])).toBe(true);
    expect(tagsSelect(t('x'), ['untagged'], [])).toBe(false);
    expect(tagsSelect(t('x'), ['tagged'], [])).toBe(true);
    expect(tagsSelect(t(), [], ['untagged'])).toBe(false);
  });
});

describe('RecapStats', () => {
  it('counts changed as ok too, and exits 4 before 2', () => {
    const s = new RecapStats();
    s.changed('a');
    s.ok('a');
    expect(s.hosts.get('a')).toMatchObject({ ok: 2, changed: 1 });
    expect(s.exitCode()).toBe(0);
    s.failed('b');
    expect(s.exitCode()).toBe(2);
    s.unreachable('c');
    expect(s.exitCode()).toBe(4);
  });
  it('exits from the hosts still failed or unreachable at the end when given (meta: clear_host_errors)', () => {
    const s = new RecapStats();
    s.failed('a');
    expect(s.exitCode()).toBe(2);
    expect(s.exitCode([{ failed: false, unreachable: false }])).toBe(0);
    expect(s.exitCode([{ failed: true, unreachable: false }])).toBe(2);
    expect(s.exitCode([{ failed: true, unreachable: false }, { failed: false, unreachable: true }])).toBe(4);
    s.interruptedBy = 'SIGINT';
    expect(s.exitCode([{ failed: false, unreachable: false }])).toBe(99);
  });
  it('a rescued failure is not a failure', () => {
    const s = new RecapStats();
    s.failed('a');
    s.rescued('a');
    expect(s.hosts.get('a')).toMatchObject({ failed: 0, rescued: 1 });
    expect(s.exitCode()).toBe(0);
  });
});

describe('mergeLayers', () => {
  // A tiny renderer standing in for the Templar: replaces {{ name }} with the value.
  const renderer = {
    isTemplate: (s: string) => s.includes('{{'),
    render: (v: unknown, vars: Record<string, unknown>) =>
      typeof v === 'string' ? v.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) => String(vars[k])) : v,
  };
  it('later layers win', () => {
    expect(mergeLayers([{ a: 1, b: 1 }, undefined, { b: 2 }], renderer)).toEqual({ a: 1, b: 2 });
  });
  it('renders template values lazily against the final merge', () => {
    const m = mergeLayers([{ url: 'http://{{ host }}/' , host: 'low' }, { host: 'high' }], renderer);
    expect(m.url).toBe('http://high/');
  });
  it('renders against the object it is read from, so overlays (magic vars, items) are visible', () => {
    const m = mergeLayers([{ me: 'host {{ inventory_hostname }}' }], renderer);
    const a = overlay(m, { inventory_hostname: 'a' });
    const b = overlay(m, { inventory_hostname: 'b' });
    expect(a.me).toBe('host a');
    expect(b.me).toBe('host b');
  });
  it('detects recursion', () => {
    const m = mergeLayers([{ a: '{{ b }}', b: '{{ a }}' }], renderer);
    expect(() => m.a).toThrow(RecursiveVariableError);
  });
});
