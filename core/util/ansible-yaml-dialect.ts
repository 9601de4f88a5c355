/**
 * YAML as Ansible reads it (PyYAML, YAML 1.1), shared by every loader (playbooks, vars
 * files, inventories): `yes/no/on/off` are booleans, `0755` is octal, `1:30` is
 * sexagesimal; `y`/`n` and dates stay strings (PyYAML has no y/n booleans, and Ansible
 * variables never hold date objects in practice). Ansible's own tags: `!unsafe` text is
 * never rendered as a template (core/template/unsafe.ts); `!vault` values are decrypted with
 * the run's vault secrets as the file is read (a missing or wrong secret is a YAML error at
 * the value's line and column).
 */
import type { ScalarTag, Tags } from 'yaml';
import { UnsafeText } from '../template/unsafe.js';
import { Vault } from '../vault/vault.js';

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
/** `!vault` values decrypted with `vault`; a failure is reported at the value's position. */
export function vaultTag(vault: Vault): ScalarTag {
  return {
    tag: '!vault',
    resolve: (text, onError) => {
      try {
        return vault.decryptValue(text, 'this !vault value');
      } catch (err) {
        onError((err as Error).message);
        return '';
      }
    },
  };
}

const NO_SECRETS = new Vault();

/**
 * The tag set for yaml's `customTags`. `vault` decrypts `!vault` values; without one, a
 * `!vault` value is an error that says which options give tsplay a secret.
 */
export function ansibleTags(vault: Vault = NO_SECRETS): (tags: Tags) => Tags {
  const tagged = vaultTag(vault);
  return (tags) => {
    const kept = tags.filter((t) => {
      const tag = typeof t === 'object' && t !== null && 'tag' in t ? t.tag : undefined;
      return tag !== 'tag:yaml.org,2002:bool' && tag !== 'tag:yaml.org,2002:timestamp';
    });
    return [pyTrue, pyFalse, ...kept, unsafe, tagged];
  };
}
