/**
 * Everything needed to open one SSH connection, resolved from three sources with Ansible's
 * precedence: the inventory's connection variables (`ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`, host_key_checking ...) first, because Ansible passes them
 * to ssh ahead of anything else; then `ansible_ssh_common_args`/`_extra_args`; then
 * `~/.ssh/config` and `/etc/ssh/ssh_config` for the destination Ansible would give ssh
 * (`ansible_host`, else the inventory name); then OpenSSH's defaults.
 */
import os from 'node:os';
import type { ConnectionSpec } from './transport.js';
import { knownHostsName } from './known-hosts.js';
import { parseSshArgs, type SshOptionValues } from './ssh-args.js';
import { expandHome, loadSshConfig, type SshConfigSource } from './ssh-config.js';
import { splitArgs } from './shell-quote.js';

export type HostKeyChecking = NonNullable<ConnectionSpec['hostKeyChecking']>;

/** ConnectionSpec plus the raw OpenSSH argument strings Ansible users put in inventories. */
export interface SshConnectionSpec extends ConnectionSpec {
  /** `ansible_ssh_common_args`, `ansible_ssh_extra_args`: each one shell-quoted string. */
  sshArgs?: string[];
}

export interface JumpHostSpec {
  host: string;
  user?: string;
  port?: number;
}

/** ssh2's algorithm list form: an exact list, or edits of its default list. */
export type AlgorithmList = string[] | { append?: string[]; prepend?: string[]; remove?: string[] };

