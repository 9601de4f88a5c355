/**
 * CLI entry. `--version` answers before any heavy import so start-up stays fast; every
 * other command loads commander and its own implementation lazily.
 */
import { readFileSync } from 'node:fs';

export const EXIT = { OK: 0, ERROR: 1, HOST_FAILED: 2, UNREACHABLE: 4, BAD_OPTIONS: 5 } as const;

/** tsplay's package.json: the nearest one above this file (dist/core/cli/, dist/fast/core/cli/ or core/cli/). */
export function version(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'tsplay') return pkg.version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`tsplay ${version()}\n`);
    return EXIT.OK;
  }
  // `tsplay doc --list | head`: a reader that stops early is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw err;
  });
  const { runProgram } = await import('./program.js');
  return runProgram(argv);
}
