/**
 * What an operator sees while a long run works and when it ends, beyond ansible-playbook's
 * output (which stays as it is):
 * - on a terminal, a status line under the output: the task, the hosts still running it and
 *   for how long (packstack runs for many minutes, and otherwise nothing moves);
 * - without a terminal (CI logs), a heartbeat line every 30 s naming the hosts that have
 *   been running the current task for 30 s or more;
 * - after the recap, the hosts that failed and why (task, file:line, first line of the
 *   message), and, for runs of 30 s or more or with -v, the slowest tasks (profile_tasks).
 */
import type { RunEvents, TaskInfo } from '../executor/events.js';
import type { RecapStats } from '../executor/stats.js';
import type { TaskResult } from '../executor/task-result.js';
import type { SecretRegistry } from '../log/redact.js';
import { banner } from './format.js';

export interface ProgressOptions {
  /** The same stream the printer writes to. */
  write(text: string): void;
  /** A terminal: draw the status line; otherwise heartbeat lines. */
  tty: boolean;
  /** Terminal width for the status line. */
  columns?: () => number;
  verbosity: number;
  secrets: SecretRegistry;
  now?: () => number;
  heartbeatMs?: number;
  statusMs?: number;
  /** Runs at least this long list their slowest tasks (-v: always). */
  summaryAfterMs?: number;
}

interface TaskTiming {
  name: string;
  where: string;
  started: number;
  ended: number;
}

interface Failure {
  host: string;
  task: string;
  where: string;
  msg: string;
}

export interface Progress {
  events: RunEvents;
  /** Write printer output through this: it keeps the status line below the text. */
  write(text: string): void;
  stop(): void;
}

const fmtDuration = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

const firstLine = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v)).split('\n')[0]!.slice(0, 200);

export function progressReporter(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const runStarted = now();
  const running = new Map<string, number>();
  let current: { info: TaskInfo; timing: TaskTiming } | undefined;
  const timings: TaskTiming[] = [];
  const failures: Failure[] = [];
  let status = '';
  let timer: NodeJS.Timeout | undefined;
  let lastHeartbeat = now();

  const statusText = (): string => {
    if (!current || running.size === 0) return '';
    const t = now();
    const hosts = [...running].sort((a, b) => a[1] - b[1]);
    const shown = hosts.slice(0, 4).map(([h, s]) => `${h} ${fmtDuration(t - s)}`);
    const more = hosts.length > shown.length ? ` +${hosts.length - shown.length} more` : '';
    const text = `  ... ${current.info.name} ${fmtDuration(t - current.timing.started)}: running on ${shown.join(', ')}${more}`;
    const width = Math.max(20, (o.columns?.() ?? 80) - 1);
    return o.secrets.maskString(text.length > width ? `${text.slice(0, width - 1)}…` : text);
  };
  const clear = () => {
    if (status) o.write('\r\x1b[2K');
    status = '';
  };
  const draw = () => {
    if (!o.tty) return;
    clear();
    status = statusText();
    if (status) o.write(status);
  };
  const heartbeat = () => {
    const t = now();
    if (!current || t - lastHeartbeat < (o.heartbeatMs ?? 30_000)) return;
    lastHeartbeat = t;
    const long = [...running].filter(([, s]) => t - s >= (o.heartbeatMs ?? 30_000));
    if (!long.length) return;
    const list = long.slice(0, 10).map(([h, s]) => `${h} (${fmtDuration(t - s)})`).join(', ');
    o.write(o.secrets.maskString(`[still running] ${current.info.name}: ${list}${long.length > 10 ? ` and ${long.length - 10} more` : ''}\n`));
  };
  const tick = () => (o.tty ? draw() : heartbeat());
  const ensureTimer = () => {
    if (timer) return;
    timer = setInterval(tick, o.tty ? (o.statusMs ?? 1000) : 1000);
    timer.unref();
  };
  const closeTask = () => {
    if (current) {
      current.timing.ended = Math.max(current.timing.ended, current.timing.started);
      timings.push(current.timing);
    }
    current = undefined;
    running.clear();
  };

  const events: RunEvents = {
    taskStart(task) {
      closeTask();
      const t = now();
      current = { info: task, timing: { name: task.name, where: `${task.loc.file}:${task.loc.line}`, started: t, ended: t } };
      lastHeartbeat = t;
      ensureTimer();
    },
    hostTaskStart(host) {
      running.set(host, now());
    },
    hostResult(host, task, r: TaskResult, extra) {
      running.delete(host);
      if (current) current.timing.ended = now();
      if ((r.failed && !extra.ignored) || r.unreachable) {
        failures.push({ host, task: task.name, where: `${task.loc.file}:${task.loc.line}`, msg: task.noLog ? '(output hidden by no_log)' : firstLine(r.msg) });
      }
      if (o.tty) draw();
    },
    recap(stats: RecapStats) {
      closeTask();
      stop();
      const lines: string[] = [];
      // A rescued host is not a failed one in the recap; list only hosts that still count as failed.
      const stillFailed = failures.filter((f) => {
        const s = stats.hosts.get(f.host);
        return !s || s.failed > 0 || s.unreachable > 0;
      });
      if (stillFailed.length) {
        lines.push(banner('FAILED HOSTS'));
        for (const f of stillFailed.slice(0, 20)) lines.push(`${f.host}: ${f.task} (${f.where}): ${f.msg}`);
        if (stillFailed.length > 20) lines.push(`... and ${stillFailed.length - 20} more failures`);
        lines.push('');
      }
      const total = now() - runStarted;
      if (timings.length && (o.verbosity > 0 || total >= (o.summaryAfterMs ?? 30_000))) {
        lines.push(banner(`SLOWEST TASKS (run ${(total / 1000).toFixed(2)}s)`));
        const slow = [...timings].sort((a, b) => b.ended - b.started - (a.ended - a.started)).slice(0, 10);
        for (const t of slow) {
          const secs = `${((t.ended - t.started) / 1000).toFixed(2)}s`;
          const label = `${t.name} (${t.where}) `;
          lines.push(`${label}${'-'.repeat(Math.max(3, 72 - label.length - secs.length))} ${secs}`);
        }
        lines.push('');
      }
      if (lines.length) o.write(o.secrets.maskString(`${lines.join('\n')}\n`));
    },
  };

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
    clear();
  }

  return {
    events,
    write(text: string) {
      if (!o.tty || !status) {
        o.write(text);
        return;
      }
      clear();
      o.write(text);
      draw();
    },
    stop,
  };
}
