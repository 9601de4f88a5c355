/**
 * ctx.taskCache: one map for the loop items of a task on a host, a fresh one for every
 * other task and host (cinder_snapshot reads a loop's volume once through it).
 */
import { describe, expect, it } from 'vitest';
import { defineModule } from '../../../core/modules/api.js';
import { LOCAL3, runYaml } from './run-helper.js';

const probe = defineModule<{ tag: string }>({
  name: 'cache_probe',
  schema: { type: 'object', properties: { tag: { type: 'string' } } },
  docs: { short: 'records its invocations in ctx.taskCache', examples: '' },
  async run(ctx) {
    const seen = [...((ctx.taskCache.get('cache_probe:seen') as string[] | undefined) ?? []), ctx.args.tag];
    ctx.taskCache.set('cache_probe:seen', seen);
    return { changed: false, seen };
  },
});

describe('ctx.taskCache', () => {
  it('is shared by the items of one task on one host, and by nothing else', async () => {
    const playbook = `- hosts: web
  gather_facts: false
  tasks:
    - name: looped
      cache_probe: { tag: "{{ inventory_hostname }}-{{ item }}" }
      loop: [1, 2, 3]
    - name: single
      cache_probe: { tag: "{{ inventory_hostname }}" }
    - name: looped again
      cache_probe: { tag: "again-{{ item }}" }
      loop: [1, 2]
`;
    const r = await runYaml(playbook, LOCAL3, {}, {}, [probe]);
    expect(r.log.filter((l) => !/ ok /.test(l) && !/^(task|play) /.test(l))).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const h of ['a', 'b', 'c']) {
      const looped = r.results.get(`${h} looped`)!.results as Array<{ seen: string[] }>;
      expect(looped.map((x) => x.seen)).toEqual([[`${h}-1`], [`${h}-1`, `${h}-2`], [`${h}-1`, `${h}-2`, `${h}-3`]]);
      expect(r.results.get(`${h} single`)!.seen).toEqual([h]);
      const again = r.results.get(`${h} looped again`)!.results as Array<{ seen: string[] }>;
      expect(again.map((x) => x.seen)).toEqual([['again-1'], ['again-1', 'again-2']]);
    }
  });
});
