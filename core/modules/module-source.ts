/**
 * Which file a module definition was loaded from. A definition is a plain object the
 * author made with `defineModule`, so the file is recorded beside it by the loader,
 * not on it: messages about a module's behaviour ("returned no result") can then name
 * the file to open.
 */
import type { ModuleDefinition } from './api.js';

const files = new WeakMap<ModuleDefinition<any>, string>();

export function recordModuleFile(definition: ModuleDefinition<any>, file: string): void {
  files.set(definition, file);
}

/** The file the module came from, when a loader recorded it. */
export function moduleFileOf(definition: ModuleDefinition<any>): string | undefined {
  return files.get(definition);
}

/** `module 'x' (/path/x.ts)`, or `module 'x'` when the file is unknown (defined in code). */
export function describeModule(definition: ModuleDefinition<any>): string {
  const file = moduleFileOf(definition);
  return file ? `module '${definition.name}' (${file})` : `module '${definition.name}'`;
}
