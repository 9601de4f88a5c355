/** Module results' `warnings` become warning events (ansible-playbook's [WARNING] lines). */
import { describe, expect, it } from 'vitest';
import { resultWarnings } from '../../../core/executor/result-warnings.js';
import { LOCAL3, runYaml } from './run-helper.js';

describe('resultWarnings', () => {
  it('a list, a single string, loop items; blanks and repeats dropped', () => {
    expect(resultWarnings({ changed: false, failed: false, skipped: false, warnings: ['a', ' ', 'b'] })).toEqual(['a', 'b']);
    expect(resultWarnings({ changed: false, failed: false, skipped: false, warnings: 'one' })).toEqual(['one']);
    expect(resultWarnings({ changed: false, failed: false, skipped: false, warnings: 3 })).toEqual([]);
    const items = [1, 2].map((i) => ({ changed: false, failed: false, skipped: false, warnings: [`item ${i}`, 'same'] }));
    expect(resultWarnings({ changed: false, failed: false, skipped: false, results: items })).toEqual(['item 1', 'same', 'item 2']);
  });
});

describe('warnings through the executor', () => {
  it('warn under when: one warning per host where the condition holds, naming the host; check mode too', async () => {
    const play = `
- hosts: web
  gather_facts: false
  tasks:
    - name: why
      warn:
        msg: "{{inventory_hostname}} has no KVM: virt_type=qemu"
      when: inventory_hostname != 'b'
    - name: each
      warn:
        msg: "item {{item}}"
      loop: [1, 2]
      when: inventory_hostname == 'a'
    - name: secret
      warn:
        msg: "the password is hunter2"
      no_log: true
`;
    for (const check of [false, true]) {
      const r = await runYaml(play, LOCAL3, { check });
      expect(r.exitCode).toBe(0);
      expect(r.log.filter((l) => l.startsWith('warning ')).sort()).toEqual([
        'warning a: a has no KVM: virt_type=qemu',
        'warning a: item 1',
        'warning a: item 2',
        'warning c: c has no KVM: virt_type=qemu',
      ]);
      expect(r.log).toContain('a ok why');
      expect(r.log).toContain('b skipped why');
      expect(r.stats.hosts.get('a')).toMatchObject({ changed: 0, failed: 0 });
    }
  });
});
