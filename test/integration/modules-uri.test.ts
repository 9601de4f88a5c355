/**
 * uri with a lab host (compute5): a python3 http.server started there in a scratch
 * directory, asked from the controller and, bound to 127.0.0.1 only, through the host's SSH
 * connection (api_via: host); dest written on the host once, predicted in check mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import uri from '../../modules/uri.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
const PORT = 18080;
let lab: Lab;
let dir: string;
let address: string;

beforeAll(async () => {
  lab = await openLab();
  address = String(lab.inventory.varsFor(HOST).ansible_host);
  dir = await scratchDir(lab, HOST, 'uri');
  await lab.out(HOST, `mkdir ${dir}/www ${dir}/local && printf '{"ok": true}' > ${dir}/www/status.json && printf 'only here\\n' > ${dir}/local/secret.txt`);
  // One server for everyone (controller requests), one on loopback only (tunnel requests).
  await lab.out(HOST, `cd ${dir}/www && setsid python3 -m http.server ${PORT} --bind 0.0.0.0 >/dev/null 2>&1 & echo $! > ${dir}/pid1`);
  await lab.out(HOST, `cd ${dir}/local && setsid python3 -m http.server ${PORT + 1} --bind 127.0.0.1 >/dev/null 2>&1 & echo $! > ${dir}/pid2`);
  const up = (port: number) => `python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:${port}/")' 2>/dev/null`;
  await lab.out(HOST, `for i in $(seq 50); do ${up(PORT)} && ${up(PORT + 1)} && exit 0; sleep 0.2; done; exit 1`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `kill $(cat ${dir}/pid1 ${dir}/pid2) 2>/dev/null; true`);
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('uri with a lab host', () => {
  it('from the controller: JSON parsed, nothing run on the host', async () => {
    const n = lab.execs(HOST);
    const r = await lab.run(HOST, uri, { url: `http://${address}:${PORT}/status.json` });
    expect(r).toMatchObject({ status: 200, json: { ok: true }, content_type: 'application/json' });
    expect(lab.execs(HOST) - n).toBe(0);
  });

  it("through the host's SSH connection: its loopback-only server answers", async () => {
    const r = await lab.run(HOST, uri, { url: `http://127.0.0.1:${PORT + 1}/secret.txt`, api_via: 'host', return_content: true });
    expect(r).toMatchObject({ status: 200, content: 'only here\n' });
    // From the controller, 127.0.0.1:PORT+1 is nobody (or not that server).
    const direct = await lab.run(HOST, uri, { url: `http://${address}:${PORT + 1}/secret.txt`, timeout: 5 });
    expect(direct.failed).toBe(true);
  });

  it('dest on the host: predicted, written once, then unchanged', async () => {
    const args = { url: `http://127.0.0.1:${PORT}/status.json`, api_via: 'host', dest: `${dir}/copy.json`, mode: '0600' };
    expect(await lab.run(HOST, uri, args, { check: true })).toMatchObject({ changed: true });
    expect((await lab.sh(HOST, `test -e ${dir}/copy.json`)).rc).not.toBe(0);
    expect((await lab.run(HOST, uri, args)).changed).toBe(true);
    expect(await lab.out(HOST, `stat -c %a ${dir}/copy.json; cat ${dir}/copy.json`)).toBe('600\n{"ok": true}');
    expect((await lab.run(HOST, uri, args)).changed).toBe(false);
  });
});
