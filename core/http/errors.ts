/**
 * Errors of the HTTP client (core/http/client.ts), for every module that speaks HTTP (uri,
 * the OpenStack modules): each message names the address and what went wrong there.
 */

/** The server could not be reached at all (refused, no route, timed out, tunnel refused, TLS not trusted). */
export class HttpUnreachableError extends Error {
  override name = 'HttpUnreachableError';
}

/** A request abandoned because the task's signal fired (its timeout, or the run's interrupt). */
export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
}
