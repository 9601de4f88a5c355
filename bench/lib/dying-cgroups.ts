/**
 * Every bench host gets its own memory cgroup, and removing the host does not free it:
 * page cache charged to it (its overlay's files, read by sshd and the workload) keeps it
 * alive as a "dying" cgroup until that cache is dropped. After a day of benchmarks this
 * machine held 2,107 memory cgroups with 4 hosts up, and a fork+exec of /bin/true took
 * 4.7 ms instead of 3.7 ms: every process on the machine, targets and tools alike, paid
 * for the dead ones. So a benchmark releases them before it measures and records how
 * many there were.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Memory cgroups on this machine; under cgroup v1 the count includes dying ones. */
export function memoryCgroupCount(): number | null {
  try {
    const line = readFileSync('/proc/cgroups', 'utf8').split('\n').find((l) => l.startsWith('memory\t'));
    const n = line ? Number(line.split('\t')[2]) : NaN;
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export interface CgroupRelease {
  before: number | null;
  after: number | null;
}

/**
 * Writes dirty pages back and drops the clean page cache (root only), which lets the
 * kernel free the dying cgroups that cache held. Costs the machine its file cache once;
 * the benchmark's own files are read again on first use.
 */
export function releaseDyingCgroups(): CgroupRelease {
  const before = memoryCgroupCount();
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    return { before, after: before };
  }
  // The kernel frees them asynchronously (RCU, workqueues); a moment is enough.
  execFileSync('sleep', ['2']);
  return { before, after: memoryCgroupCount() };
}

export function describeRelease(r: CgroupRelease): string {
  if (r.before === null) return 'memory cgroups: unknown';
  return r.after === r.before ? `memory cgroups: ${r.before}` : `memory cgroups: ${r.before} before releasing the dying ones, ${r.after} after`;
}
