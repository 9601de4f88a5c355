/**
 * `cinder_snapshot` (also `openstack.cloud.volume_snapshot`, `os_volume_snapshot`): a
 * snapshot of a Cinder volume, by name per volume, through the volume API v3 at the
 * microversion negotiated with the server. `keep: N` then deletes the oldest snapshots of
 * the same series (made by this task, tagged in their metadata) beyond the newest N.
 * Check mode makes only GET requests and predicts the creation and the pruning exactly.
 */
import { defineModule, type DiffEntry, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { snapshotForceAccepted, formatMicroversion } from '../core/openstack/microversion.js';
import { openStackArgsSchema, openStackSession, OPENSTACK_ARGS_NOTE, withOpenStackErrors, type OpenStackArgs } from '../core/openstack/module-support.js';
import type { TaskSession } from '../core/openstack/session.js';
import { renderAttributes } from './_lib/glance.js';
import {
  compareSnapshot,
  desiredSnapshot,
  looksLikeId,
  MatchError,
  pickByName,
  SERIES_KEY,
  snapshotsToPrune,
  snapshotView,
  type CinderSnapshot,
  type CinderVolume,
} from './_lib/cinder.js';

interface SnapshotArgs extends OpenStackArgs {
  volume: string;
  name: string;
  display_name?: string;
  description?: string;
  display_description?: string;
  force: boolean;
  metadata: Record<string, string | number | boolean>;
  keep?: number;
  series?: string;
  state: 'present' | 'absent';
  wait: boolean;
  timeout: number;
}

const POLL_MS = 1000;

export default defineModule<SnapshotArgs>({
  name: 'cinder_snapshot',
  aliases: ['openstack.cloud.volume_snapshot', 'os_volume_snapshot'],
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['volume'],
    anyOf: [{ required: ['name'] }, { required: ['display_name'] }],
    properties: {
      volume: { type: 'string', minLength: 1, description: 'The volume: its name (unique in the project) or id' },
      name: { type: 'string', minLength: 1, description: 'Snapshot name, unique per volume' },
      display_name: { type: 'string', description: 'Old name of name' },
      description: { type: 'string' },
      display_description: { type: 'string', description: 'Old name of description' },
      force: { type: 'boolean', default: false, description: 'Snapshot an attached (in-use) volume; sent only below microversion 3.66, from which Cinder always allows it' },
      metadata: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, default: {}, description: 'Managed key by key' },
      keep: { type: 'integer', minimum: 1, description: 'Keep the newest N snapshots of this series of the volume; delete older ones, oldest first' },
      series: { type: 'string', minLength: 1, description: `Series recorded in metadata ${SERIES_KEY} for keep (default: "default"); give each keep task of one volume its own` },
      state: { type: 'string', enum: ['present', 'absent'], default: 'present' },
      wait: { type: 'boolean', default: true, description: 'Wait until the snapshot is available (and pruned ones are gone)' },
      timeout: { type: 'integer', minimum: 1, default: 180, description: 'Seconds for wait' },
      ...openStackArgsSchema,
    },
  },
  docs: {
    short: 'Create or delete a Cinder volume snapshot, and prune older ones (openstack.cloud.volume_snapshot)',
    description: [
      'Makes sure the volume has a snapshot of this name (one is created if not; a different',
      'description or metadata is updated in place), or has none (state: absent). With `keep: N`',
      'the snapshots this task made for the volume (metadata `tsplay_series`) beyond the newest N',
      'are deleted, oldest first. `wait` polls until the snapshot is `available` and fails, naming',
      'it, if it goes to `error`. The volume API microversion is negotiated with the server as',
      'python-cinderclient does.',
    ].join('\n'),
    notes: [OPENSTACK_ARGS_NOTE, 'A snapshot name is matched on its volume only: two volumes may each have a snapshot `nightly`.'],
    examples: [
      '- name: Snapshot the data volume (seed 002)',
      '  cinder_snapshot:',
      '    cloud: lab',
      '    volume: data',
      '    name: data-before-upgrade',
      '    description: before the Juno upgrade',
      '',
      '- name: Nightly snapshot, the last 7 kept',
      '  openstack.cloud.volume_snapshot:',
      '    cloud: lab',
      '    volume: data',
      "    name: \"data-{{ ansible_date_time.date }}\"",
      '    keep: 7',
      '    series: nightly',
      '',
      '- cinder_snapshot: cloud=lab volume=data name=data-before-upgrade state=absent',
    ].join('\n'),
    returns: {
      snapshot: 'The snapshot as Cinder returns it (check mode: the predicted attributes, no id for a new one)',
      id: 'Its id',
      volume_id: 'The volume\'s id',
      pruned: 'Ids of the snapshots deleted by keep, oldest first',
      microversion: 'The volume API microversion used',
      msg: 'What happened',
    },
  },
  run: (ctx) => withOpenStackErrors(ctx, () => run(ctx)),
});

