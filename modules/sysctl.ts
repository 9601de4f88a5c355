/**
 * `sysctl` (also `ansible.posix.sysctl`): a kernel parameter in a sysctl.conf file and in
 * the running kernel. One command reads both the file and the live value; the file is
 * edited byte-preserving (modules/_lib/sysctl.ts); `sysctl -w` / `sysctl -p` run only when
 * something differs, and the live value is read back in the same command to prove it took.
 */
import { defineModule, type DiffEntry, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { canonicalKey, editSysctlConf, normaliseValue, parseSysctlConf, procPath, renderSysctlConf, sysctlAssignments, sysctlValue } from './_lib/sysctl.js';
import { contentDiff, decodeText, FROM_PACKAGE_NOTE, readConfigFile, writeConfigFile } from './_lib/ini-file-io.js';

interface SysctlArgs {
  name: string;
  value?: string | number | boolean;
  state: 'present' | 'absent';
  sysctl_file: string;
  reload: boolean;
  sysctl_set: boolean;
  ignoreerrors: boolean;
}

/** Check mode: live values earlier tasks would have set (key -> value). */
const LIVE_NS = 'sysctl-live';
const SBIN_PATH = 'PATH="$PATH:/usr/sbin:/sbin"';

export default defineModule<SysctlArgs>({
  name: 'sysctl',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'The key, dotted (net.ipv4.ip_forward) or with slashes.' },
      value: { type: ['string', 'number', 'boolean'], description: 'Required with state=present; yes/no/true/false become 1/0.' },
      state: { enum: ['present', 'absent'], default: 'present' },
      sysctl_file: { type: 'string', minLength: 1, default: '/etc/sysctl.conf' },
      reload: { type: 'boolean', default: true, description: 'Apply the file with sysctl -p FILE when the task changed something.' },
      sysctl_set: { type: 'boolean', default: false, description: 'Also set the running value with sysctl -w.' },
      ignoreerrors: { type: 'boolean', default: false, description: 'Unknown keys are not an error (sysctl -e).' },
    },
  },
  docs: {
    short: 'Manage kernel parameters in sysctl.conf and in the running kernel',
    description: [
      'Keeps `name = value` in `sysctl_file` and, with `reload` (default) or `sysctl_set`, in the running kernel.',
      'One command reads the file and the live value (`sysctl -n`). The task changes something only when the',
      'file differs, or when the live value differs and `reload`/`sysctl_set` would apply it; values are',
      'compared with whitespace normalised (`4096 87380 6291456` equals the tab-separated live value).',
      '',
      'The file is edited in place: only the line of this key changes (its spacing kept); a missing key is',
      'appended in the file\'s own `key = value` style. Later duplicate lines of the key, which `sysctl -p` would',
      'apply last, are removed. With `reload`, `sysctl -p FILE` (`sysctl -e -p FILE` with `ignoreerrors`) applies',
      'the whole file, as the RDO guide\'s `sysctl -e -p /etc/sysctl.conf` does; the live value is read back',
      'afterwards and the task fails if the kernel did not take it.',
      '',
      'A key the running kernel does not know fails the task, naming the key, before anything changes - unless',
      '`ignoreerrors: true`, when only the file is managed (for example `net.bridge.*` keys before the',
      '`br_netfilter` module is loaded).',
    ].join('\n'),
    examples: [
      '- name: Kernel parameters of the RDO Juno quickstart (seed 001, step 1)',
      '  sysctl:',
      '    name: "{{item.key}}"',
      '    value: "{{item.value}}"',
      '    sysctl_file: /etc/sysctl.conf',
      '    ignoreerrors: true          # sysctl -e -p: bridge keys need br_netfilter',
      '  loop:',
      '    - {key: net.ipv4.ip_forward, value: 1}',
      '    - {key: net.ipv4.conf.default.rp_filter, value: 0}',
      '    - {key: net.bridge.bridge-nf-call-ip6tables, value: 0}',
      '    - {key: net.bridge.bridge-nf-call-iptables, value: 0}',
      '    - {key: net.bridge.bridge-nf-call-arptables, value: 0}',
      '    - {key: net.ipv4.conf.all.rp_filter, value: 0}',
      '    - {key: net.ipv4.conf.all.forwarding, value: 1}',
      '',
      '- name: IP forwarding now and after reboot, without reloading the whole file',
      '  ansible.posix.sysctl:',
      '    name: net.ipv4.ip_forward',
      '    value: "1"',
      '    sysctl_set: true',
      '    reload: false',
      '',
      '- name: A multi-value key in its own file',
      '  sysctl:',
      '    name: net.ipv4.tcp_rmem',
      '    value: 4096 87380 6291456',
      '    sysctl_file: /etc/sysctl.d/90-tcp.conf',
      '',
      '- name: Remove a key from the file (the running value is left as it is)',
      '  sysctl: name=kernel.panic state=absent',
    ].join('\n'),
    returns: {
      name: 'The key in dotted form',
      value: 'The value managed (as written to the file)',
      live_before: 'The running value before the task (null if the kernel does not know the key)',
      live_after: 'The running value after the task (check mode: predicted)',
      changes: 'What changed: file lines, and "live: 0 -> 1"',
    },
    notes: [
      'state=absent removes the key from the file (and reloads the file when it changed); the running value is not reset.',
      'sysctl_file must be an absolute path. Only sysctl_file is applied by reload, not /etc/sysctl.d.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const name = canonicalKey(a.name);
    if (!/^[^\s=]+$/.test(name) || name.startsWith('-')) ctx.fail(`'${a.name}' is not a sysctl key (no spaces or '='; dotted like net.ipv4.ip_forward)`);
    if (!a.sysctl_file.startsWith('/')) ctx.fail(`sysctl_file must be an absolute path (got '${a.sysctl_file}')`);
    if (a.state === 'present' && a.value === undefined) ctx.fail(`'value' is required to set ${name} (state: present)`);
    const value = a.value === undefined ? null : sysctlValue(a.value);
    if (value !== null && (/[\r\n]/.test(value) || value === '')) ctx.fail(`the value of ${name} must be one non-empty line (got ${JSON.stringify(value)})`);

    const file = await readConfigFile(ctx, a.sysctl_file, liveReadScript(ctx, name));
    let live = parseLive(ctx, name, file.preambleLine);
    if (ctx.check) live = ctx.predicted.get<string>(LIVE_NS, name) ?? live;

    const decoded = decodeText(file.content);
    const edit = editSysctlConf(parseSysctlConf(decoded.text), name, a.state === 'present' ? decoded.fromUser(value!) : null);
    const after = renderSysctlConf(edit.doc);
    const fileChanged = after !== decoded.text;
    const applyLive = a.state === 'present' && (a.reload || a.sysctl_set);
    const liveDiffers = applyLive && live !== null && normaliseValue(live) !== normaliseValue(value!);
    const changed = fileChanged || liveDiffers;

    const changes = edit.changes.map(decoded.display);
    if (liveDiffers) changes.push(`live: ${JSON.stringify(live)} -> ${JSON.stringify(value)}`);
    const out: ModuleResult = { changed, name, value: value ?? undefined, live_before: live, live_after: live, changes };
    if (live === null) out.warnings = [`${name} is not known to the running kernel (ignored: ignoreerrors)`];
    out.msg = changes.length ? changes.join('; ') + (file.fromPackage ? ` (${FROM_PACKAGE_NOTE})` : '') : 'OK';
    if (!changed) return out;

    if (fileChanged) await writeConfigFile(ctx, file, decoded.encode(after));
    const reload = a.reload && changed;
    const set = a.sysctl_set && liveDiffers;
    if (ctx.check) {
      if (liveDiffers) out.live_after = value;
      predictLive(ctx, name, value, reload ? sysctlAssignments(edit.doc) : null, live !== null && set);
    } else if (reload || set) {
      out.live_after = await applyToKernel(ctx, name, value, { reload, set, verify: live !== null && a.state === 'present' });
    }
    if (ctx.diff) {
      const diffs: DiffEntry[] = [];
      if (fileChanged) diffs.push(contentDiff(file, decoded.display(decoded.text), decoded.display(after)));
      if (liveDiffers) diffs.push({ before: `${name} = ${live}\n`, after: `${name} = ${value}\n`, beforeHeader: `${name} (running kernel)`, afterHeader: `${name} (running kernel)` });
      out.diff = diffs;
    }
    return out;
  },
});

