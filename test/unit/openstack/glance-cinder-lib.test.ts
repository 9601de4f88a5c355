/** glance_image and cinder_snapshot, the pure parts: matching, JSON patches, pruning order, diffs. */
import { describe, expect, it } from 'vitest';
import {
  badPropertyKeys,
  checksumMatches,
  compareImage,
  createBody,
  desiredImage,
  imageView,
  pickImage,
  renderAttributes,
  type GlanceImage,
} from '../../../modules/_lib/glance.js';
import { compareSnapshot, desiredSnapshot, looksLikeId, pickByName, SERIES_KEY, snapshotsToPrune, type CinderSnapshot } from '../../../modules/_lib/cinder.js';

const MD5 = '133b8a6e1e1ad5a4b0c1d9e5b1a3f2d7';
const image = (over: Partial<GlanceImage> = {}): GlanceImage => ({
  id: 'i1',
  name: 'cirros',
  status: 'active',
  disk_format: 'qcow2',
  container_format: 'bare',
  visibility: 'private',
  min_disk: 0,
  min_ram: 0,
  protected: false,
  tags: ['b', 'a'],
  checksum: MD5,
  os_hash_algo: 'sha512',
  os_hash_value: 'f'.repeat(128),
  owner: 'p1',
  hw_disk_bus: 'virtio',
  os_glance_importing_to_stores: '',
  ...over,
});
const base = { name: 'cirros', disk_format: 'qcow2', container_format: 'bare' };

describe('glance: desired image and create body', () => {
  it('is_public maps to visibility; properties become strings; tags a sorted set', () => {
    const d = desiredImage({ ...base, is_public: true, properties: { a: 1, b: true, c: 'x' }, tags: ['z', 'a', 'z'] });
    expect(d).toEqual({ ...base, visibility: 'public', properties: { a: '1', b: 'true', c: 'x' }, tags: ['a', 'z'] });
    expect(desiredImage({ ...base, is_public: false }).visibility).toBe('private');
    expect(desiredImage(base).visibility).toBeUndefined();
    expect(createBody(desiredImage({ ...base, min_disk: 1, properties: { os_distro: 'cirros' } }), 'fixed-id')).toEqual({
      ...base,
      id: 'fixed-id',
      visibility: 'private',
      min_disk: 1,
      os_distro: 'cirros',
    });
  });

  it('refuses properties that are Glance attributes', () => {
    expect(badPropertyKeys({ visibility: 'x', os_glance_import_task: 'y', ok: 'z' })).toEqual(['visibility', 'os_glance_import_task']);
  });
});

describe('glance: matching by name and checksum', () => {
  it('one image, none, or an error listing the ids of several', () => {
    expect(pickImage([image(), image({ id: 'i2', name: 'other' })], 'cirros')?.id).toBe('i1');
    expect(pickImage([image({ name: 'other' })], 'cirros')).toBeUndefined();
    expect(pickImage([image(), image({ id: 'i2', status: 'deleted' })], 'cirros')?.id).toBe('i1');
    expect(() => pickImage([image(), image({ id: 'i2', status: 'queued' })], 'cirros')).toThrow("2 images are named 'cirros' (i1 active, i2 queued): give id, or delete the extra ones");
  });

  it('md5 against checksum, sha512 against os_hash_value; a queued image has none', () => {
    expect(checksumMatches(image(), MD5.toUpperCase())).toBe(true);
    expect(checksumMatches(image(), '0'.repeat(32))).toBe(false);
    expect(checksumMatches(image(), 'f'.repeat(128))).toBe(true);
    expect(checksumMatches(image({ status: 'queued', checksum: null }), MD5)).toBeUndefined();
  });
});