async function run(ctx: ModuleContext<SnapshotArgs>): Promise<ModuleResult> {
  // Ansible's old names (display_name, display_description) count as name and description.
  const given = ctx.args;
  const description = given.description ?? given.display_description;
  const a: SnapshotArgs = { ...given, name: given.name ?? given.display_name!, ...(description !== undefined ? { description } : {}) };
  if (a.state === 'absent' && a.keep !== undefined) ctx.fail('keep applies to state: present');
  const session = openStackSession(ctx);
  const mv = await session.cinderMicroversion();
  const microversion = mv ? formatMicroversion(mv) : undefined;
  const volume = await findVolume(ctx, session);
  const snapshots = await listSnapshots(session, volume.id);
  let existing: CinderSnapshot | undefined;
  try {
    existing = pickByName(snapshots, a.name, `snapshot of volume ${volume.id}`);
  } catch (err) {
    if (err instanceof MatchError) ctx.fail(err.message);
    throw err;
  }
  const base = { volume_id: volume.id, ...(microversion ? { microversion } : {}) };

  if (a.state === 'absent') {
    if (!existing) return { changed: false, msg: `volume ${a.volume} has no snapshot ${a.name}`, ...base };
    const diff = { before: renderAttributes(snapshotView(existing)), after: '', beforeHeader: `snapshot ${a.name} (${existing.id})`, afterHeader: 'snapshot (absent)' };
    if (!ctx.check) await deleteSnapshots(ctx, session, [existing]);
    return { changed: true, msg: `snapshot ${a.name} ${ctx.check ? 'would be ' : ''}deleted`, snapshot: existing, id: existing.id, ...base, ...(ctx.diff ? { diff } : {}) };
  }

  if (existing?.status === 'error') ctx.fail(`snapshot ${a.name} (${existing.id}) of volume ${a.volume} is in status error: delete it (state: absent) and run again`, { id: existing.id });
  const desired = desiredSnapshot(a);
  const diffs: DiffEntry[] = [];
  let snapshot: Record<string, unknown>;
  let changed = false;
  let all = snapshots;

  if (!existing) {
    changed = true;
    const body: Record<string, unknown> = { volume_id: volume.id, name: a.name, metadata: desired.metadata };
    if (desired.description !== undefined) body.description = desired.description;
    // Below 3.66 an attached volume needs force; from 3.66 Cinder rejects force=false and needs none.
    if (snapshotForceAccepted(mv)) body.force = a.force;
    const predicted = { ...body, status: 'available', size: volume.size, created_at: new Date().toISOString() };
    diffs.push({ before: '', after: renderAttributes(snapshotView(predicted)), beforeHeader: 'snapshot (absent)', afterHeader: `snapshot ${a.name} of volume ${volume.name ?? volume.id}` });
    if (ctx.check) {
      snapshot = predicted;
    } else {
      const r = await session.request<{ snapshot: CinderSnapshot }>('cinder', { method: 'POST', path: '/snapshots', json: { snapshot: body } });
      snapshot = r.data.snapshot;
      if (a.wait) snapshot = await waitAvailable(ctx, session, r.data.snapshot);
    }
    all = [...snapshots, { ...(snapshot as CinderSnapshot), id: String(snapshot.id ?? '(new)'), metadata: desired.metadata, created_at: '\uffff' }];
  } else {
    let current = existing;
    if (current.status === 'creating' && a.wait) current = await waitAvailable(ctx, session, current);
    const cmp = compareSnapshot(current, desired);
    const keys = Object.keys(cmp.changes);
    if (keys.length) {
      changed = true;
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      for (const [k, [b, w]] of Object.entries(cmp.changes)) {
        before[k] = b;
        after[k] = w;
      }
      diffs.push({ before: renderAttributes(before), after: renderAttributes(after), beforeHeader: `snapshot ${a.name} (${current.id})`, afterHeader: `snapshot ${a.name} (${current.id})` });
      if (!ctx.check) {
        if (cmp.description !== undefined) await session.request('cinder', { method: 'PUT', path: `/snapshots/${current.id}`, json: { snapshot: { description: cmp.description } } });
        if (Object.keys(cmp.metadata).length) await session.request('cinder', { method: 'POST', path: `/snapshots/${current.id}/metadata`, json: { metadata: cmp.metadata } });
        current = (await session.request<{ snapshot: CinderSnapshot }>('cinder', { method: 'GET', path: `/snapshots/${current.id}` })).data.snapshot;
      } else {
        current = { ...current, ...(cmp.description !== undefined ? { description: cmp.description } : {}), metadata: { ...(current.metadata ?? {}), ...cmp.metadata } };
      }
      all = snapshots.map((s) => (s.id === current.id ? current : s));
    }
    snapshot = current;
  }

  let pruned: CinderSnapshot[] = [];
  if (a.keep !== undefined) {
    pruned = snapshotsToPrune(all, desired.metadata[SERIES_KEY]!, a.keep);
    for (const p of pruned) diffs.push({ before: renderAttributes(snapshotView(p)), after: '', beforeHeader: `snapshot ${p.name ?? ''} (${p.id}), pruned by keep=${a.keep}`, afterHeader: 'snapshot (absent)' });
    if (pruned.length) {
      changed = true;
      if (!ctx.check) await deleteSnapshots(ctx, session, pruned);
    }
  }
  const what = !existing ? 'created' : changed ? 'updated' : 'up to date';
  return {
    changed,
    msg: `snapshot ${a.name} of volume ${a.volume} ${ctx.check && changed ? `would be ${what}` : what}${pruned.length ? `; ${pruned.length} older snapshot(s) ${ctx.check ? 'would be ' : ''}pruned` : ''}`,
    snapshot,
    ...(snapshot.id ? { id: snapshot.id } : {}),
    pruned: pruned.map((p) => p.id),
    ...base,
    ...(changed && ctx.diff ? { diff: diffs } : {}),
  };
}

