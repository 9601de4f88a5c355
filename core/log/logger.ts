/**
 * Structured JSON logs (pino) for `--log-file` / `TSPLAY_LOG`: one line per event, with
 * per-task durations. Known secrets are masked before anything is written, and common
 * secret-bearing keys are redacted by path as a second line of defence.
 */
import pino, { type Logger } from 'pino';
import type { SecretRegistry } from './redact.js';

export function createLogger(file: string | undefined, secrets: SecretRegistry): Logger {
  if (!file) return pino({ level: 'silent' });
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
    pino.destination({ dest: file, sync: false, mkdir: true }),
  );
}
