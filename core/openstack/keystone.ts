/**
 * Keystone v3, the pure parts: the body of `POST /v3/auth/tokens` for password (user and
 * project identified by id, or by name within a domain), application-credential and token
 * auth; the token's service catalog; and choosing an endpoint from it.
 */
import type { AuthType, Interface, ResolvedCloud } from './cloud-config.js';
import { OpenStackConfigError } from './errors.js';

type Json = Record<string, unknown>;

/** `auth_url` as the v3 base URL (`.../v3`): a bare Keystone root gets `/v3` appended. */
export function identityBase(authUrl: string): string {
  let url: URL;
  try {
    url = new URL(authUrl);
  } catch {
    throw new OpenStackConfigError(`auth_url '${authUrl}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OpenStackConfigError(`auth_url '${authUrl}' must be http:// or https://`);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/v2(\.0)?$/.test(path)) throw new OpenStackConfigError(`auth_url '${authUrl}' is Keystone v2.0, which is gone: use the v3 URL`);
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

/** `{id}` or `{name, domain}` for a user or project; undefined when neither is given. */
function named(
  a: Record<string, string>,
  kind: 'user' | 'project',
  domainKeys: { id: string[]; name: string[] },
  idKey: string,
  nameKey: string,
): Json | undefined {
  if (a[idKey]) return { id: a[idKey] };
  const name = a[nameKey];
  if (!name) return undefined;
  const domainId = domainKeys.id.map((k) => a[k]).find(Boolean);
  const domainName = domainKeys.name.map((k) => a[k]).find(Boolean);
  if (!domainId && !domainName) {
    throw new OpenStackConfigError(`auth.${nameKey} '${name}' needs its domain: set auth.${kind}_domain_name (e.g. Default) or auth.${kind}_domain_id`);
  }
  return { name, domain: domainId ? { id: domainId } : { name: domainName } };
}

/** The scope block: a project (by id, or name + domain), else a domain, else the system. */
export function scopeFor(a: Record<string, string>): Json | undefined {
  const project = named(a, 'project', { id: ['project_domain_id', 'domain_id'], name: ['project_domain_name', 'domain_name'] }, 'project_id', 'project_name');
  if (project) return { project };
  if (a.domain_id) return { domain: { id: a.domain_id } };
  if (a.domain_name) return { domain: { name: a.domain_name } };
  if (a.system_scope) return { system: { [a.system_scope]: true } };
  return undefined;
}

/** The JSON body of POST /v3/auth/tokens. Throws a config error naming what is missing. */
export function authRequestBody(authType: AuthType, a: Record<string, string>): Json {
  switch (authType) {
    case 'password': {
      const user = named(a, 'user', { id: ['user_domain_id', 'domain_id'], name: ['user_domain_name', 'domain_name'] }, 'user_id', 'username');
      if (!user) throw new OpenStackConfigError('password auth needs auth.username (with auth.user_domain_name) or auth.user_id');
      if (!a.password) throw new OpenStackConfigError('password auth needs auth.password');
      const scope = scopeFor(a);
      return { auth: { identity: { methods: ['password'], password: { user: { ...user, password: a.password } } }, ...(scope ? { scope } : {}) } };
    }
    case 'v3applicationcredential': {
      if (!a.application_credential_secret) throw new OpenStackConfigError('application credential auth needs auth.application_credential_secret');
      let credential: Json;
      if (a.application_credential_id) credential = { id: a.application_credential_id };
      else if (a.application_credential_name) {
        const user = named(a, 'user', { id: ['user_domain_id'], name: ['user_domain_name'] }, 'user_id', 'username');
        if (!user) throw new OpenStackConfigError('auth.application_credential_name needs auth.username (with auth.user_domain_name) or auth.user_id');
        credential = { name: a.application_credential_name, user };
      } else throw new OpenStackConfigError('application credential auth needs auth.application_credential_id (or _name)');
      // An application credential carries its own project: a scope would be refused.
      return { auth: { identity: { methods: ['application_credential'], application_credential: { ...credential, secret: a.application_credential_secret } } } };
    }
    case 'token': {
      if (!a.token) throw new OpenStackConfigError('token auth needs auth.token');
      const scope = scopeFor(a);
      return { auth: { identity: { methods: ['token'], token: { id: a.token } }, ...(scope ? { scope } : {}) } };
    }
  }
}

export interface CatalogEndpoint {
  interface: string;
  region?: string;
  region_id?: string;
  url: string;
}
export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** What a token response tells us. */
export interface TokenInfo {
  token: string;
  expiresAt: number;
  projectId?: string;
  userId?: string;
  catalog: CatalogService[];
}

export function parseTokenResponse(subjectToken: string | undefined, body: unknown): TokenInfo {
  const t = (body as { token?: Json })?.token;
  if (!subjectToken || !t) throw new Error('keystone answered without a token (no X-Subject-Token header or token body)');
  const expires = Date.parse(String(t.expires_at ?? ''));
  const info: TokenInfo = {
    token: subjectToken,
    expiresAt: Number.isFinite(expires) ? expires : Date.now() + 3600_000,
    catalog: Array.isArray(t.catalog) ? (t.catalog as CatalogService[]) : [],
  };
  const project = t.project as Json | undefined;
  if (project && typeof project.id === 'string') info.projectId = project.id;
  const user = t.user as Json | undefined;
  if (user && typeof user.id === 'string') info.userId = user.id;
  return info;
}

/**
 * The URL of the first service among `types` (in order of preference) with an endpoint of
 * `iface` in `region` (any region when none is asked for). Throws naming what the catalog has.
 */
export function findEndpoint(catalog: CatalogService[], types: string[], iface: Interface, region: string | undefined, service: string): string {
  for (const type of types) {
    for (const s of catalog.filter((c) => c.type === type)) {
      const e = s.endpoints.find((ep) => ep.interface === iface && (!region || ep.region_id === region || ep.region === region));
      if (e) return e.url.replace(/\/+$/, '');
    }
  }
  const have = catalog
    .filter((c) => types.includes(c.type))
    .flatMap((c) => c.endpoints.map((e) => `${c.type} ${e.interface} ${e.region_id ?? e.region ?? '(no region)'}`));
  throw new OpenStackConfigError(
    `${service}: no ${iface} endpoint${region ? ` in region ${region}` : ''} of type ${types.join('/')} in the catalog` +
      (have.length ? ` (it has: ${have.join(', ')})` : catalog.length ? '' : ' (the catalog is empty: is the token scoped to a project?)'),
  );
}

/** The identity of a set of credentials, for sharing one token between tasks and hosts. */
export function credentialKey(cloud: ResolvedCloud, via: string): string {
  const a = cloud.auth;
  const sorted = Object.keys(a)
    .sort()
    .map((k) => [k, a[k]]);
  return JSON.stringify([via, cloud.authType, sorted, cloud.regionName ?? '', cloud.interface, cloud.verify, cloud.caCert ?? '']);
}
