/**
 * Runs the compiled CLI on a throw-away project (playbook, modules/, roles/...) written to
 * a temp dir: what a user of custom modules does. Results come from `--json`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repo = resolve(__dirname, '../..');
/** The CLI as users start it. */
export const cli = join(repo, 'bin/tsplay.js');

export function ensureBuilt(): void {
  if (!existsSync(join(repo, 'dist/fast/core/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
}

/** Write `files` (path relative to the project → content) into a new temp dir. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-project-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function tsplay(args: string[], cwd?: string): CliRun {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `tsplay run site.yml` on localhost over the local connection. */
export function runProject(dir: string, ...extra: string[]): CliRun {
  return tsplay(['run', join(dir, 'site.yml'), '-i', 'localhost,', '-c', 'local', ...extra], dir);
}

/** Each task's result on localhost from `--json` output, by task name. */
export function jsonResults(run: CliRun): Map<string, Record<string, any>> {
  const doc = JSON.parse(run.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, any>> }> }> };
  const out = new Map<string, Record<string, any>>();
  for (const play of doc.plays) for (const t of play.tasks) if (t.hosts.localhost) out.set(t.task.name, t.hosts.localhost);
  return out;
}

/** A module file body: `body` is the inside of `async run(ctx) {}`. */
export function moduleSource(name: string, body: string, extra = ''): string {
  return `import { defineModule } from 'tsplay';
export default defineModule({
  name: '${name}',
  schema: { type: 'object', additionalProperties: true, properties: {} },
  docs: { short: '${name}', examples: '- ${name}: {}' },${extra}
  async run(ctx: any) { ${body} },
});
`;
}
