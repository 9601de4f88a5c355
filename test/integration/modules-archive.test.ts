/**
 * archive on a lab host (compute5): a directory packed once (check mode predicts from the
 * same build-and-compare, in /tmp), then left alone until a file changes; a zip archive of
 * a glob with the host's zip, owned and moded as asked, its sources removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import archive from '../../modules/archive.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'archive');
  await lab.out(HOST, `mkdir -p ${dir}/etc/app/sub ${dir}/out && echo a > ${dir}/etc/app/a.conf && echo b > ${dir}/etc/app/sub/b`);
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
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

  it('zip of a glob with exclusion_patterns, owner/group/mode, remove; then nothing left to do', async () => {
    await lab.out(HOST, `mkdir -p ${dir}/logs && cd ${dir}/logs && echo 1 > a.log && echo 2 > b.log && echo 3 > c.log.gz`);
    const args = { path: `${dir}/logs/*.log*`, exclusion_patterns: ['*.gz'], dest: `${dir}/out/logs.zip`, format: 'zip', owner: 'nobody', group: 'nogroup', mode: '0640', remove: true };
    expect(await lab.run(HOST, archive, args, { check: true })).toMatchObject({ changed: true, dest_state: 'absent', archived: [] }); // check mode as Ansible's: nothing archived, the archive not looked at
    expect(await lab.out(HOST, `ls ${dir}/logs; ls ${dir}/out`)).toBe('a.log\nb.log\nc.log.gz\napp.tar.gz\n');
    expect(await lab.run(HOST, archive, args)).toMatchObject({ changed: true, dest_state: 'archive', owner: 'nobody', group: 'nogroup', mode: '0640', archived: [`${dir}/logs/a.log`, `${dir}/logs/b.log`] });
    expect(await lab.out(HOST, `stat -c '%U %G %a' ${dir}/out/logs.zip; zipinfo -1 ${dir}/out/logs.zip; ls -A ${dir}/logs`)).toBe('nobody nogroup 640\na.log\nb.log\n');
    expect(await lab.run(HOST, archive, { ...args, path: `${dir}/out/logs.zip`, remove: false, format: 'gz', dest: `${dir}/out/logs.zip.gz` })).toMatchObject({ changed: true, dest_state: 'compress' });
    expect((await lab.run(HOST, archive, { ...args, path: `${dir}/out/logs.zip`, remove: false, format: 'gz', dest: `${dir}/out/logs.zip.gz` })).changed).toBe(false);
  });
});
