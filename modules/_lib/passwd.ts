/**
 * Users and groups: the one read command of the `user` and `group` modules, the parsing of
 * getent/id output, and the planning of ONE useradd/usermod/userdel (or group*) command.
 *
 * The read costs one or two processes on the target (`getent`, plus `id -Gn` when the
 * task manages supplementary groups); the password hash never appears on a command line
 * or in any output: it goes to the target on stdin, is compared there, and is set with
 * `chpasswd -e` reading stdin.
 */
import { NOT_AN_OPTION } from '../../core/modules/validate-args.js';
import { quote, quoteArgv } from '../../core/transport/shell-quote.js';

/**
 * JSON Schema of a user or group name (shadow-utils' rule: no leading '-', optional trailing
 * '$'). NOT_AN_OPTION first, so a name such as '-x' gets the message that says why.
 */
export const ACCOUNT_NAME_SCHEMA = { type: 'string', pattern: `${NOT_AN_OPTION}[A-Za-z0-9_.][A-Za-z0-9_.-]*\\$?$`, maxLength: 32 } as const;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f.slice(6).join(':') };
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4 || !/^\d+$/.test(f[2]!)) return undefined;
  return { name: f[0]!, gid: Number(f[2]), members: f[3] ? f[3].split(',').filter(Boolean) : [] };
}

const MARK = '@@tsplay:';

// ----------------------------------------------------------------------------- reading

export interface UserQuery {
  name: string;
  /** Ask `id -Gn` for the current groups (only when the task manages `groups`). */
  groups: boolean;
  /** Group names or gids to resolve with one `getent group`. */
  lookups: string[];
  /** Looked up only when the user does not exist (Ansible's -N: a group of the user's name). */
  lookupsIfAbsent?: string[];
  /** Compare the shadow hash with the one sent on stdin. */
  password: boolean;
  /**
   * Create the user in the same command when it does not exist: the useradd argv for when
   * a group of its name exists (-N) and for when none does (see createInReadPlans).
   */
  createIfAbsent?: { groupExists: string[]; noGroup: string[] };
}

export function userReadCommand(q: UserQuery): string {
  const n = quote(q.name);
  const c = q.createIfAbsent;
  const absent = c
    ? [
        // The lookup goes last: parseUserRead reads every line after its marker as a group.
        `  if g=$(getent group -- ${n}); then ${quoteArgv(c.groupExists)} || exit $?; else ${quoteArgv(c.noGroup)} || exit $?; fi`,
        `  printf '${MARK}created=%s\\n' "$(getent passwd -- ${n})"`,
        `  if [ -n "$g" ]; then echo '${MARK}lookup'; printf '%s\\n' "$g"; fi`,
      ]
    : q.lookupsIfAbsent?.length
      ? [`  echo '${MARK}lookup'; getent group -- ${quoteArgv(q.lookupsIfAbsent)}`]
      : [];
  const lines = [
    `if p=$(getent passwd -- ${n}); then`,
    `  printf '${MARK}passwd=%s\\n' "$p"`,
    ...(q.groups ? [`  printf '${MARK}groups=%s\\n' "$(id -Gn -- ${n})"`] : []),
    'else',
    `  echo '${MARK}absent'`,
    ...absent,
    'fi',
  ];
  if (q.lookups.length) lines.push(`echo '${MARK}lookup'`, `getent group -- ${quoteArgv(q.lookups)}`);
  if (q.password) {
    // The wanted hash arrives on stdin; only "same"/"differs" comes back.
    lines.push(
      'IFS= read -r want',
      'st=differs',
      '[ -r /etc/shadow ] || st=unreadable',
      `[ "$st" = differs ] && while IFS=: read -r u h rest; do if [ "$u" = ${n} ]; then [ "$h" = "$want" ] && st=same; break; fi; done < /etc/shadow`,
      `echo "${MARK}password=$st"`,
    );
  }
  lines.push('exit 0');
  return lines.join('\n');
}

export interface UserState {
  user?: PasswdEntry;
  /** The user as created by the read command itself (createIfAbsent). */
  created?: PasswdEntry;
  /** Group names from `id -Gn` (primary first). */
  groupNames?: string[];
  groups: GroupEntry[];
  password?: 'same' | 'differs' | 'unreadable';
}

