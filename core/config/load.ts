/**
 * The run's configuration: ansible.cfg found where Ansible finds it, every setting resolved.
 */
import { homedir } from 'node:os';
import { findAnsibleCfg, readAnsibleCfg } from './ansible-cfg.js';
import { resolveSettings, type ResolvedConfig } from './settings.js';

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  warn?(message: string): void;
}

export function loadConfig(o: LoadConfigOptions = {}): ResolvedConfig {
  const ctx = { env: o.env ?? process.env, cwd: o.cwd ?? process.cwd(), home: o.home ?? homedir() };
  const path = findAnsibleCfg({ ...ctx, warn: o.warn ?? (() => {}) });
  return resolveSettings(path ? readAnsibleCfg(path) : undefined, ctx);
}
