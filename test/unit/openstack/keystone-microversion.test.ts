/** Keystone v3 request bodies and catalog lookups; Cinder microversion negotiation; API error messages. */
import { describe, expect, it } from 'vitest';
import { apiMessage } from '../../../core/openstack/errors.js';
import { authRequestBody, findEndpoint, identityBase, parseTokenResponse, type CatalogService } from '../../../core/openstack/keystone.js';
import {
  negotiateMicroversion,
  parseMicroversion,
  serverRange,
  snapshotForceAccepted,
  versionDocumentUrl,
} from '../../../core/openstack/microversion.js';

describe('Keystone v3 auth bodies', () => {
  it('password: user and project by name within their domains', () => {
    expect(authRequestBody('password', { username: 'admin', password: 'pw', user_domain_name: 'Default', project_name: 'admin', project_domain_id: 'default' })).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'pw' } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    });
  });

  it('password: ids need no domain; domain_name scopes both names when nothing more precise is given', () => {
    expect(authRequestBody('password', { user_id: 'u1', password: 'pw', project_id: 'p1' })).toEqual({
      auth: { identity: { methods: ['password'], password: { user: { id: 'u1', password: 'pw' } } }, scope: { project: { id: 'p1' } } },
    });
    const b = authRequestBody('password', { username: 'u', password: 'pw', domain_name: 'D', project_name: 'p' }) as any;
    expect(b.auth.identity.password.user.domain).toEqual({ name: 'D' });
    expect(b.auth.scope.project.domain).toEqual({ name: 'D' });
  });

  it('domain and system scope, and unscoped', () => {
    expect((authRequestBody('password', { user_id: 'u', password: 'p', domain_id: 'd' }) as any).auth.scope).toEqual({ domain: { id: 'd' } });
    expect((authRequestBody('password', { user_id: 'u', password: 'p', system_scope: 'all' }) as any).auth.scope).toEqual({ system: { all: true } });
    expect((authRequestBody('password', { user_id: 'u', password: 'p' }) as any).auth.scope).toBeUndefined();
  });

  it('application credentials by id, or by name with their user; never a scope', () => {
    expect(authRequestBody('v3applicationcredential', { application_credential_id: 'ac', application_credential_secret: 's', project_name: 'ignored' })).toEqual({
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac', secret: 's' } } },
    });
    expect((authRequestBody('v3applicationcredential', { application_credential_name: 'n', application_credential_secret: 's', username: 'u', user_domain_id: 'default' }) as any).auth.identity.application_credential).toEqual({
      name: 'n',
      user: { name: 'u', domain: { id: 'default' } },
      secret: 's',
    });
  });

  it('missing pieces are named', () => {
    expect(() => authRequestBody('password', { username: 'u', password: 'p' })).toThrow("auth.username 'u' needs its domain: set auth.user_domain_name (e.g. Default) or auth.user_domain_id");
    expect(() => authRequestBody('password', { user_id: 'u', password: 'p', project_name: 'x' })).toThrow(/auth.project_name 'x' needs its domain/);
    expect(() => authRequestBody('password', { user_id: 'u' })).toThrow('password auth needs auth.password');
    expect(() => authRequestBody('v3applicationcredential', { application_credential_id: 'x' })).toThrow(/application_credential_secret/);
    expect(() => authRequestBody('token', {})).toThrow(/auth.token/);
  });

  it('auth_url becomes the v3 base; v2.0 is refused', () => {
    expect(identityBase('http://198.18.0.5:5000')).toBe('http://198.18.0.5:5000/v3');
    expect(identityBase('http://198.18.0.5:5000/v3/')).toBe('http://198.18.0.5:5000/v3');
    expect(identityBase('https://cloud/identity')).toBe('https://cloud/identity/v3');
    expect(() => identityBase('http://k:5000/v2.0')).toThrow(/v2.0, which is gone/);
    expect(() => identityBase('k:5000')).toThrow(/must be http/);
  });
});

