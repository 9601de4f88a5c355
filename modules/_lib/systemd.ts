/**
 * systemd unit state: the one `systemctl show` the systemd module reads, its parsing,
 * the planning of what to do (Ansible's order: mask/unmask, enable/disable, then the
 * run state), and the preset policy used to predict units that a package would install.
 */
import { quote } from '../../core/transport/shell-quote.js';

export const SHOW_PROPERTIES = [
  'Id',
  'Names',
  'Description',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'UnitFilePreset',
  'FragmentPath',
  'SourcePath',
  'MainPID',
  'ExecMainStatus',
  'CanReload',
  'Result',
];

/** Directories a unit file may live in, in systemd's order of precedence. */
export const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const PRESET_DIRS = ['/etc/systemd/system-preset', '/run/systemd/system-preset', '/usr/lib/systemd/system-preset', '/lib/systemd/system-preset'];

const MARK = '@@tsplay:';

/** A unit name as systemd completes it: no suffix means `.service`. */
export function unitName(name: string): string {
  return /\.(service|socket|target|timer|mount|automount|swap|path|slice|scope|device)$/.test(name) ? name : `${name}.service`;
}

/**
 * One command: the unit's properties; for SysV scripts (EL7's `network`), `is-enabled`
 * which asks chkconfig; when `withPresets` and the unit is missing, the preset files
 * (to predict the state a package's %post would give a unit it installs).
 */
export function showCommand(name: string, withPresets: boolean): string {
  const q = quote(name);
  const lines = [
    `s=$(LC_ALL=C systemctl show --no-pager -p ${SHOW_PROPERTIES.join(',')} -- ${q} 2>&1); rc=$?`,
    `printf '%s\\n' "$s"; echo "${MARK}rc=$rc"`,
    `case $s in *SourcePath=*/init.d/*) echo "${MARK}is-enabled=$(LC_ALL=C systemctl is-enabled -- ${q} 2>/dev/null | tail -n 1)" ;; esac`,
  ];
  if (withPresets) {
    const globs = PRESET_DIRS.map((d) => `${d}/*.preset`).join(' ');
    lines.push(`case $s in *LoadState=not-found*) echo '${MARK}presets'; grep -H '' ${globs} 2>/dev/null ;; esac`);
  }
  lines.push('exit 0');
  return lines.join('\n');
}

export interface UnitStatus {
  /** Properties as systemctl printed them. */
  props: Record<string, string>;
  /** Exit status of `systemctl show`. */
  rc: number;
  /** Last line of `systemctl is-enabled` for SysV scripts. */
  isEnabled?: string;
  /** Preset lines as `file:line`, when asked for and the unit is missing. */
  presetLines?: string[];
  /** Raw output when systemctl failed (no systemd, bus error...). */
  error?: string;
}

export function parseShow(stdout: string): UnitStatus {
  const props: Record<string, string> = {};
  const other: string[] = [];
  let rc = 0;
  let isEnabled: string | undefined;
  let presetLines: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (presetLines) {
      if (line) presetLines.push(line);
      continue;
    }
    if (line.startsWith(MARK)) {
      const m = line.slice(MARK.length);
      if (m.startsWith('rc=')) rc = Number(m.slice(3));
      else if (m.startsWith('is-enabled=')) isEnabled = m.slice('is-enabled='.length).trim();
      else if (m === 'presets') presetLines = [];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Za-z]+$/.test(line.slice(0, eq))) props[line.slice(0, eq)] = line.slice(eq + 1);
    else if (line.trim()) other.push(line);
  }
  const status: UnitStatus = { props, rc };
  if (isEnabled !== undefined) status.isEnabled = isEnabled;
  if (presetLines) status.presetLines = presetLines;
  if (rc !== 0 || !props.LoadState) status.error = other.join('\n').trim() || `systemctl show exited ${rc}`;
  return status;
}

/** The part of a unit's state that the module manages. */
export interface UnitState {
  found: boolean;
  /** ActiveState (active, activating, inactive, failed, deactivating, reloading). */
  active: string;
  /** UnitFileState, or for SysV scripts what chkconfig said. */
  unitFileState: string;
  masked: boolean;
}

export function unitState(s: UnitStatus): UnitState {
  const load = s.props.LoadState ?? '';
  const ufs = s.isEnabled ?? s.props.UnitFileState ?? '';
  return {
    found: load !== 'not-found' && load !== '',
    active: s.props.ActiveState ?? 'inactive',
    unitFileState: ufs,
    masked: load === 'masked' || ufs === 'masked' || ufs === 'masked-runtime',
  };
}

export function isRunning(active: string): boolean {
  return active === 'active' || active === 'activating' || active === 'reloading';
}

