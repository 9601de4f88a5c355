/**
 * Node module customization hooks (run in Node's loader thread) for user modules:
 * - resolve 'tsplay', 'tsplay/testing' and 'tsplay/helpers' to this installation, so a module folder needs
 *   no node_modules of its own;
 * - resolve a relative `./x.js` (or `.mjs`) import to `x.ts` (`.mts`) when only the
 *   TypeScript source exists, which is what tsc and vitest expect authors to write;
 * - transpile `.ts`/`.mts` with esbuild (types are stripped, not checked: `tsc` in the
 *   user's editor does that), with an inline source map so stacks show the author's lines.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface HookData {
  tsplayEntry: string;
  tsplayTesting: string;
  tsplayHelpers: string;
  /** esbuild's entry, resolved by the main thread. */
  esbuild: string;
}

let data: HookData;

export function initialize(d: HookData): void {
  data = d;
}

type Next<T> = (...args: any[]) => Promise<T>;

const TS_FOR_JS: Record<string, string> = { '.js': '.ts', '.mjs': '.mts' };

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<unknown>): Promise<unknown> {
  if (specifier === 'tsplay') return { url: data.tsplayEntry, shortCircuit: true };
  if (specifier === 'tsplay/testing') return { url: data.tsplayTesting, shortCircuit: true };
  if (specifier === 'tsplay/helpers') return { url: data.tsplayHelpers, shortCircuit: true };
  const parent = context.parentURL;
  const ext = /\.m?js$/.exec(specifier)?.[0];
  if (ext && (specifier.startsWith('./') || specifier.startsWith('../')) && parent?.startsWith('file:')) {
    const asJs = new URL(specifier, parent);
    if (!existsSync(fileURLToPath(asJs))) {
      const asTs = new URL(specifier.slice(0, -ext.length) + TS_FOR_JS[ext], parent);
      if (existsSync(fileURLToPath(asTs))) return { url: asTs.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url: string, context: unknown, next: Next<unknown>): Promise<unknown> {
  if (!/\.m?ts$/.test(url) || !url.startsWith('file:')) return next(url, context);
  const { transform } = (await import(data.esbuild)) as typeof import('esbuild');
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  // sourcefile is the path, so mapped stack frames name the file the author edits.
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file, sourcemap: 'inline' });
  return { format: 'module', source: out.code, shortCircuit: true };
}
