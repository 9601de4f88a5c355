/**
 * pause through the CLI: on a terminal (util-linux `script` gives the run a pty) one prompt
 * serves every host and the hidden answer reaches `user_input`; without a terminal the
 * prompt is not waited for.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './project-helper.js';

let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'tsplay-pause-'));
  writeFileSync(
    join(dir, 'p.yml'),
    ['- hosts: all', '  gather_facts: false', '  tasks:', '    - pause: { prompt: "Type the code", echo: false }', '      register: r', '    - debug: { msg: "got [{{ r.user_input }}]" }', ''].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pause from the command line', () => {
  it('on a terminal: one prompt for all hosts, the hidden answer in user_input', async () => {
    const child = spawn('script', ['-qec', `${process.execPath} ${cli} run ${join(dir, 'p.yml')} -i a,b, -c local`, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Type the code (output is hidden):') && !out.includes('@sent')) {
        out += '@sent';
        child.stdin.write('s3cr3t\r');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(out.match(/Type the code/g)).toHaveLength(1);
    expect(out.match(/got \[s3cr3t\]/g)).toHaveLength(2);
  }, 60_000);

  it('without a terminal: not waited for', () => {
    const r = spawnSync(process.execPath, [cli, 'run', join(dir, 'p.yml'), '-i', 'a,', '-c', 'local'], { encoding: 'utf8', input: '', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('got []');
  });
});
