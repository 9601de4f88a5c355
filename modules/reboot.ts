/**
 * `reboot`: reboot the host and return once it is back. The boot id
 * (/proc/sys/kernel/random/boot_id) tells a rebooted host from one that has not gone down
 * yet; the reboot command is detached so that it cannot kill the command that starts it;
 * the connection is closed and re-opened until the new boot answers `test_command`.
 */
import { defineModule } from '../core/modules/api.js';
import { quote } from '../core/transport/shell-quote.js';

interface RebootArgs {
  reboot_timeout: number;
  connect_timeout: number;
  pre_reboot_delay: number;
  post_reboot_delay: number;
  test_command: string;
  msg: string;
  reboot_command?: string;
  boot_time_command: string;
}

const BOOT_ID = 'read b < /proc/sys/kernel/random/boot_id && echo "$b"';

export default defineModule<RebootArgs>({
  name: 'reboot',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      reboot_timeout: { type: 'integer', minimum: 1, default: 600, description: 'Seconds to wait for the host to come back and pass test_command' },
      connect_timeout: { type: 'integer', minimum: 1, default: 10, description: 'Seconds for each reconnection attempt' },
      pre_reboot_delay: { type: 'integer', minimum: 0, default: 0 },
      post_reboot_delay: { type: 'integer', minimum: 0, default: 0 },
      test_command: { type: 'string', minLength: 1, default: 'whoami' },
      msg: { type: 'string', default: 'Reboot initiated by tsplay' },
      reboot_command: { type: 'string', minLength: 1, description: 'Default: shutdown -r now MSG (else systemctl reboot, else reboot)' },
      boot_time_command: { type: 'string', minLength: 1, default: 'cat /proc/sys/kernel/random/boot_id' },
    },
  },
  docs: {
    short: 'Reboot a host and wait until it is back',
    description: [
      'Records the boot id, starts the reboot detached from the command that issues it, closes the',
      'connection, then re-opens it until the boot id has changed and `test_command` succeeds, within',
      '`reboot_timeout` seconds. Always reports a change; in check mode it reports the change without',
      'rebooting. Refuses to run over a local connection (it would reboot the controller).',
    ].join('\n'),
    examples: [
      '- name: Reboot after the full update (seed step 4)',
      '  reboot:',
      '    reboot_timeout: 300',
      '',
      '- name: Reboot and wait for the Nova API port',
      '  reboot:',
      '    msg: "Reboot for the kernel update"',
      '    test_command: systemctl is-active openstack-nova-api',
    ].join('\n'),
    returns: { rebooted: 'true once the host came back', elapsed: 'Seconds from the reboot command to the host passing test_command' },
  },
  async run(ctx) {
    const a = ctx.args;
    if (ctx.connection.local) {
      ctx.fail('reboot over a local connection would reboot the controller itself; refusing (as Ansible does)', { rebooted: false });
    }
    if (ctx.check) return { changed: true, rebooted: true, elapsed: 0, msg: 'would reboot' };

    const custom = a.boot_time_command !== 'cat /proc/sys/kernel/random/boot_id';
    const bootIdCommand = custom ? a.boot_time_command : BOOT_ID;
    const timeoutMs = a.connect_timeout * 1000;
    const before = await ctx.run(bootIdCommand, { timeoutMs });
    const bootId = before.stdout.trim();
    if (before.rc !== 0 || !bootId) ctx.fail(`could not read the boot id on ${ctx.host.name} with '${a.boot_time_command}': ${before.stderr.trim() || `exit ${before.rc}`}`);

    // `--`: the message is an operand even when it starts with '-' ('-c' would cancel the reboot).
    const reboot = a.reboot_command ?? `if command -v shutdown >/dev/null 2>&1; then shutdown -r -- now ${quote(a.msg)}; elif command -v systemctl >/dev/null 2>&1; then systemctl reboot; else reboot; fi`;
    // Detached, after a second: the command that starts it returns and the session ends cleanly.
    const script = `sleep ${a.pre_reboot_delay + 1}; ${reboot}`;
    const start = Date.now();
    const issued = await ctx.run(
      `if command -v setsid >/dev/null 2>&1; then setsid sh -c ${quote(script)} </dev/null >/dev/null 2>&1 & else nohup sh -c ${quote(script)} </dev/null >/dev/null 2>&1 & fi; echo started`,
      { timeoutMs },
    );
    if (issued.rc !== 0) ctx.fail(`could not start the reboot on ${ctx.host.name}: ${issued.stderr.trim() || `exit ${issued.rc}`}`);
    await ctx.connection.close();

    const deadline = start + a.reboot_timeout * 1000;
    let lastError = 'the host did not go down';
    let booted = false;
    while (Date.now() < deadline) {
      await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
      try {
        await withTimeout(ctx.connection.connect(), timeoutMs, `connect timed out after ${a.connect_timeout} s`);
        if (!booted) {
          const now = await ctx.run(bootIdCommand, { timeoutMs });
          const id = now.stdout.trim();
          if (now.rc !== 0 || !id) throw new Error(`boot id unreadable: ${now.stderr.trim()}`);
          if (id === bootId) {
            // Still the old boot (the reboot has not started yet): look again on a new connection.
            lastError = 'the host has not rebooted yet (same boot id)';
            await ctx.connection.close();
            continue;
          }
          booted = true;
        }
        const test = await ctx.run(a.test_command, { timeoutMs });
        if (test.rc === 0) {
          if (a.post_reboot_delay) await sleep(a.post_reboot_delay * 1000);
          return { changed: true, rebooted: true, elapsed: Math.round((Date.now() - start) / 1000) };
        }
        lastError = `test_command '${a.test_command}' exited ${test.rc}: ${(test.stderr || test.stdout).trim()}`;
      } catch (err) {
        lastError = (err as Error).message;
        await ctx.connection.close().catch(() => undefined);
      }
    }
    return ctx.fail(`timed out after ${a.reboot_timeout} s waiting for ${ctx.host.name} to come back from the reboot: ${lastError}`, {
      rebooted: booted,
      elapsed: Math.round((Date.now() - start) / 1000),
    });
  },
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
