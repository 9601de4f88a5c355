/** The documented rule for which files in a module folder are modules, and load-error positions. */
import { describe, expect, it } from 'vitest';
import { describeLoadFailure, isModuleFileName } from '../../../core/modules/registry.js';

describe('isModuleFileName', () => {
  it.each(['motd.ts', 'motd.mts', 'motd.js', 'motd.mjs', 'motd.cjs', 'ini-edit.ts'])('%s is a module', (name) => {
    expect(isModuleFileName(name)).toBe(true);
  });
  it.each(['_util.ts', '.hidden.ts', 'motd.d.ts', 'motd.d.mts', 'motd.test.ts', 'motd.spec.mjs', 'motd.test.cjs', 'README.md', 'motd.json', 'motd.js.map', 'motd.cts'])(
    '%s is not a module',
    (name) => {
      expect(isModuleFileName(name)).toBe(false);
    },
  );
});

describe('describeLoadFailure', () => {
  it("takes esbuild's position (its column counts from 0)", () => {
    const err = new Error('Transform failed with 1 error:\n/m/x.ts:4:0: ERROR: Expected "}" but found end of file');
    expect(describeLoadFailure('/m/x.ts', err)).toBe('/m/x.ts:4:1: Expected "}" but found end of file');
  });
  it('takes the first stack frame in the file, as a file URL or a path', () => {
    const err = new Error('nope');
    err.stack = 'Error: nope\n    at file:///m/x.mjs:7:3\n    at other (/elsewhere.js:1:1)';
    expect(describeLoadFailure('/m/x.mjs', err)).toBe('/m/x.mjs:7:3: nope');
    err.stack = 'Error: nope\n    at f (/m/x.ts:2:9)';
    expect(describeLoadFailure('/m/x.ts', err)).toBe('/m/x.ts:2:9: nope');
  });
  it('names just the file when nothing tells the line', () => {
    expect(describeLoadFailure('/m/x.ts', new Error("Cannot find module '/m/y.js' imported from /n/z.ts"))).toBe(
      "/m/x.ts: Cannot find module '/m/y.js' imported from /n/z.ts",
    );
  });
});
