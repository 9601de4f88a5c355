/**
 * Variable precedence, lowest to highest (Ansible's order, the subset tsplay implements):
 *
 *   1. role defaults (defaults/main.yml of the task's role)
 *   2. inventory: group `all`, then parent groups before child groups, then host vars
 *      (group_vars/ and host_vars/ files included; see core/inventory)
 *   3. facts: `ansible_facts` returned by any module (gather_facts / setup included), both
 *      as `ansible_facts.x` and as top-level variables under the returned names
 *   4. play `vars:`, then `vars_files:`
 *   5. role vars: every role of the play (each after its dependencies; a role entry's `vars:`,
 *      then its vars/main.yml), then the task's own role likewise, then its role params
 *      (`roles: - {role: x, port: 80}`)
 *   6. block vars (outermost first), then task vars
 *   7. `set_fact` and `register` results
 *   8. extra vars (`-e`)
 *
 * Magic variables (inventory_hostname, groups, hostvars, item, ...) are set last and
 * cannot be overridden, as in Ansible.
 *
 * Values that are themselves templates (`a: "{{ b }}-x"`) are rendered lazily, when read,
 * against the same merged set: a getter per such key, with a guard against cycles.
 *
 * Except in data layers (`dataLayer`): what came from a host - registered results, facts,
 * set_fact values (already rendered when set) - is data, never a template, as Ansible's
 * "unsafe" marking guarantees. Otherwise a target file holding `{{ lookup('file', ...) }}`,
 * read with `register`, would run that lookup on the controller when used. `!unsafe`
 * values (core/template/unsafe.ts) are plain text in any layer.
 */
import { unwrapUnsafe, UnsafeText } from '../template/unsafe.js';

export type Vars = Record<string, unknown>;

export class RecursiveVariableError extends Error {
  override name = 'RecursiveVariableError';
}

export interface Renderer {
  render(value: unknown, vars: Vars, where?: string): unknown;
  isTemplate(s: string): boolean;
}

const dataLayers = new WeakSet<object>();

/** Mark `layer` as data: its values are never rendered as templates. Returns it. */
export function dataLayer<T extends Vars>(layer: T): T {
  dataLayers.add(layer);
  return layer;
}

function containsTemplate(value: unknown, renderer: Renderer): boolean {
  if (value instanceof UnsafeText) return false;
  if (typeof value === 'string') return renderer.isTemplate(value);
  if (Array.isArray(value)) return value.some((v) => containsTemplate(v, renderer));
  if (value && typeof value === 'object') return Object.values(value as object).some((v) => containsTemplate(v, renderer));
  return false;
}

/**
 * Merge layers (lowest first) into one object. Keys whose values hold templates become
 * lazy getters rendered against the merged result, so `x: "{{ y }}"` sees the final `y`.
 */
export function mergeLayers(layers: ReadonlyArray<Vars | undefined>, renderer: Renderer): Vars {
  const merged: Vars = {};
  for (const layer of layers) {
    if (!layer) continue;
    if (dataLayers.has(layer)) {
      for (const [key, value] of Object.entries(layer)) Object.defineProperty(merged, key, { value, writable: true, configurable: true, enumerable: true });
      continue;
    }
    for (const key of Object.keys(layer)) {
      const desc = Object.getOwnPropertyDescriptor(layer, key)!;
      if (desc.get) Object.defineProperty(merged, key, { ...desc, configurable: true, enumerable: true });
      else defineValue(merged, key, desc.value, renderer);
    }
  }
  return merged;
}

function defineValue(target: Vars, key: string, value: unknown, renderer: Renderer): void {
  if (!containsTemplate(value, renderer)) {
    Object.defineProperty(target, key, { value: unwrapUnsafe(value), writable: true, configurable: true, enumerable: true });
    return;
  }
  // The getter renders against the object it is READ from (`this`): an overlay that adds
  // magic variables or a loop item copies this getter, and the value must see those.
  // Results and the recursion guard are therefore kept per reading object.
  const rendered = new WeakMap<object, unknown>();
  const rendering = new WeakSet<object>();
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get(this: Vars) {
      const self = this ?? target;
      if (rendered.has(self)) return rendered.get(self);
      if (rendering.has(self)) throw new RecursiveVariableError(`recursive loop detected in template for variable '${key}'`);
      rendering.add(self);
      try {
        const v = renderer.render(value, self, `variable '${key}'`);
        rendered.set(self, v);
        return v;
      } finally {
        rendering.delete(self);
      }
    },
    set(this: Vars, v: unknown) {
      Object.defineProperty(this ?? target, key, { value: v, writable: true, configurable: true, enumerable: true });
    },
  });
}

/** Add fixed keys (magic variables, loop variables) on top of a merged set without copying it. */
export function overlay(base: Vars, top: Vars): Vars {
  const out: Vars = {};
  for (const key of Object.keys(base)) {
    const desc = Object.getOwnPropertyDescriptor(base, key)!;
    Object.defineProperty(out, key, desc);
  }
  for (const [k, v] of Object.entries(top)) Object.defineProperty(out, k, { value: v, writable: true, configurable: true, enumerable: true });
  return out;
}
