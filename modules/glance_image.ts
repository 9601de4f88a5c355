/**
 * `glance_image` (also `openstack.cloud.image`, `os_image`): an image in Glance v2, through
 * the API from the controller (or through the host's SSH connection with `api_via: host`).
 * One list request decides; an image with the same name and checksum is left alone,
 * attribute changes are one JSON patch, data is uploaded only into a new image or a
 * `queued` leftover of an interrupted run. Check mode makes only GET requests.
 */
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { openStackArgsSchema, openStackSession, OPENSTACK_ARGS_NOTE, withOpenStackErrors, type OpenStackArgs } from '../core/openstack/module-support.js';
import type { TaskSession } from '../core/openstack/session.js';
import { apiMessage } from '../core/openstack/errors.js';
import {
  badPropertyKeys,
  checksumField,
  checksumMatches,
  compareImage,
  createBody,
  desiredImage,
  imageView,
  ImageMatchError,
  pickImage,
  predictedNewImage,
  renderAttributes,
  type DesiredImage,
  type GlanceImage,
} from './_lib/glance.js';
import { controllerFile, hostFile, urlSource, type ImageSource } from './_lib/image-source.js';

interface ImageArgs extends OpenStackArgs {
  name?: string;
  id?: string;
  filename?: string;
  remote_src: boolean;
  url?: string;
  use_import?: boolean;
  disk_format: string;
  container_format: string;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  is_public?: boolean;
  checksum?: string;
  min_disk?: number;
  min_ram?: number;
  properties: Record<string, string | number | boolean>;
  tags?: string[];
  protected?: boolean;
  state: 'present' | 'absent';
  wait: boolean;
  timeout: number;
}

/** States in which Glance is still moving data into the image. */
const BUSY = new Set(['saving', 'importing', 'uploading']);
const POLL_MS = 1000;

export default defineModule<ImageArgs>({
  name: 'glance_image',
  aliases: ['openstack.cloud.image', 'os_image'],
  schema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['name'] }, { required: ['id'] }],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Image name; images are matched by name among the project\'s own' },
      id: { type: 'string', minLength: 1, description: 'Image id: matched by id, and given to a new image' },
      filename: { type: 'string', minLength: 1, description: 'The image file: on the controller, or on the task\'s host with remote_src' },
      remote_src: { type: 'boolean', default: false, description: 'filename is a file on the task\'s host (read over its SSH connection)' },
      url: { type: 'string', pattern: '^https?://', description: 'Image data from a URL: Glance web-download import, else streamed through the controller' },
      use_import: { type: 'boolean', description: 'url: true = web-download only, false = always stream through the controller; unset = web-download when the cloud offers it' },
      disk_format: { type: 'string', enum: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'], default: 'qcow2' },
      container_format: { type: 'string', enum: ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'], default: 'bare' },
      visibility: { type: 'string', enum: ['public', 'private', 'shared', 'community'] },
      is_public: { type: 'boolean', description: 'Old form of visibility: true = public, false = private' },
      checksum: { type: 'string', pattern: '^([0-9a-fA-F]{32}|[0-9a-fA-F]{128})$', description: 'md5 (Glance checksum) or sha512 (os_hash_value) of the data' },
      min_disk: { type: 'integer', minimum: 0, description: 'GiB' },
      min_ram: { type: 'integer', minimum: 0, description: 'MiB' },
      properties: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, default: {} },
      tags: { type: 'array', items: { type: 'string' }, description: 'The full set of tags' },
      protected: { type: 'boolean' },
      state: { type: 'string', enum: ['present', 'absent'], default: 'present' },
      wait: { type: 'boolean', default: true, description: 'Wait until the image is active (or gone)' },
      timeout: { type: 'integer', minimum: 1, default: 180, description: 'Seconds for an upload and for wait' },
      ...openStackArgsSchema,
    },
  },
  docs: {
    short: 'Register, update or delete an image in Glance (openstack.cloud.image)',
    description: [
      'Manages one image in Glance v2 through its API; nothing runs on the target unless the data',
      'is a file there (`remote_src`) or the API is reached through it (`api_via: host`).',
      'An image of the project with the same name (and checksum, when known) is left alone; changed',
      'visibility, min_disk, min_ram, protected, tags and properties are one JSON patch, never a',
      're-upload. A `queued` image of that name (an interrupted earlier run) gets its data. Several',
      'images of one name are an error listing their ids. Check mode sends only GET requests.',
    ].join('\n'),
    notes: [
      OPENSTACK_ARGS_NOTE,
      'Image data cannot change once uploaded: a different checksum for an existing image fails the task.',
      'properties are managed key by key; properties not named are left alone. tags are the full set.',
    ],
    examples: [
      '- name: Register CirrOS (seed 000, step 11)',
      '  glance_image:',
      '    cloud: lab',
      '    name: cirros-0.3.3-x86_64',
      '    filename: /root/cirros-0.3.3-x86_64-disk.img',
      '    remote_src: true',
      '    disk_format: qcow2',
      '    container_format: bare',
      '    visibility: public',
      '',
      '- name: From a web server, with properties and tags',
      '  openstack.cloud.image:',
      '    cloud: lab',
      '    name: cirros',
      '    url: http://198.18.0.5:8080/cirros-0.3.3-x86_64-disk.img',
      '    checksum: 133b8a6e1e1ad5a4b0c1d9e5b1a3f2d7',
      '    properties: { hw_disk_bus: virtio, os_distro: cirros }',
      '    tags: [tiny, test]',
      '',
      '- name: Gone',
      '  glance_image: cloud=lab name=cirros state=absent',
    ].join('\n'),
    returns: {
      image: 'The image as Glance returns it (check mode: the predicted attributes, no id for a new image)',
      id: 'Its id',
      msg: 'What happened',
    },
  },
  run: (ctx) => withOpenStackErrors(ctx, () => run(ctx)),
});

