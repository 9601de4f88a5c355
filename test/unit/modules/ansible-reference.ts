/**
 * Run Ansible's own module on this machine for comparison (ansible-core from Debian, local
 * connection): a list of tasks of one module in ONE ansible-playbook run, results in order.
 * Tests that use it are skipped where ansible-playbook is not installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasAnsible = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v ansible-playbook'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Each task's result as Ansible's json callback reports it. Asynchronous, so a server in
 * the test's own process can answer Ansible's requests.
 */
export async function ansibleResults(module: string, argsList: ReadonlyArray<Record<string, unknown>>, o: { check?: boolean } = {}): Promise<Array<Record<string, unknown>>> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-ansible-ref-'));
  try {
    const play = [{ hosts: 'all', gather_facts: false, tasks: argsList.map((args) => ({ [module]: args, ignore_errors: true })) }];
    writeFileSync(join(dir, 'play.yml'), JSON.stringify(play));
    const { stdout: out } = await promisify(execFile)('ansible-playbook', ['-i', 'localhost,', '-c', 'local', ...(o.check ? ['--check'] : []), join(dir, 'play.yml')], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const doc = JSON.parse(out) as { plays: Array<{ tasks: Array<{ hosts: Record<string, Record<string, unknown>> }> }> };
    return doc.plays[0]!.tasks.map((t) => t.hosts.localhost!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
