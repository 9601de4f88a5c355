/**
 * mysql_db, mysql_user and iptables: found by every name a playbook may use (their
 * community.mysql / ansible.builtin names), strict schemas, examples that validate, and
 * docs/modules pages that are generated from the modules and describe every argument.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { validateArgs } from '../../../core/modules/validate-args.js';
import { parseKeyValue } from '../../../core/playbook/kv.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const NAMES: Record<string, string[]> = {
  mysql_db: ['community.mysql.mysql_db'],
  mysql_user: ['community.mysql.mysql_user'],
  iptables: ['ansible.builtin.iptables'],
};

describe('mysql_db, mysql_user, iptables: names, schemas, docs', async () => {
  const registry = await ModuleRegistry.create();

  it.each(Object.keys(NAMES))("%s is found by its name and Ansible's", (name) => {
    const m = registry.get(name)!;
    expect(m?.name).toBe(name);
    for (const alias of NAMES[name]!) expect(registry.get(alias), alias).toBe(m);
    expect(m.schema.additionalProperties).toBe(false);
    expect(Object.keys(m.docs.returns ?? {}).length).toBeGreaterThan(2);
  });

  it.each(Object.keys(NAMES))('%s examples are tasks whose arguments validate', (name) => {
    const m = registry.get(name)!;
    let uses = 0;
    for (const task of parse(m.docs.examples) as Array<Record<string, unknown>>) {
      const key = [name, ...NAMES[name]!].find((k) => k in task);
      if (!key) continue;
      uses++;
      const raw = task[key];
      const args = typeof raw === 'string' ? parseKeyValue(raw, m.freeForm) : (raw as Record<string, unknown>);
      expect(() => validateArgs(m, args), `${name} example ${JSON.stringify(task)}`).not.toThrow();
    }
    expect(uses).toBeGreaterThan(2);
  });

  it.each(Object.keys(NAMES))('docs/modules/%s.md describes every argument and is up to date', (name) => {
    const m = registry.get(name)!;
    const page = readFileSync(`${repo}/docs/modules/${name}.md`, 'utf8');
    for (const prop of Object.keys((m.schema.properties ?? {}) as object)) expect(page, `${name}.md lacks '${prop}'`).toContain(`\`${prop}\``);
    expect(() => execFileSync(process.execPath, ['scripts/gen-module-docs.mjs', '--check', name], { cwd: repo, stdio: 'pipe' })).not.toThrow();
  });

  it('tsplay doc shows them', () => {
    for (const name of Object.keys(NAMES)) {
      const out = execFileSync(process.execPath, ['bin/tsplay.js', 'doc', name], { cwd: repo, encoding: 'utf8' });
      expect(out).toContain(`> ${name.toUpperCase()}`);
      expect(out).toContain('EXAMPLES');
    }
  });
});
