/**
 * `ini_set`: set or remove options in INI-style files - the `openstack-config --set FILE
 * SECTION KEY VALUE` of the RDO guides - with one read and at most one write per task,
 * whatever the number of keys. Everything the task does not touch stays byte for byte (see
 * modules/_lib/ini.ts). `ini_file` (ini_file.ts) is the same module under Ansible's name,
 * laying out new sections and files as Ansible's does.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { applyIniEdits, parseIni, renderIni, type IniEdit, type IniEditOptions } from '../core/helpers/index.js';
import { ownerSchema } from './_lib/file-attrs.js';
import {
  applyAttributes,
  attributeChanges,
  checkModeArgument,
  contentDiff,
  decodeText,
  FROM_PACKAGE_NOTE,
  readConfigFile,
  writeConfigFile,
  type ConfigFileState,
} from './_lib/ini-file-io.js';

type Scalar = string | number | boolean;
type SettingValue = Scalar | Scalar[] | null;

export interface IniSetArgs {
  path?: string;
  dest?: string;
  section?: string | null;
  option?: string;
  value?: Scalar;
  values?: Scalar[];
  settings?: Record<string, SettingValue | Record<string, SettingValue>>;
  state: 'present' | 'absent';
  exclusive: boolean;
  create: boolean;
  backup: boolean;
  no_extra_spaces: boolean;
  ignore_spaces: boolean;
  allow_no_value: boolean;
  modify_inactive_option: boolean;
  mode?: string;
  owner?: string;
  group?: string;
}

const scalar = { type: ['string', 'number', 'boolean'] };

export const iniSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, description: 'The INI file on the host.' },
    dest: { type: 'string', minLength: 1, description: 'Old name of path (Ansible < 2.3).' },
    section: { type: ['string', 'null'], description: 'Section name; null or omitted: the lines before the first section header.' },
    option: { type: 'string', minLength: 1 },
    value: scalar,
    values: { type: 'array', items: scalar },
    settings: {
      type: 'object',
      description: 'Many options at once: {SECTION: {option: value}}; a scalar entry is an option of `section` (or of the section-less top).',
      // Shape checked in buildEdits, for one clear message instead of ajv's anyOf list.
      additionalProperties: { type: ['string', 'number', 'boolean', 'array', 'null', 'object'] },
    },
    state: { enum: ['present', 'absent'], default: 'present' },
    exclusive: { type: 'boolean', default: true },
    create: { type: 'boolean', default: true },
    backup: { type: 'boolean', default: false },
    no_extra_spaces: { type: 'boolean', default: false },
    ignore_spaces: { type: 'boolean', default: true },
    allow_no_value: { type: 'boolean', default: false },
    modify_inactive_option: { type: 'boolean', default: false },
    mode: { type: 'string' },
    owner: ownerSchema("User name or uid that should own the file (not starting with '-', no ':')."),
    group: ownerSchema("Group name or gid that should own the file (not starting with '-', no ':')."),
  },
};

export default defineModule<IniSetArgs>({
  name: 'ini_set',
  schema: iniSchema,
  docs: {
    short: 'Set or remove options in INI files, leaving everything else byte for byte',
    description: [
      "Ansible's `ini_file`, plus a `settings:` mapping that sets many options with one read and one write",
      '(the `openstack-config --set` / `crudini --set` lines of the RDO and Red Hat guides).',
      '',
      'Only the lines that must change are touched: comments, blank lines, order and the spacing of other',
      'lines stay byte for byte. An option whose value already matches is unchanged whatever its spacing',
      '(`a=b` and `a = b` are equal). A changed value is replaced in place, keeping the line\'s spacing. A new',
      'option goes right after its commented default (`#virt_type=kvm`), which stays as it is, or else after the',
      "section's last option; a missing section is appended at the end of the file, after a blank line",
      '(`ini_file` appends it right after the last line, as Ansible does).',
      '',
      '`section: null` (or no `section`) addresses the lines before the first section header, for section-less',
      'files such as `/etc/rabbitmq/rabbitmq-env.conf` (use `no_extra_spaces: true` for shell-sourced files).',
      '',
      'In check mode, a file that an earlier task would install (a package from `yum`) but that is not on the host',
      'yet is reported as changed, with a diff of the options this task sets; its packaged content cannot be known.',
    ].join('\n'),
    examples: [
      '- name: openstack-config --set /etc/nova/nova.conf libvirt virt_type kvm',
      '  ini_set:',
      '    path: /etc/nova/nova.conf',
      '    section: libvirt',
      '    option: virt_type',
      '    value: kvm',
      '',
      '- name: ML2 plugin for VXLAN tenant networks (seed 001, step 8) - one read, one write',
      '  ini_set:',
      '    path: /etc/neutron/plugins/ml2/ml2_conf.ini',
      '    settings:',
      '      ml2:',
      '        tenant_network_types: vxlan',
      '        mechanism_drivers: openvswitch',
      '      ml2_type_vxlan:',
      '        vni_ranges: "10:100"',
      '        vxlan_group: 224.0.0.1',
      '      securitygroup:',
      '        enable_security_group: true        # written as True',
      '',
      '- name: Open vSwitch agent tunnelling from this node\'s internal address',
      '  ini_set:',
      '    path: /etc/neutron/plugins/openvswitch/ovs_neutron_plugin.ini',
      '    settings:',
      '      ovs:',
      '        enable_tunneling: "True"',
      '        integration_bridge: br-int',
      '        tunnel_bridge: br-tun',
      '        local_ip: "{{internal_ip}}"',
      '      agent:',
      '        tunnel_types: vxlan',
      '        vxlan_udp_port: 4789',
      '      securitygroup:',
      '        firewall_driver: neutron.agent.linux.iptables_firewall.OVSHybridIptablesFirewallDriver',
      '',
      '- name: RabbitMQ listen address in a section-less, shell-sourced file',
      '  ini_set:',
      '    path: /etc/rabbitmq/rabbitmq-env.conf',
      '    no_extra_spaces: true',
      '    settings:',
      '      RABBITMQ_NODE_IP_ADDRESS: 192.168.1.100',
      '      RABBITMQ_NODE_PORT: 5672',
      '',
      '- name: Keystone auth in api-paste.ini (section names may contain colons)',
      '  ini_set:',
      '    path: /etc/nova/api-paste.ini',
      '    section: "filter:authtoken"',
      '    option: admin_password',
      '    value: "{{nova_admin_password}}"',
      '    mode: "0640"',
      '    group: nova',
      '    backup: true',
      '',
      '- name: Remove an option (every occurrence in the section)',
      '  ini_set: path=/etc/nova/nova.conf section=DEFAULT option=sql_connection state=absent',
      '',
      '- name: A null value in settings removes that option',
      '  ini_set:',
      '    path: /etc/nova/nova.conf',
      '    settings:',
      '      DEFAULT: {network_manager: null}',
    ].join('\n'),
    returns: {
      path: 'The file edited',
      changes: 'One line per change, e.g. "[libvirt] virt_type = \\"kvm\\" added" or "[ovs] local_ip: \\"a\\" -> \\"b\\""',
      backup_file: 'The backup copy, when backup=true and the file changed',
      msg: 'The changes joined with "; ", or "OK"',
    },
    notes: [
      'Values are strings; numbers are written as they are and YAML booleans as True/False (as Ansible does).',
      'A line such as `key = value  # note` has the value `value  # note`: INI parsers used by OpenStack (oslo.config, configparser) have no inline comments.',
      'Option names are case-sensitive; the first section of a name is edited when a file repeats it.',
      "Differences from Ansible's ini_file (tsplay's `ini_file` shares them; it differs from ini_set only in how it lays out new sections and files): ignore_spaces defaults to true, commented defaults are kept unless modify_inactive_option is true, and an unedited file without a final newline is left alone.",
      'mode accepts octal permissions only (e.g. "0640").',
    ],
  },
  run: (ctx) => runIniEdit(ctx, 'ini_set'),
});

/** The task of ini_set and ini_file: they differ only in the layout of new sections and files. */
export async function runIniEdit(ctx: ModuleContext<IniSetArgs>, layout: IniEditOptions['layout']): Promise<ModuleResult> {
  const a = ctx.args;
  const path = a.path ?? a.dest ?? ctx.fail("missing required argument 'path'");
  if (a.path !== undefined && a.dest !== undefined && a.path !== a.dest) ctx.fail("give either 'path' or its old name 'dest', not both");
  checkModeArgument(ctx, a.mode);
  const edits = buildEdits(ctx);
  const options: Partial<IniEditOptions> = {
    exclusive: a.exclusive,
    allowNoValue: a.allow_no_value,
    noExtraSpaces: a.no_extra_spaces,
    ignoreSpaces: a.ignore_spaces,
    modifyInactiveOption: a.modify_inactive_option,
    layout,
  };

  const file = await readConfigFile(ctx, path);
  if (file.content === null && !file.fromPackage && !a.create) {
    ctx.fail(`${path} does not exist on ${ctx.host.name}; set create: true to create it`, { path, rc: 257 });
  }
  return editFile(ctx, file, edits, options);
}

