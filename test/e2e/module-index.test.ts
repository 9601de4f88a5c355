/**
 * The compiled CLI registers built-in modules from the build's index (dist/modules/_index.json)
 * and imports a module's file only when a task uses it. Checked against dist/.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const dist = join(repo, 'dist');

type Registry = {
  info(name: string): { name: string; freeForm: string | undefined } | undefined;
  has(name: string): boolean;
  get(name: string): { name: string } | undefined;
  resolve(name: string): Promise<{ name: string; freeForm?: string } | undefined>;
  names(): string[];
};

async function distRegistry(): Promise<Registry> {
  const { ModuleRegistry } = (await import(pathToFileURL(join(dist, 'core/modules/registry.js')).href)) as { ModuleRegistry: { create(): Promise<Registry> } };
  return ModuleRegistry.create();
}

beforeAll(() => {
  if (!existsSync(join(dist, 'modules/_index.json'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
});

describe('the built-in module index', () => {
  it('lists every built-in module file', async () => {
    const files = readdirSync(join(dist, 'modules')).filter((f) => f.endsWith('.js') && !f.startsWith('_'));
    const registry = await distRegistry();
    expect(registry.names().length).toBe(files.length);
  });

  it('answers names, aliases and free-form keys without importing, and imports on resolve', async () => {
    const registry = await distRegistry();
    expect(registry.info('ansible.builtin.shell')).toEqual({ name: 'shell', freeForm: 'cmd' });
    expect(registry.info('dnf')?.name).toBe('yum');
    expect(registry.has('no_such_module')).toBe(false);
    // Not imported yet: asking for the definition synchronously is a programming error.
    expect(() => registry.get('copy')).toThrow(/not imported yet/);
    const copy = await registry.resolve('ansible.builtin.copy');
    expect(copy?.name).toBe('copy');
    expect(registry.get('copy')).toBe(copy);
    // Every indexed entry resolves to the module it names, with the same free-form key.
    for (const name of registry.names()) {
      const def = await registry.resolve(name);
      expect(def?.name, name).toBe(name);
      expect(def?.freeForm, name).toBe(registry.info(name)?.freeForm);
    }
  });
});

describe('a stale build', () => {
  it('fails the task that uses a module whose file no longer matches the index, with a message and no stack trace', () => {
    // A copy of the build whose index says ping.js is a module named 'pong'.
    const root = mkdtempSync(join(tmpdir(), 'tsplay-stale-'));
    cpSync(dist, join(root, 'dist'), { recursive: true });
    cpSync(join(repo, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(repo, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    // Both copies of the index: the tsc output's and the bundle's (scripts/bundle-cli.mjs), which bin/tsplay.js starts from.
    for (const indexFile of [join(root, 'dist', 'modules', '_index.json'), join(root, 'dist', 'fast', 'modules', '_index.json')]) {
      const index = JSON.parse(readFileSync(indexFile, 'utf8')) as Array<{ file: string; name: string }>;
      index.find((e) => e.file === 'ping.js')!.name = 'pong';
      writeFileSync(indexFile, JSON.stringify(index));
    }
    writeFileSync(join(root, 'site.yml'), '- hosts: all\n  gather_facts: no\n  tasks:\n    - name: stale\n      pong:\n');
    writeFileSync(join(root, 'hosts.ini'), 'localhost ansible_connection=local\n');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'tsplay.js'), 'run', join(root, 'site.yml'), '-i', join(root, 'hosts.ini')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('no longer matches the build\'s module index: run npm run build');
    expect(r.stdout).toContain('site.yml:4');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
  });
});

describe('output to a reader that stops early', () => {
  it('ends quietly (no EPIPE stack trace)', async () => {
    // Far more output than a pipe buffers, so the CLI is still writing when we hang up.
    const inventory = join(mkdtempSync(join(tmpdir(), 'tsplay-epipe-')), 'hosts.ini');
    writeFileSync(inventory, Array.from({ length: 5000 }, (_, i) => `host${i} ansible_host=198.18.0.1 note=${'x'.repeat(60)}`).join('\n'));
    const child = spawn(process.execPath, [join(repo, 'bin/tsplay.js'), 'inventory', '-i', inventory, '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Close our end after the first chunk, as `| head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
