/**
 * The logger of a run without `--log-file` / `TSPLAY_LOG`: pino's logger surface, writing
 * nothing. pino itself (with its stream and worker-thread dependencies) is then never
 * loaded, which a run without a log file would otherwise pay for at every start-up.
 */
import { EventEmitter } from 'node:events';
import type { Bindings, Logger } from 'pino';

/** pino's default levels (pino.levels.values). */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

class SilentLogger extends EventEmitter {
  level = 'silent';
  levelVal = Infinity;
  readonly levels = { values: LEVELS, labels: Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k])) };
  useLevelLabels = false;
  msgPrefix = '';
  onChild = (): void => {};
  constructor(private readonly bound: Bindings = {}) {
    super();
  }
  fatal(): void {}
  error(): void {}
  warn(): void {}
  info(): void {}
  debug(): void {}
  trace(): void {}
  silent(): void {}
  child(bindings: Bindings = {}): SilentLogger {
    return new SilentLogger({ ...this.bound, ...bindings });
  }
  bindings(): Bindings {
    return { ...this.bound };
  }
  setBindings(bindings: Bindings): void {
    Object.assign(this.bound, bindings);
  }
  isLevelEnabled(): boolean {
    return false;
  }
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }
}

/** A logger with pino's methods that logs nothing (the level is `silent`). */
export function silentLogger(): Logger {
  return new SilentLogger() as unknown as Logger;
}
