/** The lookups behind with_<lookup> loops, through query() as playbooks call them (results checked against ansible-core 2.14). */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../../core/template/expression.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-lookups-'));
mkdirSync(join(dir, 'files/conf'), { recursive: true });
for (const f of ['files/conf/b.conf', 'files/conf/a.conf', 'files/conf/.hidden.conf', 'files/conf/c.txt', 'present.txt']) writeFileSync(join(dir, f), '');
const q = (expr: string, vars: Record<string, unknown> = {}) => evaluate(expr, { playbook_dir: dir, ...vars });

describe('loop lookups', () => {
  it('nested: the cartesian product', () => {
    expect(q("query('nested', [1, 2], ['a', 'b'])")).toEqual([[1, 'a'], [1, 'b'], [2, 'a'], [2, 'b']]);
  });
  it('together: zipped, the shorter padded with None', () => {
    expect(q("query('together', [1, 2, 3], ['a', 'b'])")).toEqual([[1, 'a'], [2, 'b'], [3, null]]);
  });
  it('subelements: each element with each of its sublist, skip_missing', () => {
    const users = [{ name: 'a', keys: ['k1', 'k2'] }, { name: 'b' }];
    expect(q("query('subelements', users, 'keys', {'skip_missing': true})", { users })).toEqual([[users[0], 'k1'], [users[0], 'k2']]);
    expect(() => q("query('subelements', users, 'keys')", { users })).toThrow(/could not find 'keys'/);
  });
  it('sequence: key=value and short forms, with format', () => {
    expect(q("query('sequence', 'start=1 end=9 stride=3 format=n%02d')")).toEqual(['n01', 'n04', 'n07']);
    expect(q("query('sequence', 'count=3')")).toEqual(['1', '2', '3']);
    expect(q("query('sequence', '4-6')")).toEqual(['4', '5', '6']);
    expect(() => q("query('sequence', 'start=5 end=1')")).toThrow(/stride/);
  });
  it('fileglob: files under files/ beside the playbook, hidden ones left out, sorted', () => {
    expect(q("query('fileglob', 'conf/*.conf')")).toEqual([join(dir, 'files/conf/a.conf'), join(dir, 'files/conf/b.conf')]);
    expect(q("query('fileglob', 'conf/*.none')")).toEqual([]);
  });
  it('first_found: the first existing file, or an error unless skip', () => {
    expect(q("lookup('first_found', ['missing.txt', 'present.txt'])")).toBe(join(dir, 'present.txt'));
    expect(() => q("lookup('first_found', ['missing.txt'])")).toThrow(/No file was found/);
    expect(q("query('first_found', {'files': ['missing.txt'], 'skip': true})")).toEqual([]);
  });
});
