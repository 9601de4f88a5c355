/**
 * The default output: what ansible-playbook prints (PLAY/TASK banners, one line per
 * host, diffs under --diff, the PLAY RECAP), with colour only on a TTY.
 */
import type { RunEvents, TaskInfo } from '../executor/events.js';
import type { RecapStats } from '../executor/stats.js';
import type { TaskResult } from '../executor/task-result.js';
import { censorResult } from '../log/redact.js';
import type { SecretRegistry } from '../log/redact.js';
import { banner, colouriser, dumpResult, renderDiff } from './format.js';

export interface PrinterOptions {
  write(text: string): void;
  colour: boolean;
  verbosity: number;
  diff: boolean;
  secrets: SecretRegistry;
}

export function terminalPrinter(o: PrinterOptions): RunEvents {
  const c = colouriser(o.colour);
  const out = (s: string) => o.write(`${o.secrets.maskString(s)}\n`);
  const isDebug = (t: TaskInfo) => t.module === 'debug';

  const view = (task: TaskInfo, r: TaskResult) => (task.noLog ? censorResult(r) : r);
  /**
   * A failed result to print. A module crash carries its stack in `exception` (Ansible's
   * key): printed whole at -vvv, as ansible-playbook does, and otherwise only hinted at.
   */
  const failedView = (task: TaskInfo, r: TaskResult): Record<string, unknown> => {
    if (typeof r.exception !== 'string' || task.noLog) return view(task, r);
    const { exception, ...rest } = r;
    if (o.verbosity >= 3) say(task, `The full traceback is:\n${exception}`);
    else say(task, 'An exception occurred during task execution. To see the full traceback, use -vvv.');
    return rest;
  };
  const hostLabel = (host: string, delegatedTo?: string) => (delegatedTo && delegatedTo !== host ? `[${host} -> ${delegatedTo}]` : `[${host}]`);

  /**
   * The task whose banner was printed last. Under `strategy: free` hosts are at different
   * tasks at once, so a result can arrive after another task's banner; like
   * ansible-playbook's default output, its task's banner is printed again first, so every
   * line stands under the task it belongs to.
   */
  let lastBanner: string | undefined;
  const bannerKey = (task: TaskInfo) => `${task.isHandler ? 'handler' : 'task'} ${task.loc.file}:${task.loc.line}:${task.loc.column} ${task.name}`;
  const printBanner = (task: TaskInfo) => {
    lastBanner = bannerKey(task);
    out('');
    out(c('bold', banner(task.isHandler ? `RUNNING HANDLER [${task.name}]` : `TASK [${task.name}]`)));
  };
  /** A line that belongs to `task`: under its banner. */
  const say = (task: TaskInfo, line: string) => {
    if (bannerKey(task) !== lastBanner) printBanner(task);
    out(line);
  };

  const printDiff = (task: TaskInfo, r: TaskResult) => {
    if (!o.diff || task.noLog) return;
    const text = renderDiff(r.diff);
    if (text) say(task, text);
  };

  return {
    playStart(name) {
      lastBanner = undefined;
      out('');
      out(c('bold', banner(`PLAY [${name}]`)));
    },
    noHostsMatched() {
      out(c('cyan', 'skipping: no hosts matched'));
    },
    taskStart(task) {
      printBanner(task);
    },
    itemResult(host, task, r, label) {
      const item = task.noLog ? 'None' : label;
      printDiff(task, r);
      if (r.failed) {
        say(task, c('red', `failed: [${host}] (item=${item}) => ${dumpResult(failedView(task, r))}`));
      } else if (r.skipped) {
        if (o.verbosity > 0) say(task, c('cyan', `skipping: [${host}] => (item=${item})`));
      } else {
        const word = r.changed ? 'changed' : 'ok';
        const detail = o.verbosity > 0 || isDebug(task) ? ` => ${dumpResult(view(task, isDebug(task) ? (debugView(r) as TaskResult) : r), 4)}` : '';
        say(task, c(r.changed ? 'yellow' : 'green', `${word}: [${host}] => (item=${item})${detail}`));
      }
    },
    hostOutput(host, task, stream, line) {
      // -v: the command's own lines as they arrive, before its result line.
      say(task, stream === 'stderr' ? c('red', `[${host}] stderr| ${line}`) : `[${host}] stdout| ${line}`);
    },
    hostResult(host, task, r, extra) {
      const label = hostLabel(host, extra.delegatedTo);
      if (r.unreachable) {
        say(task, c('red', `fatal: ${label}: UNREACHABLE! => ${dumpResult({ changed: false, msg: r.msg, unreachable: true })}`));
        return;
      }
      if (task.loop && r.results) {
        // Loop: item lines were printed already; a failed loop still gets its summary line.
        if (r.failed) say(task, c('red', `fatal: ${label}: FAILED! => ${dumpResult({ changed: r.changed, msg: r.msg })}`));
        else if (o.verbosity > 0 || !r.skipped) {
          if (r.skipped) say(task, c('cyan', `skipping: ${label}`));
        }
        if (r.failed && extra.ignored) say(task, c('cyan', '...ignoring'));
        return;
      }
      printDiff(task, r);
      if (r.failed) {
        say(task, c('red', `fatal: ${label}: FAILED! => ${dumpResult(failedView(task, r))}`));
        if (extra.ignored) say(task, c('cyan', '...ignoring'));
        return;
      }
      if (r.skipped) {
        say(task, c('cyan', `skipping: ${label}`));
        return;
      }
      const word = r.changed ? 'changed' : 'ok';
      const show = o.verbosity > 0 || isDebug(task);
      const detail = show ? ` => ${dumpResult(view(task, isDebug(task) ? (debugView(r) as TaskResult) : r), 4)}` : '';
      say(task, c(r.changed ? 'yellow' : 'green', `${word}: ${label}${detail}`));
    },
    retry(host, task, attempt, retries) {
      out(c('red', `FAILED - RETRYING: [${host}]: ${task.name} (${retries - attempt + 1} retries left).`));
    },
    included(file, hosts, _task, label) {
      out(c('cyan', `included: ${file} for ${hosts.join(', ')}${label !== undefined ? ` => (item=${label})` : ''}`));
    },
    warning(message) {
      out(c('magenta', `[WARNING]: ${message}`));
    },
    playAborted(reason) {
      out('');
      out(c('red', `NO MORE HOSTS LEFT (${reason}) ${'*'.repeat(20)}`));
    },
    recap(stats: RecapStats) {
      out('');
      out(c('bold', banner('PLAY RECAP')));
      for (const [host, s] of stats.hosts) {
        const colour = s.failed || s.unreachable ? 'red' : s.changed ? 'yellow' : 'green';
        const field = (k: string, v: number, col: Parameters<typeof c>[0]) => (v ? c(col, `${k}=${String(v).padEnd(4)}`) : `${k}=${String(v).padEnd(4)}`);
        out(
          `${c(colour, host.padEnd(26))} : ${[
            field('ok', s.ok, 'green'),
            field('changed', s.changed, 'yellow'),
            field('unreachable', s.unreachable, 'red'),
            field('failed', s.failed, 'red'),
            field('skipped', s.skipped, 'cyan'),
            field('rescued', s.rescued, 'magenta'),
            field('ignored', s.ignored, 'magenta'),
          ].join(' ')}`,
        );
      }
      if (stats.interruptedBy) {
        const hosts = [...stats.interruptedHosts];
        out('');
        out(c('red', `INTERRUPTED by ${stats.interruptedBy}: ${hosts.length ? `the task running on ${hosts.join(', ')} was stopped there` : 'no task was running'}; later tasks did not start (always: sections ran)`));
      }
      out('');
    },
  };
}

/** `debug` shows only what it was asked to show (msg, or the variable). */
function debugView(r: TaskResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // An item's result also carries the loop variable: ansible-playbook shows only what was asked.
  const hidden = ['changed', 'failed', 'skipped', 'ansible_loop_var', ...(typeof r.ansible_loop_var === 'string' ? [r.ansible_loop_var] : [])];
  for (const [k, v] of Object.entries(r)) if (!hidden.includes(k)) out[k] = v;
  return out;
}
