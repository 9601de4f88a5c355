/**
 * Cinder microversions, negotiated as python-cinderclient does: read the server's version
 * document (`GET /` of the volume endpoint), take the v3 entry's `min_version`/`version`,
 * and use min(client max, server max) provided it is not below either minimum.
 */
import { OpenStackConfigError } from './errors.js';

export type Microversion = readonly [major: number, minor: number];

/** The newest volume API microversion tsplay's requests are written for (OpenStack Zed). */
export const CINDER_CLIENT_MAX: Microversion = [3, 70];
export const CINDER_CLIENT_MIN: Microversion = [3, 0];
/** From 3.66 Cinder snapshots in-use volumes without `force`, and rejects `force: false`. */
export const CINDER_FORCE_DROPPED: Microversion = [3, 66];

export function parseMicroversion(s: string): Microversion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function formatMicroversion(v: Microversion): string {
  return `${v[0]}.${v[1]}`;
}

export function compareMicroversion(a: Microversion, b: Microversion): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** The v3 entry's range from a version document (`{"versions": [...]}` or `{"version": {...}}`). */
export function serverRange(doc: unknown, major = 3): { min: Microversion; max: Microversion } | undefined {
  const d = doc as { versions?: unknown[]; version?: unknown };
  const entries = Array.isArray(d?.versions) ? d.versions : d?.version ? [d.version] : [];
  for (const e of entries as Array<Record<string, unknown>>) {
    if (typeof e?.id !== 'string' || !e.id.startsWith(`v${major}`)) continue;
    const max = parseMicroversion(String(e.version ?? ''));
    const min = parseMicroversion(String(e.min_version ?? ''));
    // An empty `version` means the API has no microversions: only its base version.
    if (!max) return undefined;
    return { min: min ?? max, max };
  }
  return undefined;
}

/**
 * The microversion to request: min(client max, server max). Undefined when the server has
 * no microversions (send no header). Throws when the ranges do not overlap.
 */
export function negotiateMicroversion(
  server: { min: Microversion; max: Microversion } | undefined,
  client: { min: Microversion; max: Microversion } = { min: CINDER_CLIENT_MIN, max: CINDER_CLIENT_MAX },
): Microversion | undefined {
  if (!server) return undefined;
  const chosen = compareMicroversion(client.max, server.max) <= 0 ? client.max : server.max;
  if (compareMicroversion(chosen, server.min) < 0 || compareMicroversion(chosen, client.min) < 0) {
    throw new OpenStackConfigError(
      `cinder: the server's microversions ${formatMicroversion(server.min)}-${formatMicroversion(server.max)} do not overlap tsplay's ${formatMicroversion(client.min)}-${formatMicroversion(client.max)}`,
    );
  }
  return chosen;
}

/** Whether a snapshot request may carry `force` at this microversion. */
export function snapshotForceAccepted(version: Microversion | undefined): boolean {
  return !version || compareMicroversion(version, CINDER_FORCE_DROPPED) < 0;
}

/** The version document's URL: the endpoint's root, before its `/v3/<project>` part. */
export function versionDocumentUrl(endpoint: string): string {
  const url = new URL(endpoint);
  const i = url.pathname.search(/\/v\d+(\.\d+)?(\/|$)/);
  url.pathname = `${i >= 0 ? url.pathname.slice(0, i) : url.pathname.replace(/\/+$/, '')}/`;
  url.search = '';
  return url.toString();
}
