/**
 * `group`: local groups. One `getent group` to read, one groupadd/groupmod/groupdel to act.
 */
import { defineModule } from '../core/modules/api.js';
import { quoteArgv } from '../core/transport/shell-quote.js';
import { ACCOUNT_NAME_SCHEMA, groupReadCommand, parseGroupRead, planGroup, type GroupEntry } from './_lib/passwd.js';

interface GroupArgs {
  name: string;
  gid?: number;
  state: 'present' | 'absent';
  system: boolean;
  non_unique: boolean;
}

const describe = (g: GroupEntry | undefined): string => (g ? `state: present\ngid: ${g.gid < 0 ? '(assigned)' : g.gid}\n` : 'state: absent\n');

export default defineModule<GroupArgs>({
  name: 'group',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: ACCOUNT_NAME_SCHEMA,
      gid: { type: 'integer', minimum: 0 },
      state: { enum: ['present', 'absent'], default: 'present' },
      system: { type: 'boolean', default: false },
      non_unique: { type: 'boolean', default: false },
    },
  },
  docs: {
    short: 'Manage local groups',
    description: 'Creates, renumbers and removes groups with one `getent group` and one `groupadd`/`groupmod`/`groupdel`.',
    examples: ['- name: Group for the Nova services', '  group: name=nova gid=162 system=yes', '', '- group: name=oldgroup state=absent'].join('\n'),
    returns: { name: 'Group name', gid: 'gid after the change', state: 'present or absent', system: 'Whether it was created as a system group' },
  },
  async run(ctx) {
    const a = ctx.args;
    const res = await ctx.run(groupReadCommand(a.name));
    if (res.rc !== 0) ctx.fail(`could not read group ${a.name} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    let current = parseGroupRead(res.stdout);
    if (ctx.check) {
      const predicted = ctx.predicted.get<GroupEntry | 'absent'>('group', a.name);
      if (predicted) current = predicted === 'absent' ? undefined : predicted;
    }
    let argv: string[] | undefined;
    let after: GroupEntry | undefined;
    if (a.state === 'absent') {
      argv = current ? ['groupdel', '--', a.name] : undefined;
    } else {
      argv = planGroup({ name: a.name, ...(a.gid !== undefined ? { gid: a.gid } : {}), system: a.system, nonUnique: a.non_unique }, current);
      after = current ? { ...current, gid: a.gid ?? current.gid } : { name: a.name, gid: a.gid ?? -1, members: [] };
    }
    if (argv && !ctx.check) {
      const act = await ctx.run(`${quoteArgv(argv)} || exit $?\n${a.state === 'present' ? groupReadCommand(a.name) : 'exit 0'}`);
      if (act.rc !== 0) {
        const hint = argv[0] === 'groupdel' && /primary group/i.test(act.stderr) ? ' (it is the primary group of a user: change or remove that user first)' : '';
        ctx.fail(`${argv[0]} ${a.name} failed on ${ctx.host.name}: ${act.stderr.trim() || `exit ${act.rc}`}${hint}`, { rc: act.rc });
      }
      if (a.state === 'present') after = parseGroupRead(act.stdout) ?? after;
    }
    if (argv && ctx.check) ctx.predicted.set<GroupEntry | 'absent'>('group', a.name, after ?? 'absent');
    const changed = argv !== undefined;
    const out: Record<string, unknown> & { changed: boolean } = {
      changed,
      name: a.name,
      state: a.state,
      system: a.system,
      ...(after && after.gid >= 0 ? { gid: after.gid } : {}),
    };
    if (changed && ctx.diff) out.diff = { before: describe(current), after: describe(after), beforeHeader: `group ${a.name} (before)`, afterHeader: `group ${a.name} (after)` };
    return out;
  },
});