/** Enabled as Ansible (is-enabled exit 0) counts it; `indirect` and `alias` count as disabled. */
export function isEnabled(unitFileState: string): boolean {
  return ['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'static', 'generated', 'transient'].includes(unitFileState);
}

export interface Desired {
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  masked?: boolean;
}

export interface Plan {
  /** systemctl verbs in order: mask/unmask, enable/disable, start/stop/restart/reload. */
  actions: Array<'mask' | 'unmask' | 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload'>;
  after: UnitState;
  /** A request that cannot be met (e.g. disabling a static unit). */
  error?: string;
}

export function plan(current: UnitState, want: Desired, name: string): Plan {
  const actions: Plan['actions'] = [];
  const after = { ...current };
  if (want.masked !== undefined && want.masked !== current.masked) {
    actions.push(want.masked ? 'mask' : 'unmask');
    after.masked = want.masked;
    after.unitFileState = want.masked ? 'masked' : current.unitFileState === 'masked' || current.unitFileState === 'masked-runtime' ? 'disabled' : current.unitFileState;
  }
  if (want.enabled !== undefined) {
    if (after.masked && want.enabled) return { actions, after, error: `unit ${name} is masked: it cannot be enabled (add masked: no)` };
    const on = isEnabled(after.unitFileState);
    if (!want.enabled && ['static', 'generated', 'transient'].includes(after.unitFileState)) {
      return { actions, after, error: `unit ${name} is ${after.unitFileState} (it has no [Install] section): it cannot be disabled; use masked: yes to keep it from starting` };
    }
    if (on !== want.enabled) {
      actions.push(want.enabled ? 'enable' : 'disable');
      after.unitFileState = want.enabled ? 'enabled' : 'disabled';
    }
  }
  if (want.state) {
    const running = isRunning(after.active);
    if (want.state !== 'stopped' && after.masked) return { actions, after, error: `unit ${name} is masked: it cannot be ${want.state} (add masked: no)` };
    if (want.state === 'started' && !running) actions.push('start');
    else if (want.state === 'stopped' && (running || after.active === 'deactivating')) actions.push('stop');
    else if (want.state === 'restarted' || want.state === 'reloaded') actions.push(!running ? 'start' : want.state === 'restarted' ? 'restart' : 'reload');
    after.active = want.state === 'stopped' ? 'inactive' : 'active';
  }
  return { actions, after };
}

/** The command that performs the plan: one round trip, stopping at the first failure. */
export function actCommand(name: string, actions: Plan['actions'], o: { daemonReload?: boolean; daemonReexec?: boolean; noBlock?: boolean }): string {
  const q = quote(name);
  const steps: string[] = [];
  if (o.daemonReload) steps.push('systemctl daemon-reload');
  if (o.daemonReexec) steps.push('systemctl daemon-reexec');
  for (const a of actions) {
    const block = o.noBlock && ['start', 'stop', 'restart', 'reload'].includes(a) ? ' --no-block' : '';
    steps.push(`systemctl${block} ${a} -- ${q}`);
  }
  return steps.map((s) => `${s} || exit $?`).join('\n');
}

function fnmatch(pattern: string, text: string): boolean {
  let re = '';
  for (const c of pattern) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`).test(text);
}

/**
 * What `systemctl preset` would do to `unit`: files sorted by name across the preset
 * directories (a name in /etc hides the same name in /usr/lib), first matching line wins,
 * and no match means enable.
 */
export function presetFor(unit: string, presetLines: string[], extraFiles: Map<string, string> = new Map()): 'enabled' | 'disabled' {
  const files = new Map<string, { dirRank: number; lines: string[] }>();
  const add = (path: string, line: string): void => {
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash);
    const base = path.slice(slash + 1);
    const rank = PRESET_DIRS.indexOf(dir);
    const known = files.get(base);
    if (known && known.dirRank < rank) return;
    if (!known || known.dirRank > rank) files.set(base, { dirRank: rank, lines: [] });
    files.get(base)!.lines.push(line);
  };
  for (const l of presetLines) {
    const m = /^(\/[^:]+\.preset):(.*)$/.exec(l);
    if (m) add(m[1]!, m[2]!);
  }
  for (const [path, content] of extraFiles) for (const line of content.split('\n')) add(path, line);
  for (const base of [...files.keys()].sort()) {
    for (const raw of files.get(base)!.lines) {
      const line = raw.trim();
      const m = /^(enable|disable)\s+(\S+)/.exec(line);
      if (m && fnmatch(m[2]!, unit)) return m[1] === 'enable' ? 'enabled' : 'disabled';
    }
  }
  return 'enabled';
}

/** Ansible's `status` subset: the properties we read, as systemctl printed them. */
export function statusDict(s: UnitStatus): Record<string, string> {
  return { ...s.props };
}
