/**
 * Argument values never become command options. Quoting (shell-quote.ts) stops the shell
 * from reading a value as code; this file stops the *command* from reading it as an
 * option: `chown '--reference=/etc/shadow' f` is perfectly quoted and still an option.
 *
 * The rule every command built from an argument value follows:
 * - `--` before the operands, when the tool supports it (coreutils, getent, systemctl...);
 * - a relative path that starts with `-` gets a `./` prefix where the tool has no `--`
 *   (find) - `pathOperand`;
 * - values that can never start with `-` (owners, groups, package and host names) are
 *   refused by the module's schema (`NOT_AN_OPTION` in core/modules/validate-args.ts).
 * docs/security.md lists every call site.
 */
import { quote } from './shell-quote.js';

/**
 * Quote a path for a tool that has no `--` (find): a relative path starting with `-`
 * gets `./` in front, which names the same file and cannot be an option.
 */
export function pathOperand(path: string): string {
  return quote(path.startsWith('-') ? `./${path}` : path);
}

/** chown's OWNER[:GROUP] operand; undefined when neither is wanted. */
export function ownerSpec(owner: string | undefined, group: string | undefined): string | undefined {
  if (!owner && !group) return undefined;
  return `${owner ?? ''}${group ? `:${group}` : ''}`;
}

/**
 * `chown [flags] -- OWNER[:GROUP] TARGETS`. `targets` are already quoted shell words
 * (`"$t"`, quoted paths). The `--` comes before the spec, so an owner can never be an option.
 */
export function chownCommand(spec: string, targets: string, flags = ''): string {
  return `chown ${flags}-- ${quote(spec)} ${targets}`;
}

/**
 * `chmod [flags] -- MODE TARGETS`. GNU chmod takes a mode after `--` (`chmod -- -w f`
 * removes write permission), so a symbolic mode starting with `-` stays a mode.
 */
export function chmodCommand(mode: string, targets: string, flags = ''): string {
  return `chmod ${flags}-- ${quote(mode)} ${targets}`;
}
