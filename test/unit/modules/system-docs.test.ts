/**
 * The system modules (yum, yum_repository, package, systemd, service, selinux, reboot, get_url, user, group, wait_for): found
 * by every name a playbook may use, strict schemas, and documentation that cannot drift:
 * every example is a task whose arguments validate against the schema, and every argument
 * is described in docs/modules/<name>.md.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { validateArgs } from '../../../core/modules/validate-args.js';
import { parseKeyValue } from '../../../core/playbook/kv.js';

const NAMES: Record<string, string[]> = {
  yum: ['dnf', 'ansible.builtin.yum', 'ansible.builtin.dnf'],
  package: ['ansible.builtin.package'],
  systemd: ['systemd_service', 'ansible.builtin.systemd', 'ansible.builtin.systemd_service'],
  service: ['ansible.builtin.service'],
  selinux: ['ansible.posix.selinux'],
  reboot: ['ansible.builtin.reboot'],
  get_url: ['ansible.builtin.get_url'],
  user: ['ansible.builtin.user'],
  group: ['ansible.builtin.group'],
  wait_for: ['ansible.builtin.wait_for'],
  yum_repository: ['ansible.builtin.yum_repository'],
};

describe('system modules: names, schemas, docs', async () => {
  const registry = await ModuleRegistry.create();

  it.each(Object.keys(NAMES))('%s is found by its name, its aliases and Ansible\'s names', (name) => {
    const m = registry.get(name)!;
    expect(m?.name).toBe(name);
    for (const alias of NAMES[name]!) expect(registry.get(alias), alias).toBe(m);
    expect(m.schema.additionalProperties).toBe(false);
    expect(m.docs.description?.length ?? 0).toBeGreaterThan(50);
    expect(Object.keys(m.docs.returns ?? {}).length).toBeGreaterThan(0);
  });

  it.each(Object.keys(NAMES))('%s examples are tasks whose arguments validate', (name) => {
    const m = registry.get(name)!;
    const tasks = parse(m.docs.examples) as Array<Record<string, unknown>>;
    let uses = 0;
    for (const task of tasks) {
      const key = [name, ...NAMES[name]!, ...(m.aliases ?? [])].find((k) => k in task);
      if (!key) continue;
      uses++;
      const raw = task[key];
      const args = typeof raw === 'string' ? parseKeyValue(raw, m.freeForm) : ((raw ?? {}) as Record<string, unknown>);
      expect(() => validateArgs(m, args), `${name} example ${JSON.stringify(task)}`).not.toThrow();
    }
    expect(uses).toBeGreaterThan(0);
  });

  it.each(Object.keys(NAMES))('docs/modules/%s.md describes every argument', (name) => {
    const m = registry.get(name)!;
    const page = readFileSync(new URL(`../../../docs/modules/${name}.md`, import.meta.url), 'utf8');
    for (const prop of Object.keys((m.schema.properties ?? {}) as object)) expect(page, `${name}.md lacks '${prop}'`).toContain(`\`${prop}\``);
  });
});
