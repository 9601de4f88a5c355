import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadPlaybook, loadVarsFile } from '../../../core/playbook/load.js';
import { options, tempTree } from './helpers.js';

/** A realistic mix: mapping args, k=v strings, loops, conditions, handlers, blocks. */
function bigPlaybook(tasks: number): string {
  const lines = ['- hosts: all', '  gather_facts: false', '  tasks:'];
  for (let i = 0; i < tasks; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`    - name: copy ${i}`, '      copy:', `        src: file${i}.txt`, `        dest: /tmp/file${i}.txt`, '        mode: "0644"', '      notify: restart');
        break;
      case 1:
        lines.push(`    - name: command ${i}`, `      command: /bin/echo ${i} chdir=/tmp`, '      register: out', '      changed_when: false', '      when: out is defined or true');
        break;
      case 2:
        lines.push(`    - name: loop ${i}`, '      debug: msg="{{ item }}"', '      loop: [a, b, c]', '      loop_control:', '        label: "{{ item }}"', '      tags: [loop, debug]');
        break;
      default:
        lines.push(`    - name: block ${i}`, '      block:', `        - file: path=/tmp/d${i} state=directory`, '      rescue:', '        - debug: msg=rescued');
    }
  }
  lines.push('  handlers:', '    - name: restart', '      service: name=x state=restarted');
  return `${lines.join('\n')}\n`;
}

it('loads and validates 1,000 tasks quickly (time printed, not asserted)', async () => {
  const root = tempTree({ 'big.yml': bigPlaybook(1000) });
  const file = join(root, 'big.yml');
  const timed = async () => {
    const start = performance.now();
    const pb = await loadPlaybook(file, options);
    expect(pb.plays[0]!.tasks).toHaveLength(1000);
    return performance.now() - start;
  };
  // The first load in a process also reads and compiles the JSON Schema.
  const first = await timed();
  const warm = [await timed(), await timed(), await timed()];
  console.log(`1,000 tasks: first load ${first.toFixed(1)} ms (with schema compile), then ${warm.map((ms) => ms.toFixed(1)).join(' / ')} ms`);
});

it('loads a vars file of 40,000 keys in linear time (the parser duplicate-key check was quadratic: 12 s)', async () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `key_${i}: value_${i}\n`).join('');
  const root = tempTree({ 'small.yml': keys(10_000), 'big.yml': `${keys(40_000)}key_7: again\n` });
  const timed = async (name: string) => {
    const start = performance.now();
    // The duplicate at the end of big.yml is still found (by a set, not by the parser).
    if (name === 'big.yml') await expect(loadVarsFile(join(root, name))).rejects.toThrow('big.yml:40001:1: duplicate key');
    else expect(Object.keys(await loadVarsFile(join(root, name)))).toHaveLength(10_000);
    return performance.now() - start;
  };
  await timed('small.yml'); // warm-up
  const small = await timed('small.yml');
  const big = await timed('big.yml');
  console.log(`vars file: 10,000 keys ${small.toFixed(0)} ms, 40,000 keys ${big.toFixed(0)} ms`);
  expect(big).toBeLessThan(5_000);
  expect(big / small).toBeLessThan(10); // linear: about 4; quadratic: 16
});
