/**
 * tsplay as a user gets it: `npm pack` the repo, install the tarball into a temp copy of
 * examples/custom-modules (offline, from the npm cache that `npm ci` filled), then run the
 * example's own test, its typecheck and its playbook with the installed `tsplay` bin.
 *
 * Offline: `npm ci` caches package tarballs but not the registry's metadata, so a plain
 * `npm install` could not resolve the example's version ranges without the network. Every
 * package the example needs is pinned in tsplay's own package-lock.json (the example uses
 * tsplay's dependencies and the same dev tools), so the copy gets a lockfile made from it,
 * plus the tarball, and `npm ci --offline` installs that.
 *
 * The pack uses --ignore-scripts: the `prepack` build would rewrite dist/ under the other
 * e2e tests running beside this one. The build is ensured first, and the package.json
 * check below keeps `prepack` and `files` as they must be.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repo } from './project-helper.js';

const example = join(repo, 'examples/custom-modules');

/** The example's lockfile: tsplay's own, with the example as root and tsplay as the packed tarball. */
function exampleLockfile(pkg: { name: string; version: string; dependencies: object; devDependencies: object }, tarball: string): object {
  const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  const repoPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const { '': _root, ...installed } = repoLock.packages as Record<string, unknown>;
  return {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies, devDependencies: pkg.devDependencies },
      'node_modules/tsplay': {
        version: repoPkg.version,
        resolved: `file:${tarball}`,
        integrity,
        license: repoPkg.license,
        dependencies: repoPkg.dependencies,
        bin: repoPkg.bin,
        engines: repoPkg.engines,
      },
      // tsplay's dependencies and dev tools; npm ci leaves out what the example does not use.
      ...installed,
    },
  };
}

function sh(cmd: string, args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('the npm package and the example project', () => {
  let tarball: string;
  let project: string;

  beforeAll(() => {
    ensureBuilt();
    const packDir = mkdtempSync(join(tmpdir(), 'tsplay-pack-'));
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: repo, stdio: 'ignore' });
    tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    project = mkdtempSync(join(tmpdir(), 'tsplay-example-'));
    cpSync(example, project, { recursive: true, filter: (src) => !src.includes('node_modules') });
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    pkg.dependencies.tsplay = `file:${tarball}`;
    writeFileSync(join(project, 'package.json'), JSON.stringify(pkg, null, 2));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(exampleLockfile(pkg, tarball), null, 2));
    const install = sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
    if (install.code !== 0) throw new Error(`npm install of the packed tsplay failed:\n${install.out}`);
  }, 600_000);

  it('package.json builds before packing and ships only what an installation needs', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepack).toMatch(/npm run build/);
    const listed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of ['bin/tsplay.js', 'dist/core/cli/main.js', 'dist/core/index.d.ts', 'dist/core/testing/index.d.ts', 'dist/core/helpers/index.d.ts', 'dist/core/modules/ts-hooks.js', 'dist/modules/_index.json', 'dist/modules/copy.js', 'dist/fast/core/cli/main.js', 'dist/fast/modules/_index.json', 'dist/fast/core/modules/validators/copy.cjs', 'README.md']) {
      expect(listed).toContain(`package/${f}`);
    }
    expect(listed.filter((f) => /^package\/(test|bench|core|modules|dist\/bench)\//.test(f))).toEqual([]);
  });

  it("the example's own test and typecheck pass against the installed package", () => {
    const test = sh('npx', ['vitest', 'run'], project);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toMatch(/Tests\s+7 passed/);
    const types = sh('npx', ['tsc', '--noEmit'], project);
    expect(types.code, types.out).toBe(0);
  }, 180_000);

  it('the installed tsplay bin runs the playbook with the custom module, then changes nothing', () => {
    const dest = join(project, 'environment');
    const play = (...extra: string[]) => sh('npx', ['tsplay', 'run', 'site.yml', '-i', 'localhost,', '-c', 'local', '-e', `dest=${dest}`, ...extra], project);
    const first = play('--diff');
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('+LANG=C.UTF-8');
    expect(first.out).toMatch(/localhost\s+: ok=1\s+changed=1 /);
    expect(readFileSync(dest, 'utf8')).toBe('LANG=C.UTF-8\n');
    const second = play();
    expect(second.out).toMatch(/localhost\s+: ok=1\s+changed=0 /);
  }, 180_000);
});
