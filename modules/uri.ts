/**
 * `uri`: an HTTP request, as Ansible's uri module makes it: from the controller by default,
 * or from the host through its SSH connection (`api_via: host`, a TCP tunnel), with the
 * controller's HTTP client (core/http, shared with the OpenStack modules). Nothing runs on the host unless `creates`,
 * `removes` or `dest` need it (one command to check, one to write).
 */
import { STATUS_CODES } from 'node:http';
import { readFileSync } from 'node:fs';
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { HttpClient } from '../core/http/client.js';
import { HttpUnreachableError, RequestAbortedError } from '../core/http/errors.js';
import { InterruptedError } from '../core/transport/transport.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { attrSchema, parseAttrs, type AttrArgs } from './_lib/file-attrs.js';
import { charsetOf, formUrlencoded, headerKeys, isJsonType, pythonJsonDumps, redirectPolicy, send, type Exchange } from './_lib/http-request.js';
import { installFile } from './_lib/install-file.js';

interface UriArgs extends AttrArgs {
  url: string;
  method: string;
  body?: unknown;
  body_format: 'raw' | 'json' | 'form-urlencoded';
  headers: Record<string, string | number | boolean>;
  status_code: number[];
  return_content: boolean;
  url_username?: string;
  url_password?: string;
  force_basic_auth: boolean;
  follow_redirects: string;
  validate_certs: boolean;
  ca_path?: string;
  timeout: number;
  dest?: string;
  creates?: string;
  removes?: string;
  api_via: 'controller' | 'host';
}

const ALIASES = { url_username: ['user'], url_password: ['password'] };
/** Methods that change nothing on the server: safe to send in check mode. */
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

