/**
 * Where OpenStack credentials come from, resolved the way openstacksdk does it:
 *
 *   1. `cloud: NAME` (or OS_CLOUD): that entry of the first clouds.yaml found on the search
 *      path, deep-merged with the same entry of the first secure.yaml found;
 *   2. otherwise the OS_* environment variables (when OS_AUTH_URL is set);
 *   3. then the task's own `auth:` mapping and `auth_type`, `region_name`, `interface`,
 *      `validate_certs`, `ca_cert`, `api_timeout` override what 1 or 2 gave.
 *
 * Search path for clouds.yaml: OS_CLIENT_CONFIG_FILE, then the inventory's directories
 * (so `-i inventories/lab` finds inventories/lab/clouds.yaml without exporting anything),
 * ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml. secure.yaml:
 * OS_CLIENT_SECURE_FILE, beside the clouds.yaml used, then the same directories. As in
 * openstacksdk the first file that exists is used; files are not merged with each other.
 *
 * Everything here is pure except `readCloudsFile`; `resolveCloud` takes the files' content
 * through a reader so unit tests need no files.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { OpenStackConfigError } from './errors.js';

export type Interface = 'public' | 'internal' | 'admin';
export type AuthType = 'password' | 'v3applicationcredential' | 'token';

/** The module arguments that choose credentials (openstack.cloud's names). */
export interface CloudArgs {
  cloud?: string | Record<string, unknown>;
  auth?: Record<string, unknown>;
  auth_type?: string;
  region_name?: string;
  interface?: string;
  validate_certs?: boolean;
  ca_cert?: string;
  api_timeout?: number;
}

/** Credentials and connection settings, ready for Keystone. */
export interface ResolvedCloud {
  /** Where they came from, for messages: "cloud 'lab' (/x/clouds.yaml)", "OS_* variables", "the task's auth". */
  source: string;
  authType: AuthType;
  /** auth_url, username, password, project_name, ... with `-` normalised to `_`, values as strings. */
  auth: Record<string, string>;
  regionName?: string;
  interface: Interface;
  verify: boolean;
  caCert?: string;
  apiTimeoutMs: number;
}

export interface SearchContext {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  /** Directories of the inventory sources (a file's directory, or the directory itself). */
  inventoryDirs: string[];
}

export const DEFAULT_API_TIMEOUT_S = 60;
const SYSTEM_DIRS = (home: string) => [join(home, '.config', 'openstack'), '/etc/openstack'];
const EXTENSIONS = ['.yaml', '.yml'];

/** Candidate files for `clouds` or `secure`, in the order they are tried. */
export function configSearchPath(kind: 'clouds' | 'secure', s: SearchContext, besideClouds?: string): string[] {
  const out: string[] = [];
  const explicit = s.env[kind === 'clouds' ? 'OS_CLIENT_CONFIG_FILE' : 'OS_CLIENT_SECURE_FILE'];
  if (explicit) out.push(resolve(s.cwd, explicit));
  const dirs = [...(besideClouds ? [dirname(besideClouds)] : []), ...s.inventoryDirs, s.cwd, ...SYSTEM_DIRS(s.home)];
  for (const dir of dirs) for (const ext of EXTENSIONS) out.push(join(resolve(s.cwd, dir), `${kind}${ext}`));
  return [...new Set(out)];
}

/** A parsed clouds.yaml / secure.yaml: its `clouds` mapping (or null when the file is absent). */
export type FileReader = (path: string) => Record<string, unknown> | null;

/**
 * Parsed clouds files by path, valid while the file's size and mtime are unchanged: every
 * item of a loop and every task resolves its cloud again, and parsing the YAML each time was
 * a visible part of a short run. An earlier task that rewrites clouds.yaml changes its mtime.
 */
const parsedFiles = new Map<string, { mtimeMs: number; size: number; clouds: Record<string, unknown> }>();

export const readCloudsFile: FileReader = (path) => {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const known = parsedFiles.get(path);
  if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known.clouds;
  const clouds = parseCloudsFile(path, readFileSync(path, 'utf8'));
  parsedFiles.set(path, { mtimeMs: st.mtimeMs, size: st.size, clouds });
  return clouds;
};

