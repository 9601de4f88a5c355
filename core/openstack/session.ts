/**
 * An authenticated OpenStack session: one Keystone token and its catalog per set of
 * credentials (and path: direct, or through a given host), shared by every task and host of
 * the run that uses the same credentials. Concurrent tasks wait for the same token request;
 * a 401 from a service re-authenticates once and repeats the request once. Cinder's
 * microversion is negotiated once per session.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { cloudSecrets, type ResolvedCloud } from './cloud-config.js';
import { apiMessage, OpenStackApiError, OpenStackConfigError, RequestAbortedError } from './errors.js';
import { HttpClient, type HttpRequest, type TunnelOpener } from '../http/client.js';
import { authRequestBody, credentialKey, findEndpoint, identityBase, parseTokenResponse, type TokenInfo } from './keystone.js';
import { formatMicroversion, negotiateMicroversion, serverRange, versionDocumentUrl, type Microversion } from './microversion.js';

export type ServiceName = 'glance' | 'cinder';

/** Catalog types per service, in order of preference. */
const SERVICE_TYPES: Record<ServiceName, string[]> = {
  glance: ['image'],
  cinder: ['block-storage', 'volumev3', 'volume'],
};

/** Renew a token this long before Keystone says it expires. */
const EXPIRY_MARGIN_MS = 60_000;

export interface ApiRequest {
  method: string;
  /** Appended to the service's endpoint (`/v2/images`, `/snapshots/detail`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: HttpRequest['body'];
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Statuses that are answers rather than errors (404 for a lookup). */
  accept?: number[];
  /** Abandon the request when this fires (set by TaskSession from the task's ctx.signal). */
  signal?: AbortSignal;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  data: T;
  /** The body as text (for the API's message on an accepted error status). */
  text: string;
}

/** Where the HTTP requests go: straight from the controller, or through a host's SSH connection. */
export interface ApiPath {
  /** Inventory name of the host in between; undefined for direct requests. */
  via?: string;
  open?: TunnelOpener;
}

export class OpenStackSession {
  private token?: TokenInfo;
  private authenticating?: Promise<TokenInfo>;
  private cinderVersion?: Promise<Microversion | undefined>;
  /** The latest task's secret masking; within a run every task's ends in the same registry. */
  private secretSink?: (value: string) => void;

  constructor(
    readonly cloud: ResolvedCloud,
    private readonly http: HttpClient,
    readonly via: string | undefined,
  ) {}

  retarget(open: TunnelOpener): void {
    this.http.retarget(open);
  }

  /** Mask the credentials and every token of this session through `sink` (the run's registry). */
  useSecretSink(sink: (value: string) => void): void {
    this.secretSink = sink;
    for (const s of cloudSecrets(this.cloud)) sink(s);
    if (this.token) sink(this.token.token);
  }