/** Prints one line: `live dir`, or `live RC VALUE-OR-ERROR` (newlines and tabs as spaces). */
function liveReadScript(ctx: ModuleContext<SysctlArgs>, name: string): string {
  return [
    SBIN_PATH,
    `if [ -d ${ctx.quote(procPath(name))} ]; then echo 'live dir'; else`,
    `  v=$(sysctl -n ${ctx.quote(name)} 2>&1); r=$?`,
    `  printf 'live %s %s\\n' "$r" "$(printf '%s' "$v" | tr '\\n\\t' '  ')"`,
    'fi',
  ].join('\n');
}

/** The live value, or null for a key the kernel does not know (only with ignoreerrors). */
function parseLive(ctx: ModuleContext<SysctlArgs>, name: string, line: string | undefined): string | null {
  const m = /^live (\d+) ?(.*)$/.exec(line ?? '');
  if (line === 'live dir') ctx.fail(`${name} is a group of keys on ${ctx.host.name}, not a key: name one parameter (e.g. ${name}.<key>)`);
  if (!m) ctx.fail(`could not read ${name} on ${ctx.host.name}: unexpected output ${JSON.stringify(line)}`);
  const [rc, text] = [Number(m[1]), m[2]!.trim()];
  if (rc === 0) return text;
  if (/cannot stat|No such file|unknown oid|not found/i.test(text)) {
    if (ctx.args.ignoreerrors) return null;
    ctx.fail(`unknown sysctl key ${name} on ${ctx.host.name} (sysctl said: ${text}); check the name, load the kernel module that provides it, or set ignoreerrors: true to manage only the file`);
  }
  if (/command not found|not found/.test(text) || rc === 127) ctx.fail(`sysctl is not installed on ${ctx.host.name} (procps): ${text}`);
  ctx.fail(`cannot read ${name} on ${ctx.host.name}: ${text || `sysctl exit status ${rc}`}`);
}

