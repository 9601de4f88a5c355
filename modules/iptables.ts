/**
 * `iptables` (also `ansible.builtin.iptables`): one rule, or a chain's policy, in the live
 * IPv4 rules of the host (its own network namespace) and, with `persist_file`, in the file
 * the iptables service loads at boot (/etc/sysconfig/iptables). One command reads the live
 * table (`iptables-save -t TABLE`) and the file; the controller plans where the rule goes
 * (modules/_lib/iptables.ts); one `iptables-restore --noflush` applies the whole change
 * atomically, and the file is edited in place (only that chain's lines change).
 */
import { defineModule, type DiffEntry, type ModuleContext } from '../core/modules/api.js';
import { NOT_AN_OPTION } from '../core/modules/validate-args.js';
import { contentDiff, decodeText, readConfigFile, writeConfigFile, type ConfigFileState } from './_lib/ini-file-io.js';
import {
  BUILTIN_CHAINS,
  describeChain,
  editSavedFile,
  IptablesError,
  normaliseRule,
  parseSave,
  planChain,
  restoreInput,
  ruleLine,
  ruleWords,
  type NormalRule,
  type Op,
  type RuleArgs,
  type SavedTable,
} from './_lib/iptables.js';

interface IptablesArgs extends RuleArgs {
  table: 'filter' | 'nat' | 'mangle' | 'raw' | 'security';
  chain: string;
  action: 'append' | 'insert';
  rule_num?: number;
  insert_before?: RuleArgs;
  state: 'present' | 'absent';
  policy?: 'ACCEPT' | 'DROP' | 'QUEUE' | 'RETURN';
  ip_version: 'ipv4';
  persist_file?: string;
  wait: number;
}

/** Check mode: the table as earlier iptables tasks of this run would leave it (live rules). */
const PREDICTED_NS = 'iptables';
const WORD = { type: 'string', minLength: 1, pattern: `${NOT_AN_OPTION}[^\\s"'\\\\]+$` };
const PORT = { type: ['string', 'integer'], pattern: '^!?\\s*[0-9]+(:[0-9]*)?$', minimum: 0, maximum: 65535 };
const strList = { anyOf: [WORD, { type: 'array', items: WORD }] };

const RULE_PROPERTIES = {
  protocol: { ...WORD, description: 'tcp, udp, icmp, all, or a number; a leading ! negates.' },
  source: { ...WORD, description: 'Source address or network (10.0.0.0/8); a leading ! negates.' },
  destination: { ...WORD, description: 'Destination address or network.' },
  source_port: { ...PORT, description: 'Port or range (1024:65535); needs protocol tcp/udp (or match multiport).' },
  destination_port: { ...PORT, description: 'Port or range (5900:5999); needs protocol tcp/udp (or match multiport).' },
  destination_ports: { anyOf: [{ type: ['string', 'integer'], pattern: '^[0-9:,]+$' }, { type: 'array', items: { type: ['string', 'integer'], pattern: '^[0-9]+(:[0-9]+)?$' } }], description: 'Several ports/ranges: -m multiport --dports.' },
  match: { ...strList, description: 'Extra match modules (-m NAME), e.g. multiport.' },
  ctstate: { ...strList, description: 'Connection states: -m conntrack --ctstate NEW,ESTABLISHED...' },
  jump: { ...WORD, description: 'Target: ACCEPT, DROP, REJECT, LOG, a user chain...' },
  reject_with: { ...WORD, description: 'With jump REJECT: --reject-with (icmp-host-prohibited...).' },
  comment: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^"\'\\\\\\n\\r]*$', description: "-m comment --comment (no quotes or backslashes)." },
  in_interface: { ...WORD, description: 'Incoming interface (-i).' },
  out_interface: { ...WORD, description: 'Outgoing interface (-o).' },
};

