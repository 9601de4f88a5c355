/**
 * lookup('file') and lookup('template') find relative files where Ansible does: the role's
 * files/ (templates/), the role, the role's tasks/, then the playbook's files/ and the
 * playbook directory. The expected order was checked against ansible-playbook 2.14 on the
 * same layout (role task: role-files|pb-files-b|role-root-c|role-tasks-files-d|role-files;
 * play task: pb-files|pb-root-c|pb-root-d).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/template/expression.js';

let pb: string;
let role: string;

function put(path: string, text: string): void {
  mkdirSync(dirname(join(pb, path)), { recursive: true });
  writeFileSync(join(pb, path), text);
}

beforeAll(() => {
  pb = mkdtempSync(join(tmpdir(), 'tsplay-lookup-'));
  role = join(pb, 'roles', 'r');
  put('roles/r/files/a.txt', 'role-files\n');
  put('roles/r/a.txt', 'role-root\n');
  put('files/a.txt', 'pb-files\n');
  put('a.txt', 'pb-root\n');
  put('files/b.txt', 'pb-files-b\n');
  put('c.txt', 'pb-root-c\n');
  put('roles/r/c.txt', 'role-root-c\n');
  put('roles/r/tasks/files/d.txt', 'role-tasks-files-d\n');
  put('roles/r/tasks/d.txt', 'role-tasks-d\n');
  put('d.txt', 'pb-root-d\n');
  put('roles/r/templates/t.j2', '{% for x in xs %}{{ x }}{{ sep }}{% endfor %}{{ template_path }}\n');
  put('templates/t.j2', 'playbook template\n');
});

const files = "lookup('file', 'a.txt') ~ '|' ~ lookup('file', 'b.txt') ~ '|' ~ lookup('file', 'c.txt') ~ '|' ~ lookup('file', 'd.txt') ~ '|' ~ lookup('file', 'files/a.txt')";

describe("lookup('file') search path", () => {
  it('in a role: role files/, role, role tasks/, then the playbook files/ and directory', () => {
    expect(evaluate(files, { playbook_dir: pb, role_path: role })).toBe('role-files|pb-files-b|role-root-c|role-tasks-files-d|role-files');
  });

  it('in a play: the playbook files/, then the playbook directory', () => {
    expect(evaluate("lookup('file', 'a.txt') ~ '|' ~ lookup('file', 'c.txt') ~ '|' ~ lookup('file', 'd.txt')", { playbook_dir: pb })).toBe('pb-files|pb-root-c|pb-root-d');
  });

  it('names every place it looked when nothing is found', () => {
    expect(() => evaluate("lookup('file', 'none.txt')", { playbook_dir: pb, role_path: role })).toThrow(
      `lookup('file'): could not find 'none.txt' (searched ${join(role, 'files/none.txt')}, ${join(role, 'none.txt')}, ${join(role, 'tasks/files/none.txt')}, ${join(role, 'tasks/none.txt')}, ${join(pb, 'files/none.txt')}, ${join(pb, 'none.txt')})`,
    );
  });
});

describe("lookup('template')", () => {
  it('renders the role template (Jinja) with the current variables and template_vars', () => {
    expect(evaluate("lookup('template', 't.j2', template_vars={'sep': ';'})", { playbook_dir: pb, role_path: role, xs: [1, 2] })).toBe('1;2;t.j2\n');
    expect(evaluate("lookup('template', 't.j2')", { playbook_dir: pb })).toBe('playbook template\n');
  });
});

describe("lookup('inventory_hostnames')", () => {
  it('names the hosts of a pattern in inventory order, from the groups variable', async () => {
    const { Templar } = await import('../../../core/template/templar.js');
    const groups = { all: ['w1', 'w2', 'db1'], ungrouped: [], web: ['w1', 'w2'], db: ['db1'] };
    const q = (p: string) => new Templar().render(`{{ query('inventory_hostnames', '${p}') }}`, { groups });
    expect(q('all')).toEqual(['w1', 'w2', 'db1']);
    expect(q('db:web')).toEqual(['w1', 'w2', 'db1']);
    expect(q('web:!w2')).toEqual(['w1']);
    expect(q('all:&db')).toEqual(['db1']);
    expect(q('w*')).toEqual(['w1', 'w2']);
    expect(q('nothing')).toEqual([]);
  });
});
