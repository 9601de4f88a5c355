/**
 * What `uri` sends and how it reads the answer, as Ansible's uri/fetch_url do: request
 * bodies encoded like Python (json.dumps, urlencode), redirects by the `follow_redirects`
 * policy, Basic auth sent up front or after a 401 challenge, and the response turned into
 * Ansible's result keys. The HTTP itself is core/http's HttpClient (node:http, direct or
 * through the host's SSH connection), shared with the OpenStack modules.
 */
import type { HttpClient, HttpResponse } from '../../core/http/client.js';

/** Python's json.dumps(value): ', ' and ': ' separators, non-ASCII as \uXXXX. */
export function pythonJsonDumps(value: unknown): string {
  const ascii = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const walk = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return ascii(v);
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : Number.isNaN(v) ? 'NaN' : '-Infinity';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (Array.isArray(v)) return `[${v.map(walk).join(', ')}]`;
    if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${ascii(k)}: ${walk(x)}`).join(', ')}}`;
    return ascii(String(v));
  };
  return walk(value);
}

/** Python's urllib.parse.quote_plus: only letters, digits and `_.-~` stay as they are. */
export function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Ansible's form_urlencoded: a mapping or a list of pairs; list values repeat the key. */
export function formUrlencoded(body: unknown): string {
  const pairs: Array<[string, unknown]> = Array.isArray(body)
    ? body.map((p) => {
        if (!Array.isArray(p) || p.length !== 2) throw new Error('a list body must hold [key, value] pairs');
        return [String(p[0]), p[1]];
      })
    : Object.entries(body as Record<string, unknown>);
  const out: string[] = [];
  const text = (v: unknown) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : v === null ? 'None' : String(v));
  for (const [k, v] of pairs) {
    for (const item of Array.isArray(v) ? v : [v]) out.push(`${quotePlus(k)}=${quotePlus(text(item))}`);
  }
  return out.join('&');
}

export type RedirectPolicy = 'safe' | 'all' | 'none';

export function redirectPolicy(value: string): RedirectPolicy {
  if (value === 'all' || value === 'yes') return 'all';
  if (value === 'none' || value === 'no') return 'none';
  return 'safe'; // 'safe' and 'urllib2'
}

export interface Exchange {
  response: HttpResponse;
  /** The URL that answered (after redirects). */
  url: string;
  /** A network-level failure instead of a response: Ansible's status -1. */
  error?: string;
}

export interface SendOptions {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  signal: AbortSignal;
  redirects: RedirectPolicy;
  /** Basic credentials; sent up front when `force`, else only after a 401 that asks for Basic. */
  auth?: { user: string; password: string; force: boolean };
}

const MAX_REDIRECTS = 10;

function basic(auth: NonNullable<SendOptions['auth']>): string {
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
}

/** Send the request, following redirects and answering a Basic challenge, as urllib would. */
export async function send(client: (url: URL) => HttpClient, o: SendOptions): Promise<Exchange> {
  let url = new URL(o.url);
  let method = o.method;
  let body = o.body;
  const headers = { ...o.headers };
  if (o.auth?.force) headers.Authorization = basic(o.auth);
  for (let hop = 0; ; hop++) {
    let response = await client(url).request({ method, url: url.href, headers, ...(body !== undefined ? { body } : {}), timeoutMs: o.timeoutMs, signal: o.signal });
    if (response.status === 401 && o.auth && !headers.Authorization && /^\s*basic/i.test(String(response.headers['www-authenticate'] ?? ''))) {
      headers.Authorization = basic(o.auth);
      response = await client(url).request({ method, url: url.href, headers, ...(body !== undefined ? { body } : {}), timeoutMs: o.timeoutMs, signal: o.signal });
    }
    const location = response.headers.location;
    const isRedirect = [301, 302, 303, 307, 308].includes(response.status) && typeof location === 'string';
    const safe = method === 'GET' || method === 'HEAD';
    if (!isRedirect || o.redirects === 'none' || (o.redirects === 'safe' && !safe) || hop >= MAX_REDIRECTS) return { response, url: url.href };
    const next = new URL(location, url);
    // 301/302/303 turn into a GET without a body (as browsers and urllib do); 307/308 repeat the request.
    if ([301, 302, 303].includes(response.status) && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
      for (const h of Object.keys(headers)) if (/^content-(type|length)$/i.test(h)) delete headers[h];
    }
    // Credentials never follow a redirect to another origin.
    if (next.origin !== url.origin) delete headers.Authorization;
    url = next;
  }
}

/** Ansible's result keys for the response headers: lower case, '-' turned into '_'. */
export function headerKeys(headers: HttpResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.replace(/-/g, '_').toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Content types whose body Ansible parses into `json`. */
export function isJsonType(contentType: string | undefined): boolean {
  const sub = (contentType ?? '').split(';')[0]!.trim().toLowerCase().split('/')[1] ?? '';
  const suffix = sub.includes('+') ? sub.split('+').pop()! : sub;
  return ['json', 'javascript'].includes(suffix);
}

/** The charset a response declares (utf-8 otherwise). */
export function charsetOf(contentType: string | undefined): BufferEncoding {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType ?? '');
  const cs = (m?.[1] ?? 'utf-8').toLowerCase();
  return cs === 'iso-8859-1' || cs === 'latin1' || cs === 'latin-1' ? 'latin1' : cs === 'ascii' || cs === 'us-ascii' ? 'ascii' : 'utf8';
}