describe('token and catalog', () => {
  const catalog: CatalogService[] = [
    { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://g:9292/' }, { interface: 'internal', region_id: 'RegionOne', url: 'http://gi:9292' }] },
    { type: 'volumev3', endpoints: [{ interface: 'public', region: 'R2', url: 'http://c2:8776/v3/p' }] },
    { type: 'block-storage', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://c:8776/v3/p' }] },
  ];
  it('picks by type preference, interface and region', () => {
    expect(findEndpoint(catalog, ['image'], 'public', undefined, 'glance')).toBe('http://g:9292');
    expect(findEndpoint(catalog, ['image'], 'internal', 'RegionOne', 'glance')).toBe('http://gi:9292');
    expect(findEndpoint(catalog, ['block-storage', 'volumev3'], 'public', 'R2', 'cinder')).toBe('http://c2:8776/v3/p');
    expect(findEndpoint(catalog, ['block-storage', 'volumev3'], 'public', undefined, 'cinder')).toBe('http://c:8776/v3/p');
    expect(() => findEndpoint(catalog, ['image'], 'admin', undefined, 'glance')).toThrow('glance: no admin endpoint of type image in the catalog (it has: image public RegionOne, image internal RegionOne)');
    expect(() => findEndpoint([], ['image'], 'public', undefined, 'glance')).toThrow(/catalog is empty: is the token scoped/);
  });

  it('parses the token response', () => {
    const t = parseTokenResponse('gAAA', { token: { expires_at: '2026-12-05T10:00:00.000000Z', project: { id: 'p1' }, user: { id: 'u1' }, catalog } });
    expect(t).toMatchObject({ token: 'gAAA', projectId: 'p1', userId: 'u1', expiresAt: Date.parse('2026-12-05T10:00:00Z') });
    expect(() => parseTokenResponse(undefined, {})).toThrow(/without a token/);
  });
});

describe('Cinder microversions', () => {
  const doc = {
    versions: [
      { id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '' },
      { id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0' },
    ],
  };
  it('min(client max, server max)', () => {
    expect(serverRange(doc)).toEqual({ min: [3, 0], max: [3, 70] });
    expect(negotiateMicroversion(serverRange(doc))).toEqual([3, 70]);
    expect(negotiateMicroversion({ min: [3, 0], max: [3, 59] })).toEqual([3, 59]);
    expect(negotiateMicroversion({ min: [3, 0], max: [3, 80] })).toEqual([3, 70]);
    expect(negotiateMicroversion(undefined)).toBeUndefined();
    expect(serverRange({ versions: [{ id: 'v3.0', version: '', min_version: '' }] })).toBeUndefined();
    expect(() => negotiateMicroversion({ min: [3, 75], max: [3, 80] })).toThrow(/do not overlap/);
    expect(parseMicroversion('3.x')).toBeUndefined();
  });

  it('force is sent only below 3.66', () => {
    expect(snapshotForceAccepted([3, 65])).toBe(true);
    expect(snapshotForceAccepted([3, 66])).toBe(false);
    expect(snapshotForceAccepted([3, 70])).toBe(false);
    expect(snapshotForceAccepted(undefined)).toBe(true);
  });

  it('the version document is the endpoint root', () => {
    expect(versionDocumentUrl('http://c:8776/v3/0a1b2c')).toBe('http://c:8776/');
    expect(versionDocumentUrl('https://cloud/volume/v3/abc')).toBe('https://cloud/volume/');
    expect(versionDocumentUrl('http://c:8776')).toBe('http://c:8776/');
  });
});

describe('API error messages', () => {
  it('Keystone, Cinder, Glance JSON and webob HTML', () => {
    expect(apiMessage('{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}')).toBe(
      'The request you have made requires authentication.',
    );
    expect(apiMessage('{"itemNotFound": {"code": 404, "message": "Volume abc could not be found."}}')).toBe('Volume abc could not be found.');
    expect(apiMessage('<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  Image status transition from active to queued is not allowed<br /><br />\n </body>\n</html>')).toBe(
      'Image status transition from active to queued is not allowed',
    );
    expect(apiMessage('')).toBe('');
    expect(apiMessage('x'.repeat(500))).toHaveLength(400);
  });
});
