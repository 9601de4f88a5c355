/**
 * Imports a user's module file. A Node module hook, registered once on first use,
 * resolves `import ... from 'tsplay'` to this installation (so a module folder needs no
 * node_modules of its own) and transpiles `.ts` files with esbuild.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

let hooksRegistered = false;

export async function importUserModule(file: string): Promise<unknown> {
  if (!hooksRegistered) {
    const tsplayEntry = new URL('../index.js', import.meta.url).href;
    const tsplayTesting = new URL('../testing/index.js', import.meta.url).href;
    register(new URL('./ts-hooks.js', import.meta.url), { data: { tsplayEntry, tsplayTesting } });
    hooksRegistered = true;
  }
  return import(pathToFileURL(file).href);
}
