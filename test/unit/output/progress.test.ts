import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../../core/output/progress.js';
import { SecretRegistry } from '../../../core/log/redact.js';
import { RecapStats } from '../../../core/executor/stats.js';
import type { TaskInfo } from '../../../core/executor/events.js';

const task = (name: string, line = 3): TaskInfo => ({ name, loc: { file: 'site.yml', line, column: 7 }, isHandler: false, module: 'command', noLog: false });

function setup(tty: boolean, verbosity = 0) {
  let t = 1_000_000;
  const out: string[] = [];
  const secrets = new SecretRegistry();
  secrets.add('hunter2');
  const p = progressReporter({ write: (s) => out.push(s), tty, verbosity, secrets, now: () => t, columns: () => 100 });
  return { p, out, advance: (ms: number) => { t += ms; vi.advanceTimersByTime(ms); }, text: () => out.join('') };
}

describe('progress: what moves while a long task runs', () => {
  afterEach(() => vi.useRealTimers());

  it('without a terminal: a heartbeat every 30 s names the hosts still running the task and for how long', () => {
    vi.useFakeTimers();
    const { p, advance, text } = setup(false);
    p.events.taskStart!(task('packstack --answer-file'));
    p.events.hostTaskStart!('opctl', task('x'));
    p.events.hostTaskStart!('opnet', task('x'));
    advance(29_000);
    expect(text()).toBe('');
    advance(2_000);
    expect(text()).toBe('[still running] packstack --answer-file: opctl (31s), opnet (31s)\n');
    p.events.hostResult!('opnet', task('x'), { changed: true }, {});
    advance(60_000);
    expect(text().split('\n').filter(Boolean).at(-1)).toBe('[still running] packstack --answer-file: opctl (1m31s)');
    p.stop();
  });

  it('on a terminal: a status line below the output, cleared before each printed line and drawn again', () => {
    vi.useFakeTimers();
    const { p, out, advance } = setup(true);
    p.events.taskStart!(task('yum update'));
    p.events.hostTaskStart!('compute1', task('x'));
    advance(5_000);
    expect(out.at(-1)).toBe('  ... yum update 5s: running on compute1 5s');
    out.length = 0;
    p.write('ok: [opctl]\n');
    expect(out).toEqual(['\r\x1b[2K', 'ok: [opctl]\n', '  ... yum update 5s: running on compute1 5s']);
    p.events.hostResult!('compute1', task('x'), { changed: false }, {});
    expect(out.at(-1)).toBe('\r\x1b[2K');
    p.stop();
  });

  it('after the recap: failed hosts with task, file:line and message (secrets masked); rescued hosts not listed', () => {
    const { p, text } = setup(false);
    p.events.taskStart!(task('connect db', 9));
    p.events.hostResult!('a', task('connect db', 9), { changed: false, failed: true, msg: 'access denied for hunter2\nmore' }, {});
    p.events.hostResult!('b', task('connect db', 9), { changed: false, failed: true, msg: 'later rescued' }, {});
    p.events.hostResult!('c', task('connect db', 9), { changed: false, failed: true, msg: 'ignored' }, { ignored: true });
    const stats = new RecapStats();
    stats.failed('a');
    stats.ok('b');
    p.events.recap!(stats);
    expect(text()).toContain('a: connect db (site.yml:9): access denied for ********');
    expect(text()).not.toContain('later rescued');
    expect(text()).not.toContain('ignored');
    expect(text()).not.toContain('SLOWEST TASKS');
  });

  it('with -v (or a run of 30 s or more): the slowest tasks, longest first', () => {
    vi.useFakeTimers();
    const { p, advance, text } = setup(false, 1);
    for (const [name, ms] of [['fast', 100], ['slow', 5_000], ['medium', 1_000]] as const) {
      p.events.taskStart!(task(name));
      p.events.hostTaskStart!('h', task(name));
      advance(ms);
      p.events.hostResult!('h', task(name), { changed: false }, {});
    }
    p.events.recap!(new RecapStats());
    const lines = text().split('\n').filter((l) => /-{3,} \d/.test(l));
    expect(lines.map((l) => l.split(' (')[0])).toEqual(['slow', 'medium', 'fast']);
    expect(lines[0]).toMatch(/ 5\.00s$/);
  });
});
