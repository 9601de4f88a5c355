/**
 * A Jinja template file rendered from the controller (template module, lookup('template')):
 * compiled once per text and settings, with `{% include %}` looking in the directories
 * Ansible gives its template action (search-path.ts: includeDirs).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Scope } from './globals.js';
import { compileJinja, renderJinja, type CompiledJinja, type JinjaOptions } from './jinja.js';
import { includeDirs } from './search-path.js';

/** Compiled templates by settings, then by text (no key built per render: texts can be large). */
const caches = new Map<string, Map<string, CompiledJinja>>();
const CACHE_LIMIT = 5_000;

export interface JinjaFileOptions {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
}

export function compileCached(source: string, options: JinjaFileOptions): CompiledJinja {
  const settings = `${options.trimBlocks ?? true ? 't' : '-'}${options.lstripBlocks ? 'l' : '-'}`;
  let cache = caches.get(settings);
  if (!cache) caches.set(settings, (cache = new Map()));
  let c = cache.get(source);
  if (!c) {
    c = compileJinja(source, options);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, c);
  }
  return c;
}

/** `{% include %}` for a template at `path`: the first of the include directories holding the name. */
export function includeLoader(scope: Scope, path: string): NonNullable<JinjaOptions['loadInclude']> {
  const dirs = includeDirs(scope, path);
  return (name) => {
    for (const dir of dirs) {
      const candidate = resolve(dir, name);
      try {
        return { source: readFileSync(candidate, 'utf8'), path: candidate };
      } catch {
        // not in this directory
      }
    }
    return undefined;
  };
}

export function renderJinjaFile(source: string, scope: Scope, path: string, options: JinjaFileOptions = {}): string {
  const settings = { trimBlocks: options.trimBlocks ?? true, lstripBlocks: options.lstripBlocks ?? false };
  return renderJinja(compileCached(source, settings), scope, { ...settings, loadInclude: includeLoader(scope, path) });
}
