/** The pure parts of fsfreeze: the helper's replies and what the kernel's errors mean. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FREEZE_FAILED, FROZEN, freezeReplyEnd, holdFrozenScript, THAWED, thawCommand, toolError, toolOutput } from '../../../modules/_lib/fsfreeze.js';

describe('fsfreeze helper', () => {
  it('the reply ends at the frozen or the failed word', () => {
    expect(freezeReplyEnd('')).toBe(-1);
    expect(freezeReplyEnd(`${FROZEN}\n`)).toBe(FROZEN.length + 1);
    const failed = `xfs_freeze: cannot freeze filesystem at /d: Device or resource busy\n${FREEZE_FAILED}\n`;
    expect(freezeReplyEnd(failed)).toBe(failed.length);
  });

  it('EBUSY to freeze is "already frozen", EINVAL to thaw is "not frozen"', () => {
    expect(toolError('xfs_freeze: cannot freeze filesystem at /d: Device or resource busy')).toBe('already-frozen');
    expect(toolError('xfs_freeze: cannot unfreeze filesystem mounted at /d: Invalid argument')).toBe('not-frozen');
    expect(toolError('xfs_freeze: specified file ["/d"] is not on an XFS filesystem')).toBe('other');
    expect(toolOutput(`line one\n${THAWED}\n\n`)).toBe('line one');
  });

  it('the path survives quotes and spaces, in the trap too; the thaw is an EXIT trap, signals become an exit', () => {
    const path = "/mnt/da'ta x";
    const s = holdFrozenScript(path, 'fsfreeze');
    // The script with a stand-in tool that prints its arguments, input ended at once.
    const r = spawnSync('/bin/sh', ['-c', `fsfreeze() { printf '%s|%s\\n' "$1" "$2"; }; ${s}`], { input: '', encoding: 'utf8' });
    expect(r.stdout).toBe(`-f|${path}\n${FROZEN}\n-u|${path}\n${THAWED}\n`);
    expect(s).toMatch(/trap '.*fsfreeze -u "\$p".*' EXIT/);
    expect(s).toContain("trap 'exit 143' HUP INT TERM PIPE");
    expect(thawCommand('/mnt/data', 'xfs_freeze')).toBe('xfs_freeze -u /mnt/data 2>&1');
  });
});
