/**
 * The pure side of `glance_image`: the image a task asks for, which existing image it
 * means, what differs, the JSON patch (RFC 6902, Glance's
 * `application/openstack-images-v2.1-json-patch`) that turns one into the other, and the
 * text of the diff. No I/O here; modules/glance_image.ts does the requests.
 */

/** An image as Glance v2 returns it: core attributes plus free-form string properties. */
export type GlanceImage = Record<string, unknown> & { id: string; name?: string | null; status: string };

/** Attributes Glance defines itself; every other key of an image is a user property. */
export const CORE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size',
  'virtual_size', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'created_at', 'updated_at', 'tags', 'file', 'schema',
  'self', 'direct_url', 'locations', 'stores',
]);

/** Properties Glance sets itself during uploads and imports; never the user's to patch. */
const SERVICE_PROPERTY = /^os_glance_|^stores$/;

export interface DesiredImage {
  name: string;
  disk_format: string;
  container_format: string;
  /** Undefined: not managed (a new image gets `private`, as openstack.cloud does). */
  visibility?: string;
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  /** The full set of tags, when managed. */
  tags?: string[];
  /** Only these keys are managed; other properties of the image are left alone. */
  properties: Record<string, string>;
}

export interface ImageArgsForDesire {
  name?: string;
  id?: string;
  disk_format: string;
  container_format: string;
  visibility?: string;
  is_public?: boolean;
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  tags?: string[];
  properties?: Record<string, string | number | boolean>;
}

export function desiredImage(a: ImageArgsForDesire): DesiredImage {
  const d: DesiredImage = {
    name: a.name ?? a.id ?? '',
    disk_format: a.disk_format,
    container_format: a.container_format,
    properties: {},
  };
  const visibility = a.visibility ?? (a.is_public === undefined ? undefined : a.is_public ? 'public' : 'private');
  if (visibility !== undefined) d.visibility = visibility;
  if (a.min_disk !== undefined) d.min_disk = a.min_disk;
  if (a.min_ram !== undefined) d.min_ram = a.min_ram;
  if (a.protected !== undefined) d.protected = a.protected;
  if (a.tags !== undefined) d.tags = [...new Set(a.tags.map(String))].sort();
  // Glance stores properties as strings; `true` and `2` arrive as 'true' and '2'.
  for (const [k, v] of Object.entries(a.properties ?? {})) d.properties[k] = String(v);
  return d;
}

/** The body of POST /v2/images for a new image. */
export function createBody(d: DesiredImage, id?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name,
    disk_format: d.disk_format,
    container_format: d.container_format,
    visibility: d.visibility ?? 'private',
    ...d.properties,
  };
  if (id) body.id = id;
  if (d.min_disk !== undefined) body.min_disk = d.min_disk;
  if (d.min_ram !== undefined) body.min_ram = d.min_ram;
  if (d.protected !== undefined) body.protected = d.protected;
  if (d.tags !== undefined) body.tags = d.tags;
  return body;
}

export class ImageMatchError extends Error {
  override name = 'ImageMatchError';
}

/**
 * The image `name` means among `images` (the project's own, any status but deleted):
 * none, one, or an error listing the ids when there are several.
 */
export function pickImage(images: GlanceImage[], name: string): GlanceImage | undefined {
  const same = images.filter((i) => i.name === name && i.status !== 'deleted' && i.status !== 'pending_delete');
  if (same.length > 1) {
    throw new ImageMatchError(
      `${same.length} images are named '${name}' (${same.map((i) => `${i.id} ${i.status}`).join(', ')}): give id, or delete the extra ones`,
    );
  }
  return same[0];
}

/** A checksum argument: Glance's md5 `checksum` (32 hex digits) or its sha512 `os_hash_value` (128). */
export function checksumField(checksum: string): 'checksum' | 'os_hash_value' | undefined {
  const c = checksum.trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(c)) return 'checksum';
  if (/^[0-9a-f]{128}$/.test(c)) return 'os_hash_value';
  return undefined;
}