function bodyBytes(a: UriArgs, headers: Record<string, string>): Buffer | undefined {
  if (a.body === undefined || a.body === null) return undefined;
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (a.body_format === 'json') {
    if (!hasType) headers['Content-Type'] = 'application/json';
    return Buffer.from(typeof a.body === 'string' ? a.body : pythonJsonDumps(a.body));
  }
  if (a.body_format === 'form-urlencoded') {
    if (!hasType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return Buffer.from(typeof a.body === 'string' ? a.body : formUrlencoded(a.body));
  }
  return Buffer.from(typeof a.body === 'string' ? a.body : pythonJsonDumps(a.body));
}

export default defineModule<UriArgs>({
  name: 'uri',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'http:// or https:// URL.' },
      method: { type: 'string', pattern: '^[A-Z]+$', default: 'GET', description: 'HTTP method, one word in upper case (GET, POST, PUT, DELETE, PATCH...).' },
      body: { description: 'Request body: text, or (with body_format json / form-urlencoded) a mapping or list.' },
      body_format: { enum: ['raw', 'json', 'form-urlencoded'], default: 'raw', description: 'json: encode body as JSON (Content-Type application/json); form-urlencoded: as a form.' },
      headers: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, default: {}, description: 'Request headers.' },
      status_code: { type: 'array', items: { type: 'integer' }, default: [200], description: 'Statuses that count as success (a list, or comma-separated).' },
      return_content: { type: 'boolean', default: false, description: 'Return the body as content (JSON bodies are returned as json anyway).' },
      ...withAliases(
        {
          url_username: { type: 'string', description: 'User for HTTP Basic authentication.' },
          url_password: { type: 'string', description: 'Password for HTTP Basic authentication (masked in all output).' },
        },
        ALIASES,
      ),
      force_basic_auth: { type: 'boolean', default: false, description: 'Send the credentials with the first request instead of after a 401 challenge.' },
      follow_redirects: { enum: ['safe', 'all', 'none', 'yes', 'no', 'urllib2'], default: 'safe', description: 'safe: follow redirects of GET/HEAD only; all: every redirect; none: none.' },
      validate_certs: { type: 'boolean', default: true, description: 'false: accept any TLS certificate.' },
      ca_path: { type: 'string', description: 'PEM file (on the controller) of the CA to trust.' },
      timeout: { type: 'integer', minimum: 1, default: 30, description: 'Seconds for the whole exchange.' },
      dest: { type: 'string', description: 'Write the response body to this file on the host (only when it differs).' },
      creates: { type: 'string', description: 'A path on the host: when it exists, no request is made.' },
      removes: { type: 'string', description: 'A path on the host: when it does not exist, no request is made.' },
      api_via: {
        enum: ['controller', 'host'],
        default: 'controller',
        description: "controller: the request goes from the controller; host: from the task's host, through its SSH connection (for URLs only it can reach, e.g. http://127.0.0.1/).",
      },
      ...attrSchema,
    },
  },
  docs: {
    short: 'Interact with HTTP and HTTPS web services',
    description: [
      "Sends one HTTP request and returns Ansible's uri result: `status`, `url`, `msg`, the response headers",
      "as keys (`content_type`, `location`...), `json` for JSON answers, `content` with return_content. A",
      'status outside `status_code` fails the task. The request goes from the controller (Node\'s http',
      'client, the one the OpenStack modules use), or with `api_via: host` from the host itself through a',
      "TCP tunnel on its SSH connection, so `http://127.0.0.1/` is the host's own server. `creates`, `removes`",
      'and `dest` are paths on the host, as in Ansible; `dest` is written atomically, and only when the body',
      'differs. In check mode GET, HEAD and OPTIONS are sent (they change nothing) and `dest` is predicted;',
      'other methods are reported skipped, as Ansible does.',
    ].join('\n'),
    examples: [
      '- name: Wait until Keystone answers',
      '  uri:',
      '    url: http://controller:5000/v3',
      '  register: keystone',
      '  until: keystone.status == 200',
      '  retries: 30',
      '  delay: 2',
      '',
      '- name: Create an object with a JSON body',
      '  uri:',
      '    url: https://api.example.com/v1/items',
      '    method: POST',
      '    body_format: json',
      '    body: { name: web1, size: 2 }',
      '    status_code: [200, 201]',
      '    headers: { X-Auth-Token: "{{ token }}" }',
      '',
      '- name: Log in with a form and Basic auth',
      '  uri:',
      '    url: https://app.example.com/login',
      '    method: POST',
      '    body_format: form-urlencoded',
      '    body: { user: admin, remember: true }',
      '    url_username: admin',
      '    url_password: "{{ admin_pw }}"',
      '    force_basic_auth: true',
      '',
      "- name: Ask the host's own server (only reachable there)",
      '  uri:',
      '    url: http://127.0.0.1:8080/health',
      '    api_via: host',
      '    return_content: true',
      '',
      '- name: Save a file on the host',
      '  uri:',
      '    url: http://repo.example.com/motd',
      '    dest: /etc/motd',
      '    mode: "0644"',
    ].join('\n'),
    returns: {
      status: 'HTTP status (-1 when no response came).',
      url: 'The URL that answered (after redirects).',
      redirected: 'Whether a redirect was followed.',
      msg: "'OK (N bytes)', or the error ('HTTP Error 404: Not Found', 'Status code was 404 and not [200]: ...').",
      json: 'The parsed body when the response is JSON.',
      content: 'The body as text, with return_content.',
      elapsed: 'Seconds the request took.',
      path: 'dest, when the body was written there.',
      '<header>': 'Every response header, lower case with - as _ (content_type, content_length, location...).',
    },
    notes: [
      'Not supported: form-multipart bodies, src (a body from a file), client certificates, proxies, netrc, unix_socket.',
      'With dest, tsplay writes (and reports changed) only when the body differs from the file; Ansible rewrites it unless the server answers 304.',
      'ca_path is read on the controller, also with api_via: host (the TLS session ends in the controller).',
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    const attrs = parseAttrs(ctx, a);
    if (a.creates !== undefined || a.removes !== undefined) {
      const checks = [a.creates !== undefined && `[ -e ${ctx.quote(a.creates)} ] && echo creates`, a.removes !== undefined && `[ -e ${ctx.quote(a.removes)} ] && echo removes`];
      const res = await ctx.run(`${checks.filter(Boolean).join('; ')}; true`);
      if (a.creates !== undefined && res.stdout.includes('creates')) return { changed: false, stdout: `skipped, since '${a.creates}' exists` };
      if (a.removes !== undefined && !res.stdout.includes('removes')) return { changed: false, stdout: `skipped, since '${a.removes}' does not exist` };
    }
    if (ctx.check && !SAFE_METHODS.includes(a.method)) {
      return { changed: false, skipped: true, msg: `check mode: a ${a.method} request is not sent (it may change the server)` };
    }
    if (a.url_password) ctx.secret(a.url_password);
    const parsed = new URL(a.url);
    let user = a.url_username;
    let password = a.url_password;
    if (parsed.username || parsed.password) {
      // Credentials in the URL: used like url_username/url_password, never sent in the URL.
      user ??= decodeURIComponent(parsed.username);
      password ??= decodeURIComponent(parsed.password);
      if (password) ctx.secret(password);
      parsed.username = '';
      parsed.password = '';
    }
    const headers = Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k, String(v)]));
    if (Object.entries(headers).some(([k, v]) => /[\r\n]/.test(k + v))) ctx.fail('header names and values must not contain line breaks');
    let body: Buffer | undefined;
    try {
      body = bodyBytes(a, headers);
    } catch (err) {
      return ctx.fail(`failed to parse body as form_urlencoded: ${(err as Error).message}`, { elapsed: 0 });
    }
    let ca: Buffer | undefined;
    if (a.ca_path) {
      try {
        ca = readFileSync(a.ca_path);
      } catch (err) {
        return ctx.fail(`could not read ca_path ${a.ca_path} on the controller: ${(err as Error).message}`);
      }
    }
    const client = new HttpClient({
      verify: a.validate_certs,
      ...(ca ? { ca } : {}),
      ...(a.api_via === 'host' ? { tunnel: { via: ctx.host.name, open: (h: string, p: number) => ctx.connection.openTcpTunnel(h, p) } } : {}),
    });
    const started = Date.now();
    let exchange: Exchange;
    try {
      exchange = await send(() => client, {
        method: a.method,
        url: parsed.href,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: a.timeout * 1000,
        signal: ctx.signal,
        redirects: redirectPolicy(a.follow_redirects),
        ...(user !== undefined && password !== undefined ? { auth: { user, password, force: a.force_basic_auth } } : {}),
      });
    } catch (err) {
      if (err instanceof RequestAbortedError || ctx.signal.aborted) throw new InterruptedError(ctx.host.name, `interrupted: ${(err as Error).message}`);
      if (err instanceof HttpUnreachableError) {
        const msg = `Request failed: ${err.message}`;
        return ctx.fail(`Status code was -1 and not [${a.status_code.join(', ')}]: ${msg}`, { status: -1, url: a.url, elapsed: Math.floor((Date.now() - started) / 1000) });
      }
      throw err;
    } finally {
      client.close();
    }
    const { response } = exchange;
    const headerResult = headerKeys(response.headers);
    if (headerResult.location) headerResult.location = new URL(headerResult.location, exchange.url).href;
    const ok = response.status < 300;
    const result: ModuleResult = {
      changed: false,
      ...headerResult,
      redirected: exchange.url !== parsed.href,
      url: exchange.url,
      status: response.status,
      msg: ok ? `OK (${String(response.headers['content-length'] ?? 'unknown')} bytes)` : `HTTP Error ${response.status}: ${STATUS_CODES[response.status] ?? 'Unknown'}`,
      elapsed: Math.floor((Date.now() - started) / 1000),
      cookies: {},
      cookies_string: '',
    };
    const contentType = typeof response.headers['content-type'] === 'string' ? response.headers['content-type'] : undefined;
    const text = response.body.toString(charsetOf(contentType));
    if (isJsonType(contentType)) {
      try {
        result.json = JSON.parse(text);
      } catch {
        // Not valid JSON after all: Ansible leaves json out.
      }
    }
    const success = a.status_code.includes(response.status);
    if (success && a.dest !== undefined && response.status !== 304) {
      const written = await installFile(ctx, { data: response.body, dest: a.dest, sourceLabel: exchange.url, attrs, backup: false, force: true });
      result.changed = written.changed;
      result.path = a.dest;
      if (written.diff) result.diff = written.diff;
    }
    if (!success) {
      const { msg, changed: _changed, ...rest } = result;
      ctx.fail(`Status code was ${response.status} and not [${a.status_code.join(', ')}]: ${String(msg)}`, { ...rest, ...(a.return_content ? { content: text } : {}) });
    }
    if (a.return_content) result.content = text;
    return result;
  },
});
