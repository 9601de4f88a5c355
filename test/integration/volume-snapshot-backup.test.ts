/**
 * playbooks/volume-snapshot-backup.yml (seed 002) on a fresh compute3 standing in for the VM:
 * a real MariaDB (the lab's mariadb-server RPM) with a table, a real XFS filesystem at
 * /mnt/data (`lab data-disk`: loop-backed from this machine), and the lab cloud's `data-vol`
 * (Cinder, the NFS driver) created here through the API. Everything is checked without tsplay:
 * writes from separate OpenSSH sessions with the host's own clock (the lab hosts share this
 * machine's kernel clock, so their times compare with the run's log), `xfs_freeze`, `mysql`,
 * and the Cinder API directly (openstack-direct.ts).
 *  1. --check predicts and changes nothing (no snapshot, nothing frozen or locked);
 *  2. the real run: a table write and a file write started while the snapshot task runs stay
 *     blocked until the thaw/unlock, then complete; --check had predicted every task;
 *  3. a second run the same day changes nothing and takes no lock;
 *  4. the snapshot failing (unknown volume; unreachable cloud: a wrong auth_url on a lab
 *     address) and Ctrl-C during the snapshot: thawed, unlocked, exit 2 (SIGINT: 99);
 *  5. keep: 7 rotation, seen through the Cinder API.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab, type Lab } from './modules-lab.js';
import { openDirect, type Direct } from './openstack-direct.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const HOST = 'compute3';
const VOLUME = 'data-vol';
const SERIES = 'volume-snapshot-backup';
const LOCK_TASK = 'FLUSH TABLES WITH READ LOCK, held in one session until UNLOCK TABLES';
const SNAPSHOT_TASK = 'cinder snapshot-create --force True, keep the last 7';
const THAW_TASK = 'xfs_freeze -u (always, even when the snapshot failed)';
const UNLOCK_TASK = 'UNLOCK TABLES (always)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let lab: Lab;
let direct: Direct;
let dir: string;
let volumeId: string;
let sshArgs: string[];

interface LogLine { time: number; task?: string; status?: string; ms?: number; msg: string }

/** The run's task results from its --log-file: when each ended, and how long it took. */
function taskLog(file: string): Map<string, { end: number; start: number; status: string }> {
  const out = new Map<string, { end: number; start: number; status: string }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const l = JSON.parse(line) as LogLine;
    if (l.msg === 'task result' && l.task) out.set(l.task, { end: l.time, start: l.time - (l.ms ?? 0), status: l.status ?? '' });
  }
  return out;
}

/** A tsplay run of the playbook against compute3 (lab connection settings, group db_vms). */
function args(logFile: string, extra: string[]): string[] {
  return [`${repo}/bin/tsplay.js`, 'run', `${repo}/playbooks/volume-snapshot-backup.yml`, '-i', `${repo}/inventories/lab`, '-i', join(dir, 'backup.ini'), '--log-file', logFile, ...extra];
}

function runSync(logFile: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, args(logFile, extra), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, tasks: taskLog(logFile) };
}

