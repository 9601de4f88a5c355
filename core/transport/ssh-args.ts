/**
 * Ansible's `ansible_ssh_common_args` / `ansible_ssh_extra_args` are OpenSSH command-line
 * arguments. ssh2 is not OpenSSH, so we read the options that decide where and how we
 * connect and say which ones we ignore. Option names come back lower-cased, like the keys
 * from `ssh-config.ts`, so the two sources merge with the same precedence rules ssh uses
 * (the first value obtained wins; `IdentityFile` and `UserKnownHostsFile` accumulate).
 */
import { splitArgs } from './shell-quote.js';

export type SshOptionValues = Record<string, string | string[]>;

/** `-o` options tsplay acts on, by lower-cased name. */
export const SUPPORTED_OPTIONS: Record<string, string> = {
  hostname: 'HostName',
  port: 'Port',
  user: 'User',
  identityfile: 'IdentityFile',
  identitiesonly: 'IdentitiesOnly',
  identityagent: 'IdentityAgent',
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  stricthostkeychecking: 'StrictHostKeyChecking',
  userknownhostsfile: 'UserKnownHostsFile',
  globalknownhostsfile: 'GlobalKnownHostsFile',
  hostkeyalias: 'HostKeyAlias',
  hashknownhosts: 'HashKnownHosts',
  kexalgorithms: 'KexAlgorithms',
  connecttimeout: 'ConnectTimeout',
  serveraliveinterval: 'ServerAliveInterval',
  serveralivecountmax: 'ServerAliveCountMax',
};

/** `IdentityFile` accumulates over every source, as in ssh. */
const ACCUMULATING_OPTIONS = new Set(['identityfile']);
/** Options whose one value is a list of files (the first source to set them wins). */
const LIST_OPTIONS = new Set(['userknownhostsfile', 'globalknownhostsfile']);

// ssh(1) flags that take an argument, so `-c aes128-ctr` does not make `aes128-ctr` look
// like a destination. Flags without arguments (-4 -6 -A -C -q -T -v ...) need no entry.
const FLAGS_WITH_ARGUMENT = new Set('BbcDEeFIiJLlmOopQRSWw'.split(''));

export interface ParsedSshArgs {
  options: SshOptionValues;
  /** `-F file`: an alternative ssh_config, as for ssh. */
  configFile?: string;
  /** Human-readable notes about what was ignored (for debug logs). */
  ignored: string[];
}

/**
 * Record an option with ssh's rules: the first value obtained wins, except `IdentityFile`,
 * which accumulates. List options (`UserKnownHostsFile a b`) are stored as arrays.
 */
export function setOption(options: SshOptionValues, key: string, value: string | string[]): void {
  const k = key.toLowerCase();
  const values = Array.isArray(value) ? value : [value];
  if (ACCUMULATING_OPTIONS.has(k)) {
    options[k] = [...((options[k] as string[] | undefined) ?? []), ...values];
  } else if (k in options) {
    return;
  } else if (LIST_OPTIONS.has(k)) {
    options[k] = values.flatMap((v) => v.split(/\s+/)).filter(Boolean);
  } else {
    options[k] = values.join(' ');
  }
}

/**
 * Parse argument strings (each one a shell-quoted command-line fragment, as Ansible
 * stores them). Throws with a clear message for unparseable quoting.
 */
export function parseSshArgs(argStrings: readonly string[]): ParsedSshArgs {
  const options: SshOptionValues = {};
  const ignored: string[] = [];
  let configFile: string | undefined;
  for (const s of argStrings) {
    let argv: string[];
    try {
      argv = splitArgs(s);
    } catch (e) {
      throw new Error(`cannot parse ssh arguments ${JSON.stringify(s)}: ${(e as Error).message}`);
    }
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('-') || arg === '-') {
        ignored.push(`argument '${arg}'`);
        continue;
      }
      // Combined flags like -qo Key=V or -oKey=V: the first flag with an argument takes the rest.
      let j = 1;
      while (j < arg.length && !FLAGS_WITH_ARGUMENT.has(arg[j]!)) j++;
      if (j >= arg.length) continue; // only argument-less flags (-q, -C, -tt ...)
      const flag = arg[j]!;
      let value = arg.slice(j + 1);
      if (value === '') {
        if (i + 1 >= argv.length) throw new Error(`ssh argument -${flag} needs a value (in ${JSON.stringify(s)})`);
        value = argv[++i]!;
      }
      switch (flag) {
        case 'o': {
          const m = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)$/s.exec(value);
          if (!m) throw new Error(`ssh option '-o ${value}' is not Key=Value`);
          const key = m[1]!.toLowerCase();
          if (key in SUPPORTED_OPTIONS) setOption(options, key, m[2]!.trim());
          else ignored.push(`-o ${m[1]}`);
          break;
        }
        case 'p':
          setOption(options, 'port', value);
          break;
        case 'l':
          setOption(options, 'user', value);
          break;
        case 'i':
          setOption(options, 'identityfile', value);
          break;
        case 'J':
          setOption(options, 'proxyjump', value);
          break;
        case 'F':
          configFile ??= value;
          break;
        default:
          ignored.push(`-${flag} ${value}`);
      }
    }
  }
  return configFile === undefined ? { options, ignored } : { options, configFile, ignored };
}