export default defineModule<IptablesArgs>({
  name: 'iptables',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['chain'],
    properties: {
      table: { enum: ['filter', 'nat', 'mangle', 'raw', 'security'], default: 'filter' },
      chain: { ...WORD, description: 'INPUT, FORWARD, OUTPUT... or an existing user chain.' },
      ...RULE_PROPERTIES,
      action: { enum: ['append', 'insert'], default: 'append', description: 'Where a missing rule goes: end of chain, or position rule_num.' },
      rule_num: { type: 'integer', minimum: 1, description: 'Position for action: insert (default 1).' },
      insert_before: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: RULE_PROPERTIES,
        description: 'tsplay: put the rule before the first rule that has all of these (e.g. {jump: REJECT}); a copy found after it is moved.',
      },
      state: { enum: ['present', 'absent'], default: 'present' },
      policy: { enum: ['ACCEPT', 'DROP', 'QUEUE', 'RETURN'], description: 'Set the policy of a built-in chain (then no rule parameters).' },
      ip_version: { enum: ['ipv4'], default: 'ipv4', description: 'Only ipv4 (iptables); ip6tables is not implemented.' },
      persist_file: { type: 'string', pattern: '^/', description: 'tsplay: also keep the rule in this iptables-save file (/etc/sysconfig/iptables).' },
      wait: { type: 'integer', minimum: 0, default: 10, description: 'Seconds iptables-restore waits for the xtables lock.' },
    },
  },
  docs: {
    short: 'Manage one iptables rule or chain policy, live and in /etc/sysconfig/iptables',
    description: [
      "Ansible's `iptables` module for IPv4, with the same parameter names. One command reads the live table",
      '(`iptables-save -t TABLE`, in the host\'s own network namespace) and, with `persist_file`, the saved rules;',
      'the controller compares rules in a normal form (option order, `--dport`/`--destination-port`, `10.0.0.1` vs',
      '`10.0.0.1/32`, state lists in any order are the same rule) and one `iptables-restore --noflush` applies the',
      'change atomically. Check mode reads and plans only; `--diff` shows the chain before and after.',
      '',
      'Where a missing rule goes: `action: append` (default) at the end; `action: insert` at `rule_num` (default 1).',
      'As in Ansible, a rule that is already in the chain is left where it is. `insert_before` (tsplay) names a rule',
      'by some of its parameters, e.g. `{jump: REJECT}`: the rule goes right before the first rule that matches,',
      'and a copy that sits after it (where it would never match) is moved there; with no matching rule it is',
      'appended. This is how "ACCEPT before the REJECT rule" of /etc/sysconfig/iptables is written without',
      'counting rules, and repeated tasks keep their order.',
      '',
      "`persist_file` (tsplay) keeps the same rule in the file the iptables service loads, which Ansible users",
      "do with a second step (`community.general.iptables_state` or `service iptables save`). The file is edited",
      'in place with the same plan as the live chain: the rule is added or removed in its chain and every other',
      'line (comments, other chains and tables) stays; `iptables-save` dumps of the whole live state (with',
      "counters, and rules other software such as libvirt added at run time) are not written. A missing file",
      'is created (mode 0600) with the table\'s built-in chains.',
      '',
      '`state: absent` removes every copy of the rule. `policy` sets a built-in chain\'s policy (live and file).',
    ].join('\n'),
    examples: [
      '- name: Seed 004, VNC consoles before the REJECT rule, live and persistent (the same task with 8774 follows it)',
      '  iptables:',
      '    chain: INPUT',
      '    protocol: tcp',
      '    match: multiport',
      '    destination_ports: "5900:5999"',
      '    jump: ACCEPT',
      '    insert_before: {jump: REJECT}',
      '    persist_file: /etc/sysconfig/iptables',
      '',
      '- name: Allow new SSH connections at the top of INPUT',
      '  ansible.builtin.iptables:',
      '    chain: INPUT',
      '    action: insert',
      '    rule_num: 1',
      '    protocol: tcp',
      '    destination_port: 22',
      '    ctstate: NEW',
      '    jump: ACCEPT',
      '    comment: ssh',
      '',
      '- name: Drop forwarded traffic by default',
      '  iptables: chain=FORWARD policy=DROP persist_file=/etc/sysconfig/iptables',
      '',
      '- name: Remove a rule',
      '  iptables:',
      '    chain: INPUT',
      '    source: 203.0.113.7',
      '    jump: DROP',
      '    state: absent',
    ].join('\n'),
    returns: {
      table: 'The table',
      chain: 'The chain',
      rule: 'The rule as an iptables-save line (absent with policy)',
      live_changed: 'Whether the live rules changed (would change)',
      file_changed: 'Whether persist_file changed (would change)',
      commands: 'The iptables-restore --noflush input that ran (check mode: would run)',
    },
    notes: [
      'Needs iptables-save and iptables-restore on the host. The rules changed are those of the host\'s own network namespace.',
      'IPv4 only (ip_version: ipv4); ip6tables is not implemented. Not implemented either: flush, chain creation (chain_management), tcp_flags, to_ports/to_source/to_destination, limit, uid_owner, set_counters, goto.',
      'Host names in source/destination are not resolved: give addresses or networks.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    let wantWords: string[] = [];
    let before: NormalRule | undefined;
    try {
      if (a.policy !== undefined) {
        if (ruleWords(a).length) ctx.fail('policy sets the chain policy only: give no rule parameters with it');
        if (!(BUILTIN_CHAINS[a.table] ?? []).includes(a.chain)) ctx.fail(`only built-in chains have a policy; ${a.chain} is not one of table ${a.table}'s (${BUILTIN_CHAINS[a.table]!.join(', ')})`);
      } else {
        wantWords = ruleWords(a);
        normaliseRule(wantWords);
        if (a.insert_before) before = normaliseRule(ruleWords(a.insert_before), true);
      }
    } catch (err) {
      if (err instanceof IptablesError) ctx.fail(`${err.message} (chain ${a.chain})`);
      throw err;
    }
    if (a.insert_before && a.action === 'insert' && a.rule_num !== undefined) ctx.fail('give either insert_before or action: insert with rule_num, not both');

    const read = await readState(ctx);
    const live = read.table;
    if (!live.chains.has(a.chain)) ctx.fail(`chain ${a.chain} does not exist in table ${a.table} on ${ctx.host.name} (create it first, e.g. with iptables -N)`);
    const liveRules = live.rules.filter((r) => r.chain === a.chain).map((r) => r.words);
    const livePolicy = live.chains.get(a.chain)!.policy;

    let liveOps: Op[] = [];
    let liveAfter = liveRules;
    let fileOps: Op[] = [];
    let filePolicyChange = false;
    const want = { words: wantWords, state: a.state, action: a.action, ruleNum: a.rule_num ?? 1, ...(before ? { before } : {}) };
    try {
      if (a.policy === undefined) {
        const p = planChain(liveRules, want);
        liveOps = p.ops;
        liveAfter = p.after;
      }
      if (read.file) {
        const tables = parseSave(read.fileText);
        const t = tables.get(a.table);
        const rules = t ? t.rules.filter((r) => r.chain === a.chain).map((r) => r.words) : [];
        if (a.policy === undefined) fileOps = planChain(rules, want).ops;
        else filePolicyChange = t?.chains.get(a.chain)?.policy !== a.policy;
      }
    } catch (err) {
      if (err instanceof IptablesError) ctx.fail(`${read.file && !liveOps.length ? `${a.persist_file}: ` : ''}${err.message} (chain ${a.chain} on ${ctx.host.name})`);
      throw err;
    }
    const policyChange = a.policy !== undefined && livePolicy !== a.policy;
    const liveChanged = liveOps.length > 0 || policyChange;
    const commands = liveChanged ? restoreInput(a.table, a.chain, liveOps, policyChange ? a.policy : undefined) : undefined;

    let fileAfter: string | undefined;
    if (read.file && (fileOps.length || filePolicyChange)) {
      try {
        fileAfter = editSavedFile(read.fileText, a.table, a.chain, fileOps, filePolicyChange ? a.policy : undefined);
      } catch (err) {
        if (err instanceof IptablesError) ctx.fail(`cannot edit ${a.persist_file} on ${ctx.host.name}: ${err.message}`);
        throw err;
      }
    }

    if (commands && !ctx.check) {
      const res = await ctx.run(`PATH="$PATH:/usr/sbin:/sbin"\nexec iptables-restore --wait=${a.wait} --noflush`, { stdin: commands });
      if (res.rc !== 0) ctx.fail(`iptables-restore failed on ${ctx.host.name} (table ${a.table}, chain ${a.chain}): ${res.stderr.trim() || `exit status ${res.rc}`}`, { commands });
    }
    if (fileAfter !== undefined) await writeConfigFile(ctx, read.file!, fileAfter, read.file!.attrs ? {} : { mode: '0600' });
    if (ctx.check && liveChanged) {
      ctx.predicted.set<SavedTable>(PREDICTED_NS, a.table, {
        ...live,
        chains: new Map([...live.chains].map(([c, v]) => [c, c === a.chain && policyChange ? { ...v, policy: a.policy! } : v])),
        rules: [...live.rules.filter((r) => r.chain !== a.chain), ...liveAfter.map((words) => ({ chain: a.chain, words, line: -1 }))],
      });
    }

    const changed = liveChanged || fileAfter !== undefined;
    const out: Record<string, unknown> & { changed: boolean } = {
      changed,
      table: a.table,
      chain: a.chain,
      live_changed: liveChanged,
      file_changed: fileAfter !== undefined,
      ...(a.policy === undefined ? { rule: ruleLine(a.chain, wantWords) } : { policy: a.policy }),
      ...(commands ? { commands } : {}),
    };
    if (ctx.diff && changed) {
      const diffs: DiffEntry[] = [];
      if (liveChanged) {
        const header = `live ${a.table} table on ${ctx.host.name}, chain ${a.chain}${read.fromService ? ' (as the iptables service would load it)' : ''}`;
        diffs.push({ before: describeChain(a.chain, livePolicy, liveRules), after: describeChain(a.chain, policyChange ? a.policy : livePolicy, liveAfter), beforeHeader: header, afterHeader: header });
      }
      if (fileAfter !== undefined) diffs.push(contentDiff(read.file!, read.fileText, fileAfter));
      out.diff = diffs;
    }
    return out;
  },
});

