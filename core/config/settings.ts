/**
 * The Ansible settings tsplay honours, under Ansible's own names (`ansible-config dump`
 * prints the same ones), each from the first of: its environment variables, ansible.cfg,
 * its default. Command-line flags still win over all of these (run-config.ts applies them).
 * Every value remembers where it came from, for `tsplay config dump`.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { type AnsibleCfg, expandUser } from './ansible-cfg.js';

export class ConfigValueError extends Error {
  override name = 'ConfigValueError';
}

type Kind =
  | 'int'
  | 'bool'
  | 'string'
  /** One path: `~` and `$VARS` expanded, relative to the ansible.cfg that set it. */
  | 'path'
  /** Comma-separated paths (inventory). */
  | 'pathlist'
  /** Colon-separated paths (roles_path, library). */
  | 'pathspec'
  /** Comma-separated words. */
  | 'list'
  /** true/false, or accept-new (what tsplay adds to host_key_checking). */
  | 'hostkey'
  | { choices: readonly string[] };

export interface SettingDef {
  name: string;
  ini?: { section: string; key: string };
  env: string[];
  kind: Kind;
  default: unknown;
  description: string;
}

const HOME_DEFAULTS = (home: string) => ({
  roles: [`${home}/.ansible/roles`, '/usr/share/ansible/roles', '/etc/ansible/roles'],
  modules: [`${home}/.ansible/plugins/modules`, '/usr/share/ansible/plugins/modules'],
});

/** The table: what each setting means to tsplay. Defaults that need $HOME are filled in by resolve. */
export const SETTINGS: readonly SettingDef[] = [
  { name: 'DEFAULT_HOST_LIST', ini: { section: 'defaults', key: 'inventory' }, env: ['ANSIBLE_INVENTORY'], kind: 'pathlist', default: ['/etc/ansible/hosts'], description: 'inventory sources when no -i is given' },
  { name: 'DEFAULT_FORKS', ini: { section: 'defaults', key: 'forks' }, env: ['ANSIBLE_FORKS'], kind: 'int', default: 25, description: 'hosts worked on in parallel (-f); tsplay defaults to 25, Ansible to 5' },
  { name: 'DEFAULT_REMOTE_USER', ini: { section: 'defaults', key: 'remote_user' }, env: ['ANSIBLE_REMOTE_USER'], kind: 'string', default: undefined, description: 'login user when neither ansible_user nor -u says (else the local user)' },
  { name: 'DEFAULT_PRIVATE_KEY_FILE', ini: { section: 'defaults', key: 'private_key_file' }, env: ['ANSIBLE_PRIVATE_KEY_FILE'], kind: 'path', default: undefined, description: 'SSH private key (--private-key)' },
  { name: 'HOST_KEY_CHECKING', ini: { section: 'defaults', key: 'host_key_checking' }, env: ['TSPLAY_HOST_KEY_CHECKING', 'ANSIBLE_HOST_KEY_CHECKING'], kind: 'hostkey', default: true, description: 'check host keys against known_hosts (false: accept any; accept-new: record unknown hosts)' },
  { name: 'DEFAULT_TIMEOUT', ini: { section: 'defaults', key: 'timeout' }, env: ['ANSIBLE_TIMEOUT'], kind: 'int', default: 10, description: 'seconds to wait for an SSH connection (-T)' },
  { name: 'TASK_TIMEOUT', ini: { section: 'defaults', key: 'task_timeout' }, env: ['TSPLAY_TASK_TIMEOUT', 'ANSIBLE_TASK_TIMEOUT'], kind: 'int', default: 0, description: 'seconds a task may run on a host (0: no limit; --task-timeout)' },
  { name: 'DEFAULT_ROLES_PATH', ini: { section: 'defaults', key: 'roles_path' }, env: ['ANSIBLE_ROLES_PATH'], kind: 'pathspec', default: undefined, description: 'where roles are searched after roles/ beside the playbook' },
  { name: 'DEFAULT_MODULE_PATH', ini: { section: 'defaults', key: 'library' }, env: ['ANSIBLE_LIBRARY'], kind: 'pathspec', default: undefined, description: 'folders of custom modules (-M)' },
  { name: 'DEFAULT_GATHERING', ini: { section: 'defaults', key: 'gathering' }, env: ['ANSIBLE_GATHERING'], kind: { choices: ['implicit', 'explicit', 'smart'] }, default: 'implicit', description: "whether plays gather facts when they do not say (explicit: only with gather_facts: true; smart: once per host and run)" },
  { name: 'DEFAULT_FORCE_HANDLERS', ini: { section: 'defaults', key: 'force_handlers' }, env: ['ANSIBLE_FORCE_HANDLERS'], kind: 'bool', default: false, description: 'run the handlers of hosts that failed (--force-handlers; a play\'s force_handlers wins)' },
  { name: 'DEFAULT_ASK_PASS', ini: { section: 'defaults', key: 'ask_pass' }, env: ['ANSIBLE_ASK_PASS'], kind: 'bool', default: false, description: 'ask for the SSH password (-k)' },
  { name: 'DEFAULT_VAULT_PASSWORD_FILE', ini: { section: 'defaults', key: 'vault_password_file' }, env: ['ANSIBLE_VAULT_PASSWORD_FILE'], kind: 'path', default: undefined, description: 'vault password file or script (--vault-password-file)' },
  { name: 'DEFAULT_VAULT_IDENTITY_LIST', ini: { section: 'defaults', key: 'vault_identity_list' }, env: ['ANSIBLE_VAULT_IDENTITY_LIST'], kind: 'list', default: [], description: 'vault ids, LABEL@SOURCE (--vault-id)' },
  { name: 'ANSIBLE_NOCOLOR', ini: { section: 'defaults', key: 'nocolor' }, env: ['NO_COLOR', 'ANSIBLE_NOCOLOR'], kind: 'bool', default: false, description: 'no colours in the output' },
  { name: 'ANSIBLE_FORCE_COLOR', ini: { section: 'defaults', key: 'force_color' }, env: ['ANSIBLE_FORCE_COLOR'], kind: 'bool', default: false, description: 'colours even when the output is not a terminal' },
  { name: 'RETRY_FILES_ENABLED', ini: { section: 'defaults', key: 'retry_files_enabled' }, env: ['ANSIBLE_RETRY_FILES_ENABLED'], kind: 'bool', default: false, description: 'after a failed run, write PLAYBOOK.retry with the failed hosts (for --limit @FILE)' },
  { name: 'RETRY_FILES_SAVE_PATH', ini: { section: 'defaults', key: 'retry_files_save_path' }, env: ['ANSIBLE_RETRY_FILES_SAVE_PATH'], kind: 'path', default: undefined, description: 'folder for .retry files (default: beside the playbook)' },
  { name: 'DEFAULT_BECOME', ini: { section: 'privilege_escalation', key: 'become' }, env: ['ANSIBLE_BECOME'], kind: 'bool', default: false, description: 'become (sudo) for every task (-b)' },
  { name: 'DEFAULT_BECOME_USER', ini: { section: 'privilege_escalation', key: 'become_user' }, env: ['ANSIBLE_BECOME_USER'], kind: 'string', default: 'root', description: 'the user to become (--become-user)' },
  { name: 'DEFAULT_BECOME_METHOD', ini: { section: 'privilege_escalation', key: 'become_method' }, env: ['ANSIBLE_BECOME_METHOD'], kind: { choices: ['sudo'] }, default: 'sudo', description: 'how to become: tsplay speaks sudo' },
  { name: 'DEFAULT_BECOME_ASK_PASS', ini: { section: 'privilege_escalation', key: 'become_ask_pass' }, env: ['ANSIBLE_BECOME_ASK_PASS'], kind: 'bool', default: false, description: 'ask for the become password (-K)' },
];

