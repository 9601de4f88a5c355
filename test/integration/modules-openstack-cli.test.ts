/**
 * The OpenStack modules through `tsplay run` against the lab cloud: clouds.yaml found beside
 * `-i inventories/lab` with nothing exported; a wrong password, a cloud that is down (wrong
 * port) and an unknown volume each fail one host's task with a clear message while the other
 * hosts go on; passwords never reach the output, --json or the log file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, type Direct } from './openstack-direct.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const P = `tsplay-it-cli-${process.pid}`;
const WRONG = 'not-the-password-42';
let direct: Direct;
let dir: string;
let volumeId: string;

function tsplay(args: string[]): { code: number; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('OS_')) delete env[k]; // nothing exported
  const r = spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, ...args], { encoding: 'utf8', env, timeout: 300_000, cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  direct = await openDirect('lab');
  dir = mkdtempSync(join(tmpdir(), 'tsplay-it-os-cli-'));
  volumeId = (await direct.createVolume(`${P}-vol`, 'fake')).id;
  writeFileSync(
    join(dir, 'tenants.yml'),
    `tenants:
  hosts:
    tenant-ok: { ansible_connection: local, os_auth: {}, vol: ${P}-vol }
    tenant-badpw: { ansible_connection: local, os_auth: { password: ${WRONG} }, vol: ${P}-vol }
    tenant-down: { ansible_connection: local, os_auth: { auth_url: "http://198.18.0.5:5999/v3" }, vol: ${P}-vol }
    tenant-novol: { ansible_connection: local, os_auth: {}, vol: ${P}-nope }
`,
  );
  writeFileSync(
    join(dir, 'play.yml'),
    `- hosts: tenants
  gather_facts: false
  tasks:
    - name: image
      openstack.cloud.image: { cloud: lab, auth: "{{ os_auth }}", name: "${P}-{{ inventory_hostname }}", state: absent, api_timeout: 60 }
      ignore_errors: true
    - name: show the auth (masked)
      debug: var=os_auth
    - name: snapshot
      openstack.cloud.volume_snapshot: { cloud: lab, auth: "{{ os_auth }}", volume: "{{ vol }}", name: "${P}-snap", api_timeout: 60 }
    - name: after
      debug: { msg: still here }
`,
  );
}, 300_000);

afterAll(async () => {
  if (direct && volumeId) await direct.deleteVolume(volumeId);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OpenStack modules through tsplay run', () => {
  it('each failure stays on its host with the service, status and message; secrets never shown', async () => {
    const log = join(dir, 'run.log');
    const r = tsplay(['run', 'play.yml', '-i', `${repo}/inventories/lab`, '-i', 'tenants.yml', '--json', '--log-file', log]);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout);
    const results = (task: string) => {
      const t = doc.plays[0].tasks.find((x: any) => x.task.name === task);
      return t.hosts as Record<string, any>;
    };
    const image = results('image');
    expect(image["tenant-ok"], image["tenant-ok"].msg).toMatchObject({ failed: false, changed: false });
    expect(image['tenant-badpw'].failed).toBe(true);
    expect(image['tenant-badpw'].msg).toMatch(/^keystone: HTTP 401: The request you have made requires authentication\. \(credentials from cloud 'lab' \(.*inventories\/lab\/clouds\.yaml \+ .*inventories\/lab\/secure\.yaml\)\) \(POST http:\/\/198\.18\.0\.5:5000\/v3\/auth\/tokens\)$/);
    expect(image['tenant-down']).toMatchObject({ failed: true, msg: 'OpenStack API not reachable: connection refused by 198.18.0.5:5999' });
    const snap = results('snapshot');
    expect(snap['tenant-ok']).toMatchObject({ failed: false, changed: true });
    expect(snap['tenant-novol']).toMatchObject({ failed: true, msg: `volume '${P}-nope' not found in project ${direct.projectId} (by name or id)` });
    expect(Object.keys(results('after')).sort()).toEqual(['tenant-ok']);
    expect(doc.stats['tenant-ok'], JSON.stringify(doc.stats)).toMatchObject({ ok: 4, changed: 1, failed: 0 });
    // The wrong password was registered as a secret when read: even debug shows it masked.
    expect(results('show the auth (masked)')['tenant-badpw'].os_auth).toEqual({ password: '********' });
    const logText = readFileSync(log, 'utf8');
    for (const text of [r.stdout, r.stderr, logText]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(direct.password);
    }
    expect((await direct.snapshots(volumeId)).map((s) => s.name)).toEqual([`${P}-snap`]);

    // The terminal output says the same, one line per failed host.
    const t = tsplay(['run', 'play.yml', '-i', `${repo}/inventories/lab`, '-i', 'tenants.yml', '--check']);
    expect(t.code).toBe(2);
    expect(t.stdout).toMatch(/fatal: \[tenant-badpw\]: FAILED! => .*keystone: HTTP 401/);
    expect(t.stdout).toMatch(/fatal: \[tenant-down\]: FAILED! => .*connection refused by 198\.18\.0\.5:5999/);
    expect(t.stdout).not.toContain(WRONG);
  });
});
