/**
 * The pure side of `cinder_snapshot`: which volume and snapshot a task means, what differs,
 * and which older snapshots `keep` prunes. Snapshots made with `keep` (or `series`) carry
 * the metadata key SERIES_KEY, so pruning never touches a snapshot this task did not make.
 */

export type CinderVolume = Record<string, unknown> & { id: string; name?: string | null; status: string };
export type CinderSnapshot = Record<string, unknown> & {
  id: string;
  name?: string | null;
  status: string;
  volume_id: string;
  created_at?: string;
  description?: string | null;
  metadata?: Record<string, string>;
};

/** Metadata key naming the series a snapshot belongs to. */
export const SERIES_KEY = 'tsplay_series';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const looksLikeId = (s: string) => UUID.test(s);

export class MatchError extends Error {
  override name = 'MatchError';
}

/** One of `items` named `name` (none: undefined; several: an error listing their ids). */
export function pickByName<T extends { id: string; name?: string | null; status: string }>(items: T[], name: string, what: string): T | undefined {
  const same = items.filter((i) => i.name === name && i.status !== 'deleting' && i.status !== 'deleted');
  if (same.length > 1) throw new MatchError(`${same.length} ${what}s are named '${name}' (${same.map((i) => i.id).join(', ')}): give the id`);
  return same[0];
}

export interface DesiredSnapshot {
  name: string;
  /** Undefined: not managed. */
  description?: string;
  /** Managed key by key; other keys of the snapshot are left alone. */
  metadata: Record<string, string>;
}

export function desiredSnapshot(a: { name: string; description?: string; metadata?: Record<string, unknown>; keep?: number; series?: string }): DesiredSnapshot {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.metadata ?? {})) metadata[k] = String(v);
  if (a.keep !== undefined || a.series !== undefined) metadata[SERIES_KEY] = a.series ?? 'default';
  const d: DesiredSnapshot = { name: a.name, metadata };
  if (a.description !== undefined) d.description = a.description;
  return d;
}

export interface SnapshotChanges {
  description?: string;
  /** Keys to set (POST .../metadata merges them). */
  metadata: Record<string, string>;
  changes: Record<string, [unknown, unknown]>;
}

export function compareSnapshot(s: CinderSnapshot, d: DesiredSnapshot): SnapshotChanges {
  const out: SnapshotChanges = { metadata: {}, changes: {} };
  if (d.description !== undefined && (s.description ?? '') !== d.description) {
    out.description = d.description;
    out.changes.description = [s.description ?? '', d.description];
  }
  const have = s.metadata ?? {};
  for (const [k, v] of Object.entries(d.metadata)) {
    if (have[k] !== v) {
      out.metadata[k] = v;
      out.changes[`metadata.${k}`] = [have[k], v];
    }
  }
  return out;
}

/**
 * Snapshots of the series to delete so that `keep` remain: the series' snapshots (the one
 * this task made or keeps included) newest first, the rest returned oldest first.
 */
export function snapshotsToPrune(snapshots: CinderSnapshot[], series: string, keep: number): CinderSnapshot[] {
  const inSeries = snapshots
    .filter((s) => s.metadata?.[SERIES_KEY] === series && s.status !== 'deleting')
    .sort((x, y) => String(y.created_at ?? '').localeCompare(String(x.created_at ?? '')) || String(y.id).localeCompare(String(x.id)));
  return inSeries.slice(keep).reverse();
}

/** The attributes shown in a diff and returned in check mode. */
export function snapshotView(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'description', 'status', 'volume_id', 'size', 'metadata']) if (s[k] !== undefined && s[k] !== null) out[k] = s[k];
  return out;
}
