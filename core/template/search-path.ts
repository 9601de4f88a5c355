/**
 * Where controller-side lookups find a relative file, in Ansible's order
 * (DataLoader.path_dwim_relative_stack over the task's search path):
 *
 *   in a role:  <role>/files/x, <role>/x, <role>/tasks/files/x, <role>/tasks/x,
 *   then:       <playbook dir>/files/x, <playbook dir>/x
 *
 * (`files` is `templates` for lookup('template')). A name that already starts with that
 * folder (`files/x`) is not given it twice. `~/` is the controller user's home.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Scope } from './globals.js';

export type SearchFolder = 'files' | 'templates';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** Every place `term` may be, in search order. */
export function searchCandidates(scope: Scope, folder: SearchFolder, term: string): string[] {
  if (term.startsWith('~/')) return [resolve(homedir(), term.slice(2))];
  if (isAbsolute(term)) return [term];
  const within = term.split('/')[0] === folder;
  const bases: string[] = [];
  const role = text(scope('role_path'));
  if (role) bases.push(role, join(role, 'tasks'));
  bases.push(text(scope('playbook_dir')) ?? process.cwd());
  const out: string[] = [];
  for (const base of bases) {
    if (!within) out.push(resolve(base, folder, term));
    out.push(resolve(base, term));
  }
  return [...new Set(out)];
}

/** The first existing candidate, or undefined. */
export function searchFile(scope: Scope, folder: SearchFolder, term: string): { path?: string; searched: string[] } {
  const searched = searchCandidates(scope, folder, term);
  const path = searched.find((p) => existsSync(p));
  return path ? { path, searched } : { searched };
}

/**
 * Directories `{% include %}` looks in for a template file, as Ansible's template action
 * sets them: the role, the playbook directory and the including file's directory, each
 * first with its templates/ folder.
 */
export function includeDirs(scope: Scope, templatePath: string): string[] {
  const bases = [text(scope('role_path')), text(scope('playbook_dir')), dirname(templatePath)].filter((b): b is string => !!b);
  return [...new Set(bases.flatMap((b) => [join(b, 'templates'), b]))];
}
