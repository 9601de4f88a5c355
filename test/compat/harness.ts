/**
 * Runs one case playbook under ansible-playbook and under tsplay, side by side on localhost
 * (local connection for both), each in its own copy of the case folder, and returns what
 * the two runs did in the same shape, so a test compares them whole:
 *
 *  - `apply`: the first run: exit code, every PLAY RECAP counter per host, and the files of
 *    the folder afterwards (bytes and mode);
 *  - `again`: a second run on the result of the first (idempotence: changed counts, files);
 *  - `check`: `--check` on a fresh copy (nothing may change; the recap predicts).
 *
 * Absolute paths of the copy in file contents are replaced with `<DIR>`, so the two copies
 * compare equal. A case is a folder under test/compat/cases/ with `playbook.yml`, optional
 * `inventory.ini` (default: localhost with the local connection) and any files it needs;
 * an optional `compat.yml` may say `skip: [again, check]` for a run that makes no sense, and
 * `known_difference: <why, and where it is documented>` for a case whose results differ.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';

export const REPO = resolve(__dirname, '../..');
export const CASES = join(REPO, 'test/compat/cases');
const TSPLAY = join(REPO, 'bin/tsplay.js');
const DEFAULT_INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n';

export type Tool = 'ansible' | 'tsplay';

export interface RunOutcome {
  code: number;
  recap: Record<string, Record<string, number>>;
  files: Record<string, string>;
}

export interface CaseOutcome {
  apply: RunOutcome;
  again?: RunOutcome;
  check?: RunOutcome;
}

export interface CaseOptions {
  skip?: Array<'again' | 'check'>;
  /**
   * Why tsplay's results differ from ansible-playbook's in this case, with a link to the
   * section of docs/ansible-differences.md that documents it (a deliberate difference) or
   * to the open issue (a known bug). The suite then asserts that the results still differ,
   * so a fix cannot go unnoticed, and counts the case against the compatibility score.
   */
  known_difference?: string;
}

export function caseNames(): string[] {
  return readdirSync(CASES)
    .filter((n) => existsSync(join(CASES, n, 'playbook.yml')))
    .sort();
}

export function caseOptions(name: string): CaseOptions {
  const file = join(CASES, name, 'compat.yml');
  return existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as CaseOptions | null) ?? {}) : {};
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** The PLAY RECAP lines: `host : ok=1 changed=0 ...` → { host: { ok: 1, changed: 0, ... } }. */
export function parseRecap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(ok=.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1]!, Number(x[2])]));
  }
  return out;
}

const IGNORED = new Set(['inventory.ini', 'compat.yml', '.ansible']);

/** Every file and directory under `dir`: mode and content (base64, `<DIR>` for the copy's path). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (IGNORED.has(name) || name.endsWith('.retry')) continue;
      const p = join(d, name);
      const st = statSync(p);
      const key = relative(dir, p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${key}/`] = `dir ${mode}`;
        walk(p);
      } else {
        const text = readFileSync(p, 'utf8').split(dir).join('<DIR>');
        out[key] = `${mode} ${text}`;
      }
    }
  };
  walk(dir);
  return out;
}

function prepare(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsplay-compat-${name}-`));
  cpSync(join(CASES, name), dir, { recursive: true });
  if (!existsSync(join(dir, 'inventory.ini'))) writeFileSync(join(dir, 'inventory.ini'), DEFAULT_INVENTORY);
  return dir;
}

async function runTool(tool: Tool, dir: string, check: boolean): Promise<RunOutcome> {
  const extra = check ? ['--check'] : [];
  const r =
    tool === 'ansible'
      ? await run('ansible-playbook', ['-i', 'inventory.ini', 'playbook.yml', ...extra], dir, {
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_RETRY_FILES_ENABLED: '0',
          ANSIBLE_LOCALHOST_WARNING: '0',
          ANSIBLE_DEPRECATION_WARNINGS: '0',
          ANSIBLE_LOCAL_TEMP: join(dir, '.ansible/tmp'),
          ANSIBLE_REMOTE_TEMP: join(dir, '.ansible/remote'),
          ANSIBLE_CONFIG: join(dir, '.ansible/none.cfg'),
        })
      : await run(process.execPath, [TSPLAY, 'run', '-i', 'inventory.ini', 'playbook.yml', ...extra], dir, { NO_COLOR: '1' });
  const recap = parseRecap(r.stdout);
  if (Object.keys(recap).length === 0 && r.code !== 0) {
    // No recap at all (a load error): keep the output in the outcome, so the diff explains it.
    return { code: r.code, recap: { '(no recap)': {} }, files: { '(output)': `${r.stdout}\n${r.stderr}`.slice(-2000) } };
  }
  return { code: r.code, recap, files: snapshot(dir) };
}

/** Run the case under one tool: apply, apply again, and check mode on a fresh copy. */
export async function runCase(tool: Tool, name: string): Promise<CaseOutcome> {
  const options = caseOptions(name);
  const dir = prepare(name);
  try {
    const outcome: CaseOutcome = { apply: await runTool(tool, dir, false) };
    if (!options.skip?.includes('again')) outcome.again = await runTool(tool, dir, false);
    if (!options.skip?.includes('check')) {
      const fresh = prepare(name);
      try {
        outcome.check = await runTool(tool, fresh, true);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    }
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
