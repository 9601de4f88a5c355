/**
 * The shell side of `fsfreeze`: a helper that freezes a filesystem, reports it, holds the
 * freeze while its input stays open, and thaws when its input ends or it is told to stop.
 * Pure: the scripts and the reading of their output.
 */
import { quote } from '../../core/transport/shell-quote.js';

export type FreezeTool = 'xfs_freeze' | 'fsfreeze';

/** Printed by the helper once the freeze took. */
export const FROZEN = 'tsplay-fsfreeze-frozen';
export const THAWED = 'tsplay-fsfreeze-thawed';
export const THAW_FAILED = 'tsplay-fsfreeze-thaw-failed';
export const FREEZE_FAILED = 'tsplay-fsfreeze-freeze-failed';

/**
 * The held helper. The thaw is an EXIT trap, and TERM/HUP/INT/PIPE become an exit, so it
 * runs on every way the helper can end short of SIGKILL: end of input (the task that thaws,
 * the end of the play, a dropped SSH connection: sshd closes the pipe), the kill that follows
 * a stuck session. `cat` waits for end of input (a child process, so a TERM to the helper is
 * handled at once and not after a builtin `read` returns). Nothing here touches the frozen
 * filesystem: the helper's working directory is the login's home.
 */
export function holdFrozenScript(path: string, tool: FreezeTool): string {
  // The path in a variable: the trap's text is read again when it runs, where a quoted
  // literal inside the single-quoted trap would not survive a quote in the path.
  return [
    `p=${quote(path)}`,
    `if ! ${tool} -f "$p" 2>&1; then echo ${FREEZE_FAILED}; exit 3; fi`,
    `trap 'r=$?; trap "" PIPE; if ${tool} -u "$p" 2>&1; then echo ${THAWED}; else echo ${THAW_FAILED}; fi; exit $r' EXIT`,
    "trap 'exit 143' HUP INT TERM PIPE",
    `echo ${FROZEN}`,
    'cat >/dev/null',
  ].join('\n');
}

/** A thaw without a helper (a freeze made outside this run); prints the tool's error. */
export function thawCommand(path: string, tool: FreezeTool): string {
  return `${tool} -u ${quote(path)} 2>&1`;
}

/** Check mode: what a freeze needs (the tool, and a mounted filesystem at the path). */
export function freezeProbeCommand(path: string, tool: FreezeTool): string {
  const p = quote(path);
  return `command -v ${tool} >/dev/null || { echo "${tool} is not installed"; exit 1; }; mountpoint -q ${p} || { echo "${path.replace(/[^\w./-]/g, '?')} is not a mount point"; exit 1; }`;
}

/** The end of the helper's first reply: frozen, or the freeze failed (then it exits). */
export function freezeReplyEnd(output: string): number {
  for (const word of [FROZEN, FREEZE_FAILED]) {
    const at = output.indexOf(`${word}\n`);
    if (at >= 0) return at + word.length + 1;
  }
  return -1;
}

/**
 * What the kernel said when the tool failed: EBUSY to freeze means the filesystem is frozen
 * already, EINVAL to thaw means it was not frozen (the ioctls FIFREEZE/FITHAW).
 */
export function toolError(output: string): 'already-frozen' | 'not-frozen' | 'other' {
  if (/Device or resource busy/i.test(output)) return 'already-frozen';
  if (/Invalid argument/i.test(output)) return 'not-frozen';
  return 'other';
}

/** The tool's own lines of an output (the helper's marker words taken out). */
export function toolOutput(output: string): string {
  return output
    .split('\n')
    .filter((l) => l && ![FROZEN, THAWED, THAW_FAILED, FREEZE_FAILED].includes(l))
    .join('\n')
    .trim();
}