interface ReadResult {
  table: SavedTable;
  /** Check mode: the table is what the iptables service will load from persist_file once an earlier task starts it. */
  fromService: boolean;
  file?: ConfigFileState;
  fileText: string;
}

/**
 * One command: whether the iptables service is active, the live table (base64 on one line),
 * then persist_file. In check mode, what earlier tasks would leave takes the place of both.
 */
async function readState(ctx: ModuleContext<IptablesArgs>): Promise<ReadResult> {
  const a = ctx.args;
  const preamble = [
    'PATH="$PATH:/usr/sbin:/sbin"',
    "command -v iptables-save >/dev/null 2>&1 || { echo 'iptables-save: command not found (install iptables)' >&2; exit 127; }",
    `s=$(iptables-save -t ${a.table} 2>&1) || { printf 'iptables-save -t ${a.table} failed: %s\\n' "$s" >&2; exit 3; }`,
    'u=$(systemctl is-active iptables.service 2>/dev/null)',
    `printf 'live %s %s\\n' "\${u:-unknown}" "$(printf '%s\\n' "$s" | base64 | tr -d '\\n')"`,
  ].join('\n');
  let liveLine: string;
  let file: ConfigFileState | undefined;
  if (a.persist_file) {
    const r = await readConfigFile(ctx, a.persist_file, preamble);
    liveLine = r.preambleLine;
    file = r;
  } else {
    const res = await ctx.run(preamble);
    if (res.rc !== 0) ctx.fail(`cannot read the ${a.table} table on ${ctx.host.name}: ${res.stderr.trim() || `exit status ${res.rc}`}`);
    liveLine = res.stdout.split('\n')[0]!;
  }
  const [, service, b64] = liveLine.split(' ');
  const fileText = file ? decodeText(file.content).text : '';
  let table: SavedTable | undefined;
  let fromService = false;
  try {
    table = parseSave(Buffer.from(b64 ?? '', 'base64').toString('utf8')).get(a.table);
    if (ctx.check) {
      const predicted = ctx.predicted.get<SavedTable>(PREDICTED_NS, a.table);
      if (predicted) table = predicted;
      else if (service !== 'active' && ctx.predicted.get<{ active?: string }>('systemd', 'iptables.service')?.active === 'active') {
        // An earlier task starts the service, which loads /etc/sysconfig/iptables.
        const saved = a.persist_file === '/etc/sysconfig/iptables' ? fileText : decodeText(ctx.predicted.file('/etc/sysconfig/iptables') instanceof Buffer ? (ctx.predicted.file('/etc/sysconfig/iptables') as Buffer) : null).text;
        const fromFile = saved ? parseSave(saved).get(a.table) : undefined;
        if (fromFile) {
          table = fromFile;
          fromService = true;
        }
      }
    }
  } catch (err) {
    if (err instanceof IptablesError) ctx.fail(`cannot parse the rules on ${ctx.host.name}: ${err.message}`);
    throw err;
  }
  if (!table) ctx.fail(`iptables-save printed no ${a.table} table on ${ctx.host.name}`);
  return { table, fromService, ...(file ? { file } : {}), fileText };
}