/** Whether the image's data has this checksum; undefined when the image has no data yet. */
export function checksumMatches(image: GlanceImage, checksum: string): boolean | undefined {
  const field = checksumField(checksum);
  if (!field) return undefined;
  const have = image[field];
  if (typeof have !== 'string' || !have) return undefined;
  return have.toLowerCase() === checksum.trim().toLowerCase();
}

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** A JSON pointer segment (RFC 6901): `~` and `/` escaped. */
function pointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export interface ImageComparison {
  /** JSON patch that makes the image what the task asks. */
  ops: PatchOp[];
  /** Attributes that differ but cannot change any more (formats of an image with data). */
  immutable: string[];
  /** Changed attributes: name -> [before, after] (undefined: absent). */
  changes: Record<string, [unknown, unknown]>;
}

const sameTags = (a: unknown, b: string[]) => Array.isArray(a) && [...new Set(a.map(String))].sort().join('\n') === b.join('\n');

export function compareImage(image: GlanceImage, d: DesiredImage): ImageComparison {
  const out: ImageComparison = { ops: [], immutable: [], changes: {} };
  const set = (key: string, want: unknown, present: boolean) => {
    out.ops.push({ op: present ? 'replace' : 'add', path: pointer(key), value: want });
    out.changes[key] = [present ? image[key] : undefined, want];
  };
  // Formats may change only while the image has no data (Glance refuses it later).
  for (const key of ['disk_format', 'container_format'] as const) {
    if (image[key] === d[key]) continue;
    if (image.status === 'queued') set(key, d[key], image[key] !== null && image[key] !== undefined);
    else out.immutable.push(`${key} is ${String(image[key])}, not ${d[key]}`);
  }
  if (d.visibility !== undefined && image.visibility !== d.visibility) set('visibility', d.visibility, true);
  if (d.min_disk !== undefined && image.min_disk !== d.min_disk) set('min_disk', d.min_disk, true);
  if (d.min_ram !== undefined && image.min_ram !== d.min_ram) set('min_ram', d.min_ram, true);
  if (d.protected !== undefined && image.protected !== d.protected) set('protected', d.protected, true);
  if (d.tags !== undefined && !sameTags(image.tags, d.tags)) set('tags', d.tags, true);
  for (const [k, v] of Object.entries(d.properties)) {
    if (CORE_ATTRIBUTES.has(k)) continue;
    if (image[k] !== v) set(k, v, k in image);
  }
  return out;
}

/** Check that `properties` does not try to set core attributes or Glance's own keys. */
export function badPropertyKeys(properties: Record<string, unknown>): string[] {
  return Object.keys(properties).filter((k) => CORE_ATTRIBUTES.has(k) || SERVICE_PROPERTY.test(k));
}

/** The user-visible attributes of an image, for a diff and for check mode's predicted image. */
export function imageView(image: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'status', 'disk_format', 'container_format', 'visibility', 'min_disk', 'min_ram', 'protected', 'tags']) {
    if (image[k] !== undefined) out[k] = image[k];
  }
  for (const k of Object.keys(image).sort()) if (!CORE_ATTRIBUTES.has(k) && !SERVICE_PROPERTY.test(k)) out[k] = image[k];
  return out;
}

function renderValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `key: value` lines, one per attribute, for before/after of a diff. */
export function renderAttributes(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${renderValue(v)}\n`)
    .join('');
}

/** The image a create would produce (check mode's prediction; Glance's own defaults filled in). */
export function predictedNewImage(d: DesiredImage, id?: string): Record<string, unknown> {
  const body = createBody(d, id);
  return { ...body, status: 'active', min_disk: d.min_disk ?? 0, min_ram: d.min_ram ?? 0, protected: d.protected ?? false, tags: d.tags ?? [] };
}
