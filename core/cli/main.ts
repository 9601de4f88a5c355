/**
 * CLI entry. `--version` answers before any heavy import so start-up stays fast; every
 * other command loads commander and its own implementation lazily.
 */
import { readFileSync } from 'node:fs';

export const EXIT = { OK: 0, ERROR: 1, HOST_FAILED: 2, UNREACHABLE: 4, BAD_OPTIONS: 5 } as const;

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
