/**
 * glance_image and cinder_snapshot: found by every name a playbook may use (Ansible's
 * openstack.cloud names), strict schemas, examples that validate, and a docs page that
 * describes every argument.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { validateArgs } from '../../../core/modules/validate-args.js';
import { parseKeyValue } from '../../../core/playbook/kv.js';

const NAMES: Record<string, string[]> = {
  glance_image: ['openstack.cloud.image', 'os_image'],
  cinder_snapshot: ['openstack.cloud.volume_snapshot', 'os_volume_snapshot'],
};

describe('OpenStack modules: names, schemas, docs', async () => {
  const registry = await ModuleRegistry.create();

  it.each(Object.keys(NAMES))('%s is found by its name and Ansible\'s names', (name) => {
    const m = registry.get(name)!;
    expect(m?.name).toBe(name);
    for (const alias of NAMES[name]!) expect(registry.get(alias), alias).toBe(m);
    expect(m.schema.additionalProperties).toBe(false);
    expect(m.docs.description?.length ?? 0).toBeGreaterThan(50);
  });

  it.each(Object.keys(NAMES))('%s examples are tasks whose arguments validate', (name) => {
    const m = registry.get(name)!;
    const tasks = parse(m.docs.examples) as Array<Record<string, unknown>>;
    let uses = 0;
    for (const task of tasks) {
      const key = [name, ...NAMES[name]!].find((k) => k in task);
      if (!key) continue;
      uses++;
      const raw = task[key];
      const args = typeof raw === 'string' ? parseKeyValue(raw, m.freeForm) : ((raw ?? {}) as Record<string, unknown>);
      expect(() => validateArgs(m, args), `${name} example ${JSON.stringify(task)}`).not.toThrow();
    }
    expect(uses).toBe(3);
  });

  it.each(Object.keys(NAMES))('docs/modules/%s.md describes every argument', (name) => {
    const m = registry.get(name)!;
    const page = readFileSync(new URL(`../../../docs/modules/${name}.md`, import.meta.url), 'utf8');
    for (const prop of Object.keys((m.schema.properties ?? {}) as object)) expect(page, `${name}.md lacks '${prop}'`).toContain(`\`${prop}\``);
  });

  it('argument errors name the argument', () => {
    const m = registry.get('cinder_snapshot')!;
    expect(() => validateArgs(m, { volume: 'v', name: 's', keep: 0 })).toThrow(/keep/);
    expect(() => validateArgs(registry.get('glance_image')!, { name: 'x', checksum: 'nothex' })).toThrow(/checksum/);
  });
});
