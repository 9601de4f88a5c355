/**
 * `cron`: manage a job (or an environment variable) in a user's crontab or a file in
 * /etc/cron.d, with Ansible's `#Ansible: NAME` markers. One command reads the crontab, the
 * edit happens in the controller (modules/_lib/crontab.ts), one command writes it.
 */
import { posix } from 'node:path';
import { defineModule, type DiffEntry, type ModuleResult } from '../core/modules/api.js';
import { NOT_AN_OPTION } from '../core/modules/validate-args.js';
import { mutuallyExclusive, resolveAliases, withAliases } from './_lib/args.js';
import { applyCron, EnvAnchorError, envNames, jobNames, parseCrontabListing, render, splitlines, type SpecialTime } from './_lib/crontab.js';

interface CronArgs {
  name: string;
  user?: string;
  job?: string;
  cron_file?: string;
  state: 'present' | 'absent';
  backup: boolean;
  minute: string;
  hour: string;
  day: string;
  month: string;
  weekday: string;
  special_time?: SpecialTime;
  disabled: boolean;
  env: boolean;
  insertafter?: string;
  insertbefore?: string;
}

const ALIASES = { job: ['value'], day: ['dom'], weekday: ['dow'] };
const timeField = (what: string) => ({ type: 'string', pattern: '^\\S+$', description: `${what} ('*' when not given).` });

