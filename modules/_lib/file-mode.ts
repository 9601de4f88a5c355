/**
 * File modes as Ansible accepts them: an octal string ('0644', '644'), a number (the mode
 * value itself, as YAML 1.1 reads `0644`), or a chmod-style symbolic mode ('u+rwX,g-w,o=').
 * The controller computes the resulting octal mode, so we can tell before acting whether
 * anything would change (and predict it exactly in check mode).
 */

export type ModeArg = string | number;

export type ParsedMode = { kind: 'octal'; mode: number } | { kind: 'symbolic'; spec: string } | { kind: 'preserve' };

const CLAUSE = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/;

export class ModeError extends Error {
  override name = 'ModeError';
}

/** Parse a `mode:` argument; throws ModeError with a message the user can act on. */
export function parseMode(value: ModeArg): ParsedMode {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0o7777) throw new ModeError(`mode ${value} is out of range (0 to 07777)`);
    return { kind: 'octal', mode: value };
  }
  const text = value.trim();
  if (text === 'preserve') return { kind: 'preserve' };
  if (/^0?o?[0-7]{1,4}$/.test(text)) return { kind: 'octal', mode: parseInt(text.replace(/^0?o/, ''), 8) };
  const clauses = text.split(',');
  if (clauses.every((c) => CLAUSE.test(c))) return { kind: 'symbolic', spec: clauses.map((c) => (/^[-+=]/.test(c) ? `a${c}` : c)).join(',') };
  throw new ModeError(`mode '${value}' is neither an octal mode (e.g. '0644') nor a symbolic one (e.g. 'u=rw,g=r,o=r', 'u+x')`);
}

const CLASS_BITS: Record<'u' | 'g' | 'o', number> = { u: 0o700, g: 0o070, o: 0o007 };
const CLASS_SHIFT: Record<'u' | 'g' | 'o', number> = { u: 6, g: 3, o: 0 };

function classesOf(who: string): Array<'u' | 'g' | 'o'> {
  if (who === '' || who.includes('a')) return ['u', 'g', 'o'];
  return (['u', 'g', 'o'] as const).filter((c) => who.includes(c));
}

/** Apply one symbolic clause list to `current` (a file's mode bits, 0-07777). */
function applySymbolic(current: number, spec: string, isDir: boolean): number {
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const who = /^[ugoa]*/.exec(clause)![0];
    const classes = classesOf(who);
    const classMask = classes.reduce((m, c) => m | CLASS_BITS[c], 0);
    for (const [, op, perms] of clause.slice(who.length).matchAll(/([-+=])([rwxXstugo]*)/g)) {
      let bits = 0;
      if (perms && /^[ugo]$/.test(perms)) {
        // Copy another class's permissions: `g=u`.
        const source = (mode >> CLASS_SHIFT[perms as 'u' | 'g' | 'o']) & 0o7;
        for (const c of classes) bits |= source << CLASS_SHIFT[c];
      } else {
        for (const p of perms ?? '') {
          if (p === 'r') bits |= 0o444 & classMask;
          else if (p === 'w') bits |= 0o222 & classMask;
          else if (p === 'x') bits |= 0o111 & classMask;
          else if (p === 'X') {
            if (isDir || (current & 0o111) !== 0) bits |= 0o111 & classMask;
          } else if (p === 's') {
            if (classes.includes('u')) bits |= 0o4000;
            if (classes.includes('g')) bits |= 0o2000;
          } else if (p === 't') {
            if (classes.includes('o')) bits |= 0o1000;
          }
        }
      }
      if (op === '+') mode |= bits;
      else if (op === '-') mode &= ~bits;
      else {
        let clear = classMask;
        if (classes.includes('u')) clear |= 0o4000;
        if (classes.includes('g')) clear |= 0o2000;
        if (classes.includes('o')) clear |= 0o1000;
        mode = (mode & ~clear) | bits;
      }
    }
  }
  return mode & 0o7777;
}

/** The mode a file with `current` mode ends up with; `undefined` spec keeps it. */
export function resultingMode(current: number, spec: ParsedMode | undefined, isDir: boolean): number {
  if (!spec || spec.kind === 'preserve') return current & 0o7777;
  if (spec.kind === 'octal') return spec.mode;
  return applySymbolic(current, spec.spec, isDir);
}

/** '0644' style, as Ansible returns modes. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** The argument for chmod: octal for octal modes, the (normalised) symbolic text otherwise. */
export function chmodArgument(spec: ParsedMode): string {
  if (spec.kind === 'octal') return formatMode(spec.mode);
  if (spec.kind === 'symbolic') return spec.spec;
  throw new ModeError("mode 'preserve' has no chmod form");
}

/** Ansible's permission flags of a mode (stat and find return them): wusr ... xoth, isuid, isgid. */
export function permissionBits(mode: number): Record<string, boolean> {
  return {
    wusr: Boolean(mode & 0o200),
    rusr: Boolean(mode & 0o400),
    xusr: Boolean(mode & 0o100),
    wgrp: Boolean(mode & 0o020),
    rgrp: Boolean(mode & 0o040),
    xgrp: Boolean(mode & 0o010),
    woth: Boolean(mode & 0o002),
    roth: Boolean(mode & 0o004),
    xoth: Boolean(mode & 0o001),
    isuid: Boolean(mode & 0o4000),
    isgid: Boolean(mode & 0o2000),
  };
}
