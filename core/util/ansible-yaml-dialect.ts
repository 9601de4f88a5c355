/**
 * YAML as Ansible reads it (PyYAML, YAML 1.1), shared by every loader (playbooks, vars
 * files, inventories): `yes/no/on/off` are booleans, `0755` is octal, `1:30` is
 * sexagesimal; `y`/`n` and dates stay strings (PyYAML has no y/n booleans, and Ansible
 * variables never hold date objects in practice). Ansible's own tags: `!unsafe` text is
 * never rendered as a template (core/template/unsafe.ts); `!vault` is refused with a clear message (tsplay does not decrypt vault).
 */
import type { ScalarTag, Tags } from 'yaml';
import { UnsafeText } from '../template/unsafe.js';

const pyTrue: ScalarTag = {
  identify: (v) => v === true,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  resolve: () => true,
};
const pyFalse: ScalarTag = {
  identify: (v) => v === false,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  resolve: () => false,
};
// Kept as UnsafeText until the variable merge or the templar takes it: never rendered.
const unsafe: ScalarTag = { tag: '!unsafe', identify: (v) => v instanceof UnsafeText, resolve: (s) => new UnsafeText(s) as unknown as string };
const vault: ScalarTag = {
  tag: '!vault',
  resolve: (s, onError) => {
    onError('vault-encrypted values (!vault) are not supported by tsplay; store the value unencrypted or pass it with -e @file');
    return s;
  },
};

export function ansibleTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    const tag = typeof t === 'object' && t !== null && 'tag' in t ? t.tag : undefined;
    return tag !== 'tag:yaml.org,2002:bool' && tag !== 'tag:yaml.org,2002:timestamp';
  });
  return [pyTrue, pyFalse, ...kept, unsafe, vault];
}