export default defineModule<CronArgs>({
  name: 'cron',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', description: 'The job\'s name: the `#Ansible: NAME` line above it (with env: the variable name).' },
      user: { type: 'string', minLength: 1, pattern: `${NOT_AN_OPTION}[^:\\s]*$`, description: "Whose crontab (default: the connecting user's); with cron_file, the user the job runs as." },
      ...withAliases(
        {
          job: { type: 'string', description: 'The command to run (with env: the variable\'s value). Required with state present.' },
          day: timeField('Day of the month'),
          weekday: timeField('Day of the week'),
        },
        ALIASES,
      ),
      cron_file: { type: 'string', minLength: 1, description: 'A file in /etc/cron.d (a name) or an absolute path, instead of a user crontab. Needs user.' },
      state: { enum: ['present', 'absent'], default: 'present' },
      backup: { type: 'boolean', default: false, description: 'Save the crontab as it was before the change (user crontabs: /tmp/crontabXXXX; files: beside them).' },
      minute: { ...timeField('Minute'), default: '*' },
      hour: { ...timeField('Hour'), default: '*' },
      month: { ...timeField('Month'), default: '*' },
      special_time: { enum: ['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly'], description: 'Run @reboot, @daily... instead of at the time fields.' },
      disabled: { type: 'boolean', default: false, description: 'Keep the job commented out (#).' },
      env: { type: 'boolean', default: false, description: 'Manage a NAME="job" variable line instead of a job.' },
      insertafter: { type: 'string', description: 'With env: put a new variable after this variable.' },
      insertbefore: { type: 'string', description: 'With env: put a new variable before this variable.' },
    },
  },
  docs: {
    short: 'Manage cron jobs and crontab variables',
    description: [
      "Adds, updates or removes one job in a user's crontab (`crontab -l`/`crontab -`) or in a file under",
      '/etc/cron.d, marked by an `#Ansible: NAME` line above it exactly as Ansible writes it, so crontabs',
      'managed by Ansible keep working. A job already there without the marker (the same line) is adopted.',
      'With `env: true` it manages a `NAME="value"` variable line instead. One command reads the crontab and',
      'one writes it; check mode predicts the same change and `--diff` shows the crontab before and after.',
      'Removing the last job of a cron_file removes the file.',
    ].join('\n'),
    examples: [
      '- name: Rotate nova logs every night',
      '  cron:',
      '    name: rotate nova logs',
      '    minute: "0"',
      '    hour: "3"',
      '    job: /usr/sbin/logrotate /etc/logrotate.d/nova',
      '',
      '- name: A system job in /etc/cron.d',
      '  cron:',
      '    name: keystone token flush',
      '    cron_file: keystone',
      '    user: keystone',
      '    special_time: hourly',
      '    job: keystone-manage token_flush >/dev/null 2>&1',
      '',
      '- name: MAILTO for the root crontab',
      '  cron:',
      '    name: MAILTO',
      '    env: true',
      '    job: ops@example.com',
      '',
      '- name: Remove a job',
      '  cron:',
      '    name: rotate nova logs',
      '    state: absent',
    ].join('\n'),
    returns: {
      jobs: 'Names of the jobs managed in the crontab after the task.',
      envs: 'Names of the variables in the crontab after the task.',
      cron_file: 'The cron_file, when one was given.',
      backup_file: 'The backup, with backup: true when the crontab changed.',
      warnings: 'e.g. a job with a line break.',
    },
    notes: [
      'User crontabs need the `crontab` command on the host, as in Ansible.',
      'A cron_file backup is written beside the file (FILE.DATE~) rather than in /tmp.',
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    mutuallyExclusive(ctx, a, ['insertafter', 'insertbefore']);
    let cronFile: string | undefined;
    const warnings: string[] = [];
    if (a.cron_file) {
      if (a.cron_file === '/etc/crontab') ctx.fail('Will not manage /etc/crontab via cron_file, see documentation.');
      cronFile = a.cron_file.startsWith('/') ? a.cron_file : posix.join('/etc/cron.d', a.cron_file);
      const base = posix.basename(cronFile);
      if (!/^[A-Z0-9_-]+$/i.test(base)) {
        warnings.push(`Filename portion of cron_file ("${base}") should consist solely of upper- and lower-case letters, digits, underscores, and hyphens`);
      }
    }
    const times = [a.minute, a.hour, a.day ?? '*', a.month, a.weekday ?? '*'];
    if (a.special_time && times.some((t) => t !== '*')) ctx.fail('You must specify time and date fields or special time.');
    if (a.state === 'present') {
      if (cronFile && !a.user) ctx.fail('To use cron_file=... parameter you must specify user=... as well');
      if (a.job === undefined) ctx.fail("You must specify 'job' to install a new cron job or variable");
      if ((a.insertafter || a.insertbefore) && !a.env) ctx.fail('Insertafter and insertbefore parameters are valid only with env=yes');
    }
    if (a.env && a.name.includes(' ')) ctx.fail('Invalid name for environment variable');

    // Read: the file, or the user's crontab (rc 1 with "no crontab" is an empty one).
    const userOpt = a.user ? `-u ${ctx.quote(a.user)} ` : '';
    let lines: string[];
    let existing: string;
    if (cronFile) {
      const content = await ctx.readFile(cronFile);
      existing = content ? content.toString('utf8') : '';
      lines = splitlines(existing);
    } else {
      const res = await ctx.run(`crontab ${userOpt}-l`);
      if (res.rc === 127) ctx.fail(`Failed to find required executable "crontab" on ${ctx.host.name} (install cron, or use cron_file)`);
      if (res.rc !== 0 && res.rc !== 1) ctx.fail(`Unable to read crontab: ${res.stderr.trim()}`);
      ({ lines, existing } = parseCrontabListing(res.rc === 0 ? res.stdout : ''));
    }

    let change;
    try {
      change = applyCron(lines, existing, {
        name: a.name,
        state: a.state,
        env: a.env,
        ...(a.job !== undefined ? { job: a.job } : {}),
        spec: {
          minute: a.minute,
          hour: a.hour,
          day: a.day ?? '*',
          month: a.month,
          weekday: a.weekday ?? '*',
          ...(a.special_time ? { special: a.special_time } : {}),
          disabled: a.disabled,
          ...(cronFile ? { fileUser: a.user ?? 'root' } : {}),
        },
        ...(a.insertafter ? { insertafter: a.insertafter } : {}),
        ...(a.insertbefore ? { insertbefore: a.insertbefore } : {}),
        cronFile: Boolean(cronFile),
      });
    } catch (err) {
      if (err instanceof EnvAnchorError) return ctx.fail(err.message);
      throw err;
    }
    const header = cronFile ?? (a.user ? `crontab for user "${a.user}"` : 'crontab');
    if (change.removeFile) {
      const exists = existing !== '' || (await ctx.run(`[ -e ${ctx.quote(cronFile!)} ]`)).rc === 0;
      if (exists && ctx.check) ctx.predicted.setFile(cronFile!, 'absent');
      if (exists && !ctx.check) {
        const rm = await ctx.run(`rm -f -- ${ctx.quote(cronFile!)}`);
        if (rm.rc !== 0) ctx.fail(`could not remove ${cronFile}: ${rm.stderr.trim()}`);
      }
      const out: ModuleResult = { changed: exists, cron_file: a.cron_file, state: a.state };
      if (ctx.diff) out.diff = { before: existing, after: '', beforeHeader: header, afterHeader: '/dev/null' };
      return out;
    }
    const after = render(change.lines);
    const result: ModuleResult = {
      changed: change.changed,
      jobs: jobNames(change.lines),
      envs: envNames(change.lines),
      warnings: [...warnings, ...change.warnings],
    };
    if (change.changed && cronFile) {
      // In check mode this records the prediction for later tasks and writes nothing.
      const written = await ctx.writeFile(cronFile, after, { backup: a.backup });
      if (a.backup && written.backupFile) result.backup_file = written.backupFile;
    } else if (change.changed && !ctx.check) {
      {
        const backup = a.backup ? `b=$(mktemp /tmp/crontabXXXXXXXX) && { crontab ${userOpt}-l > "$b" 2>/dev/null; printf '%s\\n' "$b"; } && ` : '';
        const res = await ctx.run(`${backup}crontab ${userOpt}-`, { stdin: after });
        if (res.rc !== 0) ctx.fail(res.stderr.trim() || `crontab exited ${res.rc}`);
        if (a.backup) result.backup_file = res.stdout.trim();
      }
    }
    if (change.changed && ctx.diff) result.diff = { before: existing, after, beforeHeader: header, afterHeader: header } satisfies DiffEntry;
    if (cronFile) result.cron_file = a.cron_file;
    return result;
  },
});
