/**
 * `ifcfg`: manage an initscripts interface file (`/etc/sysconfig/network-scripts/ifcfg-DEVICE`)
 * as KEY=value settings - the `vi ifcfg-eth1` / `ifcfg-br-ex` edits of the RDO guides. One
 * read, at most one write; comments, order and untouched lines stay byte for byte.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { editIfcfg, KEY_RE, parseIfcfg, renderIfcfg } from './_lib/ifcfg.js';
import { contentDiff, decodeText, FROM_PACKAGE_NOTE, readConfigFile, removeConfigFile, writeConfigFile } from './_lib/ini-file-io.js';

type Scalar = string | number | boolean;

interface IfcfgArgs {
  device: string;
  state: 'present' | 'absent';
  settings: Record<string, Scalar | null>;
  exclusive: boolean;
  keep: string[];
  path?: string;
  backup: boolean;
}

export const DEFAULT_IFCFG_DIR = '/etc/sysconfig/network-scripts';

export default defineModule<IfcfgArgs>({
  name: 'ifcfg',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['device'],
    properties: {
      device: { type: 'string', minLength: 1, description: 'Interface name (eth1, br-ex); names the file ifcfg-DEVICE.' },
      state: { enum: ['present', 'absent'], default: 'present' },
      settings: {
        type: 'object',
        default: {},
        additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
        description: 'KEY: value pairs; null removes the key. Booleans are written yes/no.',
      },
      exclusive: { type: 'boolean', default: false, description: 'Remove every key not in settings (nor in keep).' },
      keep: { type: 'array', items: { type: 'string' }, default: [], description: 'Keys exclusive leaves alone (HWADDR, UUID...).' },
      path: { type: 'string', minLength: 1, description: 'Default: /etc/sysconfig/network-scripts/ifcfg-DEVICE.' },
      backup: { type: 'boolean', default: false },
    },
  },
  docs: {
    short: 'Manage initscripts ifcfg-* interface files (KEY=value, shell quoting)',
    description: [
      'Sets, changes and removes `KEY=value` lines of an interface configuration file for the initscripts',
      '`network` service (and NetworkManager\'s ifcfg-rh plugin). Values are compared after shell unquoting',
      '(`ONBOOT=yes` equals `ONBOOT="yes"`), and written the way those tools expect: bare when they are',
      'plain words, else in double quotes with `\\ " $ `` ` escaped.',
      '',
      'An existing key keeps its line, its place and a trailing `# comment`; only its value changes. New keys',
      'are appended in the order given. `exclusive: true` removes every key that is not in `settings` (nor in',
      '`keep`), which is how the RDO guide turns eth1 into a bare OVS port of br-ex. Comment lines are never',
      'touched. `state: absent` removes the file.',
      '',
      'The file changes only; bringing interfaces up or down is left to the `network` service (restart it or',
      'reboot, as the guide does, from a handler).',
    ].join('\n'),
    examples: [
      '- name: eth1 becomes an OVS port of br-ex; its IP settings go (seed 001, step 9)',
      '  ifcfg:',
      '    device: eth1',
      '    exclusive: true',
      '    keep: [HWADDR]',
      '    settings:',
      '      DEVICE: eth1',
      '      ONBOOT: "yes"',
      '      TYPE: OVSPort',
      '      DEVICETYPE: ovs',
      '      OVS_BRIDGE: br-ex',
      '      NM_CONTROLLED: "no"',
      '',
      '- name: br-ex is an OVS bridge carrying the public address',
      '  ifcfg:',
      '    device: br-ex',
      '    settings:',
      '      DEVICE: br-ex',
      '      ONBOOT: "yes"',
      '      DEVICETYPE: ovs',
      '      TYPE: OVSBridge',
      '      OVSBOOTPROTO: none',
      '      OVSDHCPINTERFACES: eth1',
      '      IPADDR: 192.168.1.101',
      '      NETMASK: 255.255.255.0',
      '      GATEWAY: 192.168.1.1',
      '      DNS1: 8.8.8.8',
      '      DNS2: 8.8.4.4',
      '      NM_CONTROLLED: "no"',
      '',
      '- name: eth0 keeps its settings, NetworkManager lets go of it',
      '  ifcfg:',
      '    device: eth0',
      '    settings: {NM_CONTROLLED: false}     # written NM_CONTROLLED=no',
      '',
      '- name: Drop one key without touching the rest',
      '  ifcfg:',
      '    device: eth0',
      '    settings: {PEERDNS: null}',
      '',
      '- name: No alias interface any more',
      '  ifcfg: device=eth0:1 state=absent',
    ].join('\n'),
    returns: {
      path: 'The file managed',
      changes: 'One line per change: KEY: "old" -> "new", KEY=value added, KEY removed',
      backup_file: 'The backup copy, when backup=true and the file changed',
    },
    notes: [
      'Keys must be shell variable names (A-Z, a-z, 0-9, _); values must be on one line.',
      'A key assigned twice is reduced to one assignment when the task sets it (the shell would use the last).',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    if (/[/\s]/.test(a.device) || a.device === '.' || a.device === '..') {
      ctx.fail(`device ${JSON.stringify(a.device)} is not an interface name (no '/' or spaces)`);
    }
    const path = a.path ?? `${DEFAULT_IFCFG_DIR}/ifcfg-${a.device}`;
    const settings = normaliseSettings(ctx);
    for (const k of a.keep) if (!KEY_RE.test(k)) ctx.fail(`keep: ${JSON.stringify(k)} is not a variable name`);

    const file = await readConfigFile(ctx, path);
    if (a.state === 'absent') return removeFile(ctx, path, file.content !== null || file.fromPackage, file.content);

    const decoded = decodeText(file.content);
    const result = editIfcfg(
      parseIfcfg(decoded.text),
      settings.map(([k, v]) => [k, v === null ? null : decoded.fromUser(v)]),
      { exclusive: a.exclusive, keep: a.keep },
    );
    const after = renderIfcfg(result.doc);
    // A missing file is created even when no setting is given: the task says it should exist.
    const changed = after !== decoded.text || (file.content === null && !file.fromPackage);
    const changes = result.changes.map(decoded.display);
    if (file.content === null && !file.fromPackage && changes.length === 0) changes.push('empty file created');
    const out: ModuleResult = { changed, path, changes, msg: changes.length ? changes.join('; ') : 'OK' };
    if (!changed) return out;
    if (file.fromPackage) out.msg = `${out.msg} (${FROM_PACKAGE_NOTE})`;
    const written = await writeConfigFile(ctx, file, decoded.encode(after), { backup: a.backup });
    if (written.backupFile) out.backup_file = written.backupFile;
    if (ctx.diff) out.diff = contentDiff(file, decoded.display(decoded.text), decoded.display(after));
    return out;
  },
});

async function removeFile(ctx: ModuleContext<IfcfgArgs>, path: string, exists: boolean, content: Buffer | null): Promise<ModuleResult> {
  if (!exists) return { changed: false, path, changes: [], msg: `${path} is already absent` };
  await removeConfigFile(ctx, path);
  const out: ModuleResult = { changed: true, path, changes: ['file removed'], msg: `${path} removed` };
  if (ctx.diff) out.diff = { before: decodeText(content).text, after: '', beforeHeader: `${path} (content)`, afterHeader: `${path} (absent)` };
  return out;
}

/** Settings as [KEY, text] pairs in the order given; booleans become yes/no as initscripts expects. */
function normaliseSettings(ctx: ModuleContext<IfcfgArgs>): Array<[string, string | null]> {
  return Object.entries(ctx.args.settings).map(([key, raw]) => {
    if (!KEY_RE.test(key)) ctx.fail(`settings: ${JSON.stringify(key)} is not a valid ifcfg key (letters, digits and _; not starting with a digit)`);
    if (raw === null) return [key, null];
    const value = typeof raw === 'boolean' ? (raw ? 'yes' : 'no') : String(raw);
    if (/[\r\n]/.test(value)) ctx.fail(`settings: the value of ${key} must be on one line (got ${JSON.stringify(value)})`);
    return [key, value];
  });
}
