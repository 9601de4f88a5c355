/**
 * cinder_snapshot against the lab cloud, on both volume types (`fake`: Cinder's fake
 * logging driver; `nfs`: the real NFS driver writing qcow2 overlays on the cloud host):
 * every argument, idempotence, check mode verified through the API directly, keep/series
 * pruning, an in-use volume at the negotiated microversion, wait failing on error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cinderSnapshot from '../../modules/cinder_snapshot.js';
import { openLab, type Lab } from './modules-lab.js';
import { openDirect, type Direct } from './openstack-direct.js';

const HOST = 'cloud';
const P = `tsplay-it-snap-${process.pid}`;
let lab: Lab;
let direct: Direct;
const volumes: Record<'fake' | 'nfs', { id: string; name: string }> = {} as never;

const run = (args: Record<string, unknown>, o: { check?: boolean } = {}) => lab.run(HOST, cinderSnapshot, { cloud: 'lab', ...args }, { diff: true, ...o });
const names = async (volumeId: string) => (await direct.snapshots(volumeId)).map((s) => s.name).sort();

async function cleanup(): Promise<void> {
  const r = await direct.call('GET', `${direct.url('volumev3')}/volumes/detail`);
  for (const v of r.data.volumes) if (String(v.name ?? '').startsWith('tsplay-it-snap-')) await direct.deleteVolume(v.id);
}

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`no host '${HOST}' in inventories/lab: bring the cloud up (npm run lab -- up --openstack)`);
  direct = await openDirect('lab');
  await cleanup();
  for (const type of ['fake', 'nfs'] as const) {
    const v = await direct.createVolume(`${P}-${type}`, type);
    volumes[type] = { id: v.id, name: v.name };
  }
}, 300_000);

afterAll(async () => {
  if (direct) await cleanup();
  await lab?.close();
});

describe('cinder_snapshot on the lab cloud', () => {
  it.each(['fake', 'nfs'] as const)('%s: check mode creates nothing and predicts; create; second run unchanged; description/metadata updated in place', async (type) => {
    const vol = volumes[type];
    const args = { volume: vol.name, name: `${P}-one`, description: 'before the upgrade', metadata: { reason: 'test', n: 1 }, force: false, wait: true, timeout: 120 };
    const check = await run(args, { check: true });
    expect(check).toMatchObject({ changed: true, failed: false, volume_id: vol.id, microversion: '3.70' });
    expect(await direct.snapshots(vol.id)).toEqual([]);

    const real = await run(args);
    expect(real).toMatchObject({ changed: true, failed: false, volume_id: vol.id });
    const snaps = await direct.snapshots(vol.id);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ id: real.id, name: args.name, description: args.description, status: 'available', metadata: { reason: 'test', n: '1' } });
    expect(real.diff).toEqual(check.diff);

    expect(await run(args)).toMatchObject({ changed: false, id: real.id });
    expect((await run({ ...args, volume: vol.id })).changed).toBe(false); // by id: the same snapshot

    const upd = { ...args, description: 'changed', metadata: { extra: 'x' } };
    const c2 = await run(upd, { check: true });
    expect(c2.changed).toBe(true);
    expect((await direct.snapshots(vol.id))[0].description).toBe(args.description);
    const r2 = await run(upd);
    expect(r2).toMatchObject({ changed: true, id: real.id });
    expect(r2.diff).toEqual(c2.diff);
    expect((await direct.snapshots(vol.id))[0]).toMatchObject({ description: 'changed', metadata: { reason: 'test', n: '1', extra: 'x' } });
    expect((await run(upd)).changed).toBe(false);

    if (type === 'nfs') {
      // The NFS driver keeps a snapshot as a qcow2 overlay beside the volume file.
      const listing = await lab.out(HOST, `ls /var/lib/cinder/mnt/*/`);
      expect(listing).toContain(`volume-${vol.id}.${real.id}`);
    }

    const gone = await run({ volume: vol.name, name: args.name, state: 'absent' }, { check: true });
    expect(gone).toMatchObject({ changed: true, id: real.id });
    expect(await direct.snapshots(vol.id)).toHaveLength(1);
    expect((await run({ volume: vol.name, name: args.name, state: 'absent' })).changed).toBe(true);
    expect(await direct.snapshots(vol.id)).toEqual([]);
    expect((await run({ volume: vol.name, name: args.name, state: 'absent' })).changed).toBe(false);
  });

  it('keep: prunes the series oldest first, leaves other series and hand-made snapshots; check mode predicts the same ids', async () => {
    const vol = volumes.fake;
    const manual = await direct.call('POST', `${direct.url('volumev3')}/snapshots`, { snapshot: { volume_id: vol.id, name: `${P}-manual` } });
    await direct.waitSnapshot(manual.data.snapshot.id, ['available']);
    const made: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await run({ volume: vol.name, name: `${P}-n${i}`, keep: 2, series: 'nightly' });
      expect(r.failed).toBe(false);
      made.push(String(r.id));
      if (i === 3) expect(r.pruned).toEqual([made[0]]);
      await new Promise((res) => setTimeout(res, 1100)); // distinct created_at seconds
    }
    expect((await run({ volume: vol.name, name: `${P}-w1`, keep: 1, series: 'weekly' })).pruned).toEqual([]);
    expect(await names(vol.id)).toEqual([`${P}-manual`, `${P}-n2`, `${P}-n3`, `${P}-w1`]);

    const next = { volume: vol.name, name: `${P}-n4`, keep: 1, series: 'nightly' };
    const check = await run(next, { check: true });
    expect(check).toMatchObject({ changed: true, pruned: [made[1], made[2]] });
    expect(await names(vol.id)).toEqual([`${P}-manual`, `${P}-n2`, `${P}-n3`, `${P}-w1`]);
    const real = await run(next);
    expect(real).toMatchObject({ changed: true, pruned: [made[1], made[2]] });
    expect(real.diff).toEqual(check.diff);
    expect(await names(vol.id)).toEqual([`${P}-manual`, `${P}-n4`, `${P}-w1`]);
    expect((await run(next)).changed).toBe(false);
  });

  it('an in-use volume: at microversion 3.70 force is not sent and the snapshot is made; force: true is accepted too', async () => {
    const vol = volumes.fake;
    const cinder = direct.url('volumev3');
    // Attach it the way Nova would (attachments API, 3.27+; completed with os-complete, 3.44+).
    const mv = { 'OpenStack-API-Version': 'volume 3.54' };
    const connector = { initiator: 'iqn.1993-08.org.debian:01:tsplay', ip: '198.18.0.5', host: 'cloud', multipath: false, platform: 'x86_64', os_type: 'linux' };
    const att = await direct.call('POST', `${cinder}/attachments`, { attachment: { volume_uuid: vol.id, instance_uuid: '11111111-2222-3333-4444-555555555555', connector, mode: 'rw' } }, mv);
    expect(att.status, JSON.stringify(att.data)).toBe(200);
    expect((await direct.call('POST', `${cinder}/attachments/${att.data.attachment.id}/action`, { 'os-complete': null }, mv)).status).toBe(204);
    expect((await direct.volume(vol.id)).status).toBe('in-use');
    try {
      // Below 3.66 Cinder refuses an in-use volume without force; from 3.66 it refuses force: false.
      const old = await direct.call('POST', `${cinder}/snapshots`, { snapshot: { volume_id: vol.id, name: `${P}-old` } }, { 'OpenStack-API-Version': 'volume 3.65' });
      expect(old.data.badRequest.message).toMatch(/status must be available, but current status is: in-use/);
      const newer = await direct.call('POST', `${cinder}/snapshots`, { snapshot: { volume_id: vol.id, name: `${P}-new`, force: false } }, { 'OpenStack-API-Version': 'volume 3.70' });
      expect(newer.data.badRequest.message).toMatch(/Since microversion 3.66 the 'force' flag is invalid/);
      const r = await run({ volume: vol.name, name: `${P}-inuse` });
      expect(r).toMatchObject({ changed: true, failed: false, microversion: '3.70' });
      const r2 = await run({ volume: vol.name, name: `${P}-inuse-forced`, force: true });
      expect(r2).toMatchObject({ changed: true, failed: false });
      expect(await names(vol.id)).toEqual(expect.arrayContaining([`${P}-inuse`, `${P}-inuse-forced`]));
      for (const n of [`${P}-inuse`, `${P}-inuse-forced`]) expect((await run({ volume: vol.name, name: n, state: 'absent' })).changed).toBe(true);
    } finally {
      // Detaching through the attachment fails on the fake driver (500): reset the state instead.
      await direct.call('POST', `${cinder}/volumes/${vol.id}/action`, { 'os-reset_status': { status: 'available', attach_status: 'detached' } });
    }
  });

  it('wait fails naming the snapshot when it goes to error; an errored snapshot of the name fails the next run too', async () => {
    const vol = volumes.fake;
    const name = `${P}-err`;
    const first = await run({ volume: vol.name, name, wait: false });
    expect(first.changed).toBe(true);
    const id = String(first.id);
    await direct.waitSnapshot(id, ['available']);
    const setStatus = (status: string) => direct.call('POST', `${direct.url('volumev3')}/snapshots/${id}/action`, { 'os-reset_status': { status } });
    expect((await setStatus('creating')).status).toBe(202);
    setTimeout(() => void setStatus('error'), 2500);
    const waited = await run({ volume: vol.name, name, timeout: 60 });
    expect(waited).toMatchObject({ failed: true, msg: `snapshot ${name} (${id}) of volume ${vol.name} went to status error (see cinder-volume's log)` });
    const again = await run({ volume: vol.name, name });
    expect(again).toMatchObject({ failed: true, msg: `snapshot ${name} (${id}) of volume ${vol.name} is in status error: delete it (state: absent) and run again` });
    expect((await run({ volume: vol.name, name, state: 'absent' })).changed).toBe(true);
  });

  it('the items of one task read the volume once (ctx.taskCache); another task reads it again', async () => {
    const vol = volumes.fake;
    const taskCache = new Map<string, unknown>();
    const item = (n: number) => lab.run(HOST, cinderSnapshot, { cloud: 'lab', volume: vol.name, name: `${P}-item-${n}` }, { taskCache });
    expect(await item(1)).toMatchObject({ changed: true, failed: false, volume_id: vol.id });
    // Renamed behind the task's back: its next item still has the volume it read, by id;
    // a new task looks the old name up and does not find it.
    const volumeUrl = `${direct.url('volumev3')}/volumes/${vol.id}`;
    expect((await direct.call('PUT', volumeUrl, { volume: { name: `${vol.name}-renamed` } })).status).toBe(200);
    try {
      expect(await item(2)).toMatchObject({ changed: true, failed: false, volume_id: vol.id });
      expect(await run({ volume: vol.name, name: `${P}-item-3` })).toMatchObject({ failed: true, msg: `volume '${vol.name}' not found in project ${direct.projectId} (by name or id)` });
    } finally {
      await direct.call('PUT', volumeUrl, { volume: { name: vol.name } });
    }
    expect((await names(vol.id)).filter((n) => n.includes('-item-'))).toEqual([`${P}-item-1`, `${P}-item-2`]);
    for (const n of [1, 2]) expect((await run({ volume: vol.name, name: `${P}-item-${n}`, state: 'absent' })).changed).toBe(true);
  });

  it('an unknown volume fails the task, naming it', async () => {
    const r = await run({ volume: `${P}-nope`, name: 'x' });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe(`volume '${P}-nope' not found in project ${direct.projectId} (by name or id)`);
    const byId = await run({ volume: '00000000-0000-0000-0000-000000000000', name: 'x' }, { check: true });
    expect(byId.msg).toMatch(/volume '00000000-0000-0000-0000-000000000000' not found/);
  });
});
