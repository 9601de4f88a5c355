/**
 * An independent client of the lab cloud for the OpenStack module tests: set-up (volumes,
 * leftover images) and verification go through here, with Node's global fetch and none of
 * tsplay's OpenStack code, so a bug there cannot hide itself. Credentials are read from
 * inventories/lab/clouds.yaml + secure.yaml.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const LAB_INVENTORY_DIR = fileURLToPath(new URL('../../inventories/lab', import.meta.url));

type Json = any;

export interface Direct {
  projectId: string;
  token: string;
  password: string;
  url(type: 'image' | 'volumev3' | 'identity'): string;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; data: Json; headers: Headers }>;
  images(name: string): Promise<Json[]>;
  image(id: string): Promise<Json | undefined>;
  deleteImage(id: string): Promise<void>;
  volume(id: string): Promise<Json>;
  createVolume(name: string, type: string, size?: number): Promise<Json>;
  deleteVolume(id: string): Promise<void>;
  snapshots(volumeId: string): Promise<Json[]>;
  waitSnapshot(id: string, statuses: string[]): Promise<Json | undefined>;
}

export function labCloudConfigured(): boolean {
  return existsSync(`${LAB_INVENTORY_DIR}/clouds.yaml`) && existsSync(`${LAB_INVENTORY_DIR}/secure.yaml`);
}

export function cloudAuth(cloud: string): Record<string, string> {
  const clouds = parse(readFileSync(`${LAB_INVENTORY_DIR}/clouds.yaml`, 'utf8')).clouds;
  const secure = parse(readFileSync(`${LAB_INVENTORY_DIR}/secure.yaml`, 'utf8')).clouds;
  return { ...clouds[cloud].auth, ...(secure?.[cloud]?.auth ?? {}) };
}

export async function openDirect(cloud = 'lab'): Promise<Direct> {
  const a = cloudAuth(cloud);
  const identity = a.auth_url!.replace(/\/+$/, '').replace(/(\/v3)?$/, '/v3');
  const res = await fetch(`${identity}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain_name }, password: a.password } } },
        scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`direct: keystone ${res.status}: ${await res.text()}`);
  const token = res.headers.get('x-subject-token')!;
  const body = (await res.json()) as Json;
  const catalog = body.token.catalog as Json[];
  const url = (type: string) => {
    const types = type === 'volumev3' ? ['volumev3', 'block-storage'] : [type];
    for (const t of types) {
      const s = catalog.find((c) => c.type === t);
      const e = s?.endpoints.find((x: Json) => x.interface === 'public');
      if (e) return String(e.url).replace(/\/+$/, '');
    }
    throw new Error(`direct: no ${type} endpoint`);
  };
  const call: Direct['call'] = async (method, u, b, headers = {}) => {
    const r = await fetch(u, {
      method,
      headers: { 'X-Auth-Token': token, Accept: 'application/json', ...(b !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(b !== undefined ? { body: typeof b === 'string' || Buffer.isBuffer(b) ? (b as string) : JSON.stringify(b) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await r.text();
    let data: Json = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: r.status, data, headers: r.headers };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const d: Direct = {
    projectId: body.token.project.id,
    token,
    password: a.password!,
    url: url as Direct['url'],
    call,
    async images(name) {
      const r = await call('GET', `${url('image')}/v2/images?name=${encodeURIComponent(name)}&owner=${body.token.project.id}`);
      return r.data.images;
    },
    async image(id) {
      const r = await call('GET', `${url('image')}/v2/images/${id}`);
      return r.status === 404 ? undefined : r.data;
    },
    async deleteImage(id) {
      const img = await d.image(id);
      if (img?.protected) await call('PATCH', `${url('image')}/v2/images/${id}`, [{ op: 'replace', path: '/protected', value: false }], { 'Content-Type': 'application/openstack-images-v2.1-json-patch' });
      await call('DELETE', `${url('image')}/v2/images/${id}`);
    },
    async volume(id) {
      return (await call('GET', `${url('volumev3')}/volumes/${id}`)).data.volume;
    },
    async createVolume(name, type, size = 1) {
      const r = await call('POST', `${url('volumev3')}/volumes`, { volume: { name, size, volume_type: type } });
      if (r.status !== 202) throw new Error(`direct: create volume ${r.status}: ${JSON.stringify(r.data)}`);
      const id = r.data.volume.id;
      for (let i = 0; i < 120; i++) {
        const v = await d.volume(id);
        if (v.status === 'available') return v;
        if (v.status === 'error') throw new Error(`direct: volume ${name} (${type}) went to error`);
        await sleep(1000);
      }
      throw new Error(`direct: volume ${name} not available after 120 s`);
    },
    async deleteVolume(id) {
      for (const s of await d.snapshots(id)) {
        await call('DELETE', `${url('volumev3')}/snapshots/${s.id}`);
        await d.waitSnapshot(s.id, []);
      }
      await call('DELETE', `${url('volumev3')}/volumes/${id}`);
    },
    async snapshots(volumeId) {
      const r = await call('GET', `${url('volumev3')}/snapshots/detail?volume_id=${volumeId}`);
      return (r.data.snapshots as Json[]).filter((s) => s.volume_id === volumeId);
    },
    /** Until the snapshot has one of `statuses`, or (empty list) is gone. */
    async waitSnapshot(id, statuses) {
      for (let i = 0; i < 120; i++) {
        const r = await call('GET', `${url('volumev3')}/snapshots/${id}`);
        if (r.status === 404) return undefined;
        if (statuses.includes(r.data.snapshot.status)) return r.data.snapshot;
        await sleep(1000);
      }
      throw new Error(`direct: snapshot ${id} did not reach ${statuses.join('/') || 'deletion'}`);
    },
  };
  return d;
}
