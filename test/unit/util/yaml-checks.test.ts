import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { duplicateKeys, yamlFindings } from '../../../core/util/yaml-checks.js';
import { ansibleTags } from '../../../core/util/ansible-yaml-dialect.js';

function findings(text: string, check = yamlFindings): string[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', customTags: ansibleTags(), lineCounter: lines, uniqueKeys: false, logLevel: 'silent' });
  return check(doc, text).map((f) => {
    const at = lines.linePos(f.offset);
    return `${at.line}:${at.col}: ${f.message}`;
  });
}

describe('yamlFindings', () => {
  it('refuses unknown tags as the user wrote them, keeps !unsafe', () => {
    expect(findings('a: !!python/object:os.system x\nb: !foo y\nc: !!js/function z\nd: !unsafe "{{ x }}"\ne: !!str 5\n')).toEqual([
      "1:4: unknown YAML tag '!!python/object:os.system': only Ansible's !unsafe and !vault are allowed; remove the tag (or quote the value if it is text)",
      "2:4: unknown YAML tag '!foo': only Ansible's !unsafe and !vault are allowed; remove the tag (or quote the value if it is text)",
      "3:4: unknown YAML tag '!!js/function': only Ansible's !unsafe and !vault are allowed; remove the tag (or quote the value if it is text)",
    ]);
  });

  it("gives Ansible's quoting hint for an unquoted {{ }} value", () => {
    expect(findings('tasks:\n  - debug:\n      msg: {{ x }}\n')).toEqual([
      `3:12: a value that starts with '{{' must be quoted, or YAML reads it as a mapping: write "{{ x }}" (Ansible: always quote template expression brackets when they start a value)`,
    ]);
    expect(findings('a: { b: 1 }\nc: "{{ x }}"\n')).toEqual([]);
  });

  it('reports an alias without an earlier anchor at the alias', () => {
    expect(findings('a: 1\nb: *later\nc: &later 2\nd: *later\n')).toEqual([
      "2:4: undefined YAML alias '*later': an alias must come after its anchor '&later'",
    ]);
  });
});

describe('duplicateKeys', () => {
  it('finds each key written twice in one mapping', () => {
    expect(findings('a: 1\nb:\n  x: 1\n  x: 2\na: 3\n', duplicateKeys)).toEqual([
      "5:1: duplicate key 'a' in one mapping: only its last value is used",
      "4:3: duplicate key 'x' in one mapping: only its last value is used",
    ]);
  });
});
