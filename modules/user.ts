/**
 * `user`: local user accounts, with Ansible's parameters. One read (getent passwd, and
 * `id -Gn` / `getent group` only when groups are involved), one useradd/usermod/userdel.
 * A new user whose useradd does not depend on the target (no group, groups or password)
 * is created by the read command itself: one round trip.
 * The password hash travels on stdin only and never appears in output, logs or diffs.
 */
import { defineModule } from '../core/modules/api.js';
import {
  ACCOUNT_NAME_SCHEMA,
  createInReadPlans,
  describeUser,
  findGroup,
  planUser,
  parseUserRead,
  userActCommand,
  userDelCommand,
  userReadCommand,
  parsePasswdLine,
  type GroupEntry,
  type PasswdEntry,
  type UserState,
  type UserWant,
} from './_lib/passwd.js';
import { recordPrediction } from './_lib/path-state.js';

interface UserArgs {
  name: string;
  state: 'present' | 'absent';
  uid?: number;
  non_unique: boolean;
  group?: string;
  groups?: string[];
  append: boolean;
  home?: string;
  create_home: boolean;
  move_home: boolean;
  shell?: string;
  comment?: string;
  system: boolean;
  password?: string;
  update_password: 'always' | 'on_create';
  remove: boolean;
  force: boolean;
}

/** Check mode: users and groups earlier tasks would create ('absent' when removed). */
type PredictedUser = PasswdEntry & { groupNames?: string[] };

