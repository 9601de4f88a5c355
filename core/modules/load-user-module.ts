/**
 * Imports a user's module file through Node's own loader, with the hooks of ts-hooks.ts
 * registered once on first use (TypeScript, `./x.js` → `x.ts`, 'tsplay' resolution).
 * Source maps are switched on so a module's stack points at the lines its author wrote.
 *
 * The hooks run in Node's loader thread from the compiled `ts-hooks.js`, so user modules
 * load in the built CLI (tests of custom modules go through it: test/e2e).
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

let hooksRegistered = false;

export async function importUserModule(file: string): Promise<unknown> {
  if (!hooksRegistered) {
    process.setSourceMapsEnabled(true);
    const data = {
      tsplayEntry: new URL('../index.js', import.meta.url).href,
      tsplayTesting: new URL('../testing/index.js', import.meta.url).href,
      tsplayHelpers: new URL('../helpers/index.js', import.meta.url).href,
      // Resolved here: the loader thread resolves bare names from the hooks file's place.
      esbuild: import.meta.resolve('esbuild'),
    };
    // From the parent folder so it also holds in the bundle (scripts/bundle-cli.mjs).
    register(new URL('../modules/ts-hooks.js', import.meta.url), { data });
    hooksRegistered = true;
  }
  return import(pathToFileURL(file).href);
}
