/**
 * OpenSSH client configuration (`~/.ssh/config`, then `/etc/ssh/ssh_config`), parsed by the
 * `ssh-config` package. We add what that package leaves out: reading the files, `Include`
 * (with wildcards in the file name), the user-then-system order, and a per-process cache
 * so a run with 500 hosts reads each file once. `Match exec` is not evaluated (the package
 * runs it with bash syntax under /bin/sh, which fails on Debian); other `Match` criteria are.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import SSHConfig from 'ssh-config';
import { setOption, type SshOptionValues } from './ssh-args.js';

export const USER_CONFIG = '~/.ssh/config';
export const SYSTEM_CONFIG = '/etc/ssh/ssh_config';

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/** Read a config file with its `Include`s spliced in; a missing file is empty. */
export function readConfigText(file: string, baseDir: string, depth = 0): string {
  if (depth > 16) throw new Error(`${file}: Include nested too deeply (loop?)`);
  let text: string;
  try {
    text = readFileSync(expandHome(file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new Error(`cannot read ssh config ${file}: ${(e as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*include\s*(?:=\s*|\s+)(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const included: string[] = [];
      for (const pattern of m[1]!.split(/\s+/)) {
        for (const f of globFiles(pattern.replace(/^"(.*)"$/, '$1'), baseDir)) {
          included.push(readConfigText(f, baseDir, depth + 1));
        }
      }
      return included.join('\n');
    })
    .join('\n');
}

/** `Include` paths: relative ones are under ~/.ssh (user) or /etc/ssh (system); glob in the last part. */
function globFiles(pattern: string, baseDir: string): string[] {
  const full = path.resolve(baseDir, expandHome(pattern));
  const dir = path.dirname(full);
  const base = path.basename(full);
  if (!picomatch.scan(base).isGlob) return [full];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const isMatch = picomatch(base, { dot: false });
  return names.filter((n) => isMatch(n)).sort().map((n) => path.join(dir, n));
}

export interface SshConfigSource {
  /** Options for `host`, lower-cased keys; the first file wins, values accumulate where ssh's do. */
  lookup(host: string): SshOptionValues;
}

/** Parsed configs in precedence order: for each option, the first file that sets it wins. */
class ParsedSshConfig implements SshConfigSource {
  constructor(private readonly configs: SSHConfig[]) {}

  lookup(host: string): SshOptionValues {
    const merged: SshOptionValues = {};
    for (const config of this.configs) {
      const computed = config.compute(host, { ignoreCase: true, matchExec: false });
      for (const [key, value] of Object.entries(computed)) {
        if (key === 'host') continue; // the matched patterns, not an option
        setOption(merged, key, value);
      }
    }
    return merged;
  }
}

function parseConfigFile(file: string, baseDir: string): SSHConfig {
  const text = readConfigText(file, baseDir);
  try {
    return SSHConfig.parse(text);
  } catch (e) {
    throw new Error(`cannot parse ssh config ${file}: ${(e as Error).message}`);
  }
}

const cache = new Map<string, SshConfigSource>();

/**
 * The ssh configuration ssh itself would use: `-F file` alone if given, else the user's
 * file followed by the system one.
 */
export function loadSshConfig(configFile?: string): SshConfigSource {
  const key = configFile ?? '';
  let source = cache.get(key);
  if (!source) {
    const sshDir = path.join(os.homedir(), '.ssh');
    source = new ParsedSshConfig(
      configFile
        ? [parseConfigFile(configFile, sshDir)]
        : [parseConfigFile(USER_CONFIG, sshDir), parseConfigFile(SYSTEM_CONFIG, '/etc/ssh')],
    );
    cache.set(key, source);
  }
  return source;
}

/** A config built from text, for tests and for callers that already hold the file. */
export function sshConfigFromText(text: string): SshConfigSource {
  return new ParsedSshConfig([SSHConfig.parse(text)]);
}

/** Forget cached files (tests; a long-lived process after the user edits ~/.ssh/config). */
export function clearSshConfigCache(): void {
  cache.clear();
}
