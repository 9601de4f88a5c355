/**
 * Where user modules are found, for every command that needs them (run, doc, schema):
 * -M folders (colon lists), then beside each base folder (the playbooks' folders, or the
 * current folder when no playbook is named) `modules/` and `library/` (Ansible's name),
 * then the `library/` folder of each role in its `roles/` folder, as Ansible ships modules
 * with roles. In this order; a later folder wins a name (docs/writing-modules.md).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export function moduleDirs(modulePath: readonly string[], baseDirs: readonly string[]): string[] {
  const dirs = modulePath.flatMap((p) => p.split(':')).filter(Boolean).map((d) => resolve(d));
  const isDir = (d: string) => existsSync(d) && statSync(d).isDirectory();
  const add = (dir: string) => {
    if (isDir(dir) && !dirs.includes(dir)) dirs.push(dir);
  };
  for (const base of baseDirs) {
    add(resolve(base, 'modules'));
    add(resolve(base, 'library'));
    const roles = resolve(base, 'roles');
    if (isDir(roles)) for (const role of readdirSync(roles).sort()) add(resolve(roles, role, 'library'));
  }
  return dirs;
}
