/**
 * Structured JSON logs (pino) for `--log-file` / `TSPLAY_LOG`: one line per event, with
 * per-task durations. Known secrets are masked before anything is written, and common
 * secret-bearing keys are redacted by path as a second line of defence.
 */
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { SecretRegistry } from './redact.js';
import { silentLogger } from './silent-logger.js';

/** The log file cannot be opened: a message for the user, raised before anything runs. */
export class LogFileError extends Error {
  override name = 'LogFileError';
}

const REASONS: Record<string, string> = {
  EISDIR: 'is a directory; give a file name',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'a part of the path is a file, not a directory',
  ENOENT: 'the directory does not exist',
};

/**
 * Create the missing directories above `file`, one by one: mkdirSync's own `recursive`
 * never returns for some paths (under /proc it loops on ENOENT).
 */
function makeParents(file: string): void {
  const missing: string[] = [];
  for (let dir = dirname(file); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
}

/**
 * Open (append) the log file now, so a bad path is a clear error before the run instead of
 * an asynchronous stream error with a stack trace in the middle of it.
 */
function openLogFile(file: string): number {
  try {
    makeParents(file);
    return openSync(file, 'a');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new LogFileError(`log file ${file}: cannot write it: ${REASONS[code] ?? (err as Error).message}`);
  }
}

/** pino is loaded only when there is a log file to write (silent-logger.ts says why). */
export async function createLogger(file: string | undefined, secrets: SecretRegistry): Promise<Logger> {
  if (!file) return silentLogger();
  const fd = openLogFile(file);
  const { default: pino } = await import('pino');
  return pino(
    {
      level: process.env.TSPLAY_LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: ['password', '*.password', 'become.password', 'ansible_password', 'ansible_become_password', '*.ansible_become_password', '*.ansible_password'],
        censor: '********',
      },
      hooks: {
        // Mask any known secret in every argument before pino serialises it.
        logMethod(args, method) {
          method.apply(this, secrets.mask(args) as typeof args);
        },
      },
    },
    pino.destination({ fd, sync: false }),
  );
}