/**
 * Check mode: record the live values a real run would leave, so later tasks predict
 * exactly - a reload applies every key of the file, not only this one.
 */
function predictLive(ctx: ModuleContext<SysctlArgs>, name: string, value: string | null, reloaded: Map<string, string> | null, set: boolean): void {
  if (reloaded) for (const [k, v] of reloaded) ctx.predicted.set(LIVE_NS, k, v);
  if (set && value !== null) ctx.predicted.set(LIVE_NS, name, value);
}

/** `sysctl -w` and/or `sysctl -p FILE`, then read the value back, in one command. */
async function applyToKernel(
  ctx: ModuleContext<SysctlArgs>,
  name: string,
  value: string | null,
  o: { reload: boolean; set: boolean; verify: boolean },
): Promise<string | null> {
  const a = ctx.args;
  const e = a.ignoreerrors ? ' -e' : '';
  const steps = [SBIN_PATH];
  if (o.set && value !== null) steps.push(`sysctl${e} -w ${ctx.quote(`${name}=${value}`)} >/dev/null || exit 10`);
  if (o.reload) steps.push(`sysctl${e} -p ${ctx.quote(a.sysctl_file)} >/dev/null || exit 11`);
  steps.push(`v=$(sysctl -n ${ctx.quote(name)} 2>/dev/null) && printf '%s' "$v" | tr '\\n\\t' '  '`, 'exit 0');
  const res = await ctx.run(steps.join('\n'));
  const said = res.stderr.trim();
  if (res.rc === 10) ctx.fail(`sysctl -w ${name}=${value} failed on ${ctx.host.name}: ${said || 'exit status 10'}`, { changed: true });
  if (res.rc === 11) {
    const hint = a.ignoreerrors ? '' : '; if these are keys this kernel does not have, set ignoreerrors: true (sysctl -e -p)';
    ctx.fail(`sysctl -p ${a.sysctl_file} failed on ${ctx.host.name}: ${said || 'exit status 11'}${hint}`, { changed: true });
  }
  if (res.rc !== 0) ctx.fail(`applying ${name} failed on ${ctx.host.name}: ${said || `exit status ${res.rc}`}`, { changed: true });
  const now = res.stdout.trim();
  if (o.verify && value !== null && normaliseValue(now) !== normaliseValue(value)) {
    ctx.fail(
      `the running kernel kept ${name} = ${now} on ${ctx.host.name} after ${o.set ? 'sysctl -w' : `sysctl -p ${a.sysctl_file}`} (wanted ${value}): ` +
        'is /proc/sys read-only here (a container), or does a later file override it?',
      { changed: true, live_after: now },
    );
  }
  return o.verify ? now : null;
}
