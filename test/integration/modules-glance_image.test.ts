/**
 * glance_image against the lab cloud (`npm run lab -- up --openstack`, host `cloud`):
 * every argument, idempotence, check mode verified through the API directly (not through
 * tsplay), a queued leftover completed, the SSH-tunnel path, shared tokens and re-auth.
 * Failures and secrets through the CLI are in modules-openstack-cli.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import glanceImage from '../../modules/glance_image.js';
import cinderSnapshot from '../../modules/cinder_snapshot.js';
import { resetSessions, sessionFor } from '../../core/openstack/session.js';
import { resolveCloud } from '../../core/openstack/cloud-config.js';
import { searchContextFor } from '../../core/openstack/module-support.js';
import { openLab, type Lab } from './modules-lab.js';
import { cloudAuth, openDirect, type Direct } from './openstack-direct.js';

const HOST = 'cloud';
const IMAGE_URL = 'http://198.18.0.5:8080/cirros-0.3.3-x86_64-disk.img';
const REMOTE_FILE = '/srv/images/cirros-0.3.3-x86_64-disk.img';
const P = `tsplay-it-img-${process.pid}`;
let lab: Lab;
let direct: Direct;
let dir: string;
let file: string;
let md5: string;
let size: number;

async function cleanup(): Promise<void> {
  const r = await direct.call('GET', `${direct.url('image')}/v2/images?owner=${direct.projectId}&limit=1000`);
  for (const i of r.data.images) if (String(i.name ?? '').startsWith('tsplay-it-img-')) await direct.deleteImage(i.id);
}

const run = (args: Record<string, unknown>, o: { check?: boolean } = {}) => lab.run(HOST, glanceImage, { cloud: 'lab', ...args }, { diff: true, ...o });

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`no host '${HOST}' in inventories/lab: bring the cloud up (npm run lab -- up --openstack)`);
  direct = await openDirect('lab');
  await cleanup();
  dir = mkdtempSync(join(tmpdir(), 'tsplay-it-glance-'));
  const data = Buffer.from(await (await fetch(IMAGE_URL)).arrayBuffer());
  file = join(dir, 'cirros.img');
  writeFileSync(file, data);
  md5 = createHash('md5').update(data).digest('hex');
  size = data.length;
}, 120_000);

afterAll(async () => {
  if (direct) await cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await lab?.close();
});

describe('glance_image on the lab cloud', () => {
  it('a file on the controller: check mode creates nothing and predicts; the run creates; the second changes nothing', async () => {
    const name = `${P}-ctl`;
    const args = {
      name,
      filename: file,
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'public',
      min_disk: 1,
      min_ram: 64,
      properties: { hw_disk_bus: 'virtio', os_distro: 'cirros', hw_qemu_guest_agent: true },
      tags: ['tiny', 'test'],
      protected: false,
      checksum: md5,
      wait: true,
      timeout: 120,
    };
    const check = await run(args, { check: true });
    expect(check).toMatchObject({ changed: true, failed: false });
    expect(await direct.images(name)).toEqual([]);

    const real = await run(args);
    expect(real).toMatchObject({ changed: true, failed: false });
    expect(real.diff).toEqual(check.diff);
    const [img, ...more] = await direct.images(name);
    expect(more).toEqual([]);
    expect(img).toMatchObject({
      id: real.id,
      status: 'active',
      checksum: md5,
      size,
      visibility: 'public',
      min_disk: 1,
      min_ram: 64,
      protected: false,
      disk_format: 'qcow2',
      container_format: 'bare',
      hw_disk_bus: 'virtio',
      os_distro: 'cirros',
      hw_qemu_guest_agent: 'true',
    });
    expect([...img.tags].sort()).toEqual(['test', 'tiny']);
    // What check mode predicted is what the run made (id and Glance's timestamps aside).
    for (const [k, v] of Object.entries(check.image as Record<string, unknown>)) expect(img[k], k).toEqual(k === 'tags' ? expect.arrayContaining(v as string[]) : v);

    const again = await run(args);
    expect(again).toMatchObject({ changed: false, failed: false, id: img.id });
    expect((await run(args, { check: true })).changed).toBe(false);
    // Without checksum the file's md5 decides, with the same outcome.
    const { checksum: _c, ...noChecksum } = args;
    expect((await run(noChecksum)).changed).toBe(false);
  });

  it('changed visibility, tags and properties are one JSON patch: same image, same data, no upload', async () => {
    const name = `${P}-patch`;
    const base = { name, filename: file, visibility: 'private', tags: ['a'], properties: { os_distro: 'cirros' } };
    const first = await run(base);
    const before = await direct.image(String(first.id));
    const changed = { ...base, visibility: 'shared', tags: ['b', 'c'], properties: { os_distro: 'cirros', os_version: '0.3.3' }, min_ram: 128, protected: true };
    const check = await run(changed, { check: true });
    expect(check.changed).toBe(true);
    expect(check.diff).toEqual([
      {
        before: 'visibility: private\nmin_ram: 0\nprotected: false\ntags: ["a"]\n',
        after: 'visibility: shared\nmin_ram: 128\nprotected: true\ntags: ["b", "c"]\nos_version: 0.3.3\n',
        beforeHeader: `image ${name} (${first.id})`,
        afterHeader: `image ${name} (${first.id})`,
      },
    ]);
    expect(await direct.image(String(first.id))).toEqual(before);
    const real = await run(changed);
    expect(real).toMatchObject({ changed: true, id: first.id });
    expect(real.diff).toEqual(check.diff);
    const after = await direct.image(String(first.id));
    expect(after).toMatchObject({ visibility: 'shared', min_ram: 128, protected: true, os_version: '0.3.3', checksum: before.checksum, created_at: before.created_at });
    expect([...after.tags].sort()).toEqual(['b', 'c']);
    expect((await direct.images(name)).length).toBe(1);
    expect((await run(changed)).changed).toBe(false);
    // protected images cannot be deleted: the API's own message, naming the service.
    const del = await run({ name, state: 'absent' });
    expect(del.failed).toBe(true);
    expect(del.msg).toMatch(/^glance: HTTP 403: .*protected/i);
    expect((await run({ ...changed, protected: false })).changed).toBe(true);
  });

  it('a file on the cloud host (remote_src), through the host\'s SSH connection to its local Keystone (api_via: host)', async () => {
    const name = `${P}-remote`;
    const a = cloudAuth('lab');
    const args = {
      name,
      filename: REMOTE_FILE,
      remote_src: true,
      api_via: 'host',
      auth: { auth_url: 'http://127.0.0.1:5000/v3', password: a.password },
    };
    const check = await run(args, { check: true });
    expect(check.changed).toBe(true);
    expect(await direct.images(name)).toEqual([]);
    const real = await run(args);
    expect(real).toMatchObject({ changed: true, failed: false });
    const [img] = await direct.images(name);
    expect(img).toMatchObject({ status: 'active', checksum: md5, size });
    const execs = lab.execs(HOST);
    expect((await run(args)).changed).toBe(false);
    expect(lab.execs(HOST) - execs).toBe(1); // one wc + md5sum on the host decides
  });

  it.each([
    ['web-download import by Glance', 'web', {}],
    ['streamed through the controller (use_import: false)', 'stream', { use_import: false }],
  ] as const)('url: %s', async (_what, suffix, extra) => {
    if (suffix === 'web') {
      const info = await direct.call('GET', `${direct.url('image')}/v2/info/import`);
      expect(info.data['import-methods'].value).toContain('web-download');
    }
    const name = `${P}-url-${suffix}`;
    const args = { name, url: IMAGE_URL, checksum: md5, ...extra };
    expect((await run(args, { check: true })).changed).toBe(true);
    expect(await direct.images(name)).toEqual([]);
    const r = await run(args);
    expect(r, `${suffix}: ${String(r.msg)}`).toMatchObject({ changed: true, failed: false });
    expect((await direct.images(name))[0]).toMatchObject({ status: 'active', checksum: md5, size });
    expect((await run(args)).changed).toBe(false);
  });

  it('a web-download Glance refuses (a port outside its allowed_ports) fails clearly and leaves no image', async () => {
    const name = `${P}-url-refused`;
    const r = await run({ name, url: 'http://198.18.0.5:5000/v3', use_import: true });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^glance: HTTP 400: URI for web-download does not pass filtering: http:\/\/198\.18\.0\.5:5000\/v3 \(web-download of .*; the new image was deleted\); use_import: false streams/);
    expect(await direct.images(name)).toEqual([]);
  });

  it('a queued leftover of an interrupted run is completed, keeping its id', async () => {
    // 1. Created, never uploaded (the run died between POST and PUT).
    const name = `${P}-queued`;
    const created = await direct.call('POST', `${direct.url('image')}/v2/images`, { name, disk_format: 'qcow2', container_format: 'bare', visibility: 'private' });
    expect(created.data.status).toBe('queued');
    const check = await run({ name, filename: file }, { check: true });
    expect(check).toMatchObject({ changed: true, msg: `image ${name} would be completed` });
    expect((await direct.image(created.data.id)).status).toBe('queued');
    const r = await run({ name, filename: file });
    expect(r).toMatchObject({ changed: true, id: created.data.id, msg: `image ${name} completed (its data was missing)` });
    expect(await direct.image(created.data.id)).toMatchObject({ status: 'active', checksum: md5 });

    // 2. The upload itself broken off half-way: Glance puts the image back to queued.
    const name2 = `${P}-cut`;
    const c2 = await direct.call('POST', `${direct.url('image')}/v2/images`, { name: name2, disk_format: 'qcow2', container_format: 'bare' });
    const abort = new AbortController();
    const half = Buffer.alloc(1024 * 1024, 1);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(half);
        setTimeout(() => abort.abort(), 500);
      },
    });
    await fetch(`${direct.url('image')}/v2/images/${c2.data.id}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': direct.token, 'Content-Type': 'application/octet-stream' },
      body,
      duplex: 'half',
      signal: abort.signal,
    } as RequestInit).catch(() => undefined);
    let status = '';
    for (let i = 0; i < 30 && status !== 'queued'; i++) {
      status = (await direct.image(c2.data.id)).status;
      if (status !== 'queued') await new Promise((res) => setTimeout(res, 1000));
    }
    expect(status).toBe('queued');
    const r2 = await run({ name: name2, filename: file });
    expect(r2).toMatchObject({ changed: true, id: c2.data.id });
    expect(await direct.image(c2.data.id)).toMatchObject({ status: 'active', checksum: md5, size });
  });

  it('several images of one name, other data under the name, a wrong checksum: clear failures, nothing written', async () => {
    const name = `${P}-dup`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await direct.call('POST', `${direct.url('image')}/v2/images`, { name, disk_format: 'qcow2', container_format: 'bare' })).data.id);
    const dup = await run({ name, filename: file });
    expect(dup.failed).toBe(true);
    expect(dup.msg).toContain(`2 images are named '${name}'`);
    for (const id of ids) expect(dup.msg).toContain(id);
    for (const id of ids) expect((await direct.image(id)).status).toBe('queued');

    const other = `${P}-other`;
    writeFileSync(join(dir, 'other.img'), Buffer.concat([Buffer.from('x'), Buffer.alloc(4096)]));
    expect((await run({ name: other, filename: file })).changed).toBe(true);
    const clash = await run({ name: other, filename: join(dir, 'other.img') });
    expect(clash.failed).toBe(true);
    expect(clash.msg).toMatch(/holds other data: its md5 is [0-9a-f]{32}, .*image data cannot be replaced/);

    const bad = await run({ name: `${P}-badsum`, filename: file, checksum: '0'.repeat(32) });
    expect(bad).toMatchObject({ failed: true, msg: `checksum mismatch: ${file} on the controller has md5 ${md5}, checksum says ${'0'.repeat(32)}` });
    expect(await direct.images(`${P}-badsum`)).toEqual([]);
  });

  it('state: absent predicts, deletes, and is then a no-op; by id too', async () => {
    const name = `${P}-gone`;
    const made = await run({ name, filename: file });
    const check = await run({ name, state: 'absent' }, { check: true });
    expect(check).toMatchObject({ changed: true, id: made.id });
    expect(await direct.image(String(made.id))).toBeDefined();
    expect(await run({ name, state: 'absent' })).toMatchObject({ changed: true, id: made.id });
    expect(await direct.image(String(made.id))).toBeUndefined();
    expect((await run({ name, state: 'absent' })).changed).toBe(false);
    expect((await run({ id: String(made.id), state: 'absent' })).changed).toBe(false);
  });

  it('one token for concurrent tasks and hosts with the same credentials; a revoked token is replaced once', async () => {
    resetSessions();
    const cloud = resolveCloud({ cloud: 'lab' }, searchContextFor(lab.inventory.varsFor(HOST)));
    const names = [1, 2, 3, 4].map((i) => `${P}-conc-${i}`);
    const results = await Promise.all(names.map((name) => run({ name, state: 'absent' })));
    expect(results.every((r) => !r.failed)).toBe(true);
    const session = sessionFor(cloud);
    expect(session.tokenRequests).toBe(1);
    // Revoke the token behind tsplay's back. Glance's middleware has it cached as valid for a
    // while; Cinder has not seen it yet, so Cinder answers 401 and the session re-authenticates.
    const token = (await session.authenticate()).token;
    expect((await direct.call('DELETE', `${direct.url('identity')}/auth/tokens`, undefined, { 'X-Subject-Token': token })).status).toBe(204);
    const after = await lab.run(HOST, cinderSnapshot, { cloud: 'lab', volume: `${P}-no-such-volume`, name: 'x' });
    expect(after.msg).toBe(`volume '${P}-no-such-volume' not found in project ${direct.projectId} (by name or id)`);
    expect(session.tokenRequests).toBe(2);
  });

  it('credentials from OS_* variables, from an application credential, and as the demo user', async () => {
    const a = cloudAuth('lab');
    const name = `${P}-creds`;
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        OS_AUTH_URL: a.auth_url,
        OS_USERNAME: a.username,
        OS_PASSWORD: a.password,
        OS_PROJECT_NAME: a.project_name,
        OS_USER_DOMAIN_NAME: a.user_domain_name,
        OS_PROJECT_DOMAIN_NAME: a.project_domain_name,
      });
      const env = await lab.run(HOST, glanceImage, { name, filename: file });
      expect(env, String(env.msg)).toMatchObject({ changed: true, failed: false });
    } finally {
      for (const k of Object.keys(process.env)) if (k.startsWith('OS_') && !(k in saved)) delete process.env[k];
    }
    // An application credential of admin (its own project scope, no password).
    const me = await direct.call('GET', `${direct.url('identity')}/auth/tokens`, undefined, { 'X-Subject-Token': direct.token });
    const userId = me.data.token.user.id;
    const ac = await direct.call('POST', `${direct.url('identity')}/users/${userId}/application_credentials`, { application_credential: { name: `${P}-ac` } });
    expect(ac.status, JSON.stringify(ac.data)).toBe(201);
    try {
      const auth = { auth_url: a.auth_url, application_credential_id: ac.data.application_credential.id, application_credential_secret: ac.data.application_credential.secret };
      const r = await lab.run(HOST, glanceImage, { auth, auth_type: 'v3applicationcredential', name, filename: file });
      expect(r, String(r.msg)).toMatchObject({ changed: false, failed: false });
      const wrong = await lab.run(HOST, glanceImage, { auth: { ...auth, application_credential_secret: 'wrong-secret' }, name, filename: file });
      expect(wrong.failed).toBe(true);
      expect(wrong.msg).toMatch(/^keystone: HTTP 401: /);
    } finally {
      await direct.call('DELETE', `${direct.url('identity')}/users/${userId}/application_credentials/${ac.data.application_credential.id}`);
    }
    // The demo project does not own admin's image: demo gets its own, private one.
    const demo = await run({ cloud: 'lab-demo', name, filename: file, visibility: 'private' });
    expect(demo).toMatchObject({ changed: true, failed: false });
    expect((demo.image as Record<string, unknown>).owner).not.toBe(direct.projectId);
    const demoGone = await run({ cloud: 'lab-demo', name, state: 'absent' });
    expect(demoGone).toMatchObject({ changed: true, id: demo.id });
    expect((await direct.images(name)).length).toBe(1);
  });
});
