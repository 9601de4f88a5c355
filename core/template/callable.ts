/**
 * Values a template may call by name: Jinja macros (`{{ user_line(u) }}`), `caller()` in a
 * `{% call %}` block, `loop.cycle('odd', 'even')`, `loop(children)` in a recursive for.
 * Only the Jinja renderer creates them; playbook data never holds one, so nothing a
 * variable contains can become callable. Their state is in private fields, so a template
 * sees only the attributes given to it (`loop.index`), never the function.
 */
import type { Mapping } from './values.js';

export class TemplateCallable {
  readonly #label: string;
  readonly #fn: (args: unknown[], kwargs: Mapping) => unknown;

  constructor(label: string, fn: (args: unknown[], kwargs: Mapping) => unknown, attributes?: Mapping) {
    this.#label = label;
    this.#fn = fn;
    if (attributes) Object.assign(this, attributes);
  }

  /** Name for messages (`macro 'user_line'`). */
  get label(): string {
    return this.#label;
  }

  call(args: unknown[], kwargs: Mapping): unknown {
    return this.#fn(args, kwargs);
  }
}

/**
 * `namespace(found=false)`: the one mapping a template may change from an inner scope
 * (`{% set ns.found = true %}` inside a for loop), as in Jinja.
 */
export class Namespace {
  constructor(values: Mapping) {
    Object.assign(this, values);
  }
}
