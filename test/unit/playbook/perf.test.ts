import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadPlaybook } from '../../../core/playbook/load.js';
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
