/**
 * 10,000 hosts: load, select and merge variables. Prints the times (no timing
 * assertion: machines differ); checks the results so the work is really done.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { renderList } from '../../../core/inventory/render.js';
import { load, tree } from './helpers.js';

const HOSTS = 10_000;
const GROUPS = 100;

function bigInventory(): Record<string, string> {
  const lines: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    lines.push(`[g${g}]`);
    for (let h = g; h < HOSTS; h += GROUPS) lines.push(`host${String(h).padStart(5, '0')}.example.com ansible_host=10.${h >> 16}.${(h >> 8) & 255}.${h & 255} idx=${h}`);
    lines.push(`[g${g}:vars]`, `group_index=${g}`);
  }
  lines.push('[even:children]', ...Array.from({ length: GROUPS / 2 }, (_, i) => `g${i * 2}`));
  lines.push('[all:vars]', 'ntp=pool.ntp.org');
  const files: Record<string, string> = { hosts: `${lines.join('\n')}\n`, 'group_vars/all.yml': 'from_file: 1\n', 'group_vars/even.yml': 'parity: even\n' };
  for (let h = 0; h < 100; h++) files[`host_vars/host${String(h).padStart(5, '0')}.example.com.yml`] = `hv: ${h}\n`;
  return files;
}

describe('a 10,000-host inventory', () => {
  it('loads, selects and merges variables quickly', async () => {
    const dir = tree(bigInventory());
    const t = (label: string, start: number) => console.log(`[inventory scale] ${label}: ${(performance.now() - start).toFixed(1)} ms`);

    let start = performance.now();
    const inv = await load(dir, ['hosts']);
    t(`load ${HOSTS} hosts in ${GROUPS + 1} groups with group_vars/host_vars`, start);
    expect(inv.hosts.size).toBe(HOSTS);

    start = performance.now();
    const all = inv.selectHosts('all');
    const even = inv.selectHosts('even:!g0');
    const regex = inv.selectHosts('~host000\\d\\d\\.');
    const wildcard = inv.selectHosts('g1*:&even');
    const limited = inv.selectHosts('all', 'g7[0:9]');
    t('five selections (all, even:!g0, ~regex, g1*:&even, all --limit g7[0:9])', start);
    expect(all).toHaveLength(HOSTS);
    expect(even).toHaveLength(HOSTS / 2 - HOSTS / GROUPS);
    expect(regex).toHaveLength(100);
    expect(wildcard).toHaveLength(5 * (HOSTS / GROUPS)); // g1, g10..g19: the even ones are g10 g12 g14 g16 g18
    expect(limited).toHaveLength(10);

    start = performance.now();
    let checksum = 0;
    for (const host of inv.hosts.keys()) checksum += inv.varsFor(host)['idx'] as number;
    t('varsFor every host', start);
    expect(checksum).toBe((HOSTS * (HOSTS - 1)) / 2);
    expect(inv.varsFor('host00002.example.com')).toMatchObject({ parity: 'even', from_file: 1, hv: 2, group_index: 2, ntp: 'pool.ntp.org' });

    start = performance.now();
    const listed = renderList(inv);
    t('renderList (ansible-inventory --list)', start);
    expect(listed.length).toBeGreaterThan(HOSTS * 50);
  });
});
