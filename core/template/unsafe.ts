/**
 * Text that must never be rendered as a template: Ansible's `!unsafe` tag. The YAML loader
 * wraps such scalars in `UnsafeText`; the templar and the variable merge unwrap them to the
 * plain string without looking inside, so `{{ }}` in them stays literal text.
 *
 * (Values that come from a host - registered results, facts, set_fact - are protected
 * differently: their whole variable layer is data; see core/vars/precedence.ts.)
 */
export class UnsafeText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

/** `value` with every UnsafeText replaced by its string; the same object when there is none. */
export function unwrapUnsafe(value: unknown): unknown {
  if (value instanceof UnsafeText) return value.text;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = unwrapUnsafe(value[i]);
      if (v !== value[i] && !out) out = value.slice(0, i);
      if (out) out.push(v);
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && Object.getPrototypeOf(value) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i]!;
      const u = unwrapUnsafe(v);
      if (u !== v && !out) out = Object.fromEntries(entries.slice(0, i));
      if (out) out[k] = u;
    }
    return out ?? value;
  }
  return value;
}
