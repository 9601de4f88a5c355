import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModuleLocally } from 'tsplay/testing';
import envSetting from '../modules/env_setting.js';
import { setKeyValue } from '../modules/lib/key-value.js';

describe('setKeyValue', () => {
  it('replaces the first KEY= line, or appends one', () => {
    expect(setKeyValue('A=1\nB=2\n', 'B', '3')).toBe('A=1\nB=3\n');
    expect(setKeyValue('A=1', 'C', 'x')).toBe('A=1\nC=x\n');
    expect(setKeyValue('', 'C', 'x')).toBe('C=x\n');
  });
});

describe('env_setting on this machine', () => {
  it('check mode predicts the change and writes nothing; the run changes; a second run does not', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'env-setting-')), 'environment');
    writeFileSync(path, 'PATH=/usr/bin\n');
    const args = { path, key: 'LANG', value: 'C.UTF-8' };

    const predicted = await runModuleLocally(envSetting, args, { check: true });
    expect(predicted).toMatchObject({ changed: true, failed: false });
    expect(readFileSync(path, 'utf8')).toBe('PATH=/usr/bin\n');

    const first = await runModuleLocally(envSetting, args);
    expect(first).toMatchObject({ changed: true, failed: false });
    expect(first.diff).toEqual(predicted.diff);
    expect(readFileSync(path, 'utf8')).toBe('PATH=/usr/bin\nLANG=C.UTF-8\n');

    expect((await runModuleLocally(envSetting, args)).changed).toBe(false);
  });

  it('creates a missing file, and refuses a key that is not a variable name', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'env-setting-')), 'new');
    expect((await runModuleLocally(envSetting, { path, key: 'A', value: '1' })).changed).toBe(true);
    expect(existsSync(path)).toBe(true);
    const bad = await runModuleLocally(envSetting, { path, key: 'A B', value: '1' });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(/key/);
  });
});
