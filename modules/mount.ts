/**
 * `mount` (ansible.posix.mount): an fstab entry and the mount itself. ONE command reads the
 * fstab, the mount table and whether the mount point exists; fstab is edited in the
 * controller (modules/_lib/fstab.ts, byte-preserving) and written atomically; one command
 * mounts, unmounts or remounts.
 */
import { defineModule, type DiffEntry, type ModuleContext } from '../core/modules/api.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { mountPoints, setMount, unsetMount, type FstabEntry } from './_lib/fstab.js';

interface MountArgs {
  path?: string;
  src?: string;
  fstype?: string;
  opts?: string;
  dump: string;
  passno: string;
  state: 'mounted' | 'present' | 'unmounted' | 'absent' | 'absent_from_fstab' | 'remounted';
  fstab?: string;
  boot: boolean;
  backup: boolean;
}

const ALIASES = { path: ['name'] };

interface HostView {
  fstab: string;
  fstabExists: boolean;
  mounted: boolean;
  pathExists: boolean;
}

async function readHost(ctx: ModuleContext<MountArgs>, fstab: string, path: string): Promise<HostView> {
  const q = ctx.quote;
  const res = await ctx.run(
    [
      `if [ -e ${q(fstab)} ]; then echo fstab; cat -- ${q(fstab)} || exit 1; fi`,
      'printf "\\0"',
      'cat /proc/self/mountinfo',
      'printf "\\0"',
      `[ -e ${q(path)} ] && echo exists; true`,
    ].join('\n'),
  );
  if (res.rc !== 0) ctx.fail(`could not read ${fstab} on ${ctx.host.name}: ${res.stderr.trim()}`);
  const [fstabPart = '', mountinfo = '', pathPart = ''] = res.stdout.split('\0');
  const fstabExists = fstabPart.startsWith('fstab\n');
  // In check mode, an fstab an earlier task would write is what this task edits.
  const predicted = ctx.check ? ctx.predicted.file(fstab) : undefined;
  return {
    fstab: Buffer.isBuffer(predicted) ? predicted.toString('utf8') : fstabExists ? fstabPart.slice('fstab\n'.length) : '',
    fstabExists,
    mounted: mountPoints(mountinfo).has(path.length > 1 ? path.replace(/\/+$/, '') : path),
    pathExists: pathPart.trim() === 'exists',
  };
}

