/**
 * Helpers for the general-module tests that ModuleTester does not cover (chained check runs
 * in one runtime, other remote users): temporary directories, byte-exact snapshots of a
 * tree, and a runner that goes through core/testing's runModuleLocally (the real machinery).
 * Check mode, idempotence and result shape of single tasks are ModuleTester's job.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDefinition } from '../../../core/modules/api.js';
import { HostRuntime, runModuleLocally, type RunModuleOptions } from '../../../core/testing/index.js';
import type { TaskResult } from '../../../core/executor/task-result.js';
import { LocalTransport } from '../../../core/transport/local.js';
import { quote } from '../../../core/transport/shell-quote.js';
import type { ExecOptions } from '../../../core/transport/transport.js';

/** Text with every character the remote shell must never interpret. */
export const NASTY = `a b  "dq" 'sq' $HOME \${X} $(id) \`id\` ; & | > < * ? [x] ~ # \\ \\n\ttab\nsecond line\n`;

export function tempDir(prefix = 'tsplay-mod-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Snapshot {
  [path: string]: string;
}

/** Every entry below `root`: kind, mode, uid/gid, mtime and content or link target. */
export function snapshot(root: string): Snapshot {
  const out: Snapshot = {};
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const head = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`;
      if (st.isSymbolicLink()) out[p] = `${head} -> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[p] = `${head} dir`;
        visit(p);
      } else out[p] = `${head} ${readFileSync(p).toString('base64')}`;
    }
  };
  visit(root);
  return out;
}

/** Run a module for real through the same path a playbook takes. */
export function run(module: ModuleDefinition<any>, args: Record<string, unknown>, o: RunModuleOptions = {}): Promise<TaskResult> {
  return runModuleLocally(module, args, { diff: true, ...o });
}

export { HostRuntime };

/**
 * A local transport whose commands run as `nobody` (setpriv), to test what modules say
 * when the remote user may not read or write a path (tests run as root, who may).
 */
export class NobodyTransport extends LocalTransport {
  override exec(command: string, options: ExecOptions = {}) {
    return super.exec(`setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c ${quote(command)}`, options);
  }
}

/** A local transport that keeps every command it runs (to show what reached the host). */
export class RecordingTransport extends LocalTransport {
  readonly commands: string[] = [];
  constructor() {
    super('localhost');
  }
  override exec(command: string, options?: ExecOptions): ReturnType<LocalTransport['exec']> {
    this.commands.push(command);
    return super.exec(command, options);
  }
}
