/**
 * How many commands each module sends to the host: one read, at most one write, never
 * one process per item. Counted with a transport that records every exec.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleDefinition } from '../../../core/modules/api.js';
import { LocalTransport } from '../../../core/transport/local.js';
import type { ExecOptions } from '../../../core/transport/transport.js';
import blockinfile from '../../../modules/blockinfile.js';
import command from '../../../modules/command.js';
import copy from '../../../modules/copy.js';
import file from '../../../modules/file.js';
import lineinfile from '../../../modules/lineinfile.js';
import setup from '../../../modules/setup.js';
import slurp from '../../../modules/slurp.js';
import stat from '../../../modules/stat.js';
import template from '../../../modules/template.js';
import { removeDir, run, tempDir } from './general-helpers.js';

class CountingTransport extends LocalTransport {
  count = 0;
  override exec(command: string, options?: ExecOptions) {
    this.count++;
    return super.exec(command, options);
  }
}

let dir: string;
let src: string;
beforeEach(() => {
  dir = tempDir();
  src = tempDir('tsplay-src-');
});
afterEach(() => {
  removeDir(dir);
  removeDir(src);
});

/** Commands for a first (changing) run and a second (idempotent) run, without --diff. */
async function trips(module: ModuleDefinition<any>, args: Record<string, unknown>, o: { baseDir?: string } = {}): Promise<[number, number]> {
  const counts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const transport = new CountingTransport('localhost');
    const r = await run(module, args, { transport, diff: false, ...o });
    expect(r.failed, String(r.msg)).toBe(false);
    counts.push(transport.count);
  }
  return counts as [number, number];
}

describe('round trips per task (first run, second run)', () => {
  it('copy: content, file, and a 50-file tree', async () => {
    expect(await trips(copy, { content: 'x', dest: join(dir, 'a'), mode: '0600', owner: 'nobody' })).toEqual([2, 1]);
    mkdirSync(join(src, 'tree', 'sub'), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(src, 'tree', i % 2 ? 'sub' : '', `f${i}`), `${i}`);
    expect(await trips(copy, { src: join(src, 'tree'), dest: dir, directory_mode: '0755' })).toEqual([2, 1]);
  });

  it('template, lineinfile, blockinfile', async () => {
    writeFileSync(join(src, 't.hbs'), 'x');
    expect(await trips(template, { src: 't.hbs', dest: join(dir, 't') }, { baseDir: src })).toEqual([2, 1]);
    writeFileSync(join(dir, 'l'), 'a\n');
    expect(await trips(lineinfile, { path: join(dir, 'l'), line: 'b', mode: '0600' })).toEqual([2, 1]);
    expect(await trips(blockinfile, { path: join(dir, 'l'), block: 'c' })).toEqual([2, 1]);
  });

  it('file: a deep directory, recurse, link, absent', async () => {
    expect(await trips(file, { path: join(dir, 'a/b/c/d'), state: 'directory', mode: '0750' })).toEqual([2, 1]);
    expect(await trips(file, { path: join(dir, 'a'), state: 'directory', recurse: true, owner: 'nobody' })).toEqual([2, 1]);
    expect(await trips(file, { path: join(dir, 'ln'), src: join(dir, 'a'), state: 'link' })).toEqual([2, 1]);
    expect(await trips(file, { path: join(dir, 'a'), state: 'absent' })).toEqual([2, 1]);
  });

  it('file state=touch: the stat and the touch in one command (it changes every time)', async () => {
    const counts: number[] = [];
    for (const args of [
      { path: join(dir, 'log'), state: 'touch', owner: 'nobody', mode: '0777' },
      { path: join(dir, 'log'), state: 'touch', owner: 'nobody', mode: '0777' },
      { path: join(dir, 'log'), state: 'touch' },
      // Two steps: a symbolic mode depends on the mode read; a chown without an octal mode
      // would clear setuid bits; preserved times may leave nothing to do.
      { path: join(dir, 'log'), state: 'touch', mode: 'u+x' },
      { path: join(dir, 'log'), state: 'touch', owner: 'nobody' },
      { path: join(dir, 'log'), state: 'touch', modification_time: 'preserve', access_time: 'preserve' },
    ]) {
      const transport = new CountingTransport('localhost');
      const r = await run(file, args, { transport, diff: false });
      expect(r.failed, String(r.msg)).toBe(false);
      counts.push(transport.count);
    }
    expect(counts).toEqual([1, 1, 1, 2, 2, 1]);
  });

  it('command with creates, stat, slurp, setup: one each', async () => {
    expect(await trips(command, { cmd: `touch ${join(dir, 'once')}`, creates: join(dir, 'once') })).toEqual([1, 1]);
    expect(await trips(stat, { path: dir })).toEqual([1, 1]);
    writeFileSync(join(dir, 's'), 's');
    expect(await trips(slurp, { src: join(dir, 's') })).toEqual([1, 1]);
    expect(await trips(setup, {})).toEqual([1, 1]);
  });
});
