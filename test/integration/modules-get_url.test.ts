/**
 * get_url on a lab host: file:// from the lab repository, and http from a tiny server in
 * another lab host's network namespace. The lab hosts have neither curl nor wget, so the
 * http downloads go through bash's /dev/tcp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import getUrl from '../../modules/get_url.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

const RPM = '/var/lib/tsplay-lab/repo/rdo-release-juno.rpm';
const stopWeb = 'if [ -f /run/tsplay-it-http.pid ]; then kill "$(cat /run/tsplay-it-http.pid)" 2>/dev/null; rm -f /run/tsplay-it-http.pid; fi';
let lab: Lab;
let host: string;
let server: string;
let web: string;
let sha256: string;

beforeAll(async () => {
  lab = await openLab();
  host = lab.hosts.includes('opnet') ? 'opnet' : lab.hosts[1]!;
  server = lab.hosts.find((h) => h !== host)!;
  const addr = String(lab.inventory.varsFor(server).ansible_host);
  await lab.out(server, `${stopWeb}; setsid python3 -m http.server 8079 --bind ${addr} --directory /var/lib/tsplay-lab/repo </dev/null >/dev/null 2>&1 & echo $! > /run/tsplay-it-http.pid; sleep 1`);
  web = `http://${addr}:8079`;
  sha256 = (await lab.out(host, `sha256sum ${RPM}`)).split(' ')[0]!;
  await lab.sh(host, 'rm -rf /root/tsplay-it-get_url; mkdir -p /root/tsplay-it-get_url');
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(server, stopWeb);
  await lab.sh(host, 'rm -rf /root/tsplay-it-get_url');
  await lab.close();
});

describe('get_url on a lab host', () => {
  it('file:// with a checksum: predicted, downloaded, verified, then left alone', async () => {
    const dest = '/root/tsplay-it-get_url/rdo-release-juno.rpm';
    const args = { url: `file://${RPM}`, dest, checksum: `sha256:${sha256}`, mode: '0600' };
    const before = await snapshot(lab, host);
    expect((await lab.run(host, getUrl, args, { check: true })).changed).toBe(true);
    expect(await snapshot(lab, host)).toBe(before);
    const r = await lab.run(host, getUrl, args);
    expect(r).toMatchObject({ changed: true, failed: false, dest, mode: '0600' });
    expect(await lab.out(host, `sha256sum < ${dest} | cut -d' ' -f1; stat -c %a ${dest}`)).toBe(`${sha256}\n600\n`);
    expect((await lab.run(host, getUrl, args)).changed).toBe(false);
    expect((await lab.run(host, getUrl, args, { check: true })).changed).toBe(false);
    expect((await lab.out(host, 'ls -A /root/tsplay-it-get_url')).trim()).toBe('rdo-release-juno.rpm');
  });

  it('http inside the lab, into a directory dest, over bash /dev/tcp', async () => {
    expect((await lab.sh(host, 'command -v curl || command -v wget')).rc).not.toBe(0);
    const r = await lab.run(host, getUrl, { url: `${web}/rdo-release-juno.rpm`, dest: '/root/tsplay-it-get_url/web/' });
    expect(r.failed).toBe(true); // the directory does not exist
    expect(r.msg).toMatch(/destination directory .* does not exist/);
    await lab.out(host, 'mkdir -p /root/tsplay-it-get_url/web');
    const ok = await lab.run(host, getUrl, { url: `${web}/rdo-release-juno.rpm`, dest: '/root/tsplay-it-get_url/web/' });
    expect(ok).toMatchObject({ changed: true, failed: false, dest: '/root/tsplay-it-get_url/web/rdo-release-juno.rpm' });
    expect((await lab.out(host, 'sha256sum < /root/tsplay-it-get_url/web/rdo-release-juno.rpm')).split(' ')[0]).toBe(sha256);
    const forced = await lab.run(host, getUrl, { url: `${web}/rdo-release-juno.rpm`, dest: '/root/tsplay-it-get_url/web/', force: true });
    expect(forced.changed).toBe(false); // same content
  });

  it('a wrong checksum or a missing URL fails and installs nothing', async () => {
    const dest = '/root/tsplay-it-get_url/bad.rpm';
    const bad = await lab.run(host, getUrl, { url: `${web}/rdo-release-juno.rpm`, dest, checksum: `sha256:${'1'.repeat(64)}` });
    expect(bad.failed).toBe(true);
    expect(bad.msg).toMatch(/checksum mismatch/);
    const missing = await lab.run(host, getUrl, { url: `${web}/nope.rpm`, dest });
    expect(missing.failed).toBe(true);
    expect(missing.msg).toMatch(/404/);
    expect((await lab.out(host, 'ls -A /root/tsplay-it-get_url')).split('\n').filter((f) => f.startsWith('.tsplay'))).toEqual([]);
    expect((await lab.sh(host, `test -e ${dest}`)).rc).toBe(1);
  });
});