async function editFile(ctx: ModuleContext<IniSetArgs>, file: ConfigFileState, edits: IniEdit[], options: Partial<IniEditOptions>): Promise<ModuleResult> {
  const a = ctx.args;
  const decoded = decodeText(file.content);
  // Names and values go into the file's own text representation (see decodeText).
  const fileEdits = edits.map((e) => ({
    ...e,
    section: e.section === null ? null : decoded.fromUser(e.section),
    ...(e.option !== undefined ? { option: decoded.fromUser(e.option) } : {}),
    values: e.values.map(decoded.fromUser),
  }));
  let result;
  try {
    result = applyIniEdits(parseIni(decoded.text), fileEdits, options);
  } catch (err) {
    ctx.fail(`${file.path}: ${(err as Error).message}`);
  }
  const after = renderIni(result.doc);
  const contentChanged = after !== decoded.text;
  const changes = result.changes.map(decoded.display);
  const wish = { mode: a.mode, owner: a.owner, group: a.group };
  // A new file gets mode/owner/group as it is written; only an existing one can differ.
  const attrChanges = file.attrs === null ? [] : attributeChanges(file.attrs, wish);

  const out: ModuleResult = { changed: contentChanged || attrChanges.length > 0, path: file.path, changes: [...changes, ...attrChanges] };
  if (contentChanged) {
    const written = await writeConfigFile(ctx, file, decoded.encode(after), { ...wish, backup: a.backup });
    if (written.backupFile) out.backup_file = written.backupFile;
  } else if (attrChanges.length > 0) {
    await applyAttributes(ctx, file.path, wish);
  }
  const all = out.changes as string[];
  out.msg = all.length ? all.join('; ') + (file.fromPackage ? ` (${FROM_PACKAGE_NOTE})` : '') : 'OK';
  if (ctx.diff && contentChanged) out.diff = contentDiff(file, decoded.display(decoded.text), decoded.display(after));
  return out;
}

