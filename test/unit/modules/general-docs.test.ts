/**
 * Every general module is discoverable, its schema compiles and is strict, and its docs
 * examples are real YAML tasks that use the module with arguments its schema accepts.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { FQCN_PREFIXES } from '../../../core/modules/registry.js';
import { editorSchema } from '../../../core/playbook/editor-schema.js';
import { playbookSchema } from '../../../core/playbook/schema-file.js';

const GENERAL = ['ping', 'command', 'shell', 'raw', 'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'slurp', 'stat', 'debug', 'assert', 'fail', 'set_fact', 'setup', 'meta', 'warn', 'replace', 'find', 'fetch', 'uri', 'hostname', 'cron', 'mount', 'authorized_key', 'known_hosts', 'pause', 'unarchive', 'archive'];

describe('general modules: registry, schemas, docs', async () => {
  const registry = await ModuleRegistry.create();

  it.each(GENERAL)('%s is registered with a strict schema and complete docs', (name) => {
    const m = registry.get(name)!;
    expect(m, name).toBeDefined();
    // warn is tsplay's own: no ansible.builtin name (see the test below).
    if (!m.tsplayOnly) expect(registry.get(`ansible.builtin.${name}`)).toBe(m);
    new Ajv({ strict: false }).compile(m.schema);
    if (name !== 'set_fact') expect(m.schema.additionalProperties).toBe(false);
    expect(m.docs.short.length).toBeGreaterThan(10);
    expect(m.docs.description?.length ?? 0).toBeGreaterThan(20);
    expect(Object.keys(m.docs.returns ?? {}).length).toBeGreaterThan(0);
  });

  it('warn, which Ansible does not have, answers to its own name only: not ansible.builtin.warn', () => {
    expect(registry.get('warn')?.tsplayOnly).toBe(true);
    for (const prefix of FQCN_PREFIXES) expect(registry.has(`${prefix}warn`), prefix).toBe(false);
    expect(registry.get('ansible.builtin.debug')).toBe(registry.get('debug'));
    // A custom module can say the same of itself.
    const own = new ModuleRegistry();
    own.add({ ...registry.get('warn')!, name: 'notify_team' });
    expect(own.has('notify_team')).toBe(true);
    expect(own.has('ansible.builtin.notify_team')).toBe(false);
    // Nor does the editor schema offer the collection name.
    const task = (modules: Parameters<typeof editorSchema>[1]) => JSON.stringify((editorSchema(playbookSchema(), modules, FQCN_PREFIXES).definitions as Record<string, { patternProperties?: object }>).task!.patternProperties);
    const mod = { name: 'warn', aliases: [], schema: {}, short: 'w' };
    expect(task([{ ...mod, tsplayOnly: true }])).not.toContain('warn');
    expect(task([mod])).toContain('warn');
  });

  it.each(GENERAL)('%s examples are YAML tasks using the module with known arguments', (name) => {
    const m = registry.get(name)!;
    const tasks = parse(m.docs.examples) as Array<Record<string, unknown>>;
    expect(Array.isArray(tasks)).toBe(true);
    const props = Object.keys((m.schema.properties ?? {}) as object);
    let uses = 0;
    const visit = (list: Array<Record<string, unknown>>) => {
      for (const task of list) {
        if (Array.isArray(task.tasks)) visit(task.tasks as Array<Record<string, unknown>>);
        if (!(name in task)) continue;
        uses++;
        const args = { ...((typeof task[name] === 'object' && task[name]) || {}), ...((task.args as object) ?? {}) } as Record<string, unknown>;
        if (name !== 'set_fact') for (const key of Object.keys(args)) expect(props, `${name} example uses '${key}'`).toContain(key);
      }
    };
    visit(tasks);
    expect(uses).toBeGreaterThan(0);
  });
});

describe('docs/modules pages', () => {
  it('are up to date with the modules (scripts/gen-module-docs.mjs --check)', () => {
    const repo = resolve(__dirname, '../../..');
    expect(() => execFileSync(process.execPath, ['scripts/gen-module-docs.mjs', '--check'], { cwd: repo, stdio: 'pipe' })).not.toThrow();
  });
});
