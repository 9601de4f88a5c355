/**
 * archive on a lab host (compute5): a directory packed once (check mode predicts from the
 * same build-and-compare, in /tmp), then left alone until a file changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import archive from '../../modules/archive.js';
import { openLab, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`${HOST} is not in the lab inventory`);
  dir = (await lab.out(HOST, 'mktemp -d /tmp/tsplay-archive.XXXXXX')).trim();
  await lab.out(HOST, `mkdir -p ${dir}/etc/app/sub ${dir}/out && echo a > ${dir}/etc/app/a.conf && echo b > ${dir}/etc/app/sub/b`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(HOST, `rm -rf -- '${dir}'`);
  await lab.close();
});

describe('archive on a lab host', () => {
  it('packs once, predicts in check mode, repacks only after a change', async () => {
    const args = { path: `${dir}/etc/app`, dest: `${dir}/out/app.tar.gz` };
    expect((await lab.run(HOST, archive, args, { check: true })).changed).toBe(true);
    expect(await lab.out(HOST, `ls -A ${dir}/out`)).toBe('');
    expect(await lab.run(HOST, archive, args)).toMatchObject({ changed: true, dest_state: 'archive', state: 'file', arcroot: `${dir}/etc/` });
    expect(await lab.out(HOST, `tar -tzf ${dir}/out/app.tar.gz | sort`)).toBe('app/a.conf\napp/sub/\napp/sub/b\n');
    for (const check of [true, false]) expect((await lab.run(HOST, archive, args, { check })).changed).toBe(false);
    await lab.out(HOST, `echo changed > ${dir}/etc/app/a.conf && touch -d '2 days ago' ${dir}/etc/app/a.conf`);
    expect((await lab.run(HOST, archive, args, { check: true })).changed).toBe(true);
    expect((await lab.run(HOST, archive, args)).changed).toBe(true);
    expect(await lab.out(HOST, `tar -xzOf ${dir}/out/app.tar.gz app/a.conf`)).toBe('changed\n');
  });
});
