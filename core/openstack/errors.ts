/**
 * Errors of the OpenStack client, each one sentence a user can act on. `OpenStackApiError`
 * names the service, the HTTP status and the API's own message; `OpenStackConfigError`
 * says which credential source was wrong and where it was looked for.
 */

export class OpenStackConfigError extends Error {
  override name = 'OpenStackConfigError';
}

export class OpenStackApiError extends Error {
  override name = 'OpenStackApiError';
  constructor(
    /** 'keystone', 'glance', 'cinder' */
    readonly service: string,
    readonly status: number,
    /** The API's own message (from its JSON or HTML error body). */
    readonly apiMessage: string,
    readonly method: string,
    readonly url: string,
  ) {
    super(`${service}: HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''} (${method} ${url})`);
  }
}

/**
 * The API could not be reached at all (refused, timed out, tunnel refused), and a request the
 * task's signal abandoned: the HTTP client's errors (core/http), by the names this code uses.
 */
export { HttpUnreachableError as OpenStackUnreachableError, RequestAbortedError } from '../http/errors.js';

/**
 * The API's message from an error body: Keystone `{"error": {"message"}}`, Cinder
 * `{"itemNotFound": {"message"}}`, Glance/webob JSON `{"message"}` or its HTML/plain page.
 */
export function apiMessage(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const json = JSON.parse(text) as unknown;
    const found = findMessage(json, 0);
    // Glance puts webob's `<br />` line breaks into its JSON messages too.
    if (found) return oneLine(found.replace(/<br\s*\/?>/gi, ' '));
  } catch {
    /* not JSON: HTML or plain text */
  }
  const stripped = text
    .replace(/<title>[^<]*<\/title>/i, '')
    .replace(/<h1>[^<]*<\/h1>/i, '')
    .replace(/<[^>]+>/g, ' ');
  return oneLine(stripped);
}

function findMessage(value: unknown, depth: number): string | undefined {
  if (!value || typeof value !== 'object' || depth > 2) return undefined;
  const o = value as Record<string, unknown>;
  for (const key of ['message', 'faultstring', 'detail']) if (typeof o[key] === 'string' && o[key]) return o[key] as string;
  for (const v of Object.values(o)) {
    const m = findMessage(v, depth + 1);
    if (m) return m;
  }
  return undefined;
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}