/** Turn `option`/`value(s)` or `settings` into editor edits, with clear argument errors. */
function buildEdits(ctx: ModuleContext<IniSetArgs>): IniEdit[] {
  const a = ctx.args;
  // Ansible: an empty section, like null, means the lines before the first header.
  const section = a.section === '' ? null : (a.section ?? null);
  if (section !== null) checkName(ctx, 'section', section);
  if (a.value !== undefined && a.values !== undefined) ctx.fail("give either 'value' or 'values', not both");
  if (a.settings !== undefined) {
    for (const k of ['option', 'value', 'values'] as const) {
      if (a[k] !== undefined) ctx.fail(`give either 'settings' or '${k}', not both: put the option into settings`);
    }
    return settingsEdits(ctx, a.settings, section);
  }
  if (a.option === undefined) {
    if (a.value !== undefined || a.values !== undefined) ctx.fail("'value' needs 'option': the name of the option to set");
    if (section === null) ctx.fail("give 'option' (or 'settings'), or a 'section' to add or remove as a whole");
    return [{ section, values: [], state: a.state }];
  }
  checkName(ctx, 'option', a.option);
  const values = a.values !== undefined ? a.values.map((v) => toIniValue(ctx, a.option!, v)) : a.value !== undefined ? [toIniValue(ctx, a.option, a.value)] : [];
  if (a.state === 'present' && values.length === 0 && !a.allow_no_value) {
    ctx.fail(`'value' is required to set option '${a.option}' (or allow_no_value: true for a bare option)`);
  }
  return [{ section, option: a.option, values, state: a.state }];
}

