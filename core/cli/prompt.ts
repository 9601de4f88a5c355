/** Password prompts (-K, -k, vault passwords): read from the terminal without echo. */
import { CliError } from './errors.js';
import { EXIT } from './main.js';

/** `instead` says what to do when there is no terminal to ask on. */
export async function promptSecret(
  label: string,
  instead = 'set the password in the inventory (ansible_become_password / ansible_password) instead',
): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new CliError(`${label} needs a terminal; ${instead}`, EXIT.BAD_OPTIONS);
  process.stderr.write(`${label}: `);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          cleanup();
          process.stderr.write('\n');
          return reject(new CliError('interrupted', EXIT.ERROR));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}
