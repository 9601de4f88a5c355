/**
 * The reboot module's wait loop against a simulated host: the reboot takes effect a little
 * after the command returns, the host refuses connections for a while, comes back with a new
 * boot id, and passes test_command only on the second try.
 */
import { describe, expect, it } from 'vitest';
import reboot from '../../../modules/reboot.js';
import { runModuleLocally } from '../../../core/testing/index.js';
import { UnreachableError, type ExecResult, type Transport } from '../../../core/transport/transport.js';

const ok = (stdout = ''): ExecResult => ({ rc: 0, stdout, stderr: '', stdoutBuffer: Buffer.from(stdout) });

class SimulatedHost implements Transport {
  readonly host = 'sim';
  bootId = 'boot-1';
  commands: string[] = [];
  connects = 0;
  private stage: 'up' | 'scheduled' | 'down' = 'up';
  private downFor = 0;
  private testFailures = 1;

  constructor(private readonly comesBack = true) {}

  async connect(): Promise<void> {
    this.connects++;
    if (this.stage === 'scheduled') {
      // The first reconnection still reaches the old boot (the reboot has not started yet).
      this.stage = 'down';
      this.downFor = 2;
      return;
    }
    if (this.stage === 'down') {
      if (!this.comesBack || this.downFor-- > 0) throw new UnreachableError(this.host, 'connection refused by sim:22');
      this.stage = 'up';
      this.bootId = 'boot-2';
    }
  }

  async exec(command: string): Promise<ExecResult> {
    this.commands.push(command);
    if (this.stage === 'down' && this.downFor > 0) throw new UnreachableError(this.host, 'connection lost');
    if (command.includes('boot_id')) return ok(`${this.stage === 'down' ? 'boot-1' : this.bootId}\n`);
    if (command.includes('setsid')) {
      this.stage = 'scheduled';
      return ok('started\n');
    }
    if (command === 'whoami') return this.testFailures-- > 0 ? { ...ok(), rc: 1, stderr: 'not yet' } : ok('root\n');
    return ok();
  }

  async close(): Promise<void> {}
}

describe('reboot', () => {
  it('waits through the old boot and the downtime, then for test_command', async () => {
    const host = new SimulatedHost();
    const r = await runModuleLocally(reboot, { reboot_timeout: 60, connect_timeout: 1 }, { transport: host });
    expect(r.failed, r.msg).toBe(false);
    expect(r).toMatchObject({ changed: true, rebooted: true });
    expect(host.bootId).toBe('boot-2');
    expect(host.commands.filter((c) => c === 'whoami')).toHaveLength(2);
    expect(host.commands.find((c) => c.includes('setsid'))).toContain('shutdown -r -- now');
  }, 30_000);

  it('fails with the last error when the host does not come back in time', async () => {
    const r = await runModuleLocally(reboot, { reboot_timeout: 3, connect_timeout: 1 }, { transport: new SimulatedHost(false) });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/timed out after 3 s waiting for sim to come back from the reboot: connection refused by sim:22/);
  }, 30_000);

  it('refuses to reboot the controller over a local connection, even in check mode', async () => {
    for (const check of [false, true]) {
      const r = await runModuleLocally(reboot, {}, { check });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/would reboot the controller itself/);
    }
  });

  it('reports the change without rebooting in check mode', async () => {
    const host = new SimulatedHost();
    expect(await runModuleLocally(reboot, {}, { check: true, transport: host })).toMatchObject({ changed: true, rebooted: true });
    expect(host.commands).toEqual([]);
  });
});
