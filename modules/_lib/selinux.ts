/**
 * SELinux: reading the host's state in one command, editing /etc/selinux/config while
 * keeping every other byte (comments, spacing, a trailing space after a value), and
 * deciding what a change needs (setenforce now, a reboot later, a relabel at boot).
 */
import { quote } from '../../core/transport/shell-quote.js';

export type SelinuxState = 'enforcing' | 'permissive' | 'disabled';

const MARK = '@@tsplay:';

/** The layout CentOS 7 ships (selinux-policy's /etc/selinux/config). */
export function standardConfig(state: SelinuxState, policy: string): string {
  return [
    '',
    '# This file controls the state of SELinux on the system.',
    '# SELINUX= can take one of these three values:',
    '#     enforcing - SELinux security policy is enforced.',
    '#     permissive - SELinux prints warnings instead of enforcing.',
    '#     disabled - No SELinux policy is loaded.',
    `SELINUX=${state}`,
    '# SELINUXTYPE= can take one of three values:',
    '#     targeted - Targeted processes are protected,',
    '#     minimum - Modification of targeted policy. Only selected processes are protected. ',
    '#     mls - Multi Level Security protection.',
    `SELINUXTYPE=${policy}`,
    '',
    '',
  ].join('\n');
}

/**
 * One command: the config file's exact bytes, whether SELinux is live (selinuxfs) and in
 * which mode, whether the policy is installed, and whether setenforce exists. Only shell
 * builtins besides one `cat`.
 */
export function readCommand(configfile: string, policy: string): string {
  const c = quote(configfile);
  return [
    `if [ -f ${c} ]; then echo '${MARK}config'; cat -- ${c} || exit 1; printf '\\n${MARK}end\\n'; else echo '${MARK}noconfig'; fi`,
    `d=$(dirname -- ${c}); [ -d "$d" ] && echo '${MARK}dir'`,
    // getenforce where it exists (it knows "Disabled"); the kernel's selinuxfs otherwise.
    `if command -v getenforce >/dev/null 2>&1; then echo "${MARK}getenforce=$(getenforce 2>/dev/null)"; elif [ -r /sys/fs/selinux/enforce ]; then read e < /sys/fs/selinux/enforce; echo "${MARK}enforce=$e"; fi`,
    `[ -d ${quote(`/etc/selinux/${policy}`)} ] && echo '${MARK}policy-installed'`,
    `command -v setenforce >/dev/null 2>&1 && echo '${MARK}setenforce'`,
    'exit 0',
  ].join('\n');
}

export interface HostSelinux {
  /** Exact config bytes, null when the file does not exist. */
  config: string | null;
  configDirExists: boolean;
  /** Live mode (getenforce, else selinuxfs); 'disabled' when neither says otherwise. */
  runtime: SelinuxState;
  /** The host has SELinux's userland (getenforce). */
  selinuxTools: boolean;
  policyInstalled: boolean;
  hasSetenforce: boolean;
}

export function parseRead(stdout: string): HostSelinux {
  let config: string | null = null;
  let rest = stdout;
  const start = `${MARK}config\n`;
  const end = `\n${MARK}end\n`;
  if (stdout.startsWith(start)) {
    const stop = stdout.lastIndexOf(end);
    config = stdout.slice(start.length, stop);
    rest = stdout.slice(stop + end.length);
  }
  const enforce = /@@tsplay:enforce=(\d)/.exec(rest);
  const getenforce = /@@tsplay:getenforce=(\w*)/.exec(rest);
  const runtime: SelinuxState = getenforce
    ? ((['enforcing', 'permissive'].includes(getenforce[1]!.toLowerCase()) ? getenforce[1]!.toLowerCase() : 'disabled') as SelinuxState)
    : enforce
      ? enforce[1] === '1'
        ? 'enforcing'
        : 'permissive'
      : 'disabled';
  return {
    config,
    configDirExists: rest.includes(`${MARK}dir`),
    runtime,
    selinuxTools: getenforce !== null,
    policyInstalled: rest.includes(`${MARK}policy-installed`),
    hasSetenforce: rest.includes(`${MARK}setenforce`),
  };
}

/** The value of `KEY=` in the config (first non-comment assignment), trimmed. */
export function configValue(config: string, key: string): string | undefined {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(config);
  return m ? m[1]!.trim() : undefined;
}

/**
 * Set `KEY=value` lines, touching only lines whose value differs; a missing key is
 * appended. Every other byte stays as it was.
 */