async function run(ctx: ModuleContext<ImageArgs>): Promise<ModuleResult> {
  const a = ctx.args;
  if (a.filename && a.url) ctx.fail('give filename or url, not both');
  if (a.remote_src && !a.filename) ctx.fail('remote_src needs filename (a file on the host)');
  if (a.visibility && a.is_public !== undefined) ctx.fail('give visibility or is_public, not both');
  const reserved = badPropertyKeys(a.properties);
  if (reserved.length) ctx.fail(`properties may not set Glance's own attributes: ${reserved.join(', ')} (use the arguments of the same name)`);

  const session = openStackSession(ctx);
  const project = await session.projectId();
  const image = await findImage(ctx, session, project);

  if (a.state === 'absent') return absent(ctx, session, image);

  if (image?.status === 'killed') ctx.fail(`image '${image.name}' (${image.id}) is killed (a failed upload): delete it first (state: absent)`);
  const desired = desiredImage(a);
  const source = imageSource(ctx, session);
  if (!image) return create(ctx, session, desired, source);
  return update(ctx, session, image, desired, source);
}

/** The image the task means: by id, else by name among the project's own images. */
async function findImage(ctx: ModuleContext<ImageArgs>, session: TaskSession, project: string): Promise<GlanceImage | undefined> {
  const a = ctx.args;
  if (a.id) {
    const r = await session.request<GlanceImage>('glance', { method: 'GET', path: `/v2/images/${encodeURIComponent(a.id)}`, accept: [404] });
    return r.status === 404 ? undefined : r.data;
  }
  const images: GlanceImage[] = [];
  let next: string | undefined = `/v2/images?name=${encodeURIComponent(a.name!)}&owner=${encodeURIComponent(project)}&limit=100`;
  while (next) {
    const r: { data: { images: GlanceImage[]; next?: string } } = await session.request('glance', { method: 'GET', path: next });
    images.push(...r.data.images);
    next = r.data.next;
  }
  try {
    return pickImage(images, a.name!);
  } catch (err) {
    if (err instanceof ImageMatchError) ctx.fail(err.message, { ids: images.map((i) => i.id) });
    throw err;
  }
}

