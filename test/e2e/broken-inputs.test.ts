/**
 * The corpus of broken inputs (test/fixtures/broken/cases.yml): each case runs the compiled
 * CLI in its own folder and must end as an Ansible user expects: the right exit code (5 bad
 * playbook/inventory/options, 2 a task failed, 1 other), the message and the file:line it
 * names, no stack trace and no JavaScript engine message, within bounded time and memory.
 * Add a case for every bad input found.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cli, ensureBuilt, repo } from './project-helper.js';

const corpus = join(repo, 'test/fixtures/broken');

interface Case {
  name: string;
  /** Folder of the case's files, relative to the corpus; also the working directory. */
  dir: string;
  args: string[];
  exit: number;
  /** Fragments the output (stderr and stdout) must contain. */
  message: string[];
  /** `file:line` (or `file:line:column`) the message must name, when there is a position. */
  at?: string;
}

const cases = parse(readFileSync(join(corpus, 'cases.yml'), 'utf8')) as Case[];
/** Engine words and traces a user must never see. */
const LEAKS = [
  /^\s+at .+[:(]/m,
  /Maximum call stack size exceeded/,
  /Invalid string length/,
  /parseAllDocuments/,
  /YAMLWarning/,
  /SonicBoom/,
  /\b(TypeError|RangeError|ReferenceError|SyntaxError):/,
  /unexpected error/,
  /node:internal/,
];
const PER_CASE_MS = 20_000;

describe('broken inputs get a clear error', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--max-old-space-size=768', cli, ...c.args], {
      cwd: join(corpus, c.dir),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TSPLAY_DEBUG: '' },
      timeout: PER_CASE_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    const elapsed = Date.now() - started;
    const output = `${r.stderr}\n${r.stdout}`;
    expect(r.signal, `killed (${r.signal}) after ${elapsed} ms:\n${output}`).toBeNull();
    expect(r.status, output).toBe(c.exit);
    for (const fragment of c.message) expect(output).toContain(fragment);
    // file:line[:column], not followed by more digits (site.yml:4 must not pass for site.yml:41).
    if (c.at) expect(output).toMatch(new RegExp(`${c.at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\d])`));
    for (const leak of LEAKS) expect(output, `leaks ${leak}`).not.toMatch(leak);
  }, PER_CASE_MS + 5_000);
});