/**
 * The volume, looked up once per task on a host: the items of a loop (`name: "{{ item }}"`)
 * snapshot the same volume, and a volume's id, name and size do not change under a snapshot.
 * Keyed by the volume argument and the session (items may use other credentials).
 */
async function findVolume(ctx: ModuleContext<SnapshotArgs>, session: TaskSession): Promise<CinderVolume> {
  const key = `cinder_snapshot:volume:${ctx.args.volume}`;
  const cached = ctx.taskCache.get(key) as { session: unknown; volume: CinderVolume } | undefined;
  if (cached?.session === session.shared) return cached.volume;
  const volume = await lookUpVolume(ctx, session);
  ctx.taskCache.set(key, { session: session.shared, volume });
  return volume;
}

/** The volume by id, else by name (unique in the project). */
async function lookUpVolume(ctx: ModuleContext<SnapshotArgs>, session: TaskSession): Promise<CinderVolume> {
  const v = ctx.args.volume;
  if (looksLikeId(v)) {
    const r = await session.request<{ volume: CinderVolume }>('cinder', { method: 'GET', path: `/volumes/${v}`, accept: [404] });
    if (r.status === 200) return r.data.volume;
  }
  const r = await session.request<{ volumes: CinderVolume[] }>('cinder', { method: 'GET', path: '/volumes/detail', query: { name: v } });
  let found: CinderVolume | undefined;
  try {
    found = pickByName(r.data.volumes, v, 'volume');
  } catch (err) {
    if (err instanceof MatchError) ctx.fail(err.message);
    throw err;
  }
  if (!found) ctx.fail(`volume '${v}' not found in project ${await session.projectId()} (by name or id)`);
  return found;
}

