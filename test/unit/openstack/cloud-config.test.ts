/** clouds.yaml / secure.yaml / OS_* / task auth: the search path and the merge, without files. */
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudFromEnv, cloudSecrets, configSearchPath, deepMerge, readCloudsFile, resolveCloud, type SearchContext } from '../../../core/openstack/cloud-config.js';
import { OpenStackConfigError } from '../../../core/openstack/errors.js';
import { loadInventory } from '../../../core/inventory/load.js';
import { searchContextFor } from '../../../core/openstack/module-support.js';

const search = (over: Partial<SearchContext> = {}): SearchContext => ({ env: {}, cwd: '/work/play', home: '/home/u', inventoryDirs: ['/work/inv'], ...over });

/** An in-memory set of files: path -> its `clouds` mapping. */
const files = (map: Record<string, Record<string, unknown>>) => (path: string) => map[path] ?? null;

const LAB = {
  lab: { auth: { auth_url: 'http://198.18.0.5:5000/v3', username: 'admin', project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' }, region_name: 'RegionOne' },
  'lab-demo': { auth: { auth_url: 'http://198.18.0.5:5000', username: 'demo', project_name: 'demo', user_domain_name: 'Default', project_domain_name: 'Default' } },
};

describe('search path', () => {
  it('OS_CLIENT_CONFIG_FILE first, then the inventory directory, ./, ~/.config/openstack, /etc/openstack', () => {
    const p = configSearchPath('clouds', search({ env: { OS_CLIENT_CONFIG_FILE: 'my.yaml' } }));
    expect(p.filter((f) => f.endsWith('.yaml'))).toEqual([
      '/work/play/my.yaml',
      '/work/inv/clouds.yaml',
      '/work/play/clouds.yaml',
      '/home/u/.config/openstack/clouds.yaml',
      '/etc/openstack/clouds.yaml',
    ]);
    expect(p).toContain('/work/inv/clouds.yml');
  });

  it('secure.yaml: OS_CLIENT_SECURE_FILE, then beside the clouds.yaml used, then the same directories', () => {
    const p = configSearchPath('secure', search({ env: { OS_CLIENT_SECURE_FILE: '/s/secure.yaml' } }), '/elsewhere/clouds.yaml');
    expect(p.filter((f) => f.endsWith('.yaml')).slice(0, 3)).toEqual(['/s/secure.yaml', '/elsewhere/secure.yaml', '/work/inv/secure.yaml']);
  });
});

describe('resolveCloud', () => {
  it('cloud: NAME from the first clouds.yaml found, merged with secure.yaml', () => {
    const read = files({ '/work/inv/clouds.yaml': LAB, '/work/inv/secure.yaml': { lab: { auth: { password: 's3cret' } } }, '/work/play/clouds.yaml': { lab: { auth: { auth_url: 'http://wrong' } } } });
    const c = resolveCloud({ cloud: 'lab' }, search(), read);
    expect(c.auth).toEqual({ ...LAB.lab.auth, password: 's3cret' });
    expect(c.source).toBe("cloud 'lab' (/work/inv/clouds.yaml + /work/inv/secure.yaml)");
    expect(c).toMatchObject({ authType: 'password', interface: 'public', verify: true, regionName: 'RegionOne', apiTimeoutMs: 60_000 });
    expect(cloudSecrets(c)).toEqual(['s3cret']);
  });

  it('OS_CLOUD names the cloud when the task does not', () => {
    const read = files({ '/etc/openstack/clouds.yaml': LAB });
    expect(resolveCloud({}, search({ env: { OS_CLOUD: 'lab-demo' } }), read).auth.username).toBe('demo');
  });

  it('the task auth, region, interface, validate_certs and ca_cert override the cloud', () => {
    const read = files({ '/work/inv/clouds.yaml': { x: { ...LAB.lab, verify: false, interface: 'internal', cacert: '/ca.pem' } } });
    const c = resolveCloud({ cloud: 'x', auth: { project_name: 'other', password: 'p' }, region_name: 'R2', interface: 'admin', validate_certs: true, ca_cert: 'rel.pem', api_timeout: 5 }, search(), read);
    expect(c.auth.project_name).toBe('other');
    expect(c.auth.username).toBe('admin');
    expect(c).toMatchObject({ regionName: 'R2', interface: 'admin', verify: true, caCert: '/work/play/rel.pem', apiTimeoutMs: 5000 });
    const d = resolveCloud({ cloud: 'x' }, search(), read);
    expect(d).toMatchObject({ interface: 'internal', verify: false, caCert: '/ca.pem' });
  });

  it('OS_* variables when no cloud is named; the task auth alone works too', () => {
    const env = { OS_AUTH_URL: 'http://k:5000/v3', OS_USERNAME: 'u', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'p', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_ID: 'default', OS_INTERFACE: 'internalURL', OS_REGION_NAME: 'R', OS_INSECURE: 'true' };
    const c = resolveCloud({}, search({ env }), files({}));
    expect(c.source).toBe('OS_* variables');
    expect(c.auth).toEqual({ auth_url: 'http://k:5000/v3', username: 'u', password: 'pw', project_name: 'p', user_domain_name: 'Default', project_domain_id: 'default' });
    expect(c).toMatchObject({ interface: 'internal', regionName: 'R', verify: false });
    const t = resolveCloud({ auth: { auth_url: 'http://k:5000', application_credential_id: 'id1', application_credential_secret: 'sec' } }, search(), files({}));
    expect(t).toMatchObject({ source: "the task's auth", authType: 'v3applicationcredential' });
    expect(cloudFromEnv({})).toBeUndefined();
  });

  it('normalises project-name and tenant_name, and accepts a cloud mapping', () => {
    const c = resolveCloud({ cloud: { auth: { 'auth-url': 'http://k', 'tenant-name': 't', username: 'u' } } }, search(), files({}));
    expect(c.auth).toEqual({ auth_url: 'http://k', project_name: 't', username: 'u' });
  });

  it('clear errors: unknown cloud (listing the known ones), no clouds.yaml, no credentials, bad interface or auth_type', () => {
    const read = files({ '/work/inv/clouds.yaml': LAB });
    expect(() => resolveCloud({ cloud: 'nope' }, search(), read)).toThrow("cloud 'nope' is not in /work/inv/clouds.yaml (it has: lab, lab-demo)");
    expect(() => resolveCloud({ cloud: 'lab' }, search(), files({}))).toThrow(/cloud 'lab' not found: no clouds.yaml in \/work\/inv\/clouds.yaml, \/work\/play\/clouds.yaml/);
    expect(() => resolveCloud({}, search(), files({}))).toThrow(/no OpenStack credentials: give cloud: NAME/);
    expect(() => resolveCloud({ cloud: 'lab', interface: 'private' }, search(), read)).toThrow(/interface must be public, internal or admin/);
    expect(() => resolveCloud({ cloud: 'lab', auth_type: 'v2password' }, search(), read)).toThrow(/auth_type 'v2password' is not supported/);
    expect(() => resolveCloud({ cloud: { auth: { username: 'x' } } }, search(), files({}))).toThrow(OpenStackConfigError);
  });

  it('deepMerge replaces lists and scalars, merges mappings', () => {
    expect(deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 } })).toEqual({ a: { b: 1, c: [2], e: 3 }, d: 1 });
  });

  it('reads a real file, and says which file is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-clouds-'));
    mkdirSync(join(dir, 'inv'));
    writeFileSync(join(dir, 'inv', 'clouds.yaml'), 'clouds:\n  lab:\n    auth: {auth_url: "http://k:5000/v3"}\n');
    writeFileSync(join(dir, 'bad.yaml'), 'clouds: [1\n');
    expect(readCloudsFile(join(dir, 'inv', 'clouds.yaml'))).toEqual({ lab: { auth: { auth_url: 'http://k:5000/v3' } } });
    expect(readCloudsFile(join(dir, 'missing.yaml'))).toBeNull();
    expect(() => readCloudsFile(join(dir, 'bad.yaml'))).toThrow(new RegExp(`${dir}/bad.yaml is not valid YAML`));
    const c = resolveCloud({ cloud: 'lab' }, { env: {}, cwd: dir, home: dir, inventoryDirs: [join(dir, 'inv')] });
    expect(c.auth.auth_url).toBe('http://k:5000/v3');
  });

  it('parses a clouds file once while it is unchanged, and again after it changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-clouds-cache-'));
    const file = join(dir, 'clouds.yaml');
    writeFileSync(file, 'clouds:\n  lab:\n    auth: {auth_url: "http://k:5000/v3"}\n');
    const first = readCloudsFile(file);
    expect(readCloudsFile(file)).toBe(first); // the same parsed object: not read again
    // An earlier task rewrites it (another size; its mtime moves as well).
    writeFileSync(file, 'clouds:\n  lab:\n    auth: {auth_url: "http://other:5000/v3"}\n');
    utimesSync(file, new Date(), new Date(Date.now() + 2000));
    expect(readCloudsFile(file)).toEqual({ lab: { auth: { auth_url: 'http://other:5000/v3' } } });
    rmSync(file);
    expect(readCloudsFile(file)).toBeNull();
  });

  it('an inventory directory with clouds.yaml: the files are not inventory, and its hosts find them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-clouds-inv-'));
    writeFileSync(join(dir, 'hosts.ini'), '[openstack_api]\ncloud ansible_host=198.18.0.5\n');
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds:\n  lab:\n    auth: {auth_url: "http://k:5000/v3", username: admin}\n');
    writeFileSync(join(dir, 'secure.yaml'), 'clouds:\n  lab:\n    auth: {password: pw}\n');
    const warnings: string[] = [];
    const inv = await loadInventory([dir], { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect([...inv.hosts.keys()]).toEqual(['cloud']);
    const search = { ...searchContextFor(inv.varsFor('cloud')), env: {}, cwd: '/nonexistent', home: '/nonexistent' };
    expect(search.inventoryDirs).toEqual([dir]);
    expect(resolveCloud({ cloud: 'lab' }, search).auth).toEqual({ auth_url: 'http://k:5000/v3', username: 'admin', password: 'pw' });
    // A host without inventory_dir (implicit localhost) finds them through ansible_inventory_sources.
    expect(searchContextFor({ ansible_inventory_sources: [dir, join(dir, 'hosts.ini')] }).inventoryDirs).toEqual([dir]);
  });
});
