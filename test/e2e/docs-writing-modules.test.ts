/**
 * docs/writing-modules.md cannot rot: every code block in it is used, in order, on a fresh
 * project made the way the tutorial says.
 *
 * - a block with `title="PATH"` is written to PATH in the project;
 * - a `sh` block is run there line by line (bash, stop at the first failure), with the
 *   project's node_modules/.bin on PATH;
 * - a `text output` block lists lines the preceding `sh` block must print (spacing aside);
 * - the `sh install` block is not run (it needs the registry: test/e2e/package-example.test.ts
 *   installs the packed tarball the same way): every package it names must be installed in
 *   the project, which links tsplay (this checkout, built) and tsplay's own dev tools.
 *
 * A block of any other kind fails the test, so a new block is either real or not there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repo } from './project-helper.js';

interface Block {
  info: string;
  body: string;
  line: number;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ info: open[1]!.trim(), body: `${body.join('\n')}\n`, line: start + 1 });
  }
  return out;
}

/** A project whose node_modules has tsplay (this checkout) and tsplay's own packages. */
function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-docs-tutorial-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name === '.bin' || name.startsWith('.')) continue;
    symlinkSync(join(repo, 'node_modules', name), join(modules, name));
  }
  for (const name of readdirSync(join(repo, 'node_modules', '.bin'))) symlinkSync(join(repo, 'node_modules', '.bin', name), join(modules, '.bin', name));
  symlinkSync(repo, join(modules, 'tsplay'));
  symlinkSync(join(repo, 'bin', 'tsplay.js'), join(modules, '.bin', 'tsplay'));
  return dir;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('docs/writing-modules.md, run as written', () => {
  const doc = readFileSync(join(repo, 'docs/writing-modules.md'), 'utf8');
  const all = blocks(doc);
  let project: string;

  beforeAll(() => {
    ensureBuilt();
    project = makeProject();
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('has the tutorial: files, commands and their output', () => {
    expect(all.filter((b) => b.info.includes('title=')).length).toBeGreaterThanOrEqual(8);
    expect(all.filter((b) => b.info === 'sh').length).toBeGreaterThanOrEqual(4);
  });

  it('every block works, in order', () => {
    let lastOutput: string | undefined;
    for (const block of all) {
      const where = `docs/writing-modules.md:${block.line} (\`\`\`${block.info})`;
      const title = /title="([^"]+)"/.exec(block.info);
      if (title) {
        const path = join(project, title[1]!);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, block.body);
      } else if (block.info === 'sh install') {
        const names = [...block.body.matchAll(/npm install (?:--save-dev )?([^\n]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
        expect(names, where).toContain('tsplay');
        for (const name of names) expect(existsSync(join(project, 'node_modules', name, 'package.json')), `${where}: ${name} is not installed`).toBe(true);
      } else if (block.info === 'sh') {
        lastOutput = '';
        for (const command of block.body.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
          const r = spawnSync('bash', ['-c', command], {
            cwd: project,
            encoding: 'utf8',
            timeout: 240_000,
            env: { ...process.env, NO_COLOR: '1', PATH: `${join(project, 'node_modules/.bin')}:${process.env.PATH}`, npm_config_update_notifier: 'false' },
          });
          const out = `${r.stdout}${r.stderr}`;
          expect(r.status, `${where}: \`${command}\` failed:\n${out}`).toBe(0);
          lastOutput += out;
        }
      } else if (block.info === 'text output') {
        expect(lastOutput, `${where}: an output block must follow a sh block`).toBeDefined();
        for (const line of block.body.split('\n').filter((l) => l.trim())) {
          expect(squash(lastOutput!), `${where}: the output should contain "${line.trim()}"`).toContain(squash(line));
        }
        lastOutput = undefined;
      } else {
        throw new Error(`${where}: unknown kind of block; give it title="FILE", or make it a sh / text output block`);
      }
    }
  }, 600_000);
});
