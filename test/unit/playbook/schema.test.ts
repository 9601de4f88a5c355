import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { keywordsOf, playbookSchema } from '../../../core/playbook/schema-file.js';
import { FIXTURES } from './helpers.js';

const SCHEMA_DIR = new URL('../../../core/playbook/schema/', import.meta.url).pathname;
const readJson = (name: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;

/** A fresh ajv with both schema files, as an editor would load them (strict, draft-07). */
function editorAjv() {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  ajv.addSchema(readJson('playbook.schema.json'), 'playbook.schema.json');
  ajv.addSchema(readJson('tasks.schema.json'), 'tasks.schema.json');
  return ajv;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('the shipped JSON Schema', () => {
  it('is a valid draft-07 schema that compiles in strict mode', () => {
    const ajv = editorAjv();
    expect(ajv.validateSchema(readJson('playbook.schema.json'))).toBe(true);
    expect(ajv.getSchema('playbook.schema.json')).toBeTypeOf('function');
    expect(ajv.getSchema('tasks.schema.json')).toBeTypeOf('function');
    expect(readJson('playbook.schema.json').$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('accepts the playbook fixtures and the repository playbooks, and rejects a typo', () => {
    const validate = editorAjv().getSchema('playbook.schema.json')!;
    const playbooks = [
      join(FIXTURES, 'roles/site.yml'),
      join(FIXTURES, 'imports/site.yml'),
      join(FIXTURES, 'imports/plays/second.yml'),
      new URL('../../../playbooks/juno-2node.yml', import.meta.url).pathname,
      new URL('../../fixtures/e2e/site.yml', import.meta.url).pathname,
    ];
    for (const file of playbooks) {
      const ok = validate(parse(readFileSync(file, 'utf8'), { version: '1.1' }));
      expect({ file, errors: validate.errors ?? null }).toEqual({ file, errors: null });
      expect(ok).toBe(true);
    }
    expect(validate([{ hosts: 'all', taks: [] }])).toBe(false);
  });

  it('tasks.schema.json validates tasks files (role tasks, imported files)', () => {
    const validate = editorAjv().getSchema('tasks.schema.json')!;
    const taskFiles = yamlFiles(FIXTURES).filter((f) => /\/tasks\//.test(f));
    expect(taskFiles.length).toBeGreaterThan(5);
    for (const file of taskFiles) expect({ file, ok: validate(parse(readFileSync(file, 'utf8'), { version: '1.1' })) }).toEqual({ file, ok: true });
    expect(validate([{ block: [], resuce: [] }])).toBe(false);
  });

  it('is the keyword list the loader uses (one source of truth)', () => {
    expect(keywordsOf('task')).toEqual(expect.arrayContaining(['name', 'when', 'loop', 'with_items', 'notify', 'register', 'retries', 'until', 'delay', 'args', 'action', 'local_action']));
    expect(keywordsOf('handler')).toEqual([...keywordsOf('task'), 'listen']);
    expect(keywordsOf('play')).toEqual(expect.arrayContaining(['hosts', 'roles', 'pre_tasks', 'tasks', 'post_tasks', 'handlers', 'serial', 'strategy']));
    expect(keywordsOf('loopControl')).toEqual(['loop_var', 'index_var', 'label', 'pause', 'extended', 'extended_allitems']);
    expect(Object.keys(playbookSchema().definitions)).toEqual(expect.arrayContaining(['playbookEntry', 'taskEntry', 'handlerEntry', 'roleMeta', 'varsFile']));
  });

  it('every keyword shared by plays, blocks and tasks is declared on each of them', () => {
    const shared = ['become', 'become_user', 'check_mode', 'diff', 'no_log', 'ignore_errors', 'environment', 'any_errors_fatal', 'tags', 'vars', 'remote_user'];
    for (const entity of ['play', 'task', 'block', 'importTasks', 'includeTasks', 'roleMapping'] as const) {
      expect({ entity, keys: keywordsOf(entity).filter((k) => shared.includes(k)).sort() }).toEqual({ entity, keys: [...shared].sort() });
    }
  });
});
