/**
 * The JSON Schema for editors (`tsplay schema`): the shipped playbook schema, with tasks
 * and handlers made strict (a key is a keyword or a module, so `notfy:` is flagged) and
 * every module's arguments, built-in and custom, from the registry. Nothing here is a
 * hand-kept list: keywords come from playbook.schema.json (the loader's own), modules and
 * their schemas from the modules themselves.
 *
 * A module's argument schema is loosened the way tsplay reads arguments, so a playbook
 * tsplay accepts is never flagged: any value may be a template (`{{ x }}`, checked after
 * rendering), and top-level arguments and their list items accept what coercion turns
 * into the declared type (`backup: "yes"`, `port: "22"`, `names: a,b`).
 */
import type { JsonObject, PlaybookSchema } from './schema-file.js';

export interface EditorModule {
  name: string;
  aliases: readonly string[];
  schema: JsonObject;
  freeForm?: string | undefined;
  short: string;
  description?: string | undefined;
  /** Where a custom module comes from (shown in its description). */
  file?: string | undefined;
  /** No collection-name (ansible.builtin.NAME) pattern for it: see ModuleDefinition.tsplayOnly. */
  tsplayOnly?: boolean | undefined;
}

export type SchemaRoot = 'playbook' | 'tasks' | 'handlers';

const TEMPLATE: JsonObject = { type: 'string', pattern: '\\{\\{|\\{%', description: 'a template, checked after rendering' };
const BOOLEAN_WORDS = '^\\s*([Yy]([Ee][Ss])?|[Nn][Oo]?|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Oo][Nn]|[Oo][Ff][Ff]|1|0)\\s*$';
const NUMBER_TEXT = '^\\s*-?\\d+(\\.\\d+)?\\s*$';

/** Keys whose value is a schema applying to a value (wrapped); the rest are left as they are. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'] as const;
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'] as const;
const SCHEMA_SINGLES = ['if', 'then', 'else', 'not', 'contains', 'propertyNames'] as const;

function typesOf(schema: JsonObject): string[] {
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** The forms coercion turns into one of the declared types (validate-args.ts, `coerce`). */
function coercible(schema: JsonObject, items: JsonObject | undefined): JsonObject[] {
  const types = typesOf(schema);
  const out: JsonObject[] = [];
  if (types.includes('boolean')) out.push({ type: 'string', pattern: BOOLEAN_WORDS });
  if (types.includes('integer') || types.includes('number')) out.push({ type: 'string', pattern: NUMBER_TEXT });
  if (types.includes('string')) out.push({ type: ['number', 'boolean'] });
  if (types.includes('array')) {
    out.push({ type: 'string' });
    if (items) out.push(items);
  }
  return out;
}

/** A value schema that also accepts a template (and, at the top level, coercible forms). */
function loosenValue(schema: unknown, coerce: boolean): unknown {
  if (schema === true || schema === false || !schema || typeof schema !== 'object') return schema;
  const inner = loosen(schema as JsonObject, coerce);
  const { description, title, default: dflt, markdownDescription } = schema as JsonObject;
  const alternatives = [inner, ...(coerce ? coercible(schema as JsonObject, (inner as JsonObject).items as JsonObject | undefined) : []), TEMPLATE];
  const wrapper: JsonObject = { anyOf: alternatives };
  if (title !== undefined) wrapper.title = title;
  if (description !== undefined) wrapper.description = description;
  if (markdownDescription !== undefined) wrapper.markdownDescription = markdownDescription;
  if (dflt !== undefined) wrapper.default = dflt;
  return wrapper;
}

/** Copy a schema, loosening every value schema inside it. `topLevel`: its properties are the module's arguments. */
function loosen(schema: JsonObject, topLevel = false): JsonObject {
  const out: JsonObject = { ...schema };
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (map && typeof map === 'object') {
      out[key] = Object.fromEntries(Object.entries(map as JsonObject).map(([k, v]) => [k, loosenValue(v, topLevel && key === 'properties')]));
    }
  }
  for (const key of SCHEMA_LISTS) {
    const list = schema[key];
    // Branches at the arguments' own level describe the same top-level arguments.
    if (Array.isArray(list)) out[key] = list.map((s) => (s && typeof s === 'object' ? loosen(s as JsonObject, topLevel) : s));
  }
  for (const key of SCHEMA_SINGLES) {
    const s = schema[key];
    if (s && typeof s === 'object') out[key] = key === 'propertyNames' ? s : loosen(s as JsonObject, topLevel);
  }
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) out.items = loosenValue(schema.items, topLevel);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') out.additionalProperties = loosenValue(schema.additionalProperties, false);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function moduleDefinition(m: EditorModule): JsonObject {
  const args = loosen(m.schema, true);
  delete args.$schema;
  delete args.$id;
  const text = m.freeForm
    ? { type: 'string', description: `the command as free-form text (its '${m.freeForm}'), optionally with key=value options` }
    : { type: 'string', description: 'arguments as key=value words' };
  const about = [m.short, m.description, m.file ? `Custom module: ${m.file}` : undefined, `tsplay doc ${m.name}`].filter(Boolean).join('\n\n');
  return { description: about, markdownDescription: about, anyOf: [args, text, { type: 'null', description: 'no arguments' }] };
}

/**
 * The editor schema: `base` (playbook.schema.json) with `modules` added to tasks and
 * handlers, whose keys become strict. `root` picks what a file holds: a playbook, a tasks
 * file (role tasks/, import_tasks/include_tasks files) or a handlers file.
 */
export function editorSchema(base: PlaybookSchema, modules: readonly EditorModule[], fqcnPrefixes: readonly string[], root: SchemaRoot = 'playbook'): JsonObject {
  const schema = structuredClone(base) as PlaybookSchema;
  const definitions = schema.definitions;
  const moduleProps: JsonObject = {};
  const fqcn: JsonObject = {};
  const prefixes = fqcnPrefixes.map((p) => escape(p.replace(/\.$/, ''))).join('|');
  for (const m of [...modules].sort((a, b) => a.name.localeCompare(b.name))) {
    const id = `module-${m.name}`;
    definitions[id] = moduleDefinition(m);
    const ref = { $ref: `#/definitions/${id}` };
    for (const name of [m.name, ...m.aliases]) moduleProps[name] = ref;
    if (!m.tsplayOnly) fqcn[`^(${prefixes})\\.(${[m.name, ...m.aliases].map(escape).join('|')})$`] = ref;
  }
  for (const entity of ['task', 'handler'] as const) {
    const def = definitions[entity]!;
    // Keywords keep their own definitions; a module never takes a keyword's name.
    const keywords = def.properties as JsonObject;
    def.properties = { ...keywords, ...Object.fromEntries(Object.entries(moduleProps).filter(([k]) => !(k in keywords))) };
    def.patternProperties = { ...(def.patternProperties as JsonObject | undefined), ...fqcn };
    def.additionalProperties = false;
  }
  schema.title = root === 'playbook' ? 'tsplay playbook' : root === 'tasks' ? 'tsplay tasks file' : 'tsplay handlers file';
  schema.description = `${String(base.description ?? '')} Generated by \`tsplay schema\` with ${modules.length} modules.`.trim();
  if (root !== 'playbook') {
    delete schema.items;
    schema.type = 'array';
    schema.items = { $ref: `#/definitions/${root === 'tasks' ? 'taskEntry' : 'handlerEntry'}` };
  }
  return schema;
}
