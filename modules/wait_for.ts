/**
 * `wait_for`: wait ON THE TARGET, in one shell loop, for a port to open or close, a
 * file to appear (optionally containing a pattern) or vanish, or connections to drain.
 * Local ports are read from /proc/net/tcp{,6} with shell builtins (no process per poll);
 * remote ports are probed with bash's /dev/tcp under `timeout`, or nc.
 */
import { defineModule } from '../core/modules/api.js';
import { NOT_AN_OPTION } from '../core/modules/validate-args.js';
import { quote } from '../core/transport/shell-quote.js';

interface WaitForArgs {
  host: string;
  port?: number;
  path?: string;
  state: 'started' | 'stopped' | 'present' | 'absent' | 'drained';
  timeout: number;
  delay: number;
  sleep: number;
  connect_timeout: number;
  search_regex?: string;
  exclude_hosts: string[];
  active_connection_states: string[];
  msg?: string;
}

const MARK = '@@tsplay:';
const TIMEOUT_RC = 3;
const NO_TOOL_RC = 69;

/** /proc/net/tcp state codes. */
const TCP_STATES: Record<string, string> = {
  ESTABLISHED: '01',
  SYN_SENT: '02',
  SYN_RECV: '03',
  FIN_WAIT1: '04',
  FIN_WAIT2: '05',
  TIME_WAIT: '06',
  CLOSE: '07',
  CLOSE_WAIT: '08',
  LAST_ACK: '09',
  LISTEN: '0A',
  CLOSING: '0B',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::1', '::']);

export default defineModule<WaitForArgs>({
  name: 'wait_for',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1, pattern: NOT_AN_OPTION, default: '127.0.0.1', description: 'Host to check, as seen from the target' },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      path: { type: 'string', pattern: '^/' },
      state: { enum: ['started', 'stopped', 'present', 'absent', 'drained'], default: 'started' },
      timeout: { type: 'integer', minimum: 0, default: 300 },
      delay: { type: 'integer', minimum: 0, default: 0 },
      sleep: { type: 'integer', minimum: 1, default: 1 },
      connect_timeout: { type: 'integer', minimum: 1, default: 5 },
      search_regex: { type: 'string', minLength: 1, description: 'Extended regular expression (grep -E / bash =~), matched line by line' },
      exclude_hosts: { type: 'array', items: { type: 'string' }, default: [] },
      active_connection_states: {
        type: 'array',
        items: { enum: Object.keys(TCP_STATES) },
        default: ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT'],
      },
      msg: { type: 'string' },
    },
  },
  docs: {
    short: 'Wait for a port, a file or connections to drain, on the target',
    description: [
      'The whole wait is ONE command: a shell loop on the target that polls every `sleep` seconds until the',
      'condition holds or `timeout` passes. A local port (host 127.0.0.1/localhost/0.0.0.0/::1) is checked in',
      "/proc/net/tcp with shell builtins; another host's port with bash /dev/tcp (or nc). `search_regex` is an",
      'extended regular expression matched line by line (in a file, or in what the port sends). Never reports a',
      'change. In check mode the condition is probed once, without waiting.',
    ].join('\n'),
    examples: [
      '- name: Wait for RabbitMQ before restarting neutron-server (seed 001, step 9)',
      '  wait_for: port=5672 timeout=120',
      '',
      '- name: Wait for the answer file packstack writes',
      '  wait_for: path=/root/answer.txt search_regex=^CONFIG_DEFAULT_PASSWORD',
      '',
      '- name: SSH banner of the network node, from the controller',
      '  wait_for: host=198.18.0.11 port=22 search_regex=OpenSSH timeout=60',
      '',
      '- name: Wait until no client is connected to the API any more',
      '  wait_for: host=0.0.0.0 port=8774 state=drained',
    ].join('\n'),
    returns: {
      elapsed: 'Seconds waited',
      state: 'The state waited for',
      match: 'The line that matched search_regex',
      match_groups: 'Capture groups of search_regex in that line',
    },
  },
  async run(ctx) {
    const a = ctx.args;
    if (a.port !== undefined && a.path !== undefined) ctx.fail('give either port or path, not both');
    if (a.path !== undefined && a.state === 'drained') ctx.fail("state 'drained' applies to ports, not paths");
    if (a.state === 'drained' && a.port === undefined) ctx.fail("state 'drained' needs a port");
    if (a.search_regex !== undefined && ['stopped', 'absent', 'drained'].includes(a.state)) ctx.fail(`search_regex only applies to state started/present, not ${a.state}`);
    if (a.port === undefined && a.path === undefined) {
      // Nothing to watch: wait out the time, as Ansible does (not in check mode).
      if (!ctx.check) await ctx.run(`sleep ${a.delay + a.timeout}`, { timeoutMs: (a.delay + a.timeout + 30) * 1000 });
      return { changed: false, elapsed: ctx.check ? 0 : a.delay + a.timeout, state: a.state };
    }
    const script = waitScript(a, ctx.check);
    const budget = ctx.check ? a.connect_timeout + 30 : a.delay + a.timeout + a.connect_timeout + 30;
    const res = await ctx.run(script, { timeoutMs: budget * 1000 });
    const marks = parseMarks(res.stdout);
    const elapsed = Number(marks.elapsed ?? 0);
    const what = describeTarget(a);
    if (res.rc === NO_TOOL_RC) ctx.fail(`cannot probe ${what} on ${ctx.host.name}: it needs bash and timeout, or nc`);
    if (ctx.check && res.rc === TIMEOUT_RC) {
      return { changed: false, elapsed: 0, state: a.state, msg: `check mode: ${what} is not ${a.state} now; a real run would wait up to ${a.timeout} s` };
    }
    if (res.rc === TIMEOUT_RC) ctx.fail(a.msg ?? `Timeout when waiting for ${what}`, { elapsed, state: a.state });
    if (res.rc !== 0) ctx.fail(`wait_for ${what} failed on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`, { rc: res.rc });
    const out: Record<string, unknown> & { changed: boolean } = { changed: false, elapsed, state: a.state };
    if (a.port !== undefined) out.port = a.port;
    if (a.path !== undefined) out.path = a.path;
    if (a.search_regex !== undefined && marks.match !== undefined) {
      out.search_regex = a.search_regex;
      out.match = marks.match;
      out.match_groups = matchGroups(a.search_regex, marks.match);
    }
    return out;
  },
});

