/**
 * Ansible's `_escape_backslashes`: in a playbook value, the backslashes inside string
 * literals of `{{ }}` expressions are doubled before Jinja reads them, so such a literal
 * means its characters as written (`join('\n')` in a block scalar joins with backslash-n,
 * and `regex_replace('\d', '')` needs no second backslash). YAML has already processed
 * the escapes of double-quoted scalars. Template files (the template module) and
 * conditions (`when:`) are not escaped, as in Ansible.
 */

/** Double the backslashes inside the quoted strings of one expression. */
export function escapeExpressionStrings(expr: string): string {
  if (!expr.includes('\\')) return expr;
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote && c === '\\') {
      const next = expr[i + 1];
      // `'it\'s'` stays one string with a quote in it (Ansible's doubling would end it there).
      out += next === quote ? `\\${next}` : next === '\\' ? '\\\\\\\\' : '\\\\';
      if (next === quote || next === '\\') i++;
      continue;
    }
    if (quote && c === quote) quote = undefined;
    else if (!quote && (c === '"' || c === "'")) quote = c;
    out += c;
  }
  return out;
}

const RAW_BLOCK = /\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/y;

/** Apply escapeExpressionStrings to every `{{ }}` of a template, leaving `{% raw %}` blocks alone. */
export function escapeTemplateBackslashes(template: string): string {
  if (!template.includes('\\') || !template.includes('{{')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    const raw = template.indexOf('{%', i);
    if (raw >= 0 && (open < 0 || raw < open)) {
      RAW_BLOCK.lastIndex = raw;
      const m = RAW_BLOCK.exec(template);
      const end = m ? raw + m[0].length : raw + 2;
      out += template.slice(i, end);
      i = end;
      continue;
    }
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    const close = closing(template, open + 2);
    out += template.slice(i, open + 2) + escapeExpressionStrings(template.slice(open + 2, close));
    i = close;
  }
  return out;
}

/** Index of the `}}` that closes an expression starting at `from`, outside quotes (or the end). */
function closing(template: string, from: number): number {
  let quote: string | undefined;
  for (let k = from; k < template.length; k++) {
    const c = template[k]!;
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (template.startsWith('}}', k)) return k;
  }
  return template.length;
}
