/**
 * ModuleTester proves what it claims: each promise is checked against a module that keeps
 * it (the case passes) and one that breaks it (the case fails, saying which promise).
 */
import { describe, expect, it } from 'vitest';
import { defineModule, type ModuleDefinition } from '../../../core/modules/api.js';
import { ModuleTester, type ChangeCase } from '../../../core/testing/index.js';

interface Args {
  path: string;
  line: string;
}

/** A correct little module: makes sure `line` is the content of `path`. */
function lineModule(overrides: Partial<ModuleDefinition<Args>> = {}, behaviour: { writeInCheck?: boolean; alwaysChanged?: boolean; diffAlways?: boolean; lieInCheck?: boolean; secret?: string; buffer?: boolean } = {}) {
  return defineModule<Args>({
    name: 'only_line',
    schema: { type: 'object', additionalProperties: false, required: ['path', 'line'], properties: { path: { type: 'string' }, line: { type: 'string' } } },
    docs: { short: 'test module', examples: '- only_line: { path: /tmp/x, line: hello }\n- only_line: path=/tmp/y line="{{ x }}"\n' },
    async run(ctx) {
      const { path, line } = ctx.args;
      const before = (await ctx.readFile(path))?.toString() ?? '';
      const after = `${line}\n`;
      const changed = behaviour.alwaysChanged || before !== after;
      if (behaviour.secret) ctx.secret(behaviour.secret);
      const extra = { ...(behaviour.secret ? { token: behaviour.secret } : {}), ...(behaviour.buffer ? { raw: Buffer.from('x') } : {}) };
      if (!changed) return { changed: false, ...extra, ...(behaviour.diffAlways ? { diff: { before, after } } : {}) };
      if (ctx.check && behaviour.writeInCheck) await ctx.run(`printf '%s\\n' ${ctx.quote(line)} > ${ctx.quote(path)}`);
      else await ctx.writeFile(path, after);
      const diffAfter = ctx.check && behaviour.lieInCheck ? 'something else\n' : after;
      return { changed: true, ...extra, ...(ctx.diff || behaviour.diffAlways ? { diff: { before, after: diffAfter, beforeHeader: path, afterHeader: path } } : {}) };
    },
    ...overrides,
  });
}

const change: ChangeCase = { args: { path: '{{ root }}/f', line: 'hello' }, files: { f: 'old\n' }, diff: [{ before: 'old\n', after: 'hello\n' }], expectFiles: { f: 'hello\n' } };

describe('ModuleTester on a module that keeps its promises', () => {
  const tester = new ModuleTester({ module: lineModule(), framework: { describe, it } });
  tester.run('only_line', {
    unchanged: [{ args: { path: '{{ root }}/f', line: 'hello' }, files: { f: 'hello\n' } }],
    changes: [change, { name: 'creates the file', args: { path: '{{ root }}/new', line: 'x' }, expectFiles: { new: { content: 'x\n', mode: '0644' } }, result: { changed: true } }],
    invalid: [{ args: { path: '{{ root }}/f' }, error: "only_line: missing required argument 'line'" }],
  });
});

describe('ModuleTester catches a module that breaks one', () => {
  const broken = (behaviour: Parameters<typeof lineModule>[1], overrides: Partial<ModuleDefinition<Args>> = {}) => new ModuleTester({ module: lineModule(overrides, behaviour) });

  it('check mode that writes', async () => {
    await expect(broken({ writeInCheck: true }).runCase('changes', change)).rejects.toThrow(/check mode changed the host:\n.*\/f\|/);
  });
  it('a second run that changes again', async () => {
    await expect(broken({ alwaysChanged: true }).runCase('changes', change)).rejects.toThrow(/not idempotent: a second run reported changed=true/);
  });
  it('check mode whose diff differs from the real run', async () => {
    await expect(broken({ lieInCheck: true }).runCase('changes', change)).rejects.toThrow(/check mode must predict the same diff/);
  });
  it('a diff returned without --diff', async () => {
    await expect(broken({ diffAlways: true }).runCase('changes', change)).rejects.toThrow(/without --diff the result must carry no diff/);
  });
  it('a secret in the result', async () => {
    await expect(broken({ secret: 's3cr3t-token' }).runCase('changes', change)).rejects.toThrow(/a secret value \(s3\.\.\.\) appears in the result/);
  });
  it('a Buffer in the result', async () => {
    await expect(broken({ buffer: true }).runCase('changes', change)).rejects.toThrow(/result\.raw is a Buffer/);
  });
  it('a wrong expectation: changed, file content, error message', async () => {
    const ok = new ModuleTester({ module: lineModule() });
    await expect(ok.runCase('unchanged', { args: { path: '{{ root }}/f', line: 'hello' }, files: { f: 'old\n' } })).rejects.toThrow(/the run reported changed=true, expected false/);
    await expect(ok.runCase('changes', { ...change, expectFiles: { f: 'bye\n' } })).rejects.toThrow(/content of .*\/f/);
    await expect(ok.runCase('invalid', { args: { path: '{{ root }}/f' }, error: 'other' })).rejects.toThrow(/check mode should fail with "other"/);
  });
  it('a docs example that does not validate, named by its task', async () => {
    const bad = lineModule({ docs: { short: 'x', examples: '- name: Typo\n  only_line: { path: /x, lien: a }\n- only_line: { path: /x, line: "{{ v }}" }\n' } });
    expect(() => new ModuleTester({ module: bad }).checkExamples()).toThrow(/'Typo': .*unsupported argument 'lien' - did you mean 'line'\?/);
  });
  it('the scratch directory is removed after each case', async () => {
    const outcome = await new ModuleTester({ module: lineModule() }).runCase('changes', change);
    expect(await outcome.host.exec(`test -e ${outcome.root}`)).toMatchObject({ rc: 1 });
  });
});