export function parseUserRead(stdout: string): UserState {
  const state: UserState = { groups: [] };
  let inLookup = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${MARK}passwd=`)) state.user = parsePasswdLine(line.slice(`${MARK}passwd=`.length));
    else if (line.startsWith(`${MARK}created=`)) state.created = parsePasswdLine(line.slice(`${MARK}created=`.length));
    else if (line.startsWith(`${MARK}groups=`)) state.groupNames = line.slice(`${MARK}groups=`.length).split(/\s+/).filter(Boolean);
    else if (line.startsWith(`${MARK}password=`)) state.password = line.slice(`${MARK}password=`.length).trim() as UserState['password'];
    else if (line === `${MARK}lookup`) inLookup = true;
    else if (inLookup) {
      const g = parseGroupLine(line);
      if (g) state.groups.push(g);
    }
  }
  return state;
}

/** Find a group by name or numeric gid among looked-up entries. */
export function findGroup(groups: GroupEntry[], key: string): GroupEntry | undefined {
  return /^\d+$/.test(key) ? groups.find((g) => g.gid === Number(key)) : groups.find((g) => g.name === key);
}

// ----------------------------------------------------------------------------- planning

export interface UserWant {
  name: string;
  uid?: number;
  nonUnique: boolean;
  group?: string;
  groups?: string[];
  append: boolean;
  home?: string;
  createHome: boolean;
  moveHome: boolean;
  shell?: string;
  comment?: string;
  system: boolean;
  /** The task sets a password (its value never enters the plan). */
  password: boolean;
  updatePassword: 'always' | 'on_create';
}

export interface UserPlan {
  /** useradd/usermod argv, undefined when nothing but (maybe) the password changes. */
  argv?: string[];
  setPassword: boolean;
  /** Attribute names that change, for the message. */
  changes: string[];
  error?: string;
}

/**
 * One useradd (new user) or usermod (existing) command with only the flags that differ.
 * `groups` must already resolve: missing ones are an error naming them.
 */
export function planUser(want: UserWant, state: UserState, extraGroups: GroupEntry[] = []): UserPlan {
  const groups = [...state.groups, ...extraGroups];
  const primary = want.group !== undefined ? findGroup(groups, want.group) : undefined;
  if (want.group !== undefined && !primary) return { setPassword: false, changes: [], error: `group '${want.group}' does not exist` };
  const supplementary: string[] = [];
  const missing: string[] = [];
  for (const g of want.groups ?? []) {
    const found = findGroup(groups, g);
    if (found) supplementary.push(found.name);
    else missing.push(g);
  }
  if (missing.length) return { setPassword: false, changes: [], error: `group${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist` };

  const u = state.user;
  if (!u) {
    const argv = ['useradd'];
    if (want.uid !== undefined) argv.push('-u', String(want.uid), ...(want.nonUnique ? ['-o'] : []));
    if (primary) argv.push('-g', primary.name);
    else if (findGroup(groups, want.name)) argv.push('-N'); // a group of that name exists: do not try to create it (Ansible)
    if (supplementary.length) argv.push('-G', supplementary.join(','));
    if (want.home !== undefined) argv.push('-d', want.home);
    argv.push(want.createHome ? '-m' : '-M');
    if (want.shell !== undefined) argv.push('-s', want.shell);
    if (want.comment !== undefined) argv.push('-c', want.comment);
    if (want.system) argv.push('-r');
    argv.push('--', want.name);
    return { argv, setPassword: want.password, changes: ['created'] };
  }

  const flags: string[] = [];
  const changes: string[] = [];
  if (want.uid !== undefined && want.uid !== u.uid) {
    flags.push('-u', String(want.uid), ...(want.nonUnique ? ['-o'] : []));
    changes.push('uid');
  }
  if (primary && primary.gid !== u.gid) {
    flags.push('-g', primary.name);
    changes.push('group');
  }
  if (want.groups !== undefined) {
    const primaryName = primary?.name ?? groups.find((g) => g.gid === u.gid)?.name ?? state.groupNames?.[0];
    const current = new Set((state.groupNames ?? []).filter((g) => g !== primaryName));
    const desired = new Set(supplementary.filter((g) => g !== primaryName));
    if (want.append) {
      const add = [...desired].filter((g) => !current.has(g));
      if (add.length) {
        flags.push('-a', '-G', add.join(','));
        changes.push('groups');
      }
    } else if (desired.size !== current.size || [...desired].some((g) => !current.has(g))) {
      flags.push('-G', [...desired].join(','));
      changes.push('groups');
    }
  }
  if (want.home !== undefined && want.home !== u.home) {
    flags.push('-d', want.home, ...(want.moveHome ? ['-m'] : []));
    changes.push('home');
  }
  if (want.shell !== undefined && want.shell !== u.shell) {
    flags.push('-s', want.shell);
    changes.push('shell');
  }
  if (want.comment !== undefined && want.comment !== u.comment) {
    flags.push('-c', want.comment);
    changes.push('comment');
  }
  const setPassword = want.password && want.updatePassword === 'always' && state.password !== 'same';
  if (setPassword) changes.push('password');
  return { ...(flags.length ? { argv: ['usermod', ...flags, '--', want.name] } : {}), setPassword, changes };
}

/**
 * The two useradd commands a read command may run itself when the user is absent
 * (UserQuery.createIfAbsent): planned here exactly as planUser plans them after a read, so
 * the controller's plan for what it then finds matches what ran. Only for a task without
 * `group`, `groups` or `password`: nothing else about a new user depends on the target.
 */
export function createInReadPlans(want: UserWant): { groupExists: string[]; noGroup: string[] } | undefined {
  if (want.group !== undefined || want.groups !== undefined || want.password) return undefined;
  const groupOfName: GroupEntry = { name: want.name, gid: 0, members: [] };
  const groupExists = planUser(want, { groups: [groupOfName] }).argv;
  const noGroup = planUser(want, { groups: [] }).argv;
  return groupExists && noGroup ? { groupExists, noGroup } : undefined;
}

/**
 * The act command: useradd/usermod, then `chpasswd -e` reading `name:hash` from stdin
 * (never argv), then the resulting passwd line for the result.
 */
export function userActCommand(name: string, plan: UserPlan): string {
  const steps: string[] = [];
  if (plan.argv) steps.push(`${quoteArgv(plan.argv)} || exit $?`);
  if (plan.setPassword) steps.push('chpasswd -e || exit $?');
  steps.push(`printf '${MARK}passwd=%s\\n' "$(getent passwd -- ${quote(name)})"`);
  return steps.join('\n');
}

export function userDelCommand(name: string, o: { remove: boolean; force: boolean }): string {
  return quoteArgv(['userdel', ...(o.remove ? ['-r'] : []), ...(o.force ? ['-f'] : []), '--', name]);
}

/** Attributes as diff text (never the password hash). */
export function describeUser(u: PasswdEntry | undefined, groups: string[] | undefined, extra: { password?: string } = {}): string {
  if (!u) return 'state: absent\n';
  // A dry run cannot know the ids useradd will pick: they show as "(assigned)".
  const id = (n: number): string => (n < 0 ? '(assigned)' : String(n));
  const lines = [`state: present`, `uid: ${id(u.uid)}`, `gid: ${id(u.gid)}`, ...(groups ? [`groups: ${groups.join(',')}`] : []), `home: ${u.home}`, `shell: ${u.shell}`, `comment: ${u.comment}`];
  if (extra.password) lines.push(`password: ${extra.password}`);
  return `${lines.join('\n')}\n`;
}

// ----------------------------------------------------------------------------- groups

export function groupReadCommand(name: string): string {
  return `if g=$(getent group -- ${quote(name)}); then printf '${MARK}group=%s\\n' "$g"; else echo '${MARK}absent'; fi; exit 0`;
}

export function parseGroupRead(stdout: string): GroupEntry | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${MARK}group=`));
  return line ? parseGroupLine(line.slice(`${MARK}group=`.length)) : undefined;
}

export function planGroup(want: { name: string; gid?: number; system: boolean; nonUnique: boolean }, current: GroupEntry | undefined): string[] | undefined {
  if (!current) {
    return ['groupadd', ...(want.gid !== undefined ? ['-g', String(want.gid), ...(want.nonUnique ? ['-o'] : [])] : []), ...(want.system ? ['-r'] : []), '--', want.name];
  }
  if (want.gid !== undefined && want.gid !== current.gid) return ['groupmod', '-g', String(want.gid), ...(want.nonUnique ? ['-o'] : []), '--', want.name];
  return undefined;
}
