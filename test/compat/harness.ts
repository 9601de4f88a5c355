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
 * compare equal. Archives and compressed files (by their magic bytes) compare by what they
 * hold, not their bytes: gzip and tar headers carry the time they were written, which differs
 * between two runs of anything.
 *
 * A case is a folder under test/compat/cases/ with `playbook.yml`, optional
 * `inventory.ini` (default: localhost with the local connection) and any files it needs;
 * an optional `compat.yml` may say `skip: [again, check]` for a run that makes no sense, and
 * `known_difference: <why, and where it is documented>` for a case whose results differ.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** Every file and directory under `dir`: mode and content (`<DIR>` for the copy's path); a symbolic link: its target. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (IGNORED.has(name) || name.endsWith('.retry')) continue;
      const p = join(d, name);
      const key = relative(dir, p);
      if (lstatSync(p).isSymbolicLink()) {
        out[key] = `link -> ${readlinkSync(p).split(dir).join('<DIR>')}`;
        continue;
      }
      const st = statSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${key}/`] = `dir ${mode}`;
        walk(p);
      } else {
        const packed = unpacked(p);
        if (packed) {
          for (const [member, value] of Object.entries(packed)) out[`${key}!${member}`] = value;
          continue;
        }
        const text = readFileSync(p, 'utf8').split(dir).join('<DIR>');
        out[key] = `${mode} ${text}`;
      }
    }
  };
  walk(dir);
  return out;
}

const COMPRESSION: Array<[string, Buffer, string]> = [
  ['gzip', Buffer.from([0x1f, 0x8b]), 'gzip'],
  ['bzip2', Buffer.from('BZh'), 'bzip2'],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 'xz'],
];

/**
 * What a tar archive or a compressed file holds, for comparing (null: neither): the format
 * (compression and whether it is a tar), then each member's mode and content as `snapshot`
 * gives them. Member times, owners and order are left out: they record when and how the
 * archive was written, not what it holds.
 */
function unpacked(file: string): Record<string, string> | null {
  const head = Buffer.alloc(512);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  const compression = COMPRESSION.find(([, magic]) => n >= magic.length && head.subarray(0, magic.length).equals(magic));
  const plainTar = n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  if (!compression && !plainTar) return null;
  let data: Buffer = readFileSync(file);
  if (compression) {
    const r = spawnSync(compression[2], ['-dc'], { input: data, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) return { '': `${compression[0]} (unreadable)` };
    data = r.stdout;
  }
  const isTar = data.length >= 262 && data.subarray(257, 262).toString('latin1') === 'ustar';
  const format = `${compression?.[0] ?? 'plain'} ${isTar ? 'tar' : 'file'}`;
  if (!isTar) return { '': `${format} ${data.toString('utf8')}` };
  const into = mkdtempSync(join(tmpdir(), 'tsplay-compat-archive-'));
  try {
    const r = spawnSync('tar', ['-xf', '-', '-C', into, '--no-same-owner'], { input: data, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) return { '': `${format} (unreadable: ${r.stderr.toString().trim()})` };
    return { '': format, ...snapshot(into) };
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
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