function describeTarget(a: WaitForArgs): string {
  if (a.path !== undefined) return a.search_regex !== undefined ? `search string ${a.search_regex} in ${a.path}` : `file ${a.path}`;
  if (a.port !== undefined) return `${a.host}:${a.port}`;
  return `${a.timeout} s`;
}

function matchGroups(regex: string, line: string): string[] {
  try {
    const m = new RegExp(regex).exec(line);
    return m ? m.slice(1).map((g) => g ?? '') : [];
  } catch {
    return []; // a POSIX ERE that JavaScript reads differently: the match itself stands
  }
}

function parseMarks(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(MARK.length, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Hex forms of a port and of the addresses that accept local connections, as /proc/net/tcp writes them. */
function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** /proc/net/tcp holds IPv4 addresses as the 32-bit value in host (little-endian) order. */
export function procAddress(ip: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  return [m[4], m[3], m[2], m[1]].map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** The shell test (a function `probe` returning 0 when the condition holds) for the arguments. */
export function probeFunction(a: WaitForArgs): string {
  const lines: string[] = [];
  if (a.path !== undefined) {
    const p = quote(a.path);
    const absent = a.state === 'absent' || a.state === 'stopped';
    if (absent) lines.push(`probe() { [ ! -e ${p} ]; }`);
    else if (a.search_regex !== undefined) {
      lines.push(`probe() { [ -r ${p} ] || return 1; m=$(grep -E -m 1 -- ${quote(a.search_regex)} ${p} 2>/dev/null) || return 1; printf '${MARK}match=%s\\n' "$m"; }`);
    } else lines.push(`probe() { [ -e ${p} ]; }`);
    return lines.join('\n');
  }
  if (a.port === undefined) throw new Error('wait_for: probeFunction needs a port or a path');
  const port = hexPort(a.port);
  if (a.state === 'drained') {
    const states = a.active_connection_states.map((s) => TCP_STATES[s]!).join('|');
    const excluded = a.exclude_hosts.map(procAddress).filter((x): x is string => !!x);
    const excludeCase = excluded.length ? `case $rem in ${excluded.map((x) => `${x}:*`).join('|')}) continue ;; esac; ` : '';
    lines.push(
      'probe() {',
      '  for f in /proc/net/tcp /proc/net/tcp6; do',
      '    [ -r "$f" ] || continue',
      '    while read -r sl loc rem st rest; do',
      `      case $st in ${states}) ;; *) continue ;; esac`,
      `      case $loc in *:${port}) ;; *) continue ;; esac`,
      `      ${excludeCase}return 1`,
      '    done < "$f"',
      '  done',
      '  return 0',
      '}',
    );
    return lines.join('\n');
  }
  const local = LOOPBACK.has(a.host) && a.search_regex === undefined;
  const up = a.state === 'started' || a.state === 'present';
  if (local) {
    // Listening on the wildcard address or on loopback answers a connection to 127.0.0.1.
    const v4 = ['00000000', '0100007F'].map((x) => `0A:${x}:${port}`).join('|');
    const v6 = ['00000000000000000000000000000000', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F'].map((x) => `0A:${x}:${port}`).join('|');
    lines.push(
      'listening() {',
      '  for f in /proc/net/tcp /proc/net/tcp6; do',
      '    [ -r "$f" ] || continue',
      `    while read -r sl loc rem st rest; do case "$st:$loc" in ${v4}|${v6}) return 0 ;; esac; done < "$f"`,
      '  done',
      '  return 1',
      '}',
      up ? 'probe() { listening; }' : 'probe() { ! listening; }',
    );
    return lines.join('\n');
  }
  // Another host (or a banner to read): connect. bash's /dev/tcp under timeout, else nc.
  const h = quote(a.host);
  const ct = a.connect_timeout;
  if (a.search_regex !== undefined) {
    const reader = `exec 3<>"/dev/tcp/$0/$1" || exit 1; while IFS= read -r l <&3; do l=\${l%$'\\r'}; if [[ $l =~ $2 ]]; then printf '%s\\n' "$l"; exit 0; fi; done; exit 1`;
    lines.push(
      `connect() { m=$(timeout ${ct} bash -c ${quote(reader)} ${h} ${a.port} ${quote(a.search_regex)} 2>/dev/null) || return 1; printf '${MARK}match=%s\\n' "$m"; }`,
      `command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1 || exit ${NO_TOOL_RC}`,
    );
  } else {
    lines.push(
      'if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then',
      `  connect() { timeout ${ct} bash -c 'exec 3<>"/dev/tcp/$0/$1"' ${h} ${a.port} 2>/dev/null; }`,
      'elif command -v nc >/dev/null 2>&1; then',
      `  connect() { nc -z -w ${ct} -- ${h} ${a.port} >/dev/null 2>&1; }`,
      `else exit ${NO_TOOL_RC}; fi`,
    );
  }
  lines.push(up ? 'probe() { connect; }' : 'probe() { ! connect; }');
  return lines.join('\n');
}

/** The whole wait: delay, then probe every `sleep` seconds until it holds or time runs out. */
export function waitScript(a: WaitForArgs, once: boolean): string {
  return [
    // /proc/uptime through `read` (a builtin): a clock without a process per poll.
    'clock() { if read up rest < /proc/uptime 2>/dev/null; then now=${up%%.*}; else now=$(date +%s); fi; }',
    probeFunction(a),
    'clock; start=$now',
    ...(once ? [] : [`sleep ${a.delay}`, `deadline=$((start + ${a.delay} + ${a.timeout}))`]),
    'while :; do',
    `  if probe; then clock; echo "${MARK}elapsed=$((now - start))"; exit 0; fi`,
    `  clock; ${once ? '' : '[ "$now" -lt "$deadline" ] || '}{ echo "${MARK}elapsed=$((now - start))"; exit ${TIMEOUT_RC}; }`,
    `  sleep ${a.sleep}`,
    'done',
  ].join('\n');
}
