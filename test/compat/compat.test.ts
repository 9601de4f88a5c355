/**
 * Every case under test/compat/cases/ gives the same results under ansible-playbook and
 * tsplay: exit code, recap counters per host, files written (bytes, mode), a second run,
 * and check mode. One test per case; the cases run in parallel. Needs ansible-core
 * (`apt-get install ansible-core`; .ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, caseNames, runCase } from './harness.js';

describe.concurrent('ansible-playbook and tsplay give the same results', () => {
  beforeAll(() => {
    try {
      execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('ansible-playbook is not installed: the compat suite compares tsplay with it (apt-get install ansible-core)');
    }
    if (!existsSync(join(REPO, 'dist/core/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  for (const name of caseNames()) {
    it(name, async () => {
      const [ansible, tsplay] = await Promise.all([runCase('ansible', name), runCase('tsplay', name)]);
      expect(tsplay).toEqual(ansible);
    });
  }
});
