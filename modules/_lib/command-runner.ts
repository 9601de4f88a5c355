/**
 * What `command` and `shell` share: `chdir`, the `creates`/`removes` guards, stdin, check
 * mode, and Ansible's result keys (rc, stdout(_lines), stderr(_lines), cmd, start, end,
 * delta). The guards and the command go to the host in ONE script: a guard that holds
 * prints a marker carrying a random nonce and exits, so the command's own output can never
 * be mistaken for it.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { JsonSchema, ModuleContext, ModuleResult } from '../../core/modules/api.js';
import { quote } from '../../core/transport/shell-quote.js';
import { predictedExistence } from './path-state.js';

export interface GuardArgs {
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline: boolean;
  strip_empty_ends: boolean;
}

export const guardSchema: Record<string, JsonSchema> = {
  chdir: { type: 'string', description: 'Change into this directory before running the command.' },
  creates: { type: 'string', description: 'A path or glob; when it exists, the command is not run (and the task is ok).' },
  removes: { type: 'string', description: 'A path or glob; when it does NOT exist, the command is not run.' },
  stdin: { type: 'string', description: "Text fed to the command's standard input." },
  stdin_add_newline: { type: 'boolean', default: true, description: 'Append a newline to stdin.' },
  strip_empty_ends: { type: 'boolean', default: true, description: 'Strip trailing newlines from stdout and stderr.' },
};

/**
 * Quote a path or glob for the shell: `*` and `?` and simple bracket sets stay active,
 * everything else (spaces, `$`, `;`, quotes...) is literal. A leading `~/` is the user's home.
 */
export function globWord(pattern: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal) out += quote(literal);
    literal = '';
  };
  let rest = pattern;
  if (rest === '~' || rest.startsWith('~/')) {
    out += '"$HOME"';
    rest = rest.slice(1);
  }
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '*' || c === '?') {
      flush();
      out += c;
      continue;
    }
    if (c === '[') {
      const m = /^\[!?[\w.-]+\]/.exec(rest.slice(i));
      if (m) {
        flush();
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
    }
    literal += c;
  }
  flush();
  return out || "''";
}

/** A `chdir` path: literal except a leading `~/`. */
function pathWord(path: string): string {
  if (path === '~' || path.startsWith('~/')) return `"$HOME"${path.length > 1 ? quote(path.slice(1)) : ''}`;
  return quote(path);
}

type Outcome = { kind: 'ran' } | { kind: 'chdir' } | { kind: 'creates'; match: string } | { kind: 'removes' } | { kind: 'would-run' };

/**
 * The guard script (pure; unit-tested). `command` is the already quoted command to exec;
 * `prelude`, shell lines that run after the guards and just before it (command's argument
 * expansion, which sets "$@").
 */
export function guardScript(nonce: string, command: string, g: Pick<GuardArgs, 'chdir' | 'creates' | 'removes'>, check: boolean, prelude?: string): string {
  const lines: string[] = [];
  if (g.chdir) lines.push(`cd -- ${pathWord(g.chdir)} || { printf '%s' ${quote(`${nonce}:chdir`)}; exit 0; }`);
  if (g.creates) {
    lines.push(`set -- ${globWord(g.creates)}`, `if [ -e "$1" ] || [ -L "$1" ]; then printf '%s%s' ${quote(`${nonce}:creates:`)} "$1"; exit 0; fi`);
  }
  if (g.removes) {
    lines.push(`set -- ${globWord(g.removes)}`, `if [ ! -e "$1" ] && [ ! -L "$1" ]; then printf '%s' ${quote(`${nonce}:removes`)}; exit 0; fi`);
  }
  if (check) lines.push(`printf '%s' ${quote(`${nonce}:would-run`)}`);
  else lines.push(...(prelude ? [prelude] : []), `exec ${command}`);
  return lines.join('\n');
}

function outcomeOf(nonce: string, stdout: string): Outcome {
  if (!stdout.startsWith(`${nonce}:`)) return { kind: 'ran' };
  const rest = stdout.slice(nonce.length + 1);
  if (rest === 'chdir') return { kind: 'chdir' };
  if (rest === 'removes') return { kind: 'removes' };
  if (rest === 'would-run') return { kind: 'would-run' };
  if (rest.startsWith('creates:')) return { kind: 'creates', match: rest.slice('creates:'.length) };
  return { kind: 'ran' };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Python's `str(datetime.now())`: '2024-05-01 12:00:00.123000'. */
export function timestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

/** Python's `str(timedelta)`: '0:00:00.002000'. */
export function duration(ms: number): string {
  const total = Math.max(0, ms);
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  return `${h}:${pad(m)}:${pad(s)}.${pad(total % 1000, 3)}000`;
}

function lines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\r?\n$/, '').split(/\r?\n/);
}

/**
 * Check mode: an earlier task of this run may be predicted to create the `creates` path (or
 * remove the `removes` one); then the guard holds in the real run, and must here too.
 * Only literal paths can be looked up this way (globs are evaluated on the host).
 */
/** A guard path relative to `chdir`, as the host would see it. */
function guardPath(a: GuardArgs, p: string): string {
  return p.startsWith('/') || !a.chdir ? p : posix.join(a.chdir, p);
}

