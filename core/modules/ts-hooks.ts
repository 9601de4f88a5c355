/**
 * Node module customization hooks (run in Node's loader thread) for user modules:
 * resolve 'tsplay' and 'tsplay/testing' to this installation, and transpile TypeScript
 * with esbuild (types are stripped, not checked: `tsc` in the user's editor does that).
 */
import { readFile } from 'node:fs/promises';

interface HookData {
  tsplayEntry: string;
  tsplayTesting: string;
}

let data: HookData;

export function initialize(d: HookData): void {
  data = d;
}

type Next<T> = (...args: any[]) => Promise<T>;

export async function resolve(specifier: string, context: unknown, next: Next<unknown>): Promise<unknown> {
  if (specifier === 'tsplay') return { url: data.tsplayEntry, shortCircuit: true };
  if (specifier === 'tsplay/testing') return { url: data.tsplayTesting, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url: string, context: unknown, next: Next<unknown>): Promise<unknown> {
  if (!/\.m?ts$/.test(url) || !url.startsWith('file:')) return next(url, context);
  const { transform } = await import('esbuild');
  const source = await readFile(new URL(url), 'utf8');
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: url, sourcemap: 'inline' });
  return { format: 'module', source: out.code, shortCircuit: true };
}
