/**
 * Counting the commands a module sends to the host (round trips), for the tests of the
 * modules added for issue 15: one read, at most one write.
 */
import type { ModuleDefinition } from '../../../core/modules/api.js';
import { LocalTransport } from '../../../core/transport/local.js';
import type { ExecOptions } from '../../../core/transport/transport.js';
import type { RunModuleOptions } from '../../../core/testing/index.js';
import { run } from './general-helpers.js';

export class CountingTransport extends LocalTransport {
  count = 0;
  constructor() {
    super('localhost');
  }
  override exec(command: string, options?: ExecOptions) {
    this.count++;
    return super.exec(command, options);
  }
}

/** Commands of a first and a second run with the same arguments (no --diff). */
export async function tripsOf(module: ModuleDefinition<any>, args: Record<string, unknown>, o: RunModuleOptions = {}): Promise<[number, number]> {
  const counts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const transport = new CountingTransport();
    const r = await run(module, args, { transport, diff: false, ...o });
    if (r.failed) throw new Error(`${module.name} failed: ${String(r.msg)}`);
    counts.push(transport.count);
  }
  return counts as [number, number];
}