/** Only literal paths can be predicted; globs and ~ are evaluated on the host. */
function literal(p: string): boolean {
  return !/[*?[]/.test(p) && !p.startsWith('~');
}

/** ansible-core 2.14's words for a command its creates/removes guard did not run. */
export function skipMessage(check: boolean, guard: 'creates' | 'removes', path: string): string {
  return `${check ? 'Would' : 'Did'} not run command since '${path}' ${guard === 'creates' ? 'exists' : 'does not exist'}`;
}

function predictGuards(ctx: ModuleContext<GuardArgs>): ModuleResult | undefined {
  const a = ctx.args;
  if (!ctx.check) return undefined;
  const resolve = (p: string) => guardPath(a, p);
  if (a.creates && literal(a.creates) && predictedExistence(ctx, resolve(a.creates)) === true) {
    return { changed: false, msg: skipMessage(true, 'creates', a.creates), stdout: `skipped, since ${a.creates} exists`, stdout_lines: [`skipped, since ${a.creates} exists`], rc: 0 };
  }
  if (a.removes && literal(a.removes) && predictedExistence(ctx, resolve(a.removes)) === false) {
    return { changed: false, msg: skipMessage(true, 'removes', a.removes), stdout: `skipped, since ${a.removes} does not exist`, stdout_lines: [`skipped, since ${a.removes} does not exist`], rc: 0 };
  }
  return undefined;
}

export interface CommandSpec {
  /** The quoted command the script will `exec`. */
  command: string;
  /** What Ansible reports as `cmd` (argv list for command, the string for shell). */
  display: string | string[];
  /** First word, for "command not found" messages. */
  program?: string;
  /** Shell lines run right before `exec command` (not in check mode); see guardScript. */
  prelude?: string;
}

/**
 * The keys Ansible's command module always returns, for a command that did not run (check
 * mode): later tasks read `r.stdout`, `r.rc`... of a dry run as they would of a real one.
 */
const notRun = () => ({ stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], rc: 0, start: null, end: null, delta: null });

/** Run a command with the guards; returns Ansible's result or fails the task. */
export async function runGuarded(ctx: ModuleContext<GuardArgs>, spec: CommandSpec): Promise<ModuleResult> {
  const a = ctx.args;
  const guarded = Boolean(a.creates || a.removes);
  if (ctx.check && !guarded) {
    return { ...notRun(), changed: false, skipped: true, msg: 'Command would have run if not in check mode', cmd: spec.display };
  }
  const predicted = predictGuards(ctx);
  if (predicted) return { ...notRun(), ...predicted, cmd: spec.display };
  const nonce = `tsplay-${randomBytes(12).toString('hex')}`;
  const script = guardScript(nonce, spec.command, a, ctx.check, spec.prelude);
  const stdin = a.stdin !== undefined ? a.stdin + (a.stdin_add_newline ? '\n' : '') : undefined;
  const started = new Date();
  const res = await ctx.run(script, { ...(stdin !== undefined ? { stdin } : {}), stream: { hideIfStartsWith: nonce } });
  const ended = new Date();
  const outcome = outcomeOf(nonce, res.stdout);
  const timing = { start: timestamp(started), end: timestamp(ended), delta: duration(ended.getTime() - started.getTime()) };
  switch (outcome.kind) {
    case 'chdir':
      return ctx.fail(`Unable to change directory before execution: ${res.stderr.trim() || a.chdir}`, { cmd: spec.display, rc: 1 });
    case 'creates':
      return {
        changed: false,
        msg: skipMessage(ctx.check, 'creates', a.creates!),
        stdout: `skipped, since ${a.creates} exists`,
        stdout_lines: [`skipped, since ${a.creates} exists`],
        stderr: '',
        stderr_lines: [],
        rc: 0,
        cmd: spec.display,
      };
    case 'removes':
      return {
        changed: false,
        msg: skipMessage(ctx.check, 'removes', a.removes!),
        stdout: `skipped, since ${a.removes} does not exist`,
        stdout_lines: [`skipped, since ${a.removes} does not exist`],
        stderr: '',
        stderr_lines: [],
        rc: 0,
        cmd: spec.display,
      };
    case 'would-run': {
      // The guard names what the command makes or removes: later tasks of this dry run
      // must see that (packstack --gen-answer-file creates the file ini_set then edits).
      if (a.creates && literal(a.creates)) ctx.predicted.setFile(guardPath(a, a.creates), 'exists');
      if (a.removes && literal(a.removes)) ctx.predicted.setFile(guardPath(a, a.removes), 'absent');
      return { ...notRun(), changed: true, msg: 'Command would have run if not in check mode', cmd: spec.display };
    }
    case 'ran':
      break;
  }
  const strip = (s: string) => (a.strip_empty_ends ? s.replace(/[\r\n]+$/, '') : s);
  const stdout = strip(res.stdout);
  const stderr = strip(res.stderr);
  const result: ModuleResult = {
    changed: true,
    rc: res.rc,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    cmd: spec.display,
    ...timing,
    msg: '',
  };
  if (res.rc !== 0) {
    const notFound = res.rc === 127 && spec.program && /not found|No such file/.test(res.stderr);
    return ctx.fail(notFound ? `command not found on ${ctx.host.name}: ${spec.program}` : 'non-zero return code', result);
  }
  return result;
}
