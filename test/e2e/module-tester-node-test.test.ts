/**
 * ModuleTester without vitest: under `node --test` it registers its cases with node:test by
 * itself (no `framework` option), and a broken promise fails the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repo } from './project-helper.js';

function nodeTest(alwaysChanged: boolean): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-node-test-'));
  const url = (p: string) => pathToFileURL(join(repo, p)).href;
  writeFileSync(
    join(dir, 'one.test.mjs'),
    `import { defineModule } from '${url('dist/core/index.js')}';
import { ModuleTester } from '${url('dist/core/testing/index.js')}';
const one = defineModule({
  name: 'one',
  schema: { type: 'object', additionalProperties: false, properties: { path: { type: 'string' } } },
  docs: { short: 'x is the content', examples: '- one: { path: /x }\\n' },
  async run(ctx) {
    const before = await ctx.readFile(ctx.args.path);
    if (!${alwaysChanged} && before?.toString() === 'x\\n') return { changed: false };
    await ctx.writeFile(ctx.args.path, 'x\\n');
    return { changed: true };
  },
});
new ModuleTester({ module: one }).run('one', { changes: [{ args: { path: '{{ root }}/f' } }], unchanged: [{ args: { path: '{{ root }}/f' }, files: { f: 'x\\n' } }] });
`,
  );
  const r = spawnSync(process.execPath, ['--test', join(dir, 'one.test.mjs')], { encoding: 'utf8', env: { ...process.env, VITEST: '' } });
  rmSync(dir, { recursive: true, force: true });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('ModuleTester under node:test', () => {
  beforeAll(() => ensureBuilt());

  it('registers and passes the cases of a good module', () => {
    const r = nodeTest(false);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/# pass 3/);
  }, 120_000);

  it('fails the run when a promise is broken', () => {
    const r = nodeTest(true);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('not idempotent: a second run reported changed=true');
  }, 120_000);
});