export function editConfig(config: string, settings: Record<string, string>): string {
  const lines = config.split('\n');
  for (const [key, value] of Object.entries(settings)) {
    let seen = false;
    for (let i = 0; i < lines.length; i++) {
      const m = new RegExp(`^${key}=(.*)$`).exec(lines[i]!);
      if (!m) continue;
      seen = true;
      if (m[1]!.trim() !== value) lines[i] = `${key}=${value}`;
    }
    if (!seen) {
      // Append before the trailing newline, keeping the file's last-line ending.
      if (lines.length && lines[lines.length - 1] === '') lines.splice(lines.length - 1, 0, `${key}=${value}`);
      else lines.push(`${key}=${value}`);
    }
  }
  return lines.join('\n');
}

export interface SelinuxPlan {
  newConfig?: string;
  /** Value for setenforce (1 enforcing, 0 permissive) when the live mode must change now. */
  setenforce?: 0 | 1;
  /** Going from disabled to enabled: files need labels at next boot (/.autorelabel). */
  autorelabel: boolean;
  rebootRequired: boolean;
  messages: string[];
  /** The request cannot be met on this host. */
  error?: string;
}

export function planSelinux(host: HostSelinux, state: SelinuxState, policy: string, configfile: string): SelinuxPlan {
  const messages: string[] = [];
  const before = host.config;
  const configState = before === null ? undefined : (configValue(before, 'SELINUX') as SelinuxState | undefined);
  const configPolicy = before === null ? undefined : configValue(before, 'SELINUXTYPE');
  const settings: Record<string, string> = { SELINUX: state, SELINUXTYPE: policy };
  const after = before === null ? standardConfig(state, policy) : editConfig(before, settings);
  const plan: SelinuxPlan = { autorelabel: false, rebootRequired: false, messages };
  if (after !== before) {
    plan.newConfig = after;
    if (before === null) messages.push(`created ${configfile} with SELINUX=${state}, SELINUXTYPE=${policy}`);
    if (configState !== undefined && configState !== state) messages.push(`config SELinux state changed from '${configState}' to '${state}'`);
    if (configPolicy !== undefined && configPolicy !== policy) {
      messages.push(`SELinux policy configuration changed from '${configPolicy}' to '${policy}'`);
    }
  }
  // A host can run SELinux only with its userland, a kernel that has it live, or a policy to boot with.
  const capable = host.runtime !== 'disabled' || host.policyInstalled || host.selinuxTools;
  if (!capable) {
    messages.push('SELinux is not active on this host (no selinuxfs, no SELinux tools, no installed policy): the configuration takes effect only on a system with SELinux');
    return plan;
  }
  // As Ansible: a policy must be installed before the configuration may name it.
  if (configPolicy !== undefined && configPolicy !== policy && !host.policyInstalled) {
    plan.error = `SELinux policy '${policy}' is not installed (no /etc/selinux/${policy}): install selinux-policy-${policy}`;
    delete plan.newConfig;
    return plan;
  }
  if (host.runtime === 'disabled') {
    if (state !== 'disabled') {
      plan.rebootRequired = true;
      messages.push(`reboot required to set SELinux state to '${state}'`);
      if (configState === 'disabled' || before === null) plan.autorelabel = true;
    }
  } else if (state === 'disabled') {
    if (host.runtime === 'enforcing') plan.setenforce = 0;
    plan.rebootRequired = true;
    messages.push('SELinux is disabled at next reboot' + (host.runtime === 'enforcing' ? " (permissive until then)" : ''));
  } else if (state !== host.runtime) {
    plan.setenforce = state === 'enforcing' ? 1 : 0;
    messages.push(`SELinux state changed from '${host.runtime}' to '${state}'`);
  }
  return plan;
}

/** The runtime part of a plan as one command (directory for the config, setenforce, relabel). */
export function actCommand(configfile: string, plan: SelinuxPlan, host: HostSelinux): string | undefined {
  const steps: string[] = [];
  if (plan.newConfig !== undefined && !host.configDirExists) steps.push(`mkdir -p -- "$(dirname -- ${quote(configfile)})"`);
  if (plan.setenforce !== undefined) {
    steps.push(host.hasSetenforce ? `setenforce ${plan.setenforce}` : `echo ${plan.setenforce} > /sys/fs/selinux/enforce`);
  }
  if (plan.autorelabel) steps.push('touch /.autorelabel');
  return steps.length ? steps.map((s) => `${s} || exit $?`).join('\n') : undefined;
}