describe('glance: JSON patch', () => {
  it('nothing when everything asked for is there (unmanaged attributes ignored)', () => {
    const cmp = compareImage(image(), desiredImage({ ...base, visibility: 'private', tags: ['a', 'b'], properties: { hw_disk_bus: 'virtio' } }));
    expect(cmp).toEqual({ ops: [], immutable: [], changes: {} });
  });

  it('replace for present attributes, add for new properties, pointers escaped', () => {
    const cmp = compareImage(image(), desiredImage({ ...base, visibility: 'public', min_ram: 64, protected: true, tags: ['c'], properties: { hw_disk_bus: 'scsi', 'a/b~c': 'v' } }));
    expect(cmp.ops).toEqual([
      { op: 'replace', path: '/visibility', value: 'public' },
      { op: 'replace', path: '/min_ram', value: 64 },
      { op: 'replace', path: '/protected', value: true },
      { op: 'replace', path: '/tags', value: ['c'] },
      { op: 'replace', path: '/hw_disk_bus', value: 'scsi' },
      { op: 'add', path: '/a~1b~0c', value: 'v' },
    ]);
    expect(cmp.changes.visibility).toEqual(['private', 'public']);
    expect(cmp.changes['a/b~c']).toEqual([undefined, 'v']);
  });

  it('formats change only while the image is queued', () => {
    const d = desiredImage({ ...base, disk_format: 'raw' });
    expect(compareImage(image(), d).immutable).toEqual(['disk_format is qcow2, not raw']);
    expect(compareImage(image({ status: 'queued' }), d).ops).toEqual([{ op: 'replace', path: '/disk_format', value: 'raw' }]);
    expect(compareImage(image({ status: 'queued', disk_format: null }), d).ops).toEqual([{ op: 'add', path: '/disk_format', value: 'raw' }]);
  });

  it('diff text: the user-visible attributes, one per line', () => {
    expect(renderAttributes(imageView(image()))).toBe(
      'name: cirros\nstatus: active\ndisk_format: qcow2\ncontainer_format: bare\nvisibility: private\nmin_disk: 0\nmin_ram: 0\nprotected: false\ntags: ["b", "a"]\nhw_disk_bus: virtio\n',
    );
  });
});

const snap = (id: string, created: string, series?: string, over: Partial<CinderSnapshot> = {}): CinderSnapshot => ({
  id,
  name: id,
  status: 'available',
  volume_id: 'v1',
  created_at: created,
  metadata: series ? { [SERIES_KEY]: series } : {},
  ...over,
});

describe('cinder: snapshots', () => {
  it('keep prunes the series beyond the newest N, oldest first, never other series or untagged ones', () => {
    const list = [
      snap('s3', '2026-12-03T00:00:00'),
      snap('n1', '2026-12-01T00:00:00', 'nightly'),
      snap('n4', '2026-12-04T00:00:00', 'nightly'),
      snap('w1', '2026-11-01T00:00:00', 'weekly'),
      snap('n2', '2026-12-02T00:00:00', 'nightly'),
      snap('n3', '2026-12-03T00:00:00', 'nightly'),
    ];
    expect(snapshotsToPrune(list, 'nightly', 2).map((s) => s.id)).toEqual(['n1', 'n2']);
    expect(snapshotsToPrune(list, 'nightly', 4)).toEqual([]);
    expect(snapshotsToPrune(list, 'weekly', 1)).toEqual([]);
  });

  it('desired metadata carries the series only with keep or series', () => {
    expect(desiredSnapshot({ name: 'x', metadata: { a: 1 } })).toEqual({ name: 'x', metadata: { a: '1' } });
    expect(desiredSnapshot({ name: 'x', keep: 2 }).metadata).toEqual({ [SERIES_KEY]: 'default' });
    expect(desiredSnapshot({ name: 'x', series: 'n', description: 'd' })).toEqual({ name: 'x', description: 'd', metadata: { [SERIES_KEY]: 'n' } });
  });

  it('compares description and the managed metadata keys', () => {
    const s = snap('s1', 'x', undefined, { description: 'old', metadata: { a: '1', other: 'kept' } });
    expect(compareSnapshot(s, desiredSnapshot({ name: 's1', metadata: { a: 1 } }))).toEqual({ metadata: {}, changes: {} });
    expect(compareSnapshot(s, desiredSnapshot({ name: 's1', description: 'new', metadata: { a: 2, b: 'x' } }))).toEqual({
      description: 'new',
      metadata: { a: '2', b: 'x' },
      changes: { description: ['old', 'new'], 'metadata.a': ['1', '2'], 'metadata.b': [undefined, 'x'] },
    });
  });

  it('names: one, none, or several (with ids); ids are recognised', () => {
    expect(pickByName([snap('a', 'x')], 'a', 'snapshot')?.id).toBe('a');
    expect(() => pickByName([snap('a', 'x'), { ...snap('b', 'y'), name: 'a' }], 'a', 'volume')).toThrow("2 volumes are named 'a' (a, b): give the id");
    expect(looksLikeId('3f2b6a0e-6d3c-4a43-9a9e-2f1f5e0e9c11')).toBe(true);
    expect(looksLikeId('data')).toBe(false);
  });
});
