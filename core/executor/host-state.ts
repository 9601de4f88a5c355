/**
 * Per-host state that lives for one run: the fact cache (what modules have read from the
 * host) and, in check mode, the predicted state that earlier tasks would have produced.
 */
import type { FactCache, PredictedState } from '../modules/api.js';

export class HostFactCache implements FactCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = load();
      this.entries.set(key, entry);
      // A failed read must not poison the cache: the next task may try again.
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }

  invalidate(prefix?: string): void {
    if (prefix === undefined) return this.entries.clear();
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

export class HostPredictedState implements PredictedState {
  private readonly files = new Map<string, Buffer | 'exists' | 'absent'>();
  private readonly other = new Map<string, unknown>();

  file(path: string): Buffer | 'exists' | 'absent' | undefined {
    return this.files.get(path);
  }

  setFile(path: string, state: Buffer | 'exists' | 'absent'): void {
    this.files.set(path, state);
  }

  filesIn(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
  }

  get<T>(namespace: string, key: string): T | undefined {
    return this.other.get(`${namespace}\0${key}`) as T | undefined;
  }

  set<T>(namespace: string, key: string, value: T): void {
    this.other.set(`${namespace}\0${key}`, value);
  }
}

/** Everything the executor keeps per host for the length of a run. */
export class HostRuntime {
  readonly facts = new HostFactCache();
  readonly predicted = new HostPredictedState();
}
