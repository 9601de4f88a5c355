/**
 * owner/group/mode for what `unarchive` unpacked, as Ansible applies them: to every member
 * of the archive and to each top-level folder, only where they differ. The host reports
 * the members' state (one stat per member, in the unpacking command); the controller
 * compares with `compareAttrs` and carries out only the chmod/chown needed (`applyPlan`).
 */
import { posix } from 'node:path';
import type { AttrOp } from './apply-plan.js';
import { compareAttrs, type DesiredAttrs } from './file-attrs.js';
import { STAT_KINDS, type PathState } from './path-state.js';

/** Ansible's list: the members, then each top folder (`a` of `a/b`), without repeats. */
export function attrTargets(members: string[]): string[] {
  const out = new Set(members);
  for (const m of members) if (m.includes('/')) out.add(m.split('/')[0]!);
  return [...out].filter(Boolean);
}

/**
 * Host script: one NUL-terminated record per existing target below `dest`, read from the
 * names (one per line) on this section's stdin. Run in a subshell, so `cd` stays local.
 */
export function memberStatSection(dest: string, quoteFn: (s: string) => string, namesCommand: string): string {
  return [
    `( cd -- ${quoteFn(dest)} || exit 1`,
    `  ${namesCommand} | while IFS= read -r n; do`,
    '    p=$n; case $p in -*) p=./$p;; esac',
    '    [ -e "$p" ] || [ -L "$p" ] || continue',
    '    stat --printf "%F\\t%f\\t%u\\t%g\\t%U\\t%G\\t" -- "$p" && printf "%s\\0" "$n"',
    '  done )',
  ].join('\n');
}

export function parseMemberStats(out: string, dest: string): PathState[] {
  const states: PathState[] = [];
  for (const record of out.split('\0')) {
    const f = record.split('\t');
    if (f.length < 7) continue;
    const name = f.slice(6).join('\t');
    states.push({
      path: posix.join(dest, name),
      kind: STAT_KINDS[f[0]!] ?? 'other',
      mode: parseInt(f[1]!, 16),
      uid: Number(f[2]),
      gid: Number(f[3]),
      owner: f[4]!,
      group: f[5]!,
      parentKind: 'directory',
    });
  }
  return states;
}

/** The chmod/chown each member needs (links keep their mode; their owner changes with -h). */
export function memberAttrOps(states: PathState[], desired: DesiredAttrs): AttrOp[] {
  const ops: AttrOp[] = [];
  for (const st of states) {
    const want = st.kind === 'link' ? { ...desired, mode: undefined } : desired;
    const cmp = compareAttrs(st, want);
    if (!cmp.changed) continue;
    const kind = st.kind === 'directory' ? 'directory' : st.kind === 'link' ? 'link' : 'file';
    ops.push({ path: st.path, kind, ...cmp.op, ...(st.kind === 'link' ? { noDereference: true } : {}) });
  }
  return ops;
}

export function hasAttrs(d: DesiredAttrs): boolean {
  return d.mode !== undefined || d.owner !== undefined || d.group !== undefined;
}
