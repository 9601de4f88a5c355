/**
 * The lab's OpenStack controller (`npm run lab -- up --openstack`, host `cloud`): real Keystone,
 * Glance and Cinder answer through their public APIs with the credentials of
 * inventories/lab/clouds.yaml + secure.yaml, using nothing but Node's fetch. Images are
 * uploaded and imported (web-download from the lab's image server), volumes and snapshots are
 * made on both backends (`fake`, and `nfs` whose files are checked on the host), and the
 * readiness gate of `up --openstack` holds: the scheduler already knows both backends, so a
 * volume is available within seconds, not after the scheduler's 60 s start-up hold.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const INVENTORY = fileURLToPath(new URL('../../inventories/lab', import.meta.url));
const CALL_TIMEOUT_MS = 20_000;
const IMAGE_URL = 'http://198.18.0.5:8080/cirros-0.3.3-x86_64-disk.img';
const PREFIX = `tsplay-it-cloud-${process.pid}`;

interface CloudConfig {
  auth: { auth_url: string; username: string; password: string; project_name: string; user_domain_name: string; project_domain_name: string };
  region_name: string;
  interface: string;
  identity_api_version: number;
}

interface Session {
  token: string;
  projectId: string;
  roles: string[];
  endpoint(type: string): string;
}

/** clouds.yaml merged with secure.yaml, as openstacksdk does. */
function cloudConfig(name: string): CloudConfig {
  const secureFile = path.join(INVENTORY, 'secure.yaml');
  if (!existsSync(secureFile)) throw new Error(`no ${secureFile}: bring the cloud up first (npm run lab -- up --openstack)`);
  const clouds = parse(readFileSync(path.join(INVENTORY, 'clouds.yaml'), 'utf8')).clouds;
  const secure = parse(readFileSync(secureFile, 'utf8')).clouds;
  const c = clouds[name] as CloudConfig;
  return { ...c, auth: { ...c.auth, ...secure[name].auth } };
}

/** One API call, bounded in time; throws with the service's own message on an unexpected status. */
async function api(method: string, url: string, opts: { token?: string; body?: unknown; raw?: Uint8Array; headers?: Record<string, string>; ok?: number[] } = {}) {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let body: string | Uint8Array | undefined;
  if (opts.raw) {
    headers['Content-Type'] = 'application/octet-stream';
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  const text = await res.text();
  if (!(opts.ok ?? [200, 201, 202, 204]).includes(res.status)) {
    throw new Error(`${method} ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function login(name: string): Promise<Session> {
  const c = cloudConfig(name);
  const r = await api('POST', `${c.auth.auth_url}/auth/tokens`, {
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.auth.username, domain: { name: c.auth.user_domain_name }, password: c.auth.password } } },
        scope: { project: { name: c.auth.project_name, domain: { name: c.auth.project_domain_name } } },
      },
    },
  });
  const token = r.headers.get('x-subject-token')!;
  const t = r.json.token;
  return {
    token,
    projectId: t.project.id,
    roles: t.roles.map((x: { name: string }) => x.name),
    endpoint(type) {
      const svc = t.catalog.find((s: { type: string }) => s.type === type);
      const ep = svc?.endpoints.find((e: { interface: string; region_id: string }) => e.interface === c.interface && e.region_id === c.region_name);
      if (!ep) throw new Error(`no ${c.interface} ${type} endpoint in ${c.region_name}`);
      return ep.url.replace('%(project_id)s', t.project.id).replace(/\/$/, '');
    },
  };
}

/** Polls `get` until `done` says so (or `failed` does), at most `seconds`. */
async function until<T>(what: string, seconds: number, get: () => Promise<T>, done: (v: T) => boolean, failed: (v: T) => boolean = () => false): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (failed(v)) throw new Error(`${what}: failed: ${JSON.stringify(v).slice(0, 300)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${seconds} s: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The lab's own ssh settings (group_vars/all.yml), for looking at the cloud host's files. */
async function onCloud(command: string): Promise<string> {
  const text = readFileSync(path.join(INVENTORY, 'group_vars', 'all.yml'), 'utf8');
  const v = (k: string) => new RegExp(`^${k}:\\s*"?(.*?)"?$`, 'm').exec(text)![1]!;
  const { stdout } = await run('ssh', ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'IdentitiesOnly=yes', '-i', v('ansible_ssh_private_key_file'), ...v('ansible_ssh_common_args').split(/\s+/), 'root@198.18.0.5', command], { timeout: 60_000 });
  return stdout.trim();
}

let admin: Session;
let demo: Session;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const hosts = readFileSync(path.join(INVENTORY, 'hosts.ini'), 'utf8');
  if (!/^\[openstack_api\]\ncloud ansible_host=198\.18\.0\.5 /m.test(hosts)) {
    throw new Error(`${INVENTORY}/hosts.ini has no [openstack_api] cloud: bring the cloud up first (npm run lab -- up --openstack)`);
  }
  admin = await login('lab');
  demo = await login('lab-demo');
});

afterAll(async () => {
  // Whatever a failed test left behind, newest first (snapshots before their volumes).
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('lab cloud: Keystone', () => {
  it('issues project-scoped tokens for the admin (lab) and the non-admin demo (lab-demo) clouds', async () => {
    expect(admin.roles).toContain('admin');
    expect(demo.roles).toContain('member');
    expect(demo.roles).not.toContain('admin');
    expect(admin.projectId).not.toBe(demo.projectId);
    // The token really is valid: keystone validates it for another caller.
    const r = await api('GET', `${cloudConfig('lab').auth.auth_url}/auth/tokens`, { token: admin.token, headers: { 'X-Subject-Token': demo.token } });
    expect(r.json.token.user.name).toBe('demo');
  });

  it('lists identity, image and block-storage (volumev3) endpoints on 198.18.0.5', () => {
    expect(admin.endpoint('identity')).toBe('http://198.18.0.5:5000/v3');
    expect(admin.endpoint('image')).toBe('http://198.18.0.5:9292');
    expect(admin.endpoint('volumev3')).toBe(`http://198.18.0.5:8776/v3/${admin.projectId}`);
    expect(admin.endpoint('block-storage')).toBe(`http://198.18.0.5:8776/v3/${admin.projectId}`);
  });

  it('refuses a wrong password with 401', async () => {
    const c = cloudConfig('lab-demo');
    const r = await api('POST', `${c.auth.auth_url}/auth/tokens`, {
      ok: [401],
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'not-the-password' } } } } },
    });
    expect(r.status).toBe(401);
  });
});

