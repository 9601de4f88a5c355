/**
 * The playbook JSON Schema shipped in `schema/playbook.schema.json` is the single list of
 * keywords: the validator uses it, and so do the loader's "unknown keyword" checks and
 * their suggestions. Editors use the same file through the YAML language server.
 * Read lazily so commands that never load a playbook (`--version`) do not pay for it.
 */
import { readFileSync } from 'node:fs';

export type JsonObject = Record<string, unknown>;

export interface PlaybookSchema extends JsonObject {
  definitions: Record<string, JsonObject>;
}

// Spelled from the parent folder so the same path holds from dist/core/<dir>/ and from the
// bundle's dist/fast/core/chunks/ (scripts/bundle-cli.mjs keeps every file at that depth).
export const SCHEMA_FILE = new URL('../playbook/schema/playbook.schema.json', import.meta.url);

let cachedText: string | undefined;
let cached: PlaybookSchema | undefined;

export function playbookSchemaText(): string {
  cachedText ??= readFileSync(SCHEMA_FILE, 'utf8');
  return cachedText;
}

export function playbookSchema(): PlaybookSchema {
  cached ??= JSON.parse(playbookSchemaText()) as PlaybookSchema;
  return cached;
}

/** Entities whose keywords the schema lists (`definitions.<name>.properties`). */
export type Entity = 'play' | 'task' | 'handler' | 'block' | 'includeTasks' | 'importTasks' | 'importPlaybook' | 'roleMapping' | 'loopControl';

const keywordCache = new Map<Entity, readonly string[]>();

export function keywordsOf(entity: Entity): readonly string[] {
  let keys = keywordCache.get(entity);
  if (!keys) {
    const def = playbookSchema().definitions[entity];
    keys = Object.keys((def?.properties ?? {}) as object);
    keywordCache.set(entity, keys);
  }
  return keys;
}
