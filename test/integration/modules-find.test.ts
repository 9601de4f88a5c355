/**
 * find on a lab host (compute5): a tree in a scratch directory, searched by glob, age, size,
 * content and type in one command (two with contains); results read back independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import find from '../../modules/find.js';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute5';
let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await openLab();
  dir = await scratchDir(lab, HOST, 'find');
  await lab.out(
    HOST,
    [
      `cd ${dir}`,
      'mkdir -p logs/nova .cache',
      "printf 'connection = mysql://olddb/nova\\n' > logs/nova/nova.conf",
      "printf 'connection = mysql://newdb/nova\\n' > logs/nova/api.conf",
      'head -c 2097152 /dev/zero > logs/big.log',
      'touch -d "20 days ago" logs/nova/old.log.1',
      'touch .cache/x.log logs/new.log',
    ].join(' && '),
  );
}, 120_000);

afterAll(async () => {
  if (!lab) return;
  await removeScratchDir(lab, HOST, dir);
  await lab.close();
});

describe('find on a lab host', () => {
  const paths = (r: { files?: unknown }) => (r.files as Array<{ path: string }>).map((f) => f.path.slice(dir.length + 1)).sort();

  it('globs, age, size and type, in one command', async () => {
    let n = lab.execs(HOST);
    const logs = await lab.run(HOST, find, { paths: dir, patterns: '*.log*', recurse: true });
    expect(lab.execs(HOST) - n).toBe(1);
    // As in Ansible, a hidden directory is not returned but is searched: .cache/x.log is found.
    expect(paths(logs)).toEqual(['.cache/x.log', 'logs/big.log', 'logs/new.log', 'logs/nova/old.log.1']);
    expect(logs).toMatchObject({ changed: false, matched: 4, msg: 'All paths examined' });
    expect(paths(await lab.run(HOST, find, { paths: dir, recurse: true, age: '2w' }))).toEqual(['logs/nova/old.log.1']);
    expect(paths(await lab.run(HOST, find, { paths: dir, recurse: true, size: '1m' }))).toEqual(['logs/big.log']);
    expect(paths(await lab.run(HOST, find, { paths: dir, recurse: true, file_type: 'directory', hidden: true }))).toEqual(['.cache', 'logs', 'logs/nova']);
    // A check run is the same read.
    n = lab.execs(HOST);
    expect(paths(await lab.run(HOST, find, { paths: dir, recurse: true, hidden: true, patterns: 'x.*' }, { check: true }))).toEqual(['.cache/x.log']);
    expect(lab.execs(HOST) - n).toBe(1);
  });

  it('contains reads only the candidates, in a second command; checksums match sha1sum', async () => {
    const n = lab.execs(HOST);
    const r = await lab.run(HOST, find, { paths: `${dir}/logs`, patterns: '*.conf', recurse: true, contains: 'connection\\s*=.*olddb', get_checksum: true });
    expect(lab.execs(HOST) - n).toBe(2);
    expect(paths(r)).toEqual(['logs/nova/nova.conf']);
    const sum = (await lab.out(HOST, `sha1sum ${dir}/logs/nova/nova.conf`)).split(' ')[0];
    expect((r.files as Array<{ checksum: string }>)[0]!.checksum).toBe(sum);
  });

  it('a path that is not a directory is skipped with the reason', async () => {
    const r = await lab.run(HOST, find, { paths: [`${dir}/logs/new.log`, `${dir}/logs`] });
    expect(r).toMatchObject({ msg: 'Not all paths examined, check warnings for details', skipped_paths: { [`${dir}/logs/new.log`]: `'${dir}/logs/new.log' is not a directory` } });
    expect(paths(r)).toEqual(['logs/big.log', 'logs/new.log']);
  });
});
