/**
 * `pause`: wait a while, or for the operator to press Enter (with a prompt), as Ansible's
 * pause does. Runs in the controller. When stdin is not a terminal, a prompt is not waited
 * for (Ansible's "Not waiting for response to prompt as stdin is not interactive"). Ansible
 * pauses once for all hosts of a task: hosts that reach the same pause while it is running
 * share it (one wait, one prompt, the same answer).
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';

interface PauseArgs {
  minutes?: number;
  seconds?: number;
  prompt?: string;
  echo: boolean;
}

const inFlight = new Map<string, Promise<ModuleResult>>();

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One line from the terminal; with echo off, typed characters are not shown. */
function readLine(echo: boolean, signal: AbortSignal): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let input = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error) => {
      stdin.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(input);
    };
    const onAbort = () => done(signal.reason as Error);
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('user requested abort!'));
        if (ch === '\u007f' || ch === '\b') {
          if (input) {
            input = input.slice(0, -1);
            if (echo) process.stdout.write('\b \b');
          }
          continue;
        }
        input += ch;
        if (echo) process.stdout.write(ch);
      }
    };
    stdin.on('data', onData);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function pause(ctx: ModuleContext<PauseArgs>): Promise<ModuleResult> {
  const a = ctx.args;
  const hidden = a.echo ? '' : ' (output is hidden)';
  const unit = a.minutes !== undefined ? 'minutes' : 'seconds';
  const seconds = a.minutes !== undefined ? Math.max(1, Math.trunc(a.minutes * 60)) : a.seconds !== undefined ? Math.max(1, Math.trunc(a.seconds)) : undefined;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const started = Date.now();
  const start = new Date().toISOString();
  let userInput = '';
  const warnings: string[] = [];
  if (seconds !== undefined) {
    if (interactive) process.stdout.write(`Pausing for ${seconds} seconds${hidden}\n${a.prompt ? `${a.prompt}${hidden}:\n` : ''}`);
    await sleep(seconds * 1000, ctx.signal);
  } else if (interactive) {
    process.stdout.write(`${a.prompt ?? 'Press enter to continue, Ctrl+C to interrupt'}${hidden}:\n`);
    userInput = await readLine(a.echo, ctx.signal);
  } else {
    warnings.push('Not waiting for response to prompt as stdin is not interactive');
  }
  const elapsed = (Date.now() - started) / 1000;
  const duration = unit === 'minutes' ? Math.round((elapsed / 60) * 100) / 100 : Math.round(elapsed * 100) / 100;
  return {
    changed: false,
    rc: 0,
    stderr: '',
    stdout: `Paused for ${duration} ${unit}`,
    start,
    stop: new Date().toISOString(),
    delta: Math.trunc(elapsed),
    echo: a.echo,
    user_input: userInput,
    ...(warnings.length ? { warnings } : {}),
  };
}

export default defineModule<PauseArgs>({
  name: 'pause',
  controllerOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minutes: { type: 'number', minimum: 0, description: 'How long to pause, in minutes.' },
      seconds: { type: 'number', minimum: 0, description: 'How long to pause, in seconds (at least 1).' },
      prompt: { type: 'string', description: 'Text shown to the operator; without minutes/seconds, the pause lasts until Enter.' },
      echo: { type: 'boolean', default: true, description: 'Show what the operator types.' },
    },
  },
  docs: {
    short: 'Pause for a while, or until the operator presses Enter',
    description: [
      "Ansible's pause: `seconds`/`minutes` wait that long; `prompt` alone waits for Enter and returns what was",
      'typed in `user_input`. It runs in the controller. When stdin is not a terminal (CI, a pipe), a prompt is',
      'not waited for and a warning says so, as in Ansible; a timed pause still waits. All hosts of a task share',
      'one pause, as in Ansible. Ctrl+C during a prompt aborts; a task timeout or interrupt ends the wait.',
    ].join('\n'),
    examples: [
      '- name: Let the cluster settle',
      '  pause:',
      '    seconds: 30',
      '',
      '- name: Ask before the destructive part',
      '  pause:',
      '    prompt: Databases will be dropped. Press Enter to continue, Ctrl+C to stop',
      '',
      '- name: Read a one-time code without showing it',
      '  pause:',
      '    prompt: Enter the code from the token',
      '    echo: false',
      '  register: code',
    ].join('\n'),
    returns: {
      user_input: 'What the operator typed (empty for a timed pause or without a terminal).',
      stdout: "'Paused for N seconds' (or minutes).",
      start: 'When the pause began.',
      stop: 'When it ended.',
      delta: 'Whole seconds paused.',
      echo: 'The echo argument.',
    },
    notes: ["Ansible's Ctrl+C then 'C' (continue early) during a timed pause is not available: Ctrl+C interrupts the run."],
  },
  async run(ctx) {
    const a = ctx.args;
    if (a.minutes !== undefined && a.seconds !== undefined) ctx.fail('parameters are mutually exclusive: minutes|seconds');
    // Hosts that reach the same pause while it runs share it (Ansible pauses once per task).
    const key = JSON.stringify(a);
    let shared = inFlight.get(key);
    if (!shared) {
      shared = pause(ctx).finally(() => inFlight.delete(key));
      inFlight.set(key, shared);
    }
    return { ...(await shared) };
  },
});