function settingsEdits(ctx: ModuleContext<IniSetArgs>, settings: NonNullable<IniSetArgs['settings']>, section: string | null): IniEdit[] {
  const a = ctx.args;
  const edits: IniEdit[] = [];
  const optionEdit = (sec: string | null, option: string, raw: SettingValue): IniEdit => {
    checkName(ctx, 'option', option, sec);
    if (!isSettingValue(raw)) {
      const where = sec === null ? option : `${sec}.${option}`;
      ctx.fail(`settings.${where}: a value must be a string, number, boolean, a list of those, or null to remove the option (sections are one level deep; got ${JSON.stringify(raw)})`);
    }
    if (raw === null || a.state === 'absent') return { section: sec, option, values: [], state: 'absent' };
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => toIniValue(ctx, option, v));
    if (values.length === 0 && !a.allow_no_value) ctx.fail(`settings: option '${option}' has an empty list of values; use null to remove it`);
    return { section: sec, option, values, state: 'present' };
  };
  for (const [key, raw] of Object.entries(settings)) {
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      checkName(ctx, 'section', key);
      const entries = Object.entries(raw);
      if (entries.length === 0) edits.push({ section: key, values: [], state: a.state });
      for (const [option, value] of entries) edits.push(optionEdit(key, option, value));
    } else {
      edits.push(optionEdit(section, key, raw));
    }
  }
  if (edits.length === 0) ctx.fail("'settings' is empty: give at least one option");
  return edits;
}

function isSettingValue(v: unknown): v is SettingValue {
  const isScalar = (x: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof x);
  return v === null || isScalar(v) || (Array.isArray(v) && v.every(isScalar));
}

function checkName(ctx: ModuleContext<IniSetArgs>, kind: 'section' | 'option', name: string, section?: string | null): void {
  const where = section === undefined ? '' : section === null ? ' (top of file)' : ` in section [${section}]`;
  if (/[\r\n]/.test(name)) ctx.fail(`${kind} name ${JSON.stringify(name)}${where} must be on one line`);
  if (name.trim() === '') ctx.fail(`${kind} name must not be empty${where}`);
  if (kind === 'section' && name.includes(']')) ctx.fail(`section name ${JSON.stringify(name)} must not contain ']'`);
  if (kind === 'option' && (name.includes('=') || /^[#;[]/.test(name.trim()))) {
    ctx.fail(`option name ${JSON.stringify(name)}${where} must not contain '=' nor start with '#', ';' or '['`);
  }
}

/** Values as Ansible's ini_file writes them: strings as is, numbers as written, booleans True/False. */
function toIniValue(ctx: ModuleContext<IniSetArgs>, option: string, value: Scalar): string {
  const s = typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
  if (/[\r\n]/.test(s)) ctx.fail(`the value of option '${option}' must be on one line (got ${JSON.stringify(s)})`);
  return s;
}