/** Every snapshot of the volume (following Cinder's pagination links). */
async function listSnapshots(session: TaskSession, volumeId: string): Promise<CinderSnapshot[]> {
  const out: CinderSnapshot[] = [];
  let marker: string | undefined;
  for (;;) {
    const r = await session.request<{ snapshots: CinderSnapshot[]; snapshots_links?: Array<{ rel: string; href: string }> }>('cinder', {
      method: 'GET',
      path: '/snapshots/detail',
      query: { volume_id: volumeId, limit: 1000, ...(marker ? { marker } : {}) },
    });
    // Older Cinder versions ignore the volume_id filter for non-admins: filter here as well.
    out.push(...r.data.snapshots.filter((s) => s.volume_id === volumeId));
    const next = r.data.snapshots_links?.find((l) => l.rel === 'next');
    if (!next || r.data.snapshots.length === 0) return out;
    marker = r.data.snapshots[r.data.snapshots.length - 1]!.id;
  }
}

async function waitAvailable(ctx: ModuleContext<SnapshotArgs>, session: TaskSession, start: CinderSnapshot): Promise<CinderSnapshot> {
  const deadline = Date.now() + ctx.args.timeout * 1000;
  let s = start;
  for (;;) {
    if (s.status === 'available') return s;
    if (s.status === 'error') ctx.fail(`snapshot ${s.name ?? ''} (${s.id}) of volume ${ctx.args.volume} went to status error (see cinder-volume's log)`, { id: s.id, snapshot: s });
    if (Date.now() > deadline) ctx.fail(`timed out after ${ctx.args.timeout} s waiting for snapshot ${s.name ?? ''} (${s.id}) to become available (status ${s.status})`, { id: s.id, snapshot: s });
    await session.pause(POLL_MS);
    s = (await session.request<{ snapshot: CinderSnapshot }>('cinder', { method: 'GET', path: `/snapshots/${s.id}` })).data.snapshot;
  }
}

/** Delete in the given order; with wait, each is gone (404) before the next is deleted. */
async function deleteSnapshots(ctx: ModuleContext<SnapshotArgs>, session: TaskSession, list: CinderSnapshot[]): Promise<void> {
  for (const s of list) {
    await session.request('cinder', { method: 'DELETE', path: `/snapshots/${s.id}`, accept: [404] });
    if (!ctx.args.wait) continue;
    const deadline = Date.now() + ctx.args.timeout * 1000;
    for (;;) {
      const r = await session.request<{ snapshot: CinderSnapshot }>('cinder', { method: 'GET', path: `/snapshots/${s.id}`, accept: [404] });
      if (r.status === 404) break;
      if (r.data.snapshot.status === 'error_deleting') ctx.fail(`snapshot ${s.name ?? ''} (${s.id}) could not be deleted (status error_deleting)`, { id: s.id });
      if (Date.now() > deadline) ctx.fail(`timed out after ${ctx.args.timeout} s waiting for snapshot ${s.id} to be deleted (status ${r.data.snapshot.status})`);
      await session.pause(POLL_MS);
    }
  }
}
