import { describe, expect, it } from 'vitest';
import { ModuleTester } from 'tsplay/testing';
import envSetting from '../modules/env_setting.js';
import { assignmentPattern, envLine } from '../modules/lib/key-value.js';

describe('key-value helpers', () => {
  it('format the line and match only that key', () => {
    expect(envLine('LANG', 'C.UTF-8')).toBe('LANG=C.UTF-8');
    expect(new RegExp(assignmentPattern('A_B')).test('A_B=1')).toBe(true);
    expect(new RegExp(assignmentPattern('A')).test('AB=1')).toBe(false);
  });
});

// Each case also proves: check mode writes nothing and predicts the same change and diff,
// a second run changes nothing, the result's shape, and the docs example against the schema.
new ModuleTester({ module: envSetting, framework: { describe, it } }).run('env_setting on this machine', {
  unchanged: [{ args: { path: '{{ root }}/environment', key: 'LANG', value: 'C.UTF-8' }, files: { environment: 'PATH=/usr/bin\nLANG=C.UTF-8\n' } }],
  changes: [
    {
      name: 'appends the variable',
      args: { path: '{{ root }}/environment', key: 'LANG', value: 'C.UTF-8' },
      files: { environment: 'PATH=/usr/bin\n' },
      diff: [{ before: 'PATH=/usr/bin\n', after: 'PATH=/usr/bin\nLANG=C.UTF-8\n' }],
      expectFiles: { environment: 'PATH=/usr/bin\nLANG=C.UTF-8\n' },
    },
    { name: 'replaces its value', args: { path: '{{ root }}/environment', key: 'LANG', value: 'C.UTF-8' }, files: { environment: 'LANG=en_US\nPATH=/usr/bin\n' }, expectFiles: { environment: 'LANG=C.UTF-8\nPATH=/usr/bin\n' } },
    { name: 'creates a missing file with its mode', args: { path: '{{ root }}/new', key: 'A', value: '1', mode: '0600' }, expectFiles: { new: { content: 'A=1\n', mode: '0600' } } },
  ],
  invalid: [{ name: 'a key that is not a variable name', args: { path: '{{ root }}/environment', key: 'A B', value: '1' }, error: /argument 'key'/ }],
});