function imageSource(ctx: ModuleContext<ImageArgs>, session: TaskSession): ImageSource | undefined {
  const a = ctx.args;
  if (a.filename) return a.remote_src ? hostFile(ctx, a.filename) : controllerFile(a.filename);
  if (a.url) {
    const url = a.url;
    return urlSource(url, () =>
      session.download(url, a.timeout * 1000, async (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          throw new Error(`GET ${url}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
        }
        return res as Readable;
      }),
    );
  }
  return undefined;
}

/** A file source must exist before anything is created (and check mode must fail as the run would). */
async function sourceReadable(ctx: ModuleContext<ImageArgs>, source: ImageSource): Promise<void> {
  try {
    await source.size?.();
  } catch (err) {
    ctx.fail((err as Error).message);
  }
}

/** md5 of the source when it can be known, checked against `checksum` when both are there. */
async function sourceChecksum(ctx: ModuleContext<ImageArgs>, source: ImageSource | undefined): Promise<string | undefined> {
  const given = ctx.args.checksum?.toLowerCase();
  if (!source?.md5) return given;
  let md5: string;
  try {
    md5 = await source.md5();
  } catch (err) {
    ctx.fail((err as Error).message);
  }
  if (given && checksumField(given) === 'checksum' && given !== md5) ctx.fail(`checksum mismatch: ${source.label} has md5 ${md5}, checksum says ${given}`);
  return given && checksumField(given) === 'os_hash_value' ? given : md5;
}

async function create(ctx: ModuleContext<ImageArgs>, session: TaskSession, desired: DesiredImage, source: ImageSource | undefined): Promise<ModuleResult> {
  const a = ctx.args;
  const diff = { before: '', after: renderAttributes(imageView(predictedNewImage(desired))), beforeHeader: 'image (absent)', afterHeader: `image ${desired.name}` };
  const method = source && a.url ? await urlMethod(ctx, session) : undefined;
  if (source) await sourceReadable(ctx, source);
  if (source?.md5 && a.checksum) await sourceChecksum(ctx, source);
  if (ctx.check) {
    const predicted = predictedNewImage(desired, a.id);
    if (!source) predicted.status = 'queued';
    else if (!a.wait && method === 'web-download') predicted.status = 'importing';
    return { changed: true, msg: `image ${desired.name} would be created`, image: predicted, ...(ctx.diff ? { diff } : {}) };
  }
  const created = await session.request<GlanceImage>('glance', { method: 'POST', path: '/v2/images', json: createBody(desired, a.id) });
  const image = created.data;
  ctx.log.debug({ id: image.id }, 'glance image created');
  const final = source ? await putData(ctx, session, image, source, method, true) : image;
  return { changed: true, msg: `image ${desired.name} created`, image: final, id: final.id, ...(ctx.diff ? { diff } : {}) };
}

async function update(
  ctx: ModuleContext<ImageArgs>,
  session: TaskSession,
  image: GlanceImage,
  desired: DesiredImage,
  source: ImageSource | undefined,
): Promise<ModuleResult> {
  const a = ctx.args;
  let current = image;
  if (BUSY.has(current.status) && a.wait) current = await waitFor(ctx, session, current.id, (i) => !BUSY.has(i.status), 'to finish receiving its data');

  const hasData = current.status !== 'queued';
  if (hasData) {
    // The checksum argument decides when given (no need to read the file); else the file's md5.
    const sum = ctx.args.checksum?.toLowerCase() ?? (source?.md5 ? await sourceChecksum(ctx, source) : undefined);
    const match = sum ? checksumMatches(current, sum) : undefined;
    if (match === false) {
      ctx.fail(`image '${current.name}' (${current.id}) holds other data: its ${checksumField(sum!) === 'checksum' ? `md5 is ${String(current.checksum)}` : 'sha512 differs'}, ${a.checksum ? 'checksum' : source!.label} says ${sum}; image data cannot be replaced: delete it first or use another name`);
    }
  } else if (source?.md5 && a.checksum) {
    await sourceChecksum(ctx, source);
  }
  const cmp = compareImage(current, desired);
  if (cmp.immutable.length) ctx.fail(`image '${current.name}' (${current.id}) already has data and cannot change: ${cmp.immutable.join('; ')}`);
  const upload = current.status === 'queued' && source !== undefined;
  const changed = cmp.ops.length > 0 || upload;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [k, [b, w]] of Object.entries(cmp.changes)) {
    before[k] = b;
    after[k] = w;
  }
  if (upload) {
    before.status = current.status;
    after.status = 'active';
  }
  const diff = { before: renderAttributes(before), after: renderAttributes(after), beforeHeader: `image ${current.name} (${current.id})`, afterHeader: `image ${current.name} (${current.id})` };
  const diffOut = changed && ctx.diff ? { diff } : {};
  const method = upload && a.url ? await urlMethod(ctx, session) : undefined;
  if (upload) await sourceReadable(ctx, source!);
  if (!changed) return { changed: false, msg: `image ${current.name} is up to date`, image: current, id: current.id };
  if (ctx.check) {
    const predicted: Record<string, unknown> = { ...current, ...after };
    if (upload && !a.wait && method === 'web-download') predicted.status = 'importing';
    return { changed: true, msg: `image ${current.name} would be ${upload ? 'completed' : 'updated'}`, image: predicted, id: current.id, ...diffOut };
  }
  if (cmp.ops.length) {
    const r = await session.request<GlanceImage>('glance', {
      method: 'PATCH',
      path: `/v2/images/${current.id}`,
      json: cmp.ops,
      contentType: 'application/openstack-images-v2.1-json-patch',
    });
    current = r.data;
  }
  if (upload) current = await putData(ctx, session, current, source!, method, false);
  return { changed: true, msg: `image ${current.name} ${upload ? 'completed (its data was missing)' : 'updated'}`, image: current, id: current.id, ...diffOut };
}

/** How a URL's data gets in: Glance's web-download import, or through the controller. */
async function urlMethod(ctx: ModuleContext<ImageArgs>, session: TaskSession): Promise<'web-download' | 'stream'> {
  if (ctx.args.use_import === false) return 'stream';
  const r = await session.request<{ 'import-methods'?: { value?: string[] } }>('glance', { method: 'GET', path: '/v2/info/import', accept: [404] });
  const offered = r.status === 200 && (r.data?.['import-methods']?.value ?? []).includes('web-download');
  if (!offered && ctx.args.use_import === true) ctx.fail('use_import: this Glance does not offer the web-download import method');
  return offered ? 'web-download' : 'stream';
}

/** Put data into a queued image: upload (file, or a URL streamed through) or web-download import. */
async function putData(
  ctx: ModuleContext<ImageArgs>,
  session: TaskSession,
  image: GlanceImage,
  source: ImageSource,
  method: 'web-download' | 'stream' | undefined,
  newImage: boolean,
): Promise<GlanceImage> {
  const a = ctx.args;
  if (method === 'web-download') {
    const started = await session.request('glance', {
      method: 'POST',
      path: `/v2/images/${image.id}/import`,
      json: { method: { name: 'web-download', uri: a.url } },
      accept: [400, 403, 409],
    });
    if (started.status !== 202) {
      // Refused outright (e.g. the URL fails Glance's import filtering): an image this task
      // just created would only be a useless queued leftover.
      if (newImage) await session.request('glance', { method: 'DELETE', path: `/v2/images/${image.id}`, accept: [404] });
      const why = apiMessage(started.text);
      ctx.fail(`glance: HTTP ${started.status}: ${why} (web-download of ${a.url}${newImage ? '; the new image was deleted' : ''}); use_import: false streams the URL through the controller instead`, { status: started.status, service: 'glance' });
    }
    if (!a.wait) return (await session.request<GlanceImage>('glance', { method: 'GET', path: `/v2/images/${image.id}` })).data;
    const done = await waitFor(ctx, session, image.id, (i) => i.status === 'active' || i.status === 'killed' || importFailed(i), 'to be imported from its URL');
    if (done.status !== 'active') ctx.fail(`web-download of ${a.url} into image ${image.id} failed: ${await importFailure(session, image.id)}`, { image: done, id: image.id });
    return verified(ctx, session, done, undefined, source.label);
  }
  // A fresh hash per attempt: a 401 makes the session send the body a second time.
  let md5 = createHash('md5');
  const length = await source.size?.();
  await session.request('glance', {
    method: 'PUT',
    path: `/v2/images/${image.id}/file`,
    ...(length !== undefined ? { headers: { 'Content-Length': String(length) } } : {}),
    body: () => {
      md5 = createHash('md5');
      return source.open((chunk) => md5.update(chunk));
    },
    contentType: 'application/octet-stream',
    timeoutMs: a.timeout * 1000,
  });
  let done = (await session.request<GlanceImage>('glance', { method: 'GET', path: `/v2/images/${image.id}` })).data;
  if (a.wait && done.status !== 'active') done = await waitFor(ctx, session, image.id, (i) => !BUSY.has(i.status), 'to become active');
  return verified(ctx, session, done, md5.digest('hex'), source.label);
}

/** Glance's checksum must be what was sent (and what `checksum` says); a wrong image is deleted. */
async function verified(ctx: ModuleContext<ImageArgs>, session: TaskSession, image: GlanceImage, sentMd5: string | undefined, label: string): Promise<GlanceImage> {
  if (image.status !== 'active') return image;
  const expected = ctx.args.checksum?.toLowerCase();
  const problems: string[] = [];
  if (sentMd5 && image.checksum && image.checksum !== sentMd5) problems.push(`Glance stored md5 ${String(image.checksum)} but ${sentMd5} was sent`);
  if (expected && checksumMatches(image, expected) === false) problems.push(`${label} has ${checksumField(expected) === 'checksum' ? `md5 ${String(image.checksum)}` : 'another sha512'}, checksum says ${expected}`);
  if (problems.length) {
    await session.request('glance', { method: 'DELETE', path: `/v2/images/${image.id}`, accept: [404] });
    ctx.fail(`checksum mismatch: ${problems.join('; ')}; image ${image.id} deleted`);
  }
  return image;
}

function importFailed(i: GlanceImage): boolean {
  // A failed import puts the image back to queued and names the store(s) it failed for.
  return i.status === 'queued' && typeof i.os_glance_failed_import === 'string' && i.os_glance_failed_import !== '';
}

/** The message of the image's last import task (Glance >= Wallaby lists them per image). */
async function importFailure(session: TaskSession, id: string): Promise<string> {
  const r = await session.request<{ tasks?: Array<{ status: string; message?: string }> }>('glance', { method: 'GET', path: `/v2/images/${id}/tasks`, accept: [404] });
  const failed = (r.data?.tasks ?? []).filter((t) => t.status === 'failure' && t.message);
  return failed.length ? failed[failed.length - 1]!.message! : 'the import task failed (see glance-api\'s log)';
}

/** Poll the image until `done` holds (or it is gone: undefined), failing after `timeout`. */
async function waitFor(ctx: ModuleContext<ImageArgs>, session: TaskSession, id: string, done: (i: GlanceImage) => boolean, what: string): Promise<GlanceImage> {
  const deadline = Date.now() + ctx.args.timeout * 1000;
  for (;;) {
    const r = await session.request<GlanceImage>('glance', { method: 'GET', path: `/v2/images/${id}`, accept: [404] });
    if (r.status === 404) ctx.fail(`image ${id} disappeared while waiting for it ${what}`);
    if (done(r.data)) return r.data;
    if (Date.now() > deadline) ctx.fail(`timed out after ${ctx.args.timeout} s waiting for image ${id} ${what} (status ${r.data.status})`, { image: r.data, id });
    await session.pause(POLL_MS);
  }
}

async function absent(ctx: ModuleContext<ImageArgs>, session: TaskSession, image: GlanceImage | undefined): Promise<ModuleResult> {
  const name = ctx.args.name ?? ctx.args.id!;
  if (!image) return { changed: false, msg: `image ${name} is absent` };
  const diff = { before: renderAttributes(imageView(image)), after: '', beforeHeader: `image ${image.name} (${image.id})`, afterHeader: 'image (absent)' };
  const out = { changed: true, id: image.id, image, ...(ctx.diff ? { diff } : {}) };
  if (ctx.check) return { ...out, msg: `image ${name} would be deleted` };
  await session.request('glance', { method: 'DELETE', path: `/v2/images/${image.id}`, accept: [404] });
  if (ctx.args.wait) {
    const deadline = Date.now() + ctx.args.timeout * 1000;
    while ((await session.request('glance', { method: 'GET', path: `/v2/images/${image.id}`, accept: [404] })).status !== 404) {
      if (Date.now() > deadline) ctx.fail(`timed out after ${ctx.args.timeout} s waiting for image ${image.id} to be deleted`);
      await session.pause(POLL_MS);
    }
  }
  return { ...out, msg: `image ${name} deleted` };
}
