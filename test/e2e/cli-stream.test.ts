/**
 * -v streams a command's output as it arrives: the test sees the first line while the
 * command is still waiting (for a file only the test creates after seeing that line).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

describe('-v streams command output', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('shows a line before the command ends; no_log tasks and guard answers stream nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-stream-'));
    const go = join(dir, 'go');
    writeFileSync(join(dir, 'hosts'), 'localhost ansible_connection=local\n');
    writeFileSync(
      join(dir, 'pb.yml'),
      `- hosts: localhost\n  gather_facts: false\n  tasks:\n` +
        `    - name: wait\n      shell: "echo waiting; while [ ! -e ${go} ]; do sleep 0.1; done; echo done >&2"\n` +
        `    - name: hidden\n      shell: echo s3cret-value\n      no_log: true\n` +
        `    - name: guarded\n      command: echo never\n      args:\n        creates: ${go}\n`,
    );
    const child = spawn(process.execPath, [cli, 'run', 'pb.yml', '-i', 'hosts', '-v'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let sawBeforeEnd = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sawBeforeEnd && out.includes('[localhost] stdout| waiting')) {
        // The command is still in its loop: only this file ends it.
        sawBeforeEnd = !out.includes('changed: [localhost]');
        writeFileSync(go, '');
      }
    });
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(code).toBe(0);
    expect(sawBeforeEnd).toBe(true);
    expect(out).toContain('[localhost] stderr| done');
    expect(out).not.toContain('stdout| s3cret-value');
    expect(out).not.toMatch(/stdout\| tsplay-/);
  }, 60_000);
});
