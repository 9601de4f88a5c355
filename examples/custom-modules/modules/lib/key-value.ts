/**
 * A helper, not a module: files in lib/ are never loaded as modules. Pure functions are
 * easy to unit-test on their own.
 */

/** `text` with `key=value` set: the first `key=` line is replaced, else the line is appended. */
export function setKeyValue(text: string, key: string, value: string): string {
  const line = `${key}=${value}`;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${key}=`));
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return `${lines.join('\n')}\n`;
}