export interface SshSettings {
  /** Inventory name, for messages. */
  host: string;
  /** Where we connect (after `HostName`). */
  hostname: string;
  port: number;
  user: string;
  password?: string;
  /** Key files given explicitly (inventory, args, config), expanded. */
  identityFiles: string[];
  /** OpenSSH's defaults, tried only when no key file is given explicitly. */
  defaultIdentityFiles: string[];
  identitiesOnly: boolean;
  /** ssh-agent socket (IdentityAgent, else SSH_AUTH_SOCK). */
  agentSocket?: string;
  proxyJump: JumpHostSpec[];
  /** User known_hosts files; a new key is recorded in the first one. */
  knownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** The name looked up in known_hosts (`[host]:port` off port 22; HostKeyAlias if set). */
  hostKeyName: string;
  hostKeyChecking: HostKeyChecking;
  hashKnownHosts: boolean;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  kexAlgorithms?: AlgorithmList;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000; // Ansible's default `timeout`
const DEFAULT_IDENTITIES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
const DEFAULT_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** A configuration mistake (bad port, unknown token ...): reported, never retried. */
export class SshSettingsError extends Error {
  override name = 'SshSettingsError';
}

interface ResolveContext {
  config?: SshConfigSource;
  env?: NodeJS.ProcessEnv;
  localUser?: string;
}

function localUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

function single(options: SshOptionValues, key: string): string | undefined {
  const v = options[key];
  return Array.isArray(v) ? v[0] : v;
}

function list(options: SshOptionValues, key: string): string[] | undefined {
  const v = options[key];
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function yes(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return ['yes', 'true', 'on'].includes(value.toLowerCase());
}

/** `what: text`, or just `text` for the target host (its name is on the UNREACHABLE line). */
function withContext(what: string, text: string): string {
  return what ? `${what}: ${text}` : text;
}

function parsePort(value: string | number, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new SshSettingsError(withContext(what, `invalid port '${value}' (expected 1-65535)`));
  return n;
}

function parseSeconds(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new SshSettingsError(withContext(what, `invalid number of seconds '${value}'`));
  return n;
}

/** OpenSSH StrictHostKeyChecking values to our three modes (`ask` cannot ask: strict). */
export function hostKeyCheckingFromSsh(value: string, what: string): HostKeyChecking {
  switch (value.toLowerCase()) {
    case 'yes':
    case 'ask':
    case 'true':
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
    case 'false':
      return 'off';
    default:
      throw new SshSettingsError(withContext(what, `StrictHostKeyChecking must be yes, accept-new, no or ask, not '${value}'`));
  }
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated, as in ProxyJump. */
export function parseJumpHosts(value: string): JumpHostSpec[] {
  if (value.toLowerCase() === 'none') return [];
  return value.split(',').map((part) => {
    const s = part.trim().replace(/^ssh:\/\//, '');
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+)(?::(\d+))?$/.exec(s);
    if (!m) throw new SshSettingsError(`ProxyJump: cannot parse '${part}' (expected [user@]host[:port])`);
    const jump: JumpHostSpec = { host: m[2]!.replace(/^\[(.*)\]$/, '$1') };
    if (m[1]) jump.user = m[1];
    if (m[3]) jump.port = parsePort(m[3], `ProxyJump '${part}'`);
    return jump;
  });
}

/**
 * The common bastion idiom `ProxyCommand ssh -W %h:%p [-q] [-p port] [-l user] [user@]bastion`
 * is exactly a ProxyJump; anything else would need a child process, which we do not run.
 */
export function proxyCommandAsJump(command: string): JumpHostSpec {
  const unsupported = () =>
    new SshSettingsError(
      `ProxyCommand '${command}' is not supported by tsplay's SSH transport; ` +
        `use ProxyJump (in ~/.ssh/config or '-o ProxyJump=[user@]bastion[:port]' in ansible_ssh_common_args)`,
    );
  let argv: string[];
  try {
    argv = splitArgs(command);
  } catch {
    throw unsupported();
  }
  if (argv.length === 0 || !/(^|\/)ssh$/.test(argv[0]!)) throw unsupported();
  let sawW = false;
  let user: string | undefined;
  let port: number | undefined;
  let dest: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-W' && argv[i + 1] === '%h:%p') {
      sawW = true;
      i++;
    } else if (['-q', '-T', '-C', '-4', '-6', '-A', '-x'].includes(a)) {
      continue;
    } else if (a === '-p' && argv[i + 1]) {
      port = parsePort(argv[++i]!, 'ProxyCommand');
    } else if (a === '-l' && argv[i + 1]) {
      user = argv[++i]!;
    } else if (!a.startsWith('-') && dest === undefined) {
      dest = a;
    } else {
      throw unsupported();
    }
  }
  if (!sawW || !dest) throw unsupported();
  const [jump] = parseJumpHosts(dest);
  if (user && !jump!.user) jump!.user = user;
  if (port && !jump!.port) jump!.port = port;
  return jump!;
}

/** `%h %p %r %u %d %l %n %i %%` in file names, as ssh expands them. */
export function expandTokens(value: string, tokens: Record<string, string>, what: string): string {
  const expanded = value.replace(/%(.)/g, (whole, t: string) => {
    if (t === '%') return '%';
    const v = tokens[t];
    if (v === undefined) throw new SshSettingsError(withContext(what, `unsupported token '${whole}' in '${value}'`));
    return v;
  });
  return expandHome(expanded);
}

function parseKex(value: string): AlgorithmList {
  const names = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  if (value.startsWith('+')) return { append: names(value.slice(1)) };
  if (value.startsWith('-')) return { remove: names(value.slice(1)) };
  if (value.startsWith('^')) return { prepend: names(value.slice(1)) };
  return names(value);
}

/** Resolve the settings of the target host. Throws SshSettingsError for bad configuration. */
export function resolveSshSettings(spec: SshConnectionSpec, ctx: ResolveContext = {}): SshSettings {
  const env = ctx.env ?? process.env;
  const what = '';
  let parsed;
  try {
    parsed = parseSshArgs(spec.sshArgs ?? []);
  } catch (e) {
    throw new SshSettingsError((e as Error).message);
  }
  const args = parsed.options;
  const config = (ctx.config ?? loadSshConfig(parsed.configFile ? expandHome(parsed.configFile) : undefined)).lookup(spec.address);
  const pick = (key: string) => single(args, key) ?? single(config, key);
  const pickList = (key: string) => list(args, key) ?? list(config, key);

  const localUser = ctx.localUser ?? localUserName();
  const hostname = expandTokens(pick('hostname') ?? spec.address, { h: spec.address }, withContext(what, 'HostName'));
  const portValue = spec.port ?? pick('port');
  const port = portValue === undefined ? 22 : parsePort(portValue, what);
  const user = spec.user ?? pick('user') ?? localUser;
  const tokens: Record<string, string> = {
    h: hostname,
    p: String(port),
    r: user,
    u: localUser,
    d: os.homedir(),
    l: os.hostname().split('.')[0]!,
    n: spec.address,
    i: String(process.getuid?.() ?? 0),
  };
  const files = (values: string[], key: string) => values.map((v) => expandTokens(v, tokens, withContext(what, key)));

  const identityFiles = [
    ...(spec.privateKeyFile ? [expandHome(spec.privateKeyFile)] : []),
    ...files(list(args, 'identityfile') ?? [], 'IdentityFile'),
    ...files(list(config, 'identityfile') ?? [], 'IdentityFile'),
  ].filter((f, i, all) => all.indexOf(f) === i);

  const agentValue = pick('identityagent');
  const agentSocket =
    agentValue === undefined || agentValue === 'SSH_AUTH_SOCK'
      ? env.SSH_AUTH_SOCK || undefined
      : agentValue.toLowerCase() === 'none'
        ? undefined
        : agentValue.startsWith('$')
          ? env[agentValue.slice(1).replace(/^\{(.*)\}$/, '$1')] || undefined
          : files([agentValue], 'IdentityAgent')[0];

  let proxyJump: JumpHostSpec[] = [];
  const jumpValue = pick('proxyjump');
  const proxyCommand = pick('proxycommand');
  if (jumpValue !== undefined) proxyJump = parseJumpHosts(jumpValue);
  else if (proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none') proxyJump = [proxyCommandAsJump(proxyCommand)];

  const known = pickList('userknownhostsfile') ?? DEFAULT_KNOWN_HOSTS;
  const globalKnown = pickList('globalknownhostsfile') ?? DEFAULT_GLOBAL_KNOWN_HOSTS;
  const noneFiltered = (l: string[]) => (l.length === 1 && l[0]!.toLowerCase() === 'none' ? [] : l);

  const strict = pick('stricthostkeychecking');
  // Like Ansible: host_key_checking=False (or accept-new) is passed ahead of every other
  // option and wins; the default 'strict' leaves the decision to ssh args and config.
  const relaxed = spec.hostKeyChecking === 'off' || spec.hostKeyChecking === 'accept-new' ? spec.hostKeyChecking : undefined;
  const hostKeyChecking = relaxed ?? (strict !== undefined ? hostKeyCheckingFromSsh(strict, what) : 'strict');

  const timeout = pick('connecttimeout');
  const connectTimeoutMs = spec.connectTimeoutMs ?? (timeout !== undefined ? parseSeconds(timeout, withContext(what, 'ConnectTimeout')) * 1000 : DEFAULT_CONNECT_TIMEOUT_MS);
  const aliveInterval = pick('serveraliveinterval');
  const aliveCount = pick('serveralivecountmax');
  const kex = pick('kexalgorithms');
  const alias = pick('hostkeyalias');

  const settings: SshSettings = {
    host: spec.host,
    hostname,
    port,
    user,
    identityFiles,
    defaultIdentityFiles: identityFiles.length === 0 ? DEFAULT_IDENTITIES.map(expandHome) : [],
    identitiesOnly: yes(pick('identitiesonly')) ?? false,
    proxyJump,
    knownHostsFiles: files(noneFiltered(known), 'UserKnownHostsFile'),
    globalKnownHostsFiles: files(noneFiltered(globalKnown), 'GlobalKnownHostsFile'),
    hostKeyName: alias ? alias.toLowerCase() : knownHostsName(hostname, port),
    hostKeyChecking,
    hashKnownHosts: yes(pick('hashknownhosts')) ?? false,
    connectTimeoutMs,
    keepaliveIntervalMs: aliveInterval !== undefined ? parseSeconds(aliveInterval, withContext(what, 'ServerAliveInterval')) * 1000 : 15_000,
    keepaliveCountMax: aliveCount !== undefined ? Math.max(1, Math.floor(parseSeconds(aliveCount, withContext(what, 'ServerAliveCountMax')))) : 3,
  };
  if (spec.password !== undefined) settings.password = spec.password;
  if (agentSocket) settings.agentSocket = agentSocket;
  if (kex) settings.kexAlgorithms = parseKex(kex);
  return settings;
}

/**
 * Settings for a ProxyJump hop. It is resolved from ssh config under its own name, as ssh
 * does; where that config is silent it inherits the target's known_hosts files, host-key
 * mode, explicit key files and agent, so a bastion listed in the same inventory works
 * without extra configuration. The target's password is never sent to a jump host.
 */
export function resolveJumpSettings(jump: JumpHostSpec, target: SshSettings, ctx: ResolveContext = {}): SshSettings {
  const config = (ctx.config ?? loadSshConfig()).lookup(jump.host);
  const localUser = ctx.localUser ?? localUserName();
  const what = `jump host ${jump.host} (for ${target.host})`;
  const hostname = expandTokens(single(config, 'hostname') ?? jump.host, { h: jump.host }, withContext(what, 'HostName'));
  const portValue = jump.port ?? single(config, 'port');
  const port = portValue === undefined ? 22 : parsePort(portValue, what);
  const user = jump.user ?? single(config, 'user') ?? localUser;
  const tokens: Record<string, string> = { h: hostname, p: String(port), r: user, u: localUser, d: os.homedir(), n: jump.host, l: os.hostname().split('.')[0]!, i: String(process.getuid?.() ?? 0) };
  const files = (values: string[], key: string) => values.map((v) => expandTokens(v, tokens, withContext(what, key)));
  const configKeys = files(list(config, 'identityfile') ?? [], 'IdentityFile');
  const identityFiles = configKeys.length > 0 ? configKeys : target.identityFiles;
  const known = list(config, 'userknownhostsfile');
  const strict = single(config, 'stricthostkeychecking');
  const alias = single(config, 'hostkeyalias');
  const kex = single(config, 'kexalgorithms');
  const settings: SshSettings = {
    host: `jump host ${jump.host}`,
    hostname,
    port,
    user,
    identityFiles,
    defaultIdentityFiles: identityFiles.length === 0 ? DEFAULT_IDENTITIES.map(expandHome) : [],
    identitiesOnly: yes(single(config, 'identitiesonly')) ?? target.identitiesOnly,
    proxyJump: [],
    knownHostsFiles: known ? files(known, 'UserKnownHostsFile') : target.knownHostsFiles,
    globalKnownHostsFiles: target.globalKnownHostsFiles,
    hostKeyName: alias ? alias.toLowerCase() : knownHostsName(hostname, port),
    hostKeyChecking: strict !== undefined ? hostKeyCheckingFromSsh(strict, what) : target.hostKeyChecking,
    hashKnownHosts: target.hashKnownHosts,
    connectTimeoutMs: target.connectTimeoutMs,
    keepaliveIntervalMs: target.keepaliveIntervalMs,
    keepaliveCountMax: target.keepaliveCountMax,
  };
  if (target.agentSocket) settings.agentSocket = target.agentSocket;
  if (kex) settings.kexAlgorithms = parseKex(kex);
  return settings;
}

/** Options given in ssh args that tsplay ignores, for a debug line. */
export function ignoredSshArgs(spec: SshConnectionSpec): string[] {
  try {
    return parseSshArgs(spec.sshArgs ?? []).ignored;
  } catch {
    return [];
  }
}
