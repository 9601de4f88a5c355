/**
 * `fsfreeze`: freeze a filesystem for a consistent snapshot and thaw it again, with the
 * freeze held by a helper on the host (a held session, docs/held-sessions.md) that thaws
 * when its input ends. So the filesystem is thawed not only by the task that says so, but
 * also when the run fails before it, is interrupted, ends its play, or loses its connection
 * to the host: a frozen filesystem left behind stops every writer on the machine.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { freezeProbeCommand, freezeReplyEnd, FREEZE_FAILED, holdFrozenScript, THAWED, thawCommand, toolError, toolOutput, type FreezeTool } from './_lib/fsfreeze.js';

interface Args {
  path: string;
  state: 'frozen' | 'thawed';
  tool: FreezeTool;
  session?: string;
  timeout: number;
}

const KIND = 'fsfreeze';
const PREDICTION = 'fsfreeze';

export default defineModule<Args>({
  name: 'fsfreeze',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'state'],
    properties: {
      path: { type: 'string', pattern: '^/', description: 'Mount point of the filesystem' },
      state: { type: 'string', enum: ['frozen', 'thawed'] },
      tool: { type: 'string', enum: ['xfs_freeze', 'fsfreeze'], default: 'xfs_freeze', description: "xfs_freeze (xfsprogs; XFS, and ext3/ext4 on RHEL >= 6.5) or util-linux's fsfreeze" },
      session: { type: 'string', minLength: 1, description: 'Name of the held session that keeps the freeze (default: fsfreeze:PATH)' },
      timeout: { type: 'integer', minimum: 1, default: 120, description: 'Seconds the freeze may take (it first writes out dirty data)' },
    },
  },
  docs: {
    short: 'Freeze a filesystem (xfs_freeze -f) and thaw it, thawing by itself if the run stops first',
    description: [
      '`state: frozen` runs `xfs_freeze -f PATH` in a helper that stays on the host holding the',
      'freeze; `state: thawed` ends that helper, which runs `xfs_freeze -u PATH`. If the run never',
      'gets to the thaw (a failed task without `always:`, Ctrl-C twice, the end of the play, a',
      'dropped SSH connection, a killed controller), the helper sees its input end and thaws',
      'anyway. A filesystem frozen outside this run is thawed with a plain `xfs_freeze -u`.',
    ].join('\n'),
    notes: [
      'Frozen: writes to the filesystem block (in the kernel) until the thaw; reads go on.',
      'Check mode checks that the tool exists and PATH is a mount point, and predicts. It cannot see a freeze made outside this run (there is no way to ask the kernel without freezing): `state: thawed` then predicts no change.',
      'A freeze by this run reports changed, and so does its thaw.',
    ],
    examples: [
      '- block:',
      '    - fsfreeze: { path: /mnt/data, state: frozen }',
      '    - cinder_snapshot: { cloud: lab, volume: data-vol, name: snap-vol, force: true }',
      '  always:',
      '    - fsfreeze: { path: /mnt/data, state: thawed }',
    ].join('\n'),
    returns: { path: 'The mount point', session: 'The held session that keeps the freeze', msg: 'What happened' },
  },
  run,
});

async function run(ctx: ModuleContext<Args>): Promise<ModuleResult> {
  const a = ctx.args;
  const name = a.session ?? `fsfreeze:${a.path}`;
  const existing = ctx.sessions.get(name);
  if (existing && existing.kind !== KIND) ctx.fail(`held session '${name}' is a ${existing.kind} session, not a fsfreeze one: give this task another session name`);
  const base = { path: a.path, session: name };

  if (a.state === 'frozen') {
    if (existing?.alive || (ctx.check && ctx.predicted.get<boolean>(PREDICTION, name))) return { changed: false, ...base, msg: `${a.path} is frozen (by this run)` };
    if (ctx.check) {
      const r = await ctx.run(freezeProbeCommand(a.path, a.tool));
      if (r.rc !== 0) ctx.fail(`cannot freeze ${a.path}: ${r.stdout.trim()}`);
      ctx.predicted.set(PREDICTION, name, true);
      return { changed: true, ...base, msg: `${a.path} would be frozen` };
    }
    if (existing) await existing.end(); // a helper that died: drop it before starting anew
    const session = await ctx.sessions.open(name, KIND, holdFrozenScript(a.path, a.tool), { label: `${a.tool} -f ${a.path}` });
    let reply: string;
    try {
      reply = await session.reply(undefined, freezeReplyEnd, { timeoutMs: a.timeout * 1000 });
    } catch (err) {
      // Timed out or interrupted: the helper was killed, and its trap thawed what it froze.
      const output = toolOutput((err as { output?: string }).output ?? '');
      await session.end();
      return ctx.fail(`freezing ${a.path}: ${(err as Error).message}${output ? `: ${output}` : ''}`);
    }
    if (reply.includes(FREEZE_FAILED)) {
      await session.end();
      const said = toolOutput(reply);
      if (toolError(said) === 'already-frozen') ctx.fail(`${a.path} is already frozen, not by this run (${said}): thaw it with state: thawed, or find who froze it`);
      ctx.fail(`${a.tool} -f ${a.path} failed: ${said}`);
    }
    return { changed: true, ...base, msg: `${a.path} frozen; the freeze is held by session ${name}` };
  }

  // thawed
  if (ctx.check) {
    const predicted = ctx.predicted.get<boolean>(PREDICTION, name);
    ctx.predicted.set(PREDICTION, name, false);
    const frozen = existing?.alive || predicted;
    return { changed: Boolean(frozen), ...base, msg: frozen ? `${a.path} would be thawed` : `${a.path} is not frozen by this run` };
  }
  if (existing?.alive) {
    const exit = await existing.end();
    const said = toolOutput(exit.output);
    if (exit.output.includes(`${THAWED}\n`)) return { changed: true, ...base, msg: `${a.path} thawed` };
    // The helper could not thaw (or was killed before it could): try once more directly.
    return thawDirectly(ctx, base, `the helper did not report the thaw (${exit.reason}${said ? `: ${said}` : ''})`);
  }
  if (existing) {
    // It ended by itself (its connection dropped, it was killed): its trap thawed, unless SIGKILL.
    const why = existing.endReason;
    await existing.end();
    return thawDirectly(ctx, base, `the helper had ended (${why})`);
  }
  return thawDirectly(ctx, base);
}

/** `xfs_freeze -u` without the helper: EINVAL means it was not frozen. */
async function thawDirectly(ctx: ModuleContext<Args>, base: Record<string, unknown>, note?: string): Promise<ModuleResult> {
  const a = ctx.args;
  const r = await ctx.run(thawCommand(a.path, a.tool));
  const said = r.stdout.trim();
  if (r.rc === 0) return { changed: true, ...base, msg: `${a.path} thawed${note ? ` (${note})` : ' (it was frozen, not by this run)'}` };
  if (toolError(said) === 'not-frozen') return { changed: false, ...base, msg: `${a.path} is not frozen${note ? ` (${note})` : ''}` };
  return ctx.fail(`${a.tool} -u ${a.path} failed: ${said || `exit status ${r.rc}`}${note ? ` (${note})` : ''}`);
}
