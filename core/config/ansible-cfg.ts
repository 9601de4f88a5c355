/**
 * ansible.cfg: where Ansible finds it and how Python's configparser reads it, so that a
 * project's existing file means the same to tsplay.
 *
 * Search order (the first file found is the only one read, as in Ansible):
 * `ANSIBLE_CONFIG` (a file, or a directory holding ansible.cfg), `./ansible.cfg` (skipped,
 * with a warning, when the current directory is world-writable), `~/.ansible.cfg`,
 * `/etc/ansible/ansible.cfg`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export interface CfgValue {
  value: string;
  line: number;
}

export interface AnsibleCfg {
  path: string;
  /** section (lower case) -> key (lower case, as configparser's optionxform) -> value. */
  sections: Map<string, Map<string, CfgValue>>;
}

export interface FindContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** A warning for the user (the world-writable current directory). */
  warn(message: string): void;
}

const WORLD_WRITABLE = 0o002;

/** The path of the ansible.cfg Ansible would read here, if any. */
export function findAnsibleCfg(ctx: FindContext): string | undefined {
  const fromEnv = ctx.env.ANSIBLE_CONFIG;
  if (fromEnv) {
    const p = resolve(ctx.cwd, expandUser(fromEnv, ctx.home));
    const file = existsSync(p) && statSync(p).isDirectory() ? join(p, 'ansible.cfg') : p;
    if (existsSync(file)) return file;
    // Ansible falls through to the other places when ANSIBLE_CONFIG names nothing; say so,
    // since a typo there otherwise silently picks another file.
    ctx.warn(`ANSIBLE_CONFIG names ${file}, which does not exist; looking in the usual places`);
  }
  const local = join(ctx.cwd, 'ansible.cfg');
  if (existsSync(local)) {
    if (statSync(ctx.cwd).mode & WORLD_WRITABLE) {
      ctx.warn(`Ansible is being run in a world writable directory (${ctx.cwd}), ignoring it as an ansible.cfg source.`);
    } else {
      return local;
    }
  }
  for (const p of [join(ctx.home, '.ansible.cfg'), '/etc/ansible/ansible.cfg']) if (existsSync(p)) return p;
  return undefined;
}

export function expandUser(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/**
 * configparser's reading of an INI file: `[section]`, `key = value` or `key: value`, whole-line
 * comments (# or ;), indented lines continuing the previous value, keys case-insensitive.
 * Inline comments are part of the value, as with configparser's defaults (Ansible strips
 * nothing either), so `forks = 10 # many` is an error for a number, reported with the line.
 */
export function parseAnsibleCfg(text: string, path: string): AnsibleCfg {
  const sections = new Map<string, Map<string, CfgValue>>();
  let current: Map<string, CfgValue> | undefined;
  let last: CfgValue | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*([#;].*)?$/.test(raw)) {
      last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value += `\n${raw.trim()}`;
      return;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (section) {
      const name = section[1]!.trim().toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      last = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (!kv) throw new ConfigFileError(`${path}:${line}: not a setting (expected 'key = value' or a [section]): ${raw.trim()}`);
    if (!current) throw new ConfigFileError(`${path}:${line}: setting '${kv[1]}' before any [section] (put it under [defaults])`);
    last = { value: kv[2]!.trim(), line };
    current.set(kv[1]!.trim().toLowerCase(), last);
  });
  return { path, sections };
}

export function readAnsibleCfg(path: string): AnsibleCfg {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseAnsibleCfg(text, path);
}