/** A run whose output is watched as it comes. */
function runLive(logFile: string, ...extra: string[]) {
  const child = spawn(process.execPath, args(logFile, extra), { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (out += b));
  const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  return { child, exited, out: () => out };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 20) await sleep(20);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

/**
 * A write on the host from its own OpenSSH session, connected in advance and waiting for a
 * line on stdin: `go()` starts it at once. It reports the host's clock (ms) before and after.
 */
function armedWrite(command: string): { go(): void; done: Promise<{ start: number; end: number; rc: number; out: string }> } {
  const script = `read go; s=$(date +%s%3N); ${command}; rc=$?; e=$(date +%s%3N); echo "times $s $e $rc"`;
  const ssh: ChildProcessWithoutNullStreams = spawn('ssh', [...sshArgs, script]);
  let out = '';
  ssh.stdout.on('data', (b: Buffer) => (out += b));
  ssh.stderr.on('data', (b: Buffer) => (out += b));
  const done = new Promise<{ start: number; end: number; rc: number; out: string }>((resolve, reject) =>
    ssh.on('close', () => {
      const m = /times (\d+) (\d+) (\d+)/.exec(out);
      if (!m) return reject(new Error(`the write on ${HOST} did not report: ${out}`));
      resolve({ start: Number(m[1]), end: Number(m[2]), rc: Number(m[3]), out });
    }),
  );
  return { go: () => ssh.stdin.end('go\n'), done };
}

const TABLE_WRITE = (tag: string) => `mysql -e "INSERT INTO app.t (v) VALUES ('${tag}')"`;
const FILE_WRITE = (tag: string) => `echo ${tag} > /mnt/data/${tag}`;

/** Neither frozen nor locked: `xfs_freeze -u` finds nothing to thaw, writes pass at once, no backup session. */
async function expectReleased(tag: string): Promise<void> {
  expect(await lab.out(HOST, 'xfs_freeze -u /mnt/data 2>&1; echo rc=$?')).toMatch(/Invalid argument\nrc=1\n$/);
  const w = await lab.out(HOST, `s=$(date +%s%3N); timeout 5 sh -c 'echo ${tag} > /mnt/data/${tag}' && timeout 5 ${TABLE_WRITE(tag)} && echo $(( $(date +%s%3N) - s ))`);
  expect(Number(w)).toBeLessThan(2000);
  expect(await lab.out(HOST, `cat /mnt/data/${tag}; mysql -N -e "SELECT COUNT(*) FROM app.t WHERE v='${tag}'"`)).toBe(`${tag}\n1\n`);
  // The mysql_session client is gone from the server's process list.
  expect(await lab.out(HOST, `mysql -N -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'"`)).toBe('0\n');
}

const snapshotsOfSeries = async () => (await direct.snapshots(volumeId)).filter((s) => s.metadata?.tsplay_series === SERIES);

beforeAll(async () => {
  // This lab.sh must reset only the host named (older ones reset every host).
  expect(readFileSync(`${repo}/test/lab/lab.sh`, 'utf8')).toContain('reset [HOST...]');
  dir = mkdtempSync(join(tmpdir(), 'tsplay-backup-it-'));
  const labSh = (...a: string[]) => execFileSync('bash', [`${repo}/test/lab/lab.sh`, ...a], { stdio: 'inherit', timeout: 300_000 });
  labSh('reset', HOST);
  labSh('data-disk', HOST);
  lab = await openLab();
  const v = lab.inventory.varsFor(HOST);
  sshArgs = ['-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', String(v.ansible_ssh_private_key_file), '-o', `UserKnownHostsFile=${String(v.lab_known_hosts)}`, '-o', 'StrictHostKeyChecking=yes', `root@${String(v.ansible_host)}`];
  // The data disk survives a reset of the host: a file written before is there after.
  await lab.out(HOST, 'echo kept > /mnt/data/kept-across-reset && sync');
  await lab.close();
  labSh('reset', HOST);
  lab = await openLab();
  expect(await lab.out(HOST, 'cat /mnt/data/kept-across-reset; findmnt -n -o SOURCE,FSTYPE /mnt/data')).toBe('kept\n/dev/vdb xfs\n');
  await lab.out(HOST, 'rm -f /mnt/data/*');
  // The database the VM runs: the lab's mariadb-server RPM, a real MariaDB.
  await lab.out(HOST, 'yum -y -q install mariadb-server >/dev/null && systemctl start mariadb');
  await lab.out(HOST, 'mysql -e "CREATE DATABASE app; CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB"');
  writeFileSync(join(dir, 'backup.ini'), `[db_vms]\n${HOST}\n\n[db_vms:vars]\nopenstack_cloud=lab\n`);
  direct = await openDirect('lab');
  const found = (await direct.call('GET', `${direct.url('volumev3')}/volumes/detail?name=${VOLUME}`)).data.volumes as Array<{ id: string }>;
  for (const v of found) await direct.deleteVolume(v.id);
  // The NFS driver (qcow2 overlays on the cloud host): a real snapshot, taking seconds.
  volumeId = (await direct.createVolume(VOLUME, 'nfs')).id;
}, 600_000);

afterAll(async () => {
  // Never leave the host frozen or the volume behind, whatever failed.
  if (lab) {
    await lab.sh(HOST, 'xfs_freeze -u /mnt/data');
    await lab.close();
  }
  if (direct && volumeId) await direct.deleteVolume(volumeId);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('playbooks/volume-snapshot-backup.yml on compute3 and the lab cloud', () => {
  let predicted: Map<string, { status: string }>;

  it('--check predicts the snapshot and changes nothing: no snapshot, nothing frozen or locked', async () => {
    const r = runSync(join(dir, 'check.log'), '--check', '--diff');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/compute3\s+: ok=7\s+changed=1 /);
    expect(r.stdout).toContain('+name: snap-vol-');
    expect(await direct.snapshots(volumeId)).toEqual([]);
    await expectReleased('after-check');
    predicted = r.tasks;
  });

  it('the real run: writes started during the snapshot wait for the thaw and the unlock, then go through', async () => {
    // Baseline: unlocked and thawed, the same writes take milliseconds.
    const base = [armedWrite(TABLE_WRITE('baseline')), armedWrite(FILE_WRITE('baseline'))];
    await sleep(1500);
    base.forEach((w) => w.go());
    for (const w of await Promise.all(base.map((w) => w.done))) expect(w.end - w.start, w.out).toBeLessThan(1000);

    const table = armedWrite(TABLE_WRITE('during-snapshot'));
    const file = armedWrite(FILE_WRITE('during-snapshot'));
    const log = join(dir, 'real.log');
    const run = runLive(log);
    await waitFor(() => run.out().includes(`TASK [${SNAPSHOT_TASK}]`), 120_000, 'the snapshot task');
    table.go();
    file.go();
    expect(await run.exited, run.out()).toBe(0);
    const [t, f] = await Promise.all([table.done, file.done]);
    const tasks = taskLog(log);
    const snap = tasks.get(SNAPSHOT_TASK)!;
    const thaw = tasks.get(THAW_TASK)!;
    const unlock = tasks.get(UNLOCK_TASK)!;
    const times = { snapshot: [snap.start, snap.end], thaw: [thaw.start, thaw.end], unlock: [unlock.start, unlock.end], fileWrite: [f.start, f.end], tableWrite: [t.start, t.end] };
    console.log(`measured (epoch ms): ${JSON.stringify(times)}; file write blocked ${f.end - f.start} ms, table write blocked ${t.end - t.start} ms, snapshot task ${snap.end - snap.start} ms`);
    expect(t.rc, t.out).toBe(0);
    expect(f.rc, f.out).toBe(0);
    // Both writes started while the snapshot task ran...
    expect(f.start).toBeGreaterThanOrEqual(snap.start);
    expect(f.start).toBeLessThan(snap.end);
    expect(t.start).toBeGreaterThanOrEqual(snap.start);
    expect(t.start).toBeLessThan(snap.end);
    // ...and completed only once the thaw task (file) and the unlock task (table) had started.
    expect(f.end).toBeGreaterThanOrEqual(thaw.start);
    expect(t.end).toBeGreaterThanOrEqual(unlock.start);
    expect(f.end - f.start).toBeGreaterThan(200);
    expect(t.end - t.start).toBeGreaterThan(200);
    expect(await lab.out(HOST, `cat /mnt/data/during-snapshot; mysql -N -e "SELECT COUNT(*) FROM app.t WHERE v='during-snapshot'"`)).toBe('during-snapshot\n1\n');
    await expectReleased('after-real');

    const snaps = await direct.snapshots(volumeId);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ name: expect.stringMatching(/^snap-vol-\d{4}-\d{2}-\d{2}$/), status: 'available', metadata: { tsplay_series: SERIES } });
    expect(snaps[0].description).toBe('tables locked, /mnt/data frozen on compute3');
    // --check predicted every task as it ran.
    expect([...tasks].map(([k, v]) => `${k}: ${v.status}`)).toEqual([...predicted].map(([k, v]) => `${k}: ${v.status}`));
    expect(run.out()).toMatch(/compute3\s+: ok=7\s+changed=1 /);
  });

  it('a second run the same day finds the snapshot: changed=0, no lock, no freeze; --check agrees', async () => {
    for (const extra of [[], ['--check']]) {
      const r = runSync(join(dir, `second${extra.length}.log`), ...extra);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/compute3\s+: ok=2\s+changed=0 .*skipped=5 /);
      for (const task of [LOCK_TASK, SNAPSHOT_TASK, THAW_TASK, UNLOCK_TASK]) expect(r.tasks.get(task)?.status).toBe('skipped');
    }
    expect(await direct.snapshots(volumeId)).toHaveLength(1);
  });

  it.each([
    ['unknown volume', ['-e', 'data_volume=tsplay-no-such-volume'], /volume 'tsplay-no-such-volume' not found/],
    ['unreachable cloud (auth_url on a lab address where nothing listens)', ['-e', '{"openstack_auth": {"auth_url": "http://198.18.0.14:5999/v3"}}'], /OpenStack API not reachable: connection refused by 198\.18\.0\.14:5999/],
  ])('%s: the snapshot fails with the lock and freeze held; always: thaws and unlocks; exit 2', async (_what, extra, message) => {
    // The check before the lock already catches both: nothing is locked or frozen then.
    const early = runSync(join(dir, 'early.log'), '-e', 'snapshot_name=tsplay-it-fail', ...extra);
    expect(early.code, early.stdout).toBe(2);
    expect(early.stdout).toMatch(message);
    expect(early.tasks.get(LOCK_TASK)).toBeUndefined();
    // Started at the lock (what --start-at-task is for), the snapshot task itself fails.
    const table = armedWrite(TABLE_WRITE('during-failure'));
    const log = join(dir, 'fail.log');
    const run = runLive(log, '--start-at-task', LOCK_TASK, '-e', 'snapshot_name=tsplay-it-fail', ...extra);
    await waitFor(() => run.out().includes(`TASK [${SNAPSHOT_TASK}]`), 120_000, 'the snapshot task');
    table.go();
    expect(await run.exited, run.out()).toBe(2);
    const tasks = taskLog(log);
    expect(tasks.get(LOCK_TASK)?.status).toBe('ok');
    expect(tasks.get(SNAPSHOT_TASK)?.status).toBe('failed');
    expect(tasks.get(THAW_TASK)?.status).toBe('ok');
    expect(tasks.get(UNLOCK_TASK)?.status).toBe('ok');
    expect(run.out()).toMatch(message);
    expect(run.out()).toMatch(/compute3\s+: ok=\d+\s+changed=0 .*failed=1 /);
    const t = await table.done;
    expect(t.rc, t.out).toBe(0);
    expect(t.end).toBeGreaterThanOrEqual(tasks.get(UNLOCK_TASK)!.start);
    await expectReleased(`after-fail-${extra.length}-${Date.now()}`);
    expect((await direct.snapshots(volumeId)).map((s) => s.name)).not.toContain('tsplay-it-fail');
  });

  it('Ctrl-C during the snapshot: the run stops, always: thaws and unlocks, exit 99', async () => {
    const file = armedWrite(FILE_WRITE('during-sigint'));
    const log = join(dir, 'sigint.log');
    const run = runLive(log, '-e', 'snapshot_name=tsplay-it-sigint');
    await waitFor(() => run.out().includes(`TASK [${SNAPSHOT_TASK}]`), 120_000, 'the snapshot task');
    file.go();
    await sleep(1000); // well inside the snapshot task (seconds with the NFS driver)
    run.child.kill('SIGINT');
    expect(await run.exited, run.out()).toBe(99);
    const tasks = taskLog(log);
    expect(tasks.get(SNAPSHOT_TASK)?.status).toBe('failed');
    expect(run.out()).toMatch(/fatal: \[compute3\]: FAILED! => \{"changed": false, "failed": true, "interrupted": true, "msg": "cinder_snapshot: interrupted/);
    expect(run.out()).toMatch(/INTERRUPTED by SIGINT/);
    expect(tasks.get(THAW_TASK)?.status).toBe('ok');
    expect(tasks.get(UNLOCK_TASK)?.status).toBe('ok');
    const f = await file.done;
    expect(f.rc, f.out).toBe(0);
    expect(f.end).toBeGreaterThanOrEqual(tasks.get(THAW_TASK)!.start);
    await expectReleased('after-sigint');
    // Cinder may have made the snapshot before the interrupt reached the wait: it is a
    // complete one (taken while frozen). Remove it so the rotation below counts from one.
    for (const s of await direct.snapshots(volumeId)) {
      if (s.name === 'tsplay-it-sigint') {
        await direct.waitSnapshot(s.id, ['available', 'error']);
        await direct.call('DELETE', `${direct.url('volumev3')}/snapshots/${s.id}`);
        await direct.waitSnapshot(s.id, []);
      }
    }
  });

  it('keep: 7: older snapshots of the series are deleted oldest first, others left alone (Cinder API)', async () => {
    // Earlier nights, as this playbook made them (the series metadata), one second apart
    // (Cinder's created_at has whole seconds), plus one made by hand.
    const cinder = direct.url('volumev3');
    const make = async (name: string, metadata: Record<string, string>) => {
      const r = await direct.call('POST', `${cinder}/snapshots`, { snapshot: { volume_id: volumeId, name, metadata } });
      await sleep(1100);
      return String(r.data.snapshot.id);
    };
    const made = [await make('by-hand', {})];
    for (let i = 1; i <= 6; i++) made.push(await make(`night-${i}`, { tsplay_series: SERIES }));
    for (const id of made) await direct.waitSnapshot(id, ['available']);
    const before = (await snapshotsOfSeries()).map((s) => s.name).sort();
    expect(before).toHaveLength(7); // today's + night-1..6

    const check = runSync(join(dir, 'rot-check.log'), '--check', '-e', 'snapshot_name=night-7');
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/compute3\s+: ok=7\s+changed=1 /);
    expect((await snapshotsOfSeries()).map((s) => s.name).sort()).toEqual(before);

    for (const n of [7, 8]) {
      const r = runSync(join(dir, `rot-${n}.log`), '-e', `snapshot_name=night-${n}`);
      expect(r.code, r.stdout).toBe(0);
      const series = (await snapshotsOfSeries()).sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
      expect(series).toHaveLength(7);
      expect(series.at(-1)!.name).toBe(`night-${n}`);
      await sleep(1100);
    }
    const names = (await snapshotsOfSeries()).map((s) => s.name).sort();
    // The oldest two of the series went: today's first snapshot (made before night-1) and night-1.
    expect(names).toEqual(['night-2', 'night-3', 'night-4', 'night-5', 'night-6', 'night-7', 'night-8']);
    expect((await direct.snapshots(volumeId)).map((s) => s.name)).toContain('by-hand');
  });
});