export default defineModule<UserArgs>({
  name: 'user',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: ACCOUNT_NAME_SCHEMA,
      state: { enum: ['present', 'absent'], default: 'present' },
      uid: { type: 'integer', minimum: 0 },
      non_unique: { type: 'boolean', default: false },
      group: { type: 'string', minLength: 1, description: 'Primary group, by name or gid' },
      groups: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Supplementary groups; [] with append: no removes them all' },
      append: { type: 'boolean', default: false },
      home: { type: 'string', pattern: '^/' },
      create_home: { type: 'boolean', default: true },
      move_home: { type: 'boolean', default: false },
      shell: { type: 'string', minLength: 1 },
      comment: { type: 'string', pattern: '^[^:\\n]*$' },
      system: { type: 'boolean', default: false },
      password: { type: 'string', pattern: '^[^:\\n]*$', description: 'Already hashed (crypt(3) format)' },
      update_password: { enum: ['always', 'on_create'], default: 'always' },
      remove: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
  },
  docs: {
    short: 'Manage local user accounts',
    description: [
      'Creates, changes and removes users with ONE read (`getent passwd`, plus `id -Gn` and one',
      '`getent group` when groups are involved) and ONE `useradd`/`usermod`/`userdel`. Only attributes',
      'that differ are changed. `password` must already be hashed: it is compared and set on the',
      'target through stdin (`chpasswd -e`), never on a command line, and never shown in results or diffs.',
    ].join('\n'),
    examples: [
      '- name: Add user (the pyinfra benchmark workload)',
      '  user: name=pyinfra home=/home/pyinfra shell=/bin/bash',
      '',
      '- name: Service account in extra groups, keeping existing ones',
      '  user:',
      '    name: nova',
      '    system: true',
      '    groups: [libvirt, qemu]',
      '    append: true',
      '    create_home: false',
      '',
      '- name: Remove a user and its home',
      '  user: name=olduser state=absent remove=yes',
    ].join('\n'),
    returns: {
      name: 'User name',
      uid: 'uid (after the change)',
      group: 'Primary gid',
      groups: 'Supplementary groups, comma-separated (when groups was given)',
      home: 'Home directory',
      shell: 'Login shell',
      comment: 'GECOS comment',
      state: 'present or absent',
      system: 'Whether it was created as a system account',
    },
    notes: ['Group names in `group`/`groups` must exist (create them with the `group` module first).'],
  },
  async run(ctx) {
    const a = ctx.args;
    const groupsArg = a.groups?.flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
    const present = a.state === 'present';
    const lookups = present ? [...new Set([...(a.group !== undefined ? [a.group] : []), ...(groupsArg ?? [])])] : [];
    // Without `group`, a new user gets -N when a group of its name exists: ask only if it is new.
    const lookupsIfAbsent = present && a.group === undefined ? [a.name] : [];
    const want: UserWant = {
      name: a.name,
      ...(a.uid !== undefined ? { uid: a.uid } : {}),
      nonUnique: a.non_unique,
      ...(a.group !== undefined ? { group: a.group } : {}),
      ...(groupsArg !== undefined ? { groups: groupsArg } : {}),
      append: a.append,
      ...(a.home !== undefined ? { home: a.home } : {}),
      createHome: a.create_home,
      moveHome: a.move_home,
      ...(a.shell !== undefined ? { shell: a.shell } : {}),
      ...(a.comment !== undefined ? { comment: a.comment } : {}),
      system: a.system,
      password: a.password !== undefined,
      updatePassword: a.update_password,
    };
    // A new user without group/groups/password is planned the same whatever else the target
    // holds: the read command creates it when absent, saving the second round trip.
    const createIfAbsent = present && !ctx.check ? createInReadPlans(want) : undefined;
    const res = await ctx.run(
      userReadCommand({
        name: a.name,
        groups: present && groupsArg !== undefined,
        lookups,
        lookupsIfAbsent,
        password: present && a.password !== undefined,
        ...(createIfAbsent ? { createIfAbsent } : {}),
      }),
      a.password !== undefined && present ? { stdin: `${a.password}\n` } : {},
    );
    if (res.rc !== 0 && createIfAbsent && res.stdout.includes('@@tsplay:absent')) {
      ctx.fail(`useradd ${a.name} failed on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`, { rc: res.rc });
    }
    if (res.rc !== 0) ctx.fail(`could not read user ${a.name} on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    const state: UserState = parseUserRead(res.stdout);
    const extraGroups = ctx.check ? predictedGroups(ctx, [...lookups, ...lookupsIfAbsent]) : [];
    if (ctx.check) {
      const predicted = ctx.predicted.get<PredictedUser | 'absent'>('user', a.name);
      if (predicted === 'absent') delete state.user;
      else if (predicted) {
        state.user = predicted;
        if (predicted.groupNames) state.groupNames = predicted.groupNames;
        state.password = 'same';
      }
    }
    if (state.password === 'unreadable' && a.update_password === 'always' && state.user) {
      ctx.fail(`cannot compare the password of ${a.name} on ${ctx.host.name}: /etc/shadow is not readable (use become)`);
    }

    if (!present) {
      if (!state.user) return { changed: false, name: a.name, state: 'absent' };
      if (!ctx.check) {
        const del = await ctx.run(userDelCommand(a.name, { remove: a.remove, force: a.force }));
        // userdel exits 12 when only the home directory could not be removed (it is gone already).
        if (del.rc !== 0 && !(del.rc === 12 && a.remove)) ctx.fail(`userdel ${a.name} failed on ${ctx.host.name}: ${del.stderr.trim() || `exit ${del.rc}`}`, { rc: del.rc });
      } else {
        ctx.predicted.set('user', a.name, 'absent');
        if (a.remove) recordPrediction(ctx, state.user.home, { kind: 'absent' });
      }
      const out: Record<string, unknown> & { changed: boolean } = { changed: true, name: a.name, state: 'absent', remove: a.remove, force: a.force };
      if (ctx.diff) out.diff = { before: describeUser(state.user, state.groupNames), after: describeUser(undefined, undefined) };
      return out;
    }

    const plan = planUser(want, state, extraGroups);
    if (plan.error) ctx.fail(`${plan.error} on ${ctx.host.name}: create it first (group module)`);
    const changed = plan.argv !== undefined || plan.setPassword;
    let after: PasswdEntry | undefined = state.user;
    if (changed && state.created) {
      after = state.created;
    } else if (changed && !ctx.check) {
      const act = await ctx.run(userActCommand(a.name, plan), plan.setPassword ? { stdin: `${a.name}:${a.password}\n` } : {});
      if (act.rc !== 0) {
        ctx.fail(`${plan.argv?.[0] ?? 'chpasswd'} ${a.name} failed on ${ctx.host.name}: ${act.stderr.trim() || `exit ${act.rc}`}`, { rc: act.rc });
      }
      const line = act.stdout.split('\n').find((l) => l.startsWith('@@tsplay:passwd='));
      after = line ? parsePasswdLine(line.slice('@@tsplay:passwd='.length)) : after;
    } else if (changed) {
      after = predictUser(a, state, [...state.groups, ...extraGroups]);
    }
    const groupsAfter = groupsArg === undefined ? state.groupNames : predictGroupNames(a.append, groupsArg, state, [...state.groups, ...extraGroups], a.group);
    if (ctx.check && changed && after) {
      ctx.predicted.set<PredictedUser>('user', a.name, { ...after, ...(groupsAfter ? { groupNames: groupsAfter } : {}) });
      // The new home directory, so that later tasks (copy into it, file owner=...) predict too.
      if (!state.user && a.create_home) recordPrediction(ctx, after.home, { kind: 'directory', mode: 0o755, owner: a.name });
    }
    const out: Record<string, unknown> & { changed: boolean } = {
      changed,
      name: a.name,
      state: 'present',
      ...(after ? { ...(after.uid >= 0 ? { uid: after.uid } : {}), ...(after.gid >= 0 ? { group: after.gid } : {}), home: after.home, shell: after.shell, comment: after.comment } : {}),
      ...(groupsArg !== undefined ? { groups: (groupsAfter ?? []).slice(1).join(',') } : {}),
      system: a.system,
      append: a.append,
      create_home: a.create_home,
      move_home: a.move_home,
      ...(changed ? { msg: `${ctx.check ? 'would change' : 'changed'}: ${plan.changes.join(', ')}` } : {}),
    };
    if (a.password !== undefined) out.password = 'NOT_LOGGING_PASSWORD';
    if (changed && ctx.diff) {
      out.diff = {
        before: describeUser(state.user, state.groupNames),
        after: describeUser(after, groupsAfter, plan.setPassword ? { password: state.user ? 'changed' : 'set' } : {}),
        beforeHeader: `user ${a.name} (before)`,
        afterHeader: `user ${a.name} (after)`,
      };
    }
    return out;
  },
});

/** Groups an earlier `group` task of this dry run would create. */
function predictedGroups(ctx: { predicted: { get<T>(ns: string, key: string): T | undefined } }, names: string[]): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const n of names) {
    const g = ctx.predicted.get<GroupEntry | 'absent'>('group', n);
    if (g && g !== 'absent') out.push(g);
  }
  return out;
}

/** The account as useradd/usermod would leave it (check mode); ids unknown for new users are -1. */
function predictUser(a: UserArgs, state: UserState, groups: GroupEntry[]): PasswdEntry {
  const u = state.user;
  const primary = a.group !== undefined ? findGroup(groups, a.group) : undefined;
  return {
    name: a.name,
    uid: a.uid ?? u?.uid ?? -1,
    gid: primary?.gid ?? u?.gid ?? findGroup(groups, a.name)?.gid ?? -1,
    comment: a.comment ?? u?.comment ?? '',
    home: a.home ?? u?.home ?? `/home/${a.name}`,
    shell: a.shell ?? u?.shell ?? '/bin/sh',
  };
}

/** `id -Gn` as it would read after the change: primary group first. */
function predictGroupNames(append: boolean, wanted: string[], state: UserState, groups: GroupEntry[], group: string | undefined): string[] {
  const primary = (group !== undefined ? findGroup(groups, group)?.name : undefined) ?? state.groupNames?.[0] ?? '';
  const resolved = wanted.map((g) => findGroup(groups, g)?.name ?? g);
  const current = (state.groupNames ?? []).slice(1);
  const supplementary = append ? [...current, ...resolved.filter((g) => !current.includes(g))] : resolved;
  return [primary, ...supplementary.filter((g) => g !== primary)];
}
