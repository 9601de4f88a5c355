/**
 * ansible.cfg and ANSIBLE_* settings under the command line: a flag the user typed wins,
 * otherwise the setting (environment, else ansible.cfg, else tsplay's default), as
 * ansible-playbook layers them.
 */
import { existsSync, statSync } from 'node:fs';
import type { ResolvedConfig } from '../config/settings.js';
import type { RunFlags } from './program.js';

/** Where commander says an option's value came from ('cli' when the user typed it). */
export type OptionSource = (key: keyof RunFlags) => string | undefined;

export interface RunSettings {
  flags: RunFlags;
  rolesPath: string[];
  gathering: 'implicit' | 'explicit' | 'smart';
  hostKeyChecking?: 'strict' | 'off' | 'accept-new';
  retryFiles?: { saveDir?: string };
  /** undefined: decide by the terminal (NO_COLOR, TERM=dumb, not a TTY: none). */
  colour?: boolean;
}

const isDir = (d: string) => existsSync(d) && statSync(d).isDirectory();

export function applyConfig(flags: RunFlags, fromCli: OptionSource, config: ResolvedConfig): RunSettings {
  const typed = (key: keyof RunFlags) => fromCli(key) === 'cli';
  const f: RunFlags = { ...flags };
  if (!f.inventory.length) {
    const sources = config.get<string[]>('DEFAULT_HOST_LIST');
    // Ansible's default /etc/ansible/hosts is optional; a configured source must exist (the
    // inventory loader says so when it does not).
    f.inventory = config.isSet('DEFAULT_HOST_LIST') ? sources : sources.filter((s) => existsSync(s));
  }
  if (!typed('forks')) f.forks = config.get<number>('DEFAULT_FORKS');
  if (!f.user && config.get('DEFAULT_REMOTE_USER')) f.user = config.get<string>('DEFAULT_REMOTE_USER');
  if (!f.privateKey && config.get('DEFAULT_PRIVATE_KEY_FILE')) f.privateKey = config.get<string>('DEFAULT_PRIVATE_KEY_FILE');
  if (f.timeout === undefined && config.isSet('DEFAULT_TIMEOUT')) f.timeout = config.get<number>('DEFAULT_TIMEOUT');
  if (f.taskTimeout === undefined && config.get<number>('TASK_TIMEOUT') > 0) f.taskTimeout = config.get<number>('TASK_TIMEOUT');
  if (!typed('become')) f.become = config.get<boolean>('DEFAULT_BECOME');
  if (!f.becomeUser && config.isSet('DEFAULT_BECOME_USER')) f.becomeUser = config.get<string>('DEFAULT_BECOME_USER');
  if (!typed('askBecomePass')) f.askBecomePass = config.get<boolean>('DEFAULT_BECOME_ASK_PASS');
  if (!typed('askPass')) f.askPass = config.get<boolean>('DEFAULT_ASK_PASS');
  if (!typed('forceHandlers')) f.forceHandlers = config.get<boolean>('DEFAULT_FORCE_HANDLERS');
  // -M folders first, then the configured library (Ansible: -M prepends to it).
  f.modulePath = [...f.modulePath, ...config.get<string[]>('DEFAULT_MODULE_PATH').filter(isDir)];
  // The vault settings from the environment are read by the vault code itself; only
  // ansible.cfg's need adding to what the flags say.
  const fromCfg = (name: string) => config.origin(name) === config.cfg?.path && config.cfg !== undefined;
  if (fromCfg('DEFAULT_VAULT_PASSWORD_FILE')) f.vaultPasswordFile = [...(f.vaultPasswordFile ?? []), config.get<string>('DEFAULT_VAULT_PASSWORD_FILE')];
  if (fromCfg('DEFAULT_VAULT_IDENTITY_LIST')) f.vaultId = [...(f.vaultId ?? []), ...config.get<string[]>('DEFAULT_VAULT_IDENTITY_LIST')];

  const hostKey = config.get<boolean | 'accept-new'>('HOST_KEY_CHECKING');
  const settings: RunSettings = {
    flags: f,
    rolesPath: config.get<string[]>('DEFAULT_ROLES_PATH'),
    gathering: config.get<RunSettings['gathering']>('DEFAULT_GATHERING'),
  };
  if (config.isSet('HOST_KEY_CHECKING')) settings.hostKeyChecking = hostKey === 'accept-new' ? 'accept-new' : hostKey ? 'strict' : 'off';
  if (config.get<boolean>('RETRY_FILES_ENABLED')) {
    const dir = config.get<string | undefined>('RETRY_FILES_SAVE_PATH');
    settings.retryFiles = dir ? { saveDir: dir } : {};
  }
  if (config.get<boolean>('ANSIBLE_NOCOLOR')) settings.colour = false;
  else if (config.get<boolean>('ANSIBLE_FORCE_COLOR')) settings.colour = true;
  return settings;
}
