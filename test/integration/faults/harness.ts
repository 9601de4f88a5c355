/**
 * The fault-injection suite's tools: a real `tsplay run` (the compiled CLI) on two lab
 * hosts, one of them the victim of a fault; the faults themselves, each with the action
 * that undoes it; and the checks on the victim that do not trust tsplay (the file's
 * checksum, temp files on disk, marked processes in /proc).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../modules-lab.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where every scenario writes on both hosts; `FULL` is the victim's tiny tmpfs in the disk-full case. */
export const DIR = '/srv/faults';
export const FULL = '/srv/faults-full';
/** The victim's long command: a unique argv to find it in `ps`. */
export const NAP = 47;

export interface Run {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  exited: Promise<number>;
}

/** Start `tsplay run` (bin/tsplay.js runs dist/, so `npm run build` first). */
export function startRun(playbook: string, inventory: string): Run {
  const child = spawn(process.execPath, [join(repo, 'bin/tsplay.js'), 'run', playbook, '-i', inventory], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (out += b));
  const exited = new Promise<number>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : -2))));
  return { child, stdout: () => out, exited };
}

/** Wait until `test` holds (polled), or fail naming `what`. */
export async function until(what: string, test: () => Promise<boolean> | boolean, ms = 20_000, every = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/**
 * The two-host inventory: the lab's connection settings, plus keepalives that notice a
 * silent server within ~3 s (ServerAliveInterval 1 x CountMax 2) and a short connect
 * timeout, as a run that must not hang on a dead host is configured.
 */
export function writeInventory(lab: Lab, dir: string, victim: string, bystander: string): string {
  const v = lab.inventory.varsFor(victim);
  const line = (host: string, nap: number) => `${host} ansible_host=${String(lab.inventory.varsFor(host).ansible_host)} nap=${nap}`;
  const file = join(dir, 'hosts.ini');
  writeFileSync(
    file,
    `${line(victim, NAP)}\n${line(bystander, 1)}\n[all:vars]\nansible_user=root\n` +
      `ansible_ssh_private_key_file=${String(v.ansible_ssh_private_key_file)}\n` +
      `ansible_ssh_common_args="${String(v.ansible_ssh_common_args)} -o ServerAliveInterval=1 -o ServerAliveCountMax=2 -o ConnectTimeout=3"\n`,
  );
  return file;
}

/** What the faulted task does: write a large file, or run a long command. */
export type Work = 'copy' | 'sleep';

/**
 * Both hosts run the same two tasks. The first is the one the fault hits on the victim
 * (the bystander gets through it quickly: its link is not throttled, its nap is 1 s). The
 * second starts only after the first ended on every host (linear strategy), so the
 * bystander finishing it proves it carried on after the victim's fault.
 */
export function writePlaybook(dir: string, name: string, work: Work, src: string, dest: string, hosts = 'all'): string {
  const task =
    work === 'copy'
      ? `copy:\n        src: ${src}\n        dest: ${dest}`
      : // touch after the nap: a command the fault did not really stop would leave `late`.
        `shell: "sleep {{ nap }}; touch ${DIR}/late"`;
  const file = join(dir, `${name}.yml`);
  writeFileSync(
    file,
    `- hosts: ${hosts}
  gather_facts: false
  tasks:
    - name: faulted
      ${task}
    - name: after the fault
      shell: "touch ${DIR}/after"
`,
  );
  return file;
}

export interface RecapLine {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** The PLAY RECAP line of `host`. */
export function recapOf(stdout: string, host: string): RecapLine | undefined {
  const m = new RegExp(`^${host}\\s+: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)`, 'm').exec(stdout);
  if (!m) return undefined;
  return { ok: Number(m[1]), changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) };
}

/**
 * Shell that lists the pids of every sshd session process except the ones serving this
 * very command (its ancestors): the sessions tsplay opened. The listener is not a session.
 */
const OTHER_SSHD_SESSIONS = [
  'mine=" "; p=$$; while [ "$p" -gt 1 ]; do mine="$mine$p "; p=$(ps -o ppid= -p "$p" | tr -d " "); done',
  'for pid in $(pgrep -f "^sshd: [^ ]+@"); do case "$mine" in *" $pid "*) ;; *) echo "$pid";; esac; done',
].join('\n');

/** Send `signal` to tsplay's sshd sessions on `host` (not ours); returns the pids hit. */
export async function signalSshdSessions(lab: Lab, host: string, signal: 'KILL' | 'STOP' | 'CONT'): Promise<string[]> {
  const out = await lab.out(host, `pids=$(${OTHER_SSHD_SESSIONS}); [ -n "$pids" ] && kill -${signal} $pids; echo $pids`);
  return out.trim().split(/\s+/).filter(Boolean);
}

/** tsplay's sshd sessions on `host` (every session but the one asking). */
export async function sshdSessions(lab: Lab, host: string): Promise<string[]> {
  return (await lab.out(host, OTHER_SSHD_SESSIONS)).trim().split(/\s+/).filter(Boolean);
}

/** Resume every stopped sshd session on `host` (harmless when none is stopped). */
export async function resumeAllSshd(lab: Lab, host: string): Promise<void> {
  await lab.sh(host, `pkill -CONT -f '^sshd: ' || true`);
}

/**
 * Slow the controller's side of the host's link (the bridge port, egress = traffic to the
 * host) so a copy lasts seconds: long enough to be hit mid-transfer.
 */
export function throttleCommand(host: string, on: boolean, rate = '16mbit'): string[] {
  return on ? ['tc', 'qdisc', 'replace', 'dev', `tsv-${host}`, 'root', 'tbf', 'rate', rate, 'burst', '64kb', 'latency', '200ms'] : ['tc', 'qdisc', 'del', 'dev', `tsv-${host}`, 'root'];
}

/**
 * What the run left on the victim, checked independently of tsplay: the destination's
 * sha1, `.tsplay-tmp.*` files under the test directories, processes still carrying a
 * tsplay command marker (TSPLAY_EXEC_ID in their environment; this check's own marker
 * excepted) and the long command's `sleep`, and whether the late/after files exist.
 */
export async function leftovers(lab: Lab, host: string, dest: string): Promise<{ sha1: string; temps: number; marked: number; sleeps: number; late: boolean; after: boolean }> {
  const out = await lab.out(
    host,
    [
      `echo sha1=$(sha1sum ${dest} 2>/dev/null | cut -d' ' -f1)`,
      `echo temps=$(find ${DIR} ${FULL} -name '.tsplay-tmp.*' 2>/dev/null | wc -l)`,
      `me=$(tr '\\0' '\\n' < /proc/$$/environ | grep '^TSPLAY_EXEC_ID=')`,
      `n=0; for e in /proc/[0-9]*/environ; do m=$(tr '\\0' '\\n' < "$e" 2>/dev/null | grep '^TSPLAY_EXEC_ID=') || continue; [ "$m" = "$me" ] || n=$((n+1)); done; echo marked=$n`,
      `echo sleeps=$(ps -eo args | grep -c '^sleep ${NAP}$')`,
      `echo late=$(test -e ${DIR}/late && echo yes || echo no)`,
      `echo after=$(test -e ${DIR}/after && echo yes || echo no)`,
    ].join('\n'),
  );
  const v = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { sha1: v.sha1 ?? '', temps: Number(v.temps), marked: Number(v.marked), sleeps: Number(v.sleeps), late: v.late === 'yes', after: v.after === 'yes' };
}