function parseCloudsFile(path: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new OpenStackConfigError(`${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new OpenStackConfigError(`${path} must be a mapping with a 'clouds:' key`);
  const clouds = (doc as Record<string, unknown>).clouds ?? {};
  if (typeof clouds !== 'object' || Array.isArray(clouds)) throw new OpenStackConfigError(`${path}: 'clouds' must be a mapping of cloud names`);
  return clouds as Record<string, unknown>;
}

/** openstacksdk accepts `project-name` for `project_name`, and the v2 `tenant_*` names. */
function normaliseKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    let key = k.replace(/-/g, '_');
    if (key === 'tenant_name') key = 'project_name';
    if (key === 'tenant_id') key = 'project_id';
    out[key] = v && typeof v === 'object' && !Array.isArray(v) ? normaliseKeys(v as Record<string, unknown>) : v;
  }
  return out;
}

/** Deep merge of plain mappings; `over` wins, lists and scalars are replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The cloud config the OS_* variables describe (keystoneauth's names), or undefined without OS_AUTH_URL. */
export function cloudFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | undefined {
  if (!env.OS_AUTH_URL) return undefined;
  const auth: Record<string, string> = {};
  const map: Record<string, string> = {
    OS_AUTH_URL: 'auth_url',
    OS_USERNAME: 'username',
    OS_USER_ID: 'user_id',
    OS_PASSWORD: 'password',
    OS_PROJECT_NAME: 'project_name',
    OS_TENANT_NAME: 'project_name',
    OS_PROJECT_ID: 'project_id',
    OS_TENANT_ID: 'project_id',
    OS_USER_DOMAIN_NAME: 'user_domain_name',
    OS_USER_DOMAIN_ID: 'user_domain_id',
    OS_PROJECT_DOMAIN_NAME: 'project_domain_name',
    OS_PROJECT_DOMAIN_ID: 'project_domain_id',
    OS_DOMAIN_NAME: 'domain_name',
    OS_DOMAIN_ID: 'domain_id',
    OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
    OS_APPLICATION_CREDENTIAL_NAME: 'application_credential_name',
    OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
    OS_TOKEN: 'token',
    OS_SYSTEM_SCOPE: 'system_scope',
  };
  for (const [name, key] of Object.entries(map)) {
    const v = env[name];
    if (v !== undefined && v !== '' && auth[key] === undefined) auth[key] = v;
  }
  const cloud: Record<string, unknown> = { auth };
  if (env.OS_AUTH_TYPE) cloud.auth_type = env.OS_AUTH_TYPE;
  if (env.OS_REGION_NAME) cloud.region_name = env.OS_REGION_NAME;
  const iface = env.OS_INTERFACE ?? env.OS_ENDPOINT_TYPE;
  if (iface) cloud.interface = iface;
  if (env.OS_CACERT) cloud.cacert = env.OS_CACERT;
  if (env.OS_INSECURE && ['1', 'true', 'yes'].includes(env.OS_INSECURE.toLowerCase())) cloud.verify = false;
  return cloud;
}

function firstExisting(paths: string[], read: FileReader): { file: string; clouds: Record<string, unknown> } | undefined {
  for (const file of paths) {
    const clouds = read(file);
    if (clouds) return { file, clouds };
  }
  return undefined;
}

function asInterface(value: unknown, source: string): Interface {
  const v = String(value).toLowerCase().replace(/url$/, '');
  if (v === 'public' || v === 'internal' || v === 'admin') return v;
  throw new OpenStackConfigError(`${source}: interface must be public, internal or admin, not '${String(value)}'`);
}

function asAuthType(value: unknown, auth: Record<string, string>, source: string): AuthType {
  if (value === undefined || value === null || value === '') {
    if (auth.application_credential_secret) return 'v3applicationcredential';
    if (auth.token && !auth.password) return 'token';
    return 'password';
  }
  const v = String(value).toLowerCase();
  if (v === 'password' || v === 'v3password') return 'password';
  if (v === 'v3applicationcredential' || v === 'applicationcredential' || v === 'application_credential') return 'v3applicationcredential';
  if (v === 'token' || v === 'v3token') return 'token';
  throw new OpenStackConfigError(`${source}: auth_type '${String(value)}' is not supported (password, v3applicationcredential or token)`);
}

function stringValues(auth: Record<string, unknown>, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object') throw new OpenStackConfigError(`${source}: auth.${k} must be a string`);
    out[k] = String(v);
  }
  return out;
}

/**
 * Resolve the credentials for one task. `read` returns a file's `clouds` mapping (null if
 * the file does not exist); tests pass an in-memory one.
 */
export function resolveCloud(args: CloudArgs, search: SearchContext, read: FileReader = readCloudsFile): ResolvedCloud {
  let base: Record<string, unknown>;
  let source: string;
  const named = typeof args.cloud === 'string' && args.cloud !== '' ? args.cloud : args.cloud === undefined ? search.env.OS_CLOUD || undefined : undefined;
  if (args.cloud && typeof args.cloud === 'object') {
    base = normaliseKeys(args.cloud);
    source = "the task's cloud mapping";
  } else if (named) {
    const tried = configSearchPath('clouds', search);
    const found = firstExisting(tried, read);
    if (!found) {
      throw new OpenStackConfigError(`cloud '${named}' not found: no clouds.yaml in ${tried.filter((f) => f.endsWith('.yaml')).join(', ')} (set OS_CLIENT_CONFIG_FILE, or put clouds.yaml beside the inventory)`);
    }
    const entry = found.clouds[named];
    if (!entry || typeof entry !== 'object') {
      const known = Object.keys(found.clouds);
      throw new OpenStackConfigError(`cloud '${named}' is not in ${found.file} (it has: ${known.length ? known.join(', ') : 'no clouds'})`);
    }
    base = normaliseKeys(entry as Record<string, unknown>);
    source = `cloud '${named}' (${found.file})`;
    const secure = firstExisting(configSearchPath('secure', search, found.file), read);
    const secret = secure?.clouds[named];
    if (secret && typeof secret === 'object') {
      base = deepMerge(base, normaliseKeys(secret as Record<string, unknown>));
      source = `cloud '${named}' (${found.file} + ${secure!.file})`;
    }
    if (typeof base.profile === 'string') throw new OpenStackConfigError(`${source}: vendor profiles ('profile: ${base.profile}') are not supported; write the settings out`);
  } else {
    const fromEnv = cloudFromEnv(search.env);
    base = fromEnv ?? {};
    source = fromEnv ? 'OS_* variables' : "the task's auth";
  }

  // The task's arguments override the cloud's settings, key by key (auth deep-merged).
  if (args.auth) base = deepMerge(base, { auth: normaliseKeys(args.auth) });
  const authRaw = (base.auth ?? {}) as Record<string, unknown>;
  if (typeof authRaw !== 'object' || Array.isArray(authRaw)) throw new OpenStackConfigError(`${source}: 'auth' must be a mapping`);
  const auth = stringValues(authRaw, source);
  if (!auth.auth_url) {
    throw new OpenStackConfigError(
      named || args.cloud
        ? `${source} has no auth.auth_url`
        : 'no OpenStack credentials: give cloud: NAME (a clouds.yaml entry), an auth: mapping with auth_url, or the OS_* environment variables (OS_AUTH_URL, ...)',
    );
  }
  const verifySetting = args.validate_certs ?? (base.verify !== undefined ? base.verify !== false && base.verify !== 'false' : base.insecure === true ? false : true);
  const resolved: ResolvedCloud = {
    source,
    authType: asAuthType(args.auth_type ?? base.auth_type, auth, source),
    auth,
    interface: asInterface(args.interface ?? base.interface ?? base.endpoint_type ?? 'public', source),
    verify: Boolean(verifySetting),
    apiTimeoutMs: Number(args.api_timeout ?? base.api_timeout ?? DEFAULT_API_TIMEOUT_S) * 1000,
  };
  const region = args.region_name ?? base.region_name;
  if (region) resolved.regionName = String(region);
  const ca = args.ca_cert ?? base.cacert;
  if (ca) resolved.caCert = resolve(search.cwd, String(ca));
  if (!Number.isFinite(resolved.apiTimeoutMs) || resolved.apiTimeoutMs <= 0) throw new OpenStackConfigError(`${source}: api_timeout must be a positive number of seconds`);
  return resolved;
}

/** Secrets in a resolved cloud: registered for masking before any request is made. */
export function cloudSecrets(cloud: ResolvedCloud): string[] {
  return ['password', 'application_credential_secret', 'token'].map((k) => cloud.auth[k]).filter((v): v is string => !!v);
}
