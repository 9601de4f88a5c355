/**
 * Fault injection (issue 13): a real `tsplay run` (the compiled CLI) works on two lab hosts
 * while one of them, the victim, suffers a fault in the middle of a task: its sshd session
 * killed or paused, its link down, its disk full, a reboot, or tsplay itself getting
 * SIGINT/SIGTERM. For each, checked on the hosts and not through tsplay:
 *   - the destination holds the old or the new content, whole (sha1), never a part;
 *   - no `.tsplay-tmp.*` temp file and no process of the run is left on the victim;
 *   - the other host finishes its tasks;
 *   - the recap and the exit code say what happened (4 unreachable, 2 failed, 99/143).
 * Every fault is undone in a finally block (link up, SIGCONT, unmount, throttle off, host
 * back from its reboot), pass or fail. docs/faults.md reports the figures.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab, type Lab } from './modules-lab.js';
import {
  DIR,
  FULL,
  leftovers,
  NAP,
  recapOf,
  resumeAllSshd,
  signalSshdSessions,
  sshdSessions,
  sleep,
  startRun,
  throttleCommand,
  until,
  writeInventory,
  writePlaybook,
  type Run,
  type Work,
} from './faults/harness.js';

const VICTIM = 'opnet';
const BYSTANDER = 'opctl';
const BIG = 8 * 1024 * 1024; // 4 s through the 16 Mbit/s throttle
const DEST = `${DIR}/big.bin`;

let lab: Lab;
let dir: string;
let inventory: string;
let newFile: string;
let newSha1: string;
let oldSha1: string;
const tally = { injected: 0, survived: 0, failed: [] as string[], lines: [] as string[] };

/** Run on this machine; a failure is an error (these are the lab's own tools). */
function local(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.error?.message}`);
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** Fresh test directories on both hosts, the destination holding its old content. */
async function prepare(): Promise<void> {
  for (const host of [VICTIM, BYSTANDER]) {
    await lab.out(host, `rm -rf ${DIR} && mkdir -p ${DIR} ${FULL} && head -c 65536 /dev/zero | tr '\\0' o > ${DEST}`);
  }
  oldSha1 = (await lab.out(VICTIM, `sha1sum ${DEST} | cut -d' ' -f1`)).trim();
}

interface Scenario {
  name: string;
  work: Work;
  /** Started once the victim is mid-task. */
  inject(run: Run): Promise<void>;
  /** Called when the victim was reported (while the run goes on), e.g. to bring a link back. */
  onReported?(): Promise<void>;
  /** After tsplay exited, before the checks (e.g. wait for a rebooted host). */
  settle?(): Promise<void>;
  /** Undo the fault; runs whatever happened. */
  restore(): Promise<void>;
  exit: number;
  /** The victim's recap: unreachable (4) or failed (2); none for an interrupt. */
  victim: 'unreachable' | 'failed' | 'interrupted';
  message: RegExp;
}

/** Wait until the victim is in the middle of the faulted task. */
async function midTask(work: Work, run: Run): Promise<void> {
  const probe =
    work === 'copy'
      ? // data is flowing: a temp file beside the destination, at least 1 MiB written
        `find ${DIR} -name '.tsplay-tmp.*' -size +1024k | grep -q .`
      : `ps -eo args | grep -q '^sleep ${NAP}$'`;
  await until(`the victim mid-task (${work})\n${run.stdout()}`, async () => (await lab.sh(VICTIM, probe)).rc === 0, 20_000, 100);
}

/** One fault: run, inject mid-task, check everything, undo. */
async function runScenario(s: Scenario): Promise<void> {
  await prepare();
  const playbook = writePlaybook(dir, s.name.replace(/\W+/g, '-'), s.work, newFile, DEST);
  if (s.work === 'copy') local(throttleCommand(VICTIM, true));
  let run: Run | undefined;
  let restored = false;
  try {
    run = startRun(playbook, inventory);
    await midTask(s.work, run);
    tally.injected++;
    const injectedAt = Date.now();
    await s.inject(run);
    if (s.onReported) {
      const r = run;
      await until(`the victim reported\n${r.stdout()}`, () => r.stdout().includes(`fatal: [${VICTIM}]`), 30_000);
      await s.onReported();
    }
    const code = await run.exited;
    const ms = Date.now() - injectedAt;
    const out = run.stdout();
    await s.settle?.();
    expect(code, out).toBe(s.exit);
    expect(out).toMatch(s.message);
    const v = recapOf(out, VICTIM);
    const b = recapOf(out, BYSTANDER);
    if (s.victim === 'unreachable') expect(v, out).toMatchObject({ unreachable: 1, failed: 0 });
    if (s.victim === 'failed') expect(v, out).toMatchObject({ unreachable: 0, failed: 1 });
    if (s.victim === 'interrupted') {
      // The victim is among the hosts whose running task was stopped (the bystander may still
      // have been in its copy too); nobody is called unreachable.
      expect(out).toMatch(new RegExp(`INTERRUPTED by SIG\\w+: the task running on [\\w, ]*\\b${VICTIM}\\b[\\w, ]* was stopped there`));
      expect(v, out).toMatchObject({ unreachable: 0 });
      expect(b, out).toMatchObject({ unreachable: 0 });
    } else {
      // The bystander ran both tasks, the second one after the victim's fault.
      expect(b, out).toEqual({ ok: 2, changed: 2, unreachable: 0, failed: 0 });
      expect((await leftovers(lab, BYSTANDER, DEST)).after).toBe(true);
    }
    // On the victim: the file whole (old or new), no temp file, no process of the run.
    const left = await leftovers(lab, VICTIM, DEST);
    expect([oldSha1, newSha1], `${s.name}: destination is neither old nor new`).toContain(left.sha1);
    tally.lines.push(`${s.name}: exit ${code} ${(ms / 1000).toFixed(1)} s after the fault, destination ${left.sha1 === newSha1 ? 'new' : 'old'}`);
    expect(left, out).toMatchObject({ temps: 0, marked: 0, sleeps: 0, late: false, after: false });
    // Once the fault is undone, no sshd session of the run lingers on the victim either.
    restored = true;
    await s.restore();
    await until('the run\'s sshd sessions on the victim to end', async () => (await sshdSessions(lab, VICTIM)).length === 0, 15_000, 500);
    tally.survived++;
  } catch (e) {
    tally.failed.push(s.name);
    throw e;
  } finally {
    run?.child.kill('SIGKILL');
    if (s.work === 'copy') local(throttleCommand(VICTIM, false));
    if (!restored) await s.restore();
  }
}

beforeAll(async () => {
  lab = await openLab();
  dir = mkdtempSync(join(tmpdir(), 'tsplay-faults-'));
  inventory = writeInventory(lab, dir, VICTIM, BYSTANDER);
  const data = randomBytes(BIG);
  newFile = join(dir, 'big-new.bin');
  writeFileSync(newFile, data);
  newSha1 = sha1(data);
});

afterAll(async () => {
  // Whatever happened: the victim's link up, its sshd resumed, nothing mounted, no throttle.
  spawnSync('ip', ['netns', 'exec', String(lab?.inventory.varsFor(VICTIM).lab_netns), 'ip', 'link', 'set', 'eth0', 'up']);
  spawnSync(throttleCommand(VICTIM, false)[0]!, throttleCommand(VICTIM, false).slice(1));
  if (lab) {
    await lab.waitUp(VICTIM, 60).catch(() => undefined);
    await resumeAllSshd(lab, VICTIM).catch(() => undefined);
    await lab.sh(VICTIM, `umount ${FULL} 2>/dev/null; rm -rf ${DIR} ${FULL}`).catch(() => undefined);
    await lab.sh(BYSTANDER, `rm -rf ${DIR} ${FULL}`).catch(() => undefined);
    await lab.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const line of tally.lines) console.log(`  ${line}`);
  console.log(`fault injection: ${tally.injected} faults injected, ${tally.survived} survived${tally.failed.length ? `; not survived: ${tally.failed.join(', ')}` : ''}`);
});

const netns = () => String(lab.inventory.varsFor(VICTIM).lab_netns);
const unreachable = new RegExp(`fatal: \\[${VICTIM}\\]: UNREACHABLE!`);
const nothing = async () => {};

// One retry: on a loaded 2-core machine the window between a fault and the kill that follows
// the reconnect varies by seconds (a paused sshd with a short sleep once let the sleep finish
// first). A fault that fails twice is a real failure; docs/faults.md has the figures.
describe('faults on a lab host in the middle of a run', { retry: 1 }, () => {
  for (const work of ['copy', 'sleep'] as const) {
    it(`sshd killed during ${work}: unreachable, exit 4`, () =>
      runScenario({
        name: `sshd killed (${work})`,
        work,
        inject: async () => expect((await signalSshdSessions(lab, VICTIM, 'KILL')).length).toBeGreaterThan(0),
        restore: nothing,
        exit: 4,
        victim: 'unreachable',
        message: unreachable,
      }));
  }

  for (const work of ['copy', 'sleep'] as const) {
    it(`sshd paused (SIGSTOP) during ${work}: keepalives end it, unreachable, exit 4`, () =>
      runScenario({
        name: `sshd paused (${work})`,
        work,
        inject: async () => expect((await signalSshdSessions(lab, VICTIM, 'STOP')).length).toBeGreaterThan(0),
        // Checked while the session is still stopped; resumed afterwards.
        restore: () => resumeAllSshd(lab, VICTIM),
        exit: 4,
        victim: 'unreachable',
        message: /UNREACHABLE!.*stopped answering keepalives/,
      }));
  }

  for (const work of ['copy', 'sleep'] as const) {
    it(`link down during ${work}: unreachable, exit 4; link back up`, () => {
      const link = (state: 'up' | 'down') => local(['ip', 'netns', 'exec', netns(), 'ip', 'link', 'set', 'eth0', state]);
      return runScenario({
        name: `link down (${work})`,
        work,
        inject: async () => link('down'),
        // Back up while the bystander still works: tsplay cleans up on the victim before it exits.
        onReported: async () => link('up'),
        restore: async () => link('up'),
        exit: 4,
        victim: 'unreachable',
        message: unreachable,
      });
    });
  }

  for (const work of ['copy', 'sleep'] as const) {
    it(`host rebooting during ${work}: unreachable, exit 4, the host comes back`, async () => {
      const bootId = (await lab.out(VICTIM, 'cat /proc/sys/kernel/random/boot_id')).trim();
      return runScenario({
        name: `reboot (${work})`,
        work,
        // --no-block: the job is queued and the host goes down within about a second.
        inject: async () => void (await lab.sh(VICTIM, 'systemctl reboot --no-block').catch(() => undefined)),
        settle: () => lab.waitUp(VICTIM, 60, bootId),
        restore: () => lab.waitUp(VICTIM, 60, bootId),
        exit: 4,
        victim: 'unreachable',
        message: unreachable,
      });
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to tsplay during a copy: exit ${signal === 'SIGINT' ? 99 : 143}, nothing left`, () =>
      runScenario({
        name: `${signal} to tsplay (copy)`,
        work: 'copy',
        inject: async (run) => void run.child.kill(signal),
        restore: nothing,
        exit: signal === 'SIGINT' ? 99 : 143,
        victim: 'interrupted',
        message: new RegExp(`INTERRUPTED by ${signal}`),
      }));
  }

  it('a slow link is not a dead host: a 2 MB copy at 4 Mbit/s under keepalives of 1 s x 2 succeeds', async () => {
    // The whole file sits in the SSH window (2 MB) ahead of any keepalive request: its reply
    // comes after ~4 s. The server's window adjustments prove it alive meanwhile.
    await prepare();
    const src = join(dir, 'two-mb.bin');
    const data = randomBytes(2 * 1024 * 1024);
    writeFileSync(src, data);
    local(throttleCommand(VICTIM, true, '4mbit'));
    try {
      tally.injected++;
      const run = startRun(writePlaybook(dir, 'slow-link', 'copy', src, DEST, VICTIM), inventory);
      const code = await run.exited;
      expect(code, run.stdout()).toBe(0);
      expect(recapOf(run.stdout(), VICTIM), run.stdout()).toMatchObject({ ok: 2, unreachable: 0, failed: 0 });
      expect((await leftovers(lab, VICTIM, DEST)).sha1).toBe(sha1(data));
      tally.survived++;
    } catch (e) {
      tally.failed.push('slow link (copy)');
      throw e;
    } finally {
      local(throttleCommand(VICTIM, false));
    }
  });

  it('disk full on the target during a copy: the task fails with the reason, the old file stays whole', async () => {
    const dest = `${FULL}/big.bin`;
    await prepare();
    // A 1 MiB tmpfs on the victim only; the bystander writes to a plain directory.
    await lab.out(VICTIM, `mount -t tmpfs -o size=1M tmpfs ${FULL} && head -c 65536 /dev/zero | tr '\\0' o > ${dest}`);
    await lab.out(BYSTANDER, `head -c 65536 /dev/zero | tr '\\0' o > ${dest}`);
    try {
      tally.injected++;
      const run = startRun(writePlaybook(dir, 'disk-full', 'copy', newFile, dest), inventory);
      const code = await run.exited;
      const out = run.stdout();
      expect(code, out).toBe(2);
      expect(out).toMatch(new RegExp(`fatal: \\[${VICTIM}\\]: FAILED!.*could not write ${dest}.*No space left on device`));
      expect(recapOf(out, VICTIM), out).toMatchObject({ unreachable: 0, failed: 1 });
      expect(recapOf(out, BYSTANDER), out).toEqual({ ok: 2, changed: 2, unreachable: 0, failed: 0 });
      expect((await leftovers(lab, BYSTANDER, dest)).sha1).toBe(newSha1);
      const left = await leftovers(lab, VICTIM, dest);
      expect(left, out).toMatchObject({ sha1: oldSha1, temps: 0, marked: 0, after: false });
      // The space the partial temp file took is free again.
      expect(Number(await lab.out(VICTIM, `df --output=used -k ${FULL} | tail -1`))).toBeLessThan(100);
      tally.survived++;
    } catch (e) {
      tally.failed.push('disk full (copy)');
      throw e;
    } finally {
      await lab.sh(VICTIM, `umount ${FULL}`);
    }
  });
});