export default defineModule<MountArgs>({
  name: 'mount',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['state'],
    properties: {
      ...withAliases({ path: { type: 'string', pattern: '^/', description: 'Required. The mount point (absolute).' } }, ALIASES),
      src: { type: 'string', minLength: 1, description: 'Device, UUID=/LABEL= spec, or directory for a bind mount. Required with mounted and present.' },
      fstype: { type: 'string', minLength: 1, pattern: '^\\S+$', description: 'File system type (ext4, xfs, tmpfs, none with opts bind...). Required with mounted and present.' },
      opts: { type: 'string', pattern: '^\\S*$', description: "Mount options, comma separated (default 'defaults')." },
      dump: { type: 'string', pattern: '^\\d+$', default: '0', description: 'fstab dump field.' },
      passno: { type: 'string', pattern: '^\\d+$', default: '0', description: 'fstab pass field.' },
      state: {
        enum: ['mounted', 'present', 'unmounted', 'absent', 'absent_from_fstab', 'remounted'],
        description: 'mounted: in fstab and mounted; present: in fstab only; unmounted: not mounted (fstab kept); absent: out of fstab, unmounted, mount point removed; absent_from_fstab: out of fstab only; remounted: remount now (always a change).',
      },
      fstab: { type: 'string', pattern: '^/', description: "The fstab file (default /etc/fstab); a file of your own is used with 'mount -T'." },
      boot: { type: 'boolean', default: true, description: "false: add 'noauto' to opts (unless opts is 'defaults')." },
      backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of fstab before changing it.' },
    },
  },
  docs: {
    short: 'Control mounts and their fstab entries',
    description: [
      "ansible.posix.mount on Linux: the entry in fstab (edited line by line exactly as Ansible does: other lines",
      'and comments are kept byte for byte, the entry is rewritten only when a field differs) and the mount',
      'itself. One command reads fstab, /proc/self/mountinfo and the mount point; fstab is written',
      'atomically; one command mounts (`mount [-T FSTAB] PATH`, so the fstab entry is what gets mounted),',
      'unmounts or remounts. A changed entry of a mounted file system is remounted. Check mode predicts the',
      'same changes and `--diff` shows fstab before and after.',
    ].join('\n'),
    examples: [
      '- name: A scratch tmpfs',
      '  mount:',
      '    path: /var/cache/scratch',
      '    src: tmpfs',
      '    fstype: tmpfs',
      '    opts: size=64m,mode=1777',
      '    state: mounted',
      '',
      '- name: NFS share for Glance images',
      '  mount:',
      '    path: /var/lib/glance/images',
      '    src: nfs1:/export/images',
      '    fstype: nfs',
      '    opts: rw,hard',
      '    state: mounted',
      '',
      '- name: A bind mount, only in fstab (mounted at next boot)',
      '  mount:',
      '    path: /srv/www',
      '    src: /data/www',
      '    fstype: none',
      '    opts: bind',
      '    state: present',
      '',
      '- name: Unmount and forget it',
      '  mount:',
      '    path: /var/cache/scratch',
      '    state: absent',
    ].join('\n'),
    returns: {
      name: 'The mount point.',
      src: 'The source.',
      fstype: 'The file system type.',
      opts: 'The options written.',
      dump: 'The dump field.',
      passno: 'The pass field.',
      fstab: 'The fstab file.',
      backup_file: 'fstab backup, with backup: true when it changed.',
    },
    notes: [
      "An fstab whose last line has no newline gets one when the file is rewritten (as Ansible).",
      "Not supported: state 'ephemeral' (mount without fstab), Solaris/BSD fstab formats.",
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    if (!a.path) ctx.fail("missing required argument 'path' (or one of its aliases: name)");
    if ((a.state === 'mounted' || a.state === 'present') && (!a.src || !a.fstype)) {
      ctx.fail(`state is ${a.state} but all of the following are missing: ${[!a.src && 'src', !a.fstype && 'fstype'].filter(Boolean).join(', ')}`);
    }
    const path = a.path!;
    const fstab = a.fstab ?? '/etc/fstab';
    const warnings: string[] = [];
    let opts = a.opts ?? 'defaults';
    const optList = opts.split(',');
    if (optList.includes('noauto')) warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
    else if (!a.boot) {
      if (optList.includes('defaults')) warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
      else opts = [...optList, 'noauto'].join(',');
    }
    const entry: FstabEntry = { src: a.src ?? '', name: path, fstype: a.fstype ?? '', opts, dump: a.dump, passno: a.passno };
    const view = await readHost(ctx, fstab, path);
    const q = ctx.quote;
    const fstabArg = fstab !== '/etc/fstab' ? ` -T ${q(fstab)}` : '';

    let newFstab: string | undefined;
    const commands: string[] = [];
    let changed = false;
    let failWhat = '';
    switch (a.state) {
      case 'present': {
        const r = setMount(view.fstab, entry);
        if (r.changed) newFstab = r.text;
        changed = r.changed;
        break;
      }
      case 'absent_from_fstab':
      case 'absent': {
        const r = unsetMount(view.fstab, path, a.src);
        if (r.changed) newFstab = r.text;
        changed = r.changed;
        if (a.state === 'absent' && r.changed) {
          if (view.mounted) commands.push(`umount -- ${q(path)} || { echo "Error unmounting ${path.replace(/[^\w./-]/g, '?')}" >&2; exit 3; }`);
          if (view.pathExists) commands.push(`rmdir -- ${q(path)} || exit 4`);
          failWhat = 'Error unmounting/removing';
        }
        break;
      }
      case 'unmounted':
        if (view.mounted) {
          commands.push(`umount -- ${q(path)}`);
          changed = true;
          failWhat = 'Error unmounting';
        }
        break;
      case 'mounted': {
        const r = setMount(view.fstab, entry);
        if (r.changed) newFstab = r.text;
        if (!view.pathExists) commands.push(`mkdir -p -- ${q(path)}`);
        if (view.mounted) {
          if (r.changed) commands.push(`mount -o remount${fstabArg} -- ${q(path)} || { umount -- ${q(path)} && mount${fstabArg} -- ${q(path)}; }`);
          changed = r.changed;
          failWhat = 'Error remounting';
        } else {
          commands.push(`mount${fstabArg} -- ${q(path)}`);
          changed = true;
          failWhat = 'Error mounting';
        }
        break;
      }
      case 'remounted':
        commands.push(
          opts !== 'defaults'
            ? `mount -o ${q(`remount,${opts}`)}${fstabArg} -- ${q(path)}`
            : `mount -o remount${fstabArg} -- ${q(path)} || { umount -- ${q(path)} && mount${fstabArg} -- ${q(path)}; }`,
        );
        changed = true;
        failWhat = 'Error remounting';
        break;
    }

    const result: Record<string, unknown> & { changed: boolean } = {
      changed,
      name: path,
      opts,
      dump: a.dump,
      passno: a.passno,
      fstab,
      boot: a.boot ? 'yes' : 'no',
      backup_file: '',
      warnings,
      ...(a.src !== undefined ? { src: a.src } : {}),
      ...(a.fstype !== undefined ? { fstype: a.fstype } : {}),
    };
    if (newFstab !== undefined) {
      // In check mode this records the prediction and writes nothing.
      const written = await ctx.writeFile(fstab, newFstab, { backup: a.backup && view.fstabExists });
      if (written.backupFile) result.backup_file = written.backupFile;
    }
    if (commands.length && !ctx.check) {
      const res = await ctx.run(commands.join(' && '));
      if (res.rc !== 0) {
        // As Ansible: a failed mount puts the old fstab back.
        if (a.state === 'mounted' && newFstab !== undefined) await ctx.writeFile(fstab, view.fstab);
        ctx.fail(`${failWhat} ${path}: ${(res.stderr || res.stdout).trim()}`, { rc: res.rc });
      }
    }
    if (changed && ctx.diff && newFstab !== undefined) result.diff = { before: view.fstab, after: newFstab, beforeHeader: fstab, afterHeader: fstab } satisfies DiffEntry;
    return result;
  },
});
