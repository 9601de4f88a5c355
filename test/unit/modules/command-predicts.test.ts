import { describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import command from '../../../modules/command.js';
import { HostRuntime, runModuleLocally } from '../../../core/testing/index.js';

describe('command in check mode records what its guard names', () => {
  it('a `creates` path is predicted to exist for later tasks of the same dry run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-cmd-pred-'));
    const target = join(dir, 'answer.txt');
    const runtime = new HostRuntime();
    const first = await runModuleLocally(command, { cmd: `touch ${target}`, creates: target }, { check: true, runtime });
    expect(first).toMatchObject({ changed: true });
    expect(existsSync(target)).toBe(false);
    expect(runtime.predicted.file(target)).toBe('exists');
    // The same guarded command again in the same dry run: the file "exists" now.
    const second = await runModuleLocally(command, { cmd: `touch ${target}`, creates: target }, { check: true, runtime });
    expect(second).toMatchObject({ changed: false });
  });
});
