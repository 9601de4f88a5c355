/**
 * What every OpenStack module shares: the credential and connection arguments (with
 * openstack.cloud's names, plus `api_via`), turning a task's context into an
 * authenticated session, and turning API errors into a failed task.
 */
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { JsonSchema, ModuleContext } from '../modules/api.js';
import { resolveCloud, type CloudArgs, type SearchContext } from './cloud-config.js';
import { OpenStackApiError, OpenStackConfigError, OpenStackUnreachableError, RequestAbortedError } from './errors.js';
import { sessionFor, type TaskSession } from './session.js';
import { InterruptedError } from '../transport/transport.js';

export interface OpenStackArgs extends CloudArgs {
  /** `controller` (default): HTTP from the controller; `host`: through the task host's SSH connection. */
  api_via: 'controller' | 'host';
}

/** Schema properties of the shared arguments; spread into a module's `properties`. */
export const openStackArgsSchema: Record<string, JsonSchema> = {
  cloud: {
    description: 'A cloud name from clouds.yaml (search path: OS_CLIENT_CONFIG_FILE, the inventory directory, ./, ~/.config/openstack/, /etc/openstack/), or a cloud mapping',
    oneOf: [{ type: 'string' }, { type: 'object' }],
  },
  auth: {
    type: 'object',
    description: 'auth_url, username, password, project_name, user_domain_name, project_domain_name, ... (overrides the cloud\'s)',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  auth_type: { type: 'string', description: 'password (default), v3applicationcredential or token' },
  region_name: { type: 'string' },
  interface: { type: 'string', enum: ['public', 'internal', 'admin'], description: 'Which catalog endpoints to use (default public)' },
  validate_certs: { type: 'boolean', description: 'false: accept any TLS certificate (default: the cloud\'s verify, else true)' },
  ca_cert: { type: 'string', description: 'PEM file of the CA that signed the API certificates' },
  api_timeout: { type: 'number', exclusiveMinimum: 0, description: 'Seconds for each API request (default 60)' },
  api_via: {
    type: 'string',
    enum: ['controller', 'host'],
    default: 'controller',
    description: "controller: API requests go straight from the controller; host: through the task host's SSH connection (a TCP tunnel), for APIs only that host can reach",
  },
};

/** The same arguments as documentation lines (module docs' notes). */
export const OPENSTACK_ARGS_NOTE =
  'Credentials: `cloud: NAME` from clouds.yaml (+ secure.yaml), found through OS_CLIENT_CONFIG_FILE, the inventory directory, ./clouds.yaml, ~/.config/openstack/ and /etc/openstack/; else the OS_* variables; `auth:` and the other connection arguments override either. See docs/openstack.md.';

/** Where clouds.yaml is looked for, from this task's point of view. */
export function searchContextFor(vars: Readonly<Record<string, unknown>>): SearchContext {
  const dirs: string[] = [];
  const add = (d: unknown) => {
    if (typeof d === 'string' && d && !dirs.includes(d)) dirs.push(d);
  };
  add(vars.inventory_dir);
  const sources = vars.ansible_inventory_sources;
  if (Array.isArray(sources)) {
    for (const s of sources) {
      if (typeof s !== 'string' || !existsSync(s)) continue;
      add(statSync(s).isDirectory() ? resolve(s) : dirname(resolve(s)));
    }
  }
  return { env: process.env, cwd: process.cwd(), home: homedir(), inventoryDirs: dirs };
}

/** The authenticated session for this task (shared with every task using the same credentials). */
export function openStackSession(ctx: ModuleContext<OpenStackArgs>): TaskSession {
  const a = ctx.args;
  const cloud = resolveCloud(a, searchContextFor(ctx.host.vars));
  const session =
    a.api_via === 'host'
      ? sessionFor(cloud, { via: ctx.host.name, open: (host, port) => ctx.connection.openTcpTunnel(host, port) })
      : sessionFor(cloud);
  session.useSecretSink((value) => ctx.secret(value));
  return session.forTask(ctx.signal);
}

/** Run `fn`; an OpenStack error (config, API, unreachable API) fails the task with its message. */
export async function withOpenStackErrors<T>(ctx: ModuleContext<unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // The task's timeout is reported by the executor; an interrupt ends the host's part of the run.
    if (err instanceof RequestAbortedError || ctx.signal.aborted) throw new InterruptedError(ctx.host.name, `interrupted: ${(err as Error).message}`);
    if (err instanceof OpenStackApiError) ctx.fail(err.message, { status: err.status, service: err.service });
    if (err instanceof OpenStackConfigError) ctx.fail(err.message);
    if (err instanceof OpenStackUnreachableError) ctx.fail(`OpenStack API not reachable: ${err.message}`);
    throw err;
  }
}
