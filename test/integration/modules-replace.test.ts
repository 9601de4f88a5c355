/**
 * replace on a lab host (compute5, owned by this suite): a CRLF file edited as Python's
 * regex would, check mode that predicts and changes nothing, idempotence, backup, and the
 * round trips (one read, one write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import replace from '../../modules/replace.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'replace');
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('replace on a lab host', () => {
  it('predicts in check mode, replaces once, then changes nothing', async () => {
    const f = `${dir}/app.conf`;
    await lab.out(HOST, `printf 'listen=1\\r\\nhost = a\\r\\n' > ${f}`);
    const args = { path: f, regexp: '^(listen)=(.*)$', replace: '\\2=\\1', backup: true };
    const before = await lab.out(HOST, `sha1sum ${f}`);
    const check = await lab.run(HOST, replace, args, { check: true, diff: true });
    expect(check).toMatchObject({ changed: true, msg: '1 replacements made' });
    expect(await lab.out(HOST, `sha1sum ${f}; ls ${dir} | wc -l`)).toBe(`${before}1\n`);
    const n = lab.execs(HOST);
    const real = await lab.run(HOST, replace, args, { diff: true });
    expect(lab.execs(HOST) - n).toBe(2);
    expect(real.changed).toBe(true);
    expect(real.diff).toEqual(check.diff);
    // Python's . takes the \r, and $ is before \n only: the \r moves with the value.
    expect(await lab.out(HOST, `cat -A ${f}`)).toBe('1^M=listen$\nhost = a^M$\n');
    expect(await lab.out(HOST, `cat -A ${String(real.backup_file)}`)).toBe('listen=1^M$\nhost = a^M$\n');
    for (const check of [true, false]) expect((await lab.run(HOST, replace, args, { check })).changed).toBe(false);
  });
});