/**
 * Settings of ansible.cfg that tsplay reads without a use for them, because what they tune
 * does not exist here (one persistent SSH connection per host, no Python on the targets).
 * They are shown by `config dump`, never warned about.
 */
export const NOT_NEEDED: Readonly<Record<string, string>> = {
  'ssh_connection.pipelining': 'tsplay always sends modules over one persistent connection',
  'ssh_connection.ssh_args': 'ControlMaster/ControlPersist: tsplay keeps one connection per host; options for the host go in ansible_ssh_common_args',
  'ssh_connection.control_path': 'no ControlMaster sockets',
  'ssh_connection.control_path_dir': 'no ControlMaster sockets',
  'ssh_connection.retries': 'connection retries are not configurable',
  'ssh_connection.scp_if_ssh': 'files go over SFTP-free exec channels',
  'ssh_connection.transfer_method': 'files go over exec channels',
  'defaults.interpreter_python': 'modules run in the controller, no Python on the targets',
  'defaults.deprecation_warnings': 'tsplay has no deprecated features to warn about',
  'defaults.command_warnings': 'removed in Ansible 2.14 too',
  'defaults.system_warnings': 'no system warnings',
  'defaults.localhost_warning': 'no such warning',
  'inventory.enable_plugins': 'tsplay reads INI, YAML and script inventories',
  'defaults.fact_caching': 'facts are gathered once per run',
  'defaults.fact_caching_connection': 'facts are gathered once per run',
  'defaults.fact_caching_timeout': 'facts are gathered once per run',
};

export interface ResolvedSetting {
  def: SettingDef;
  value: unknown;
  /** `default`, `env: NAME`, or the ansible.cfg path (Ansible's words in ansible-config dump). */
  origin: string;
  /** Where exactly (ansible.cfg line), for error messages and `config dump`. */
  line?: number;
}

export interface ConfigContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
}

export class ResolvedConfig {
  constructor(
    readonly cfg: AnsibleCfg | undefined,
    private readonly values: Map<string, ResolvedSetting>,
  ) {}

