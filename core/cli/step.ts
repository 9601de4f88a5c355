/**
 * --step: before each task, ansible-playbook's question on the terminal. y runs it,
 * c runs it and every later task without asking, anything else (n, Enter) skips it.
 */
import { createInterface } from 'node:readline';
import type { TaskInfo } from '../executor/events.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';

export function terminalStepper(): (task: TaskInfo) => Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('--step asks before each task and needs a terminal on stdin', EXIT.BAD_OPTIONS);
  let asking = true;
  return async (task) => {
    if (!asking) return true;
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((resolve) => rl.question(`Perform task: TASK: ${task.name} (N)o/(y)es/(c)ontinue: `, resolve));
    rl.close();
    const a = answer.trim().toLowerCase();
    if (a === 'c' || a === 'continue') asking = false;
    return a === 'y' || a === 'yes' || a === 'c' || a === 'continue';
  };
}
