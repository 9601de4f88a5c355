/**
 * The HTTP client of the modules that speak HTTP from the controller (uri, the OpenStack
 * modules), on node:http/https rather than the global fetch: fetch (undici inside Node) takes neither a CA file nor "do not verify" per request,
 * nor a ready-made socket, and the SSH tunnel path needs exactly that. One client per
 * credentials-and-path; keep-alive sockets are reused across tasks (idle ones do not keep
 * the process alive). Every request is bounded by a timeout; bodies may be streams, so an
 * image upload never sits whole in memory.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex, Readable } from 'node:stream';
import { HttpUnreachableError, RequestAbortedError } from './errors.js';

/** Opens a TCP connection to host:port somewhere else (the SSH tunnel). */
export type TunnelOpener = (host: string, port: number) => Promise<Duplex>;

export interface HttpClientOptions {
  verify: boolean;
  /** PEM bundle to trust instead of the system's (ca_cert). */
  ca?: Buffer;
  /** Make every connection through this (api_via: host); shown in messages as `via`. */
  tunnel?: { open: TunnelOpener; via: string };
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A buffer, or a stream factory (called again if the request must be repeated after re-authentication). */
  body?: Buffer | string | (() => Readable);
  /** The whole exchange, from connecting to the last byte of the response. */
  timeoutMs: number;
  /** The task's signal (its `timeout`, the run's interrupt): aborting abandons the request. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The message of a socket-level failure, with the address and (for a tunnel) the host in between. */
function describeNetError(err: NodeJS.ErrnoException, url: URL, via: string | undefined): string {
  const at = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  const through = via ? ` (through ${via}'s SSH connection)` : '';
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${at}${through}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${at}${through}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve '${url.hostname}'${through}`;
    case 'ECONNRESET':
      return `connection reset by ${at}${through}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate of ${at} not trusted (${err.message}): give ca_cert, or validate_certs: false`;
  }
  // A tunnel that could not be opened already says which host could not connect where.
  return via && !err.code ? err.message : `${at}${through}: ${err.message}`;
}

export class HttpClient {
  /** Keep-alive pools for direct connections; a tunnel opens one channel per request instead. */
  private readonly httpAgent?: HttpAgent;
  private readonly httpsAgent?: HttpsAgent;

  constructor(private readonly options: HttpClientOptions) {
    if (!options.tunnel) {
      this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
      this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: options.verify, ...(options.ca ? { ca: options.ca } : {}) });
    }
  }

  /** A request whose response body is read whole (API calls: JSON, small). */
  async request(req: HttpRequest): Promise<HttpResponse> {
    return this.exchange(req, async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
    });
  }

  /** A request whose response body is handed to `consume` as a stream (a download). */
  async stream<T>(req: HttpRequest, consume: (res: IncomingMessage) => Promise<T>): Promise<T> {
    return this.exchange(req, consume);
  }

  private exchange<T>(req: HttpRequest, consume: (res: IncomingMessage) => Promise<T>): Promise<T> {
    const url = new URL(req.url);
    const https = url.protocol === 'https:';
    const port = Number(url.port || (https ? 443 : 80));
    const tunnel = this.options.tunnel;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        r.destroy();
        reject(err);
      };
      const signal = req.signal;
      const onAbort = () => fail(new RequestAbortedError(`${req.method} ${url.origin}${url.pathname} abandoned: ${String((signal?.reason as Error)?.message ?? 'aborted')}`));
      const timer = setTimeout(
        () => fail(new HttpUnreachableError(`${req.method} ${url.origin}${url.pathname}: no complete answer within ${req.timeoutMs / 1000} s${tunnel ? ` (through ${tunnel.via})` : ''}`)),
        req.timeoutMs,
      );
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      const body = req.body;
      if (typeof body === 'string' || Buffer.isBuffer(body)) headers['Content-Length'] = String(Buffer.byteLength(body));
      const options = {
        method: req.method,
        hostname: url.hostname,
        port,
        path: `${url.pathname}${url.search}`,
        headers,
        // With createConnection and no agent, node:http uses our socket (an agent would not).
        ...(tunnel ? {} : { agent: https ? this.httpsAgent : this.httpAgent }),
        ...(https ? { rejectUnauthorized: this.options.verify, ...(this.options.ca ? { ca: this.options.ca } : {}), servername: url.hostname } : {}),
        ...(tunnel
          ? {
              // Node's agent accepts an asynchronous createConnection through its callback.
              createConnection: (_o: unknown, cb: (err: Error | null, socket?: Duplex) => void) => {
                tunnel
                  .open(url.hostname, port)
                  .then((channel) => {
                    if (!https) return cb(null, channel);
                    const tls = tlsConnect({ socket: channel as never, servername: url.hostname, rejectUnauthorized: this.options.verify, ...(this.options.ca ? { ca: this.options.ca } : {}) });
                    cb(null, tls);
                  })
                  .catch((e: Error) => cb(e));
                return undefined;
              },
            }
          : {}),
      };
      const r = (https ? httpsRequest : httpRequest)(options as never, (res) => {
        consume(res).then(
          (value) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(value);
          },
          (err: Error) => fail(err),
        );
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', (err: NodeJS.ErrnoException) => fail(err instanceof HttpUnreachableError ? err : new HttpUnreachableError(describeNetError(err, url, tunnel?.via))));
      if (typeof body === 'function') {
        const stream = body();
        stream.on('error', (err) => fail(err));
        stream.pipe(r);
      } else {
        r.end(body);
      }
    });
  }

  /** A later task's opener for the same host (the previous one may belong to a closed connection). */
  retarget(open: TunnelOpener): void {
    if (this.options.tunnel) this.options.tunnel.open = open;
  }

  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }
}