  get<T>(name: string): T {
    const s = this.values.get(name);
    if (!s) throw new Error(`unknown setting ${name}`);
    return s.value as T;
  }

  origin(name: string): string {
    return this.values.get(name)?.origin ?? 'default';
  }

  isSet(name: string): boolean {
    return this.origin(name) !== 'default';
  }

  entries(): ResolvedSetting[] {
    return [...this.values.values()];
  }

  /** ansible.cfg settings tsplay does not know: `[section] key` with their lines. */
  unknown(): Array<{ section: string; key: string; line: number; why?: string }> {
    if (!this.cfg) return [];
    const known = new Set(SETTINGS.filter((s) => s.ini).map((s) => `${s.ini!.section}.${s.ini!.key}`));
    const out: Array<{ section: string; key: string; line: number; why?: string }> = [];
    for (const [section, keys] of this.cfg.sections) {
      for (const [key, v] of keys) {
        const id = `${section}.${key}`;
        if (known.has(id)) continue;
        const why = NOT_NEEDED[id];
        out.push({ section, key, line: v.line, ...(why ? { why } : {}) });
      }
    }
    return out;
  }
}

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

function expandVars(s: string, env: NodeJS.ProcessEnv): string {
  // os.path.expandvars: $NAME and ${NAME}; unknown variables stay as written.
  return s.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? m);
}

function toPath(raw: string, base: string, ctx: ConfigContext): string {
  const p = expandUser(expandVars(raw.trim(), ctx.env), ctx.home);
  return isAbsolute(p) ? p : resolve(base, p);
}

/** The typed value of one raw string, or an error message. */
function convert(def: SettingDef, raw: string, base: string, ctx: ConfigContext): unknown {
  const kind = def.kind;
  if (typeof kind === 'object') {
    const v = raw.trim().toLowerCase();
    if (!kind.choices.includes(v)) throw new ConfigValueError(`must be one of ${kind.choices.join(', ')}, not '${raw}'`);
    return v;
  }
  switch (kind) {
    case 'int': {
      const n = Number(raw.trim());
      if (!Number.isInteger(n) || n < 0 || raw.trim() === '') throw new ConfigValueError(`must be a whole number, not '${raw}'`);
      return n;
    }
    case 'bool':
    case 'hostkey': {
      const v = raw.trim().toLowerCase();
      if (kind === 'hostkey' && v === 'accept-new') return 'accept-new';
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw new ConfigValueError(`must be true or false${kind === 'hostkey' ? ' (or accept-new)' : ''}, not '${raw}'`);
    }
    case 'string':
      return raw.trim();
    case 'path':
      return toPath(raw, base, ctx);
    case 'pathlist':
      return raw.split(',').map((s) => s.trim()).filter(Boolean).map((p) => toPath(p, base, ctx));
    case 'pathspec':
      return raw.split(':').map((s) => s.trim()).filter(Boolean).map((p) => toPath(p, base, ctx));
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }
}

function defaultOf(def: SettingDef, ctx: ConfigContext): unknown {
  const home = HOME_DEFAULTS(ctx.home);
  if (def.name === 'DEFAULT_ROLES_PATH') return home.roles;
  if (def.name === 'DEFAULT_MODULE_PATH') return home.modules;
  return def.default;
}

/** Every setting's value and origin: environment, else ansible.cfg, else the default. */
export function resolveSettings(cfg: AnsibleCfg | undefined, ctx: ConfigContext): ResolvedConfig {
  const values = new Map<string, ResolvedSetting>();
  for (const def of SETTINGS) {
    let resolved: ResolvedSetting | undefined;
    for (const name of def.env) {
      const raw = ctx.env[name];
      if (raw === undefined || raw === '') continue;
      // no-color.org: NO_COLOR set to anything at all means no colours.
      if (name === 'NO_COLOR') {
        resolved = { def, value: true, origin: `env: ${name}` };
        break;
      }
      try {
        resolved = { def, value: convert(def, raw, ctx.cwd, ctx), origin: `env: ${name}` };
      } catch (err) {
        throw new ConfigValueError(`${name}=${raw}: ${def.name} ${(err as Error).message}`);
      }
      break;
    }
    const fromIni = def.ini && cfg?.sections.get(def.ini.section)?.get(def.ini.key);
    if (!resolved && fromIni && cfg) {
      try {
        resolved = { def, value: convert(def, fromIni.value, dirname(cfg.path), ctx), origin: cfg.path, line: fromIni.line };
      } catch (err) {
        throw new ConfigValueError(`${cfg.path}:${fromIni.line}: [${def.ini!.section}] ${def.ini!.key} ${(err as Error).message}`);
      }
    }
    values.set(def.name, resolved ?? { def, value: defaultOf(def, ctx), origin: 'default' });
  }
  return new ResolvedConfig(cfg, values);
}
