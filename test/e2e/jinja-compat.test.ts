/**
 * Byte-for-byte comparison of tsplay's Jinja renderer with ansible-core's own templating.
 * Every `test/compat/templates/*.j2` (with its variables in the `.yml` beside it) is
 * rendered by tsplay (Templar.renderFile, as the template module does) and by Ansible's
 * Templar configured as its template action configures it (render-with-ansible.py, one
 * python process for all cases). Cases named `error-*` must fail in both.
 * Skipped only on a developer machine without ansible-core; in CI (CI=true) it must run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Templar } from '../../core/template/templar.js';
import { ansibleTemplateVars } from '../../core/template/template-vars.js';

const dir = resolve(__dirname, '../compat/templates');
const script = resolve(__dirname, '../compat/render-with-ansible.py');
/** The python ansible-core runs with (its `ansible` script's interpreter; not necessarily the first python3 on PATH). */
function ansiblePython(): string {
  const where = spawnSync('sh', ['-c', 'command -v ansible'], { encoding: 'utf8' }).stdout.trim();
  const shebang = where ? /^#!\s*(\S+)/.exec(readFileSync(where, 'utf8').split('\n', 1)[0]!)?.[1] : undefined;
  return shebang && !shebang.endsWith('/env') ? shebang : 'python3';
}
const python = ansiblePython();
const hasAnsible = spawnSync(python, ['-c', 'import ansible.template, jinja2'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

interface Case {
  name: string;
  path: string;
  src: string;
  vars: Record<string, unknown>;
}

const cases: Case[] = readdirSync(dir)
  .filter((f) => f.endsWith('.j2'))
  .sort()
  .map((f) => {
    const name = f.slice(0, -3);
    const varsFile = join(dir, `${name}.yml`);
    const vars = existsSync(varsFile) ? (parse(readFileSync(varsFile, 'utf8')) as Record<string, unknown>) : {};
    return { name, path: join(dir, f), src: f, vars: { ...vars, playbook_dir: dir } };
  });

type Outcome = { ok: string } | { error: string };

function renderWithAnsible(): Record<string, Outcome> {
  const r = spawnSync(python, [script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`render-with-ansible.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Outcome>;
}

function renderWithTsplay(c: Case): Outcome {
  try {
    const text = readFileSync(c.path, 'utf8');
    return { ok: new Templar().renderFile(text, c.vars, { path: c.path, templateVars: ansibleTemplateVars(c.src, c.path) }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe.skipIf(!hasAnsible && !inCi)('Jinja templates render as ansible-core renders them', () => {
  if (!hasAnsible) {
    it('needs ansible-core', () => {
      throw new Error(`CI=true but ${python} cannot import ansible (apt-get install ansible-core; .ci/run installs it)`);
    });
    return;
  }
  const started = Date.now();
  const ansible = renderWithAnsible();
  const pythonMs = Date.now() - started;

  it(`has cases, and ansible rendered them all in one process (${pythonMs} ms)`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(ansible).sort()).toEqual(cases.map((c) => c.name));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const theirs = ansible[name]!;
    const ours = renderWithTsplay(c);
    if (name.startsWith('error-')) {
      expect('error' in theirs, `ansible rendered ${JSON.stringify(theirs)}`).toBe(true);
      expect('error' in ours, `tsplay rendered ${JSON.stringify(ours)}`).toBe(true);
      return;
    }
    expect('error' in theirs, `ansible failed: ${'error' in theirs ? theirs.error : ''}`).toBe(false);
    expect(ours).toEqual(theirs);
  });
});
