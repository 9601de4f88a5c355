/**
 * JSON as Python's `json.dumps` writes it by default: `, ` and `: ` separators, keys in
 * insertion order, and (ensureAscii, its default) every non-ASCII character as \uXXXX.
 * Ansible prints results this way and its copy action writes structured `content` this way.
 */
export function pythonJson(value: unknown, o: { ensureAscii?: boolean } = {}): string {
  const str = (s: string) => (o.ensureAscii ? asciiJson(JSON.stringify(s)) : JSON.stringify(s));
  const dump = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(dump).join(', ')}]`;
    if (v && typeof v === 'object') {
      return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${str(k)}: ${dump(x)}`).join(', ')}}`;
    }
    if (typeof v === 'string') return str(v);
    return JSON.stringify(v) ?? 'null';
  };
  return dump(value);
}

/**
 * JSON text with every character outside printable ASCII as \uXXXX (UTF-16 units, as
 * Python's ensure_ascii). Such characters only occur inside strings in JSON text.
 */
export function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