  /** The current token, requesting one when there is none or it is about to expire. */
  authenticate(): Promise<TokenInfo> {
    if (this.token && this.token.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return Promise.resolve(this.token);
    this.authenticating ??= this.requestToken().then(
      (t) => {
        this.token = t;
        this.authenticating = undefined;
        this.secretSink?.(t.token);
        return t;
      },
      (err: unknown) => {
        this.authenticating = undefined;
        throw err;
      },
    );
    return this.authenticating;
  }

  /** Token requests sent to Keystone by this session (tests check that tasks share one). */
  tokenRequests = 0;

  private async requestToken(): Promise<TokenInfo> {
    this.tokenRequests++;
    const url = `${identityBase(this.cloud.auth.auth_url!)}/auth/tokens`;
    const body = JSON.stringify(authRequestBody(this.cloud.authType, this.cloud.auth));
    const res = await this.http.request({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body,
      timeoutMs: this.cloud.apiTimeoutMs,
    });
    if (res.status !== 201 && res.status !== 200) {
      const msg = apiMessage(res.body.toString('utf8'));
      throw new OpenStackApiError('keystone', res.status, `${msg}${res.status === 401 ? ` (credentials from ${this.cloud.source})` : ''}`, 'POST', url);
    }
    const header = res.headers['x-subject-token'];
    return parseTokenResponse(Array.isArray(header) ? header[0] : header, JSON.parse(res.body.toString('utf8')));
  }

  /** The project the token is scoped to (owner of the images and volumes it creates). */
  async projectId(): Promise<string> {
    const t = await this.authenticate();
    if (!t.projectId) throw new OpenStackConfigError(`the token from ${this.cloud.source} is not scoped to a project: set auth.project_name (with project_domain_name) or auth.project_id`);
    return t.projectId;
  }

  async endpoint(service: ServiceName): Promise<string> {
    const t = await this.authenticate();
    return findEndpoint(t.catalog, SERVICE_TYPES[service], this.cloud.interface, this.cloud.regionName, service);
  }

  /** Cinder's microversion for this session (negotiated on first use). */
  cinderMicroversion(): Promise<Microversion | undefined> {
    this.cinderVersion ??= (async () => {
      const url = versionDocumentUrl(await this.endpoint('cinder'));
      const res = await this.http.request({ method: 'GET', url, headers: { Accept: 'application/json' }, timeoutMs: this.cloud.apiTimeoutMs });
      // Cinder answers its root with 300 Multiple Choices and the version list.
      if (res.status !== 200 && res.status !== 300) throw new OpenStackApiError('cinder', res.status, apiMessage(res.body.toString('utf8')), 'GET', url);
      return negotiateMicroversion(serverRange(JSON.parse(res.body.toString('utf8'))));
    })().catch((err: unknown) => {
      this.cinderVersion = undefined;
      throw err;
    });
    return this.cinderVersion;
  }

  private async buildRequest(service: ServiceName, req: ApiRequest, token: string): Promise<HttpRequest> {
    const base = await this.endpoint(service);
    const url = new URL(`${base}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Auth-Token': token, ...(req.headers ?? {}) };
    if (service === 'cinder') {
      const mv = await this.cinderMicroversion();
      if (mv) headers['OpenStack-API-Version'] = `volume ${formatMicroversion(mv)}`;
    }
    const out: HttpRequest = { method: req.method, url: url.toString(), headers, timeoutMs: req.timeoutMs ?? this.cloud.apiTimeoutMs };
    if (req.signal) out.signal = req.signal;
    if (req.json !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      out.body = JSON.stringify(req.json);
    } else if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/octet-stream';
      out.body = req.body;
    }
    return out;
  }

  /**
   * Run `attempt` with a token; on 401 re-authenticate once (tasks that hit the same stale
   * token share the new one) and try again.
   */
  private async withToken<T extends { status: number }>(attempt: (token: string) => Promise<T>): Promise<T> {
    const first = await this.authenticate();
    const res = await attempt(first.token);
    if (res.status !== 401) return res;
    if (this.token === first) this.token = undefined;
    const second = await this.authenticate();
    return attempt(second.token);
  }

  /** An API call with a JSON (or empty) answer. Non-2xx statuses not in `accept` throw OpenStackApiError. */
  async request<T = unknown>(service: ServiceName, req: ApiRequest): Promise<ApiResponse<T>> {
    let sent: HttpRequest | undefined;
    const res = await this.withToken(async (token) => {
      sent = await this.buildRequest(service, req, token);
      return this.http.request(sent);
    });
    const text = res.body.toString('utf8');
    if ((res.status < 200 || res.status >= 300) && !req.accept?.includes(res.status)) {
      throw new OpenStackApiError(service, res.status, apiMessage(text), req.method, stripQuery(sent!.url));
    }
    let data: unknown = undefined;
    if (text && /json/.test(String(res.headers['content-type'] ?? ''))) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    return { status: res.status, headers: res.headers, data: data as T, text };
  }

  /** A GET of an absolute URL with a streamed answer (no token: a download, not an API call). */
  download<T>(url: string, timeoutMs: number, consume: (res: IncomingMessage) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.http.stream({ method: 'GET', url, timeoutMs, ...(signal ? { signal } : {}) }, consume);
  }

  /** This session as one task sees it: every request carries the task's signal. */
  forTask(signal: AbortSignal): TaskSession {
    return new TaskSession(this, signal);
  }
}

/**
 * What a module uses: the shared session's requests, abandoned when the task's signal
 * fires (its `timeout`, or the run's interrupt), and waits that end with it too. The token
 * request itself is shared by other tasks and bounded by api_timeout only.
 */
export class TaskSession {
  constructor(
    readonly shared: OpenStackSession,
    readonly signal: AbortSignal,
  ) {}

  request<T = unknown>(service: ServiceName, req: ApiRequest): Promise<ApiResponse<T>> {
    return this.shared.request<T>(service, { ...req, signal: this.signal });
  }

  download<T>(url: string, timeoutMs: number, consume: (res: IncomingMessage) => Promise<T>): Promise<T> {
    return this.shared.download(url, timeoutMs, consume, this.signal);
  }

  projectId(): Promise<string> {
    return this.shared.projectId();
  }

  cinderMicroversion(): Promise<Microversion | undefined> {
    return this.shared.cinderMicroversion();
  }

  /** Wait between polls; rejects as soon as the task's signal fires. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(new RequestAbortedError(`wait abandoned: ${String((this.signal.reason as Error)?.message ?? 'aborted')}`));
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new RequestAbortedError(`wait abandoned: ${String((this.signal.reason as Error)?.message ?? 'aborted')}`));
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function stripQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

const sessions = new Map<string, OpenStackSession>();

/**
 * The session for these credentials and this path, created on first use. Sessions live
 * for the process (a run): every task and host with the same credentials shares one token.
 */
export function sessionFor(cloud: ResolvedCloud, path: ApiPath = {}): OpenStackSession {
  const via = path.via;
  const key = createHash('sha256').update(credentialKey(cloud, via ?? '')).digest('hex');
  let s = sessions.get(key);
  if (!s) {
    let ca: Buffer | undefined;
    if (cloud.caCert) {
      try {
        ca = readFileSync(cloud.caCert);
      } catch (err) {
        throw new OpenStackConfigError(`ca_cert ${cloud.caCert} cannot be read: ${(err as Error).message}`);
      }
    }
    if (via && !path.open) throw new Error('sessionFor: a path via a host needs its tunnel opener');
    const http = new HttpClient({ verify: cloud.verify, ...(ca ? { ca } : {}), ...(via ? { tunnel: { via, open: path.open! } } : {}) });
    s = new OpenStackSession(cloud, http, via);
    sessions.set(key, s);
  } else if (via) {
    s.retarget(path.open!);
  }
  return s;
}

/** Forget every session (tests that change a cloud's password between runs). */
export function resetSessions(): void {
  sessions.clear();
}