describe('lab cloud: Glance', () => {
  it('creates an image, takes its data, serves it back and deletes it', async () => {
    const glance = admin.endpoint('image');
    const data = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) % 251);
    const created = await api('POST', `${glance}/v2/images`, {
      token: demo.token,
      body: { name: `${PREFIX}-upload`, disk_format: 'raw', container_format: 'bare', visibility: 'private' },
    });
    const id = created.json.id as string;
    cleanups.push(() => api('DELETE', `${glance}/v2/images/${id}`, { token: admin.token, ok: [204, 404] }));
    expect(created.json.status).toBe('queued');
    await api('PUT', `${glance}/v2/images/${id}/file`, { token: demo.token, raw: data, ok: [204] });
    const image = (await api('GET', `${glance}/v2/images/${id}`, { token: demo.token })).json;
    expect(image).toMatchObject({ status: 'active', size: data.length, checksum: createHash('md5').update(data).digest('hex') });
    expect(image.os_hash_value).toBe(createHash('sha512').update(data).digest('hex'));
    const back = await fetch(`${glance}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': demo.token }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(Buffer.from(await back.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    await api('DELETE', `${glance}/v2/images/${id}`, { token: demo.token, ok: [204] });
    await api('GET', `${glance}/v2/images/${id}`, { token: demo.token, ok: [404] });
  });

  it('imports the lab image server\'s qcow2 by web-download (a public image, as admin)', async () => {
    const served = Buffer.from(await (await fetch(IMAGE_URL, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })).arrayBuffer());
    expect(served.subarray(0, 4).toString('latin1')).toBe('QFI\xfb'); // qcow2 magic
    const glance = admin.endpoint('image');
    const info = (await api('GET', `${glance}/v2/info/import`, { token: admin.token })).json;
    expect(info['import-methods'].value).toContain('web-download');
    const created = await api('POST', `${glance}/v2/images`, {
      token: admin.token,
      body: { name: `${PREFIX}-cirros`, disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
    });
    const id = created.json.id as string;
    cleanups.push(() => api('DELETE', `${glance}/v2/images/${id}`, { token: admin.token, ok: [204, 404] }));
    await api('POST', `${glance}/v2/images/${id}/import`, { token: admin.token, body: { method: { name: 'web-download', uri: IMAGE_URL } }, ok: [202] });
    const image = await until('web-download import', 120, async () => (await api('GET', `${glance}/v2/images/${id}`, { token: admin.token })).json, (i) => i.status === 'active', (i) => i.status === 'killed' || i.status === 'deleted' || (i.os_glance_failed_import ?? '') !== '');
    expect(image).toMatchObject({ visibility: 'public', size: served.length, checksum: createHash('md5').update(served).digest('hex') });
    // Public: the demo project sees it too.
    const seen = await api('GET', `${glance}/v2/images?name=${encodeURIComponent(`${PREFIX}-cirros`)}`, { token: demo.token });
    expect(seen.json.images.map((i: { id: string }) => i.id)).toEqual([id]);
    await api('DELETE', `${glance}/v2/images/${id}`, { token: admin.token, ok: [204] });
  });
});

describe('lab cloud: Cinder', () => {
  it('has both backends in the scheduler (the gate `up --openstack` waits for) and the volume types fake and nfs', async () => {
    const cinder = admin.endpoint('volumev3');
    const pools = (await api('GET', `${cinder}/scheduler-stats/get_pools`, { token: admin.token })).json.pools.map((p: { name: string }) => p.name);
    expect(pools.map((n: string) => n.split('#')[0]).sort()).toEqual(['cloud@fake', 'cloud@nfs']);
    const types = (await api('GET', `${demo.endpoint('volumev3')}/types`, { token: demo.token })).json.volume_types;
    const byName = Object.fromEntries(types.map((t: { name: string; extra_specs?: Record<string, string> }) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['fake', 'nfs']));
    const adminTypes = (await api('GET', `${cinder}/types`, { token: admin.token })).json.volume_types;
    for (const t of adminTypes.filter((x: { name: string }) => x.name === 'fake' || x.name === 'nfs')) {
      expect(t.extra_specs.volume_backend_name).toBe(t.name);
    }
  });

  it.each(['fake', 'nfs'])('creates a volume of type %s within seconds, snapshots it, and deletes both', async (type) => {
    const cinder = demo.endpoint('volumev3');
    const started = Date.now();
    const created = await api('POST', `${cinder}/volumes`, { token: demo.token, body: { volume: { name: `${PREFIX}-${type}`, size: 1, volume_type: type } } });
    const volumeId = created.json.volume.id as string;
    cleanups.push(() => api('DELETE', `${cinder}/volumes/${volumeId}`, { token: demo.token, ok: [202, 404] }));
    const volume = await until(`volume on ${type}`, 60, async () => (await api('GET', `${cinder}/volumes/${volumeId}`, { token: demo.token })).json.volume, (v) => v.status === 'available', (v) => v.status === 'error');
    // Scheduled at once: the scheduler already had the backend's pool (no 60 s start-up hold).
    expect(Date.now() - started).toBeLessThan(30_000);
    const adminView = (await api('GET', `${admin.endpoint('volumev3')}/volumes/${volumeId}`, { token: admin.token })).json.volume;
    expect(adminView['os-vol-host-attr:host']).toMatch(new RegExp(`^cloud@${type}#`));
    expect(volume.volume_type).toBe(type);

    const snap = await api('POST', `${cinder}/snapshots`, { token: demo.token, body: { snapshot: { volume_id: volumeId, name: `${PREFIX}-${type}-snap` } } });
    const snapId = snap.json.snapshot.id as string;
    cleanups.push(() => api('DELETE', `${cinder}/snapshots/${snapId}`, { token: demo.token, ok: [202, 404] }));
    await until(`snapshot on ${type}`, 60, async () => (await api('GET', `${cinder}/snapshots/${snapId}`, { token: demo.token })).json.snapshot, (s) => s.status === 'available', (s) => s.status === 'error');

    if (type === 'nfs') {
      // Real files on the share: the volume, and the snapshot as a qcow2 overlay whose
      // backing file is the volume.
      const files = await onCloud(`cd /srv/cinder-nfs && ls; qemu-img info --output=json volume-${volumeId}.${snapId}`);
      expect(files).toContain(`volume-${volumeId}\n`);
      const info = JSON.parse(files.slice(files.indexOf('{')));
      expect(info.format).toBe('qcow2');
      expect(info['backing-filename']).toBe(`volume-${volumeId}`);
    }

    await api('DELETE', `${cinder}/snapshots/${snapId}`, { token: demo.token, ok: [202] });
    await until(`snapshot deletion on ${type}`, 60, async () => (await api('GET', `${cinder}/snapshots/${snapId}`, { token: demo.token, ok: [200, 404] })), (r) => r.status === 404, (r) => r.json?.snapshot?.status === 'error_deleting');
    await api('DELETE', `${cinder}/volumes/${volumeId}`, { token: demo.token, ok: [202] });
    await until(`volume deletion on ${type}`, 60, async () => (await api('GET', `${cinder}/volumes/${volumeId}`, { token: demo.token, ok: [200, 404] })), (r) => r.status === 404, (r) => r.json?.volume?.status === 'error_deleting');
    if (type === 'nfs') expect(await onCloud(`ls /srv/cinder-nfs | grep -c ${volumeId} || true`)).toBe('0');
  });
});

describe('lab cloud host', () => {
  it('is a booted systemd named cloud, reached with the lab key and known_hosts, its share bind-mounted', async () => {
    const out = await onCloud('hostname; systemctl is-system-running; findmnt -n -o TARGET --target /var/lib/cinder/mnt/* | sort -u');
    const [hostname, state, mount] = out.split('\n');
    expect(hostname).toBe('cloud');
    expect(state).toBe('running');
    expect(mount).toMatch(/^\/var\/lib\/cinder\/mnt\/[0-9a-f]{32}$/);
  });
});
