/**
 * Imports a user's module file through Node's own loader, with the hooks of ts-hooks.ts
 * registered once on first use (TypeScript, `./x.js` → `x.ts`, 'tsplay' resolution).
 * Source maps are switched on so a module's stack points at the lines its author wrote.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let hooksRegistered = false;

/**
 * The hooks as a file Node can load: the compiled `ts-hooks.js`, or, when tsplay runs
 * from its sources (vitest), `ts-hooks.ts` transpiled once into a temp dir.
 */
async function hooksUrl(): Promise<URL> {
  const compiled = new URL('./ts-hooks.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  const { transform } = await import('esbuild');
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(fileURLToPath(new URL('./ts-hooks.ts', import.meta.url)), 'utf8');
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'node20' });
  const file = join(mkdtempSync(join(tmpdir(), 'tsplay-hooks-')), 'ts-hooks.mjs');
  writeFileSync(file, out.code);
  return pathToFileURL(file);
}

/** The package entry points, compiled or (in a run from the sources) TypeScript. */
function entry(relative: string): string {
  const js = new URL(`${relative}.js`, import.meta.url);
  return existsSync(fileURLToPath(js)) ? js.href : new URL(`${relative}.ts`, import.meta.url).href;
}

export async function importUserModule(file: string): Promise<unknown> {
  if (!hooksRegistered) {
    process.setSourceMapsEnabled(true);
    const data = { tsplayEntry: entry('../index'), tsplayTesting: entry('../testing/index'), esbuild: import.meta.resolve('esbuild') };
    register(await hooksUrl(), { data });
    hooksRegistered = true;
  }
  return import(pathToFileURL(file).href);
}
