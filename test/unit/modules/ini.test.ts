import { describe, expect, it } from 'vitest';
import { editIniText, getValues, parseIni, renderIni, type IniEdit } from '../../../modules/_lib/ini.js';

const set = (section: string | null, option: string, ...values: string[]): IniEdit => ({ section, option, values, state: 'present' });
const unset = (section: string | null, option: string, ...values: string[]): IniEdit => ({ section, option, values, state: 'absent' });

// The shape of a Juno-era nova.conf: oslo-generated commented defaults, blank lines, CRLF-free.
const NOVA = `[DEFAULT]

#
# Options defined in nova.availability_zones
#

# The availability_zone to show internal services under
# (string value)
#internal_service_availability_zone=internal

rpc_backend=rabbit
rabbit_host = 192.168.1.100

[libvirt]

#
# Options defined in nova.virt.libvirt.driver
#

# Libvirt domain type (valid options are: kvm, lxc, qemu, uml,
# xen) (string value)
# Deprecated group/name - [DEFAULT]/libvirt_type
#virt_type=kvm

# Override the default libvirt URI (which is dependent on
# virt_type) (string value)
#connection_uri=
`;

describe('parseIni / renderIni', () => {
  const samples: Record<string, string> = {
    nova: NOVA,
    crlf: '[a]\r\nx = 1\r\n\r\n; c\r\n[b]\r\ny=2',
    bom: '\uFEFF[s]\nk=v\n',
    noTrailingNewline: 'k=v',
    empty: '',
    onlyNewlines: '\n\n\n',
    weird: '  [ spaced ]  ; trailing\n\tindented = yes\n    continued\nbare_key\n=novalue\nk =  v with spaces   \n',
    unicode: '[ゾーン]\n名前 = 値\n',
  };
  for (const [name, text] of Object.entries(samples)) {
    it(`round-trips ${name} byte for byte`, () => {
      expect(renderIni(parseIni(text))).toBe(text);
    });
  }

  it('classifies sections, options, comments, commented defaults and continuations', () => {
    const doc = parseIni('[s] # c\nk = v\n  more\n#virt_type=qemu\n; debug = true\n# prose, not an option\nbare\n');
    expect(doc.lines.map((l) => l.kind)).toEqual(['section', 'option', 'continuation', 'comment', 'comment', 'comment', 'option']);
    expect(doc.lines[0]!.section).toBe('s');
    expect(doc.lines[1]).toMatchObject({ key: 'k', value: 'v' });
    expect(doc.lines[3]!.commentedKey).toBe('virt_type');
    expect(doc.lines[4]!.commentedKey).toBe('debug');
    expect(doc.lines[5]!.commentedKey).toBeUndefined();
    expect(doc.lines[6]).toMatchObject({ key: 'bare', value: null });
    expect(getValues(doc, 's', 'k')).toEqual(['v\nmore']);
  });

  it('reads values of the section-less part and of a named section separately', () => {
    const doc = parseIni('A=1\n[x]\nA=2\n');
    expect(getValues(doc, null, 'A')).toEqual(['1']);
    expect(getValues(doc, 'x', 'A')).toEqual(['2']);
    expect(getValues(doc, 'missing', 'A')).toEqual([]);
  });
});

describe('editIniText: present', () => {
  it('changes only the value span of an existing option and keeps its spacing', () => {
    const input = '[ovs]\nlocal_ip =192.168.0.100\t\nother = 1\n';
    const r = editIniText(input, [set('ovs', 'local_ip', '10.0.0.2')]);
    expect(r.text).toBe('[ovs]\nlocal_ip =10.0.0.2\t\nother = 1\n');
    expect(r.changes).toEqual(['[ovs] local_ip: "192.168.0.100" -> "10.0.0.2"']);
  });

  it('treats text after the value as part of it, as configparser and oslo.config do (no inline comments)', () => {
    const input = '[ovs]\nlocal_ip =192.168.0.100   #internal address\n';
    expect(getValues(parseIni(input), 'ovs', 'local_ip')).toEqual(['192.168.0.100   #internal address']);
    expect(editIniText(input, [set('ovs', 'local_ip', '192.168.0.100')]).text).toBe('[ovs]\nlocal_ip =192.168.0.100\n');
  });

  it('leaves an option alone when only spacing differs (a=b vs a = b)', () => {
    const input = '[x]\na=b\nc  =   d\n';
    const r = editIniText(input, [set('x', 'a', 'b'), set('x', 'c', 'd')]);
    expect(r.text).toBe(input);
    expect(r.changes).toEqual([]);
  });

  it('normalises spacing when ignoreSpaces is off (Ansible default)', () => {
    const r = editIniText('[x]\na=b\n', [set('x', 'a', 'b')], { ignoreSpaces: false });
    expect(r.text).toBe('[x]\na = b\n');
    expect(r.changes).toHaveLength(1);
  });

  it('adds a key right after its commented default, leaving the comment byte for byte', () => {
    const r = editIniText(NOVA, [set('libvirt', 'virt_type', 'qemu')]);
    expect(r.text).toBe(NOVA.replace('#virt_type=kvm\n', '#virt_type=kvm\nvirt_type = qemu\n'));
    expect(r.changes).toEqual(['[libvirt] virt_type = "qemu" added']);
  });

  it('replaces the commented default in place with modifyInactiveOption (Ansible >= 8 behaviour)', () => {
    const r = editIniText(NOVA, [set('libvirt', 'virt_type', 'qemu')], { modifyInactiveOption: true });
    expect(r.text).toBe(NOVA.replace('#virt_type=kvm\n', 'virt_type = qemu\n'));
  });

  it('adds a key without commented default after the last option of its section', () => {
    const r = editIniText(NOVA, [set('DEFAULT', 'auth_strategy', 'keystone')]);
    expect(r.text).toBe(NOVA.replace('rabbit_host = 192.168.1.100\n', 'rabbit_host = 192.168.1.100\nauth_strategy = keystone\n'));
  });

  it('adds to a section that has only comments right after its header', () => {
    const r = editIniText('[a]\n# about a\n\n[b]\nx=1\n', [set('a', 'k', 'v')]);
    expect(r.text).toBe('[a]\nk = v\n# about a\n\n[b]\nx=1\n');
  });

  it('appends a missing section at the end, separated by a blank line', () => {
    expect(editIniText('[a]\nx = 1\n', [set('neutron', 'url', 'http://IP:9696/')]).text).toBe('[a]\nx = 1\n\n[neutron]\nurl = http://IP:9696/\n');
    expect(editIniText('[a]\nx = 1\n\n', [set('b', 'k', 'v')]).text).toBe('[a]\nx = 1\n\n[b]\nk = v\n');
    expect(editIniText('', [set('b', 'k', 'v')]).text).toBe('[b]\nk = v\n');
  });

  it("layout 'ini_file' writes what Ansible's ini_file writes: the section right after the last line, a new file starting empty", () => {
    const ini = { layout: 'ini_file' } as const;
    expect(editIniText('[a]\nx = 1\n', [set('b', 'k', 'v')], ini).text).toBe('[a]\nx = 1\n[b]\nk = v\n');
    expect(editIniText('[a]\nx = 1\n\n', [set('b', 'k', 'v')], ini).text).toBe('[a]\nx = 1\n\n[b]\nk = v\n');
    expect(editIniText('[a]\nx = 1', [set('b', 'k', 'v')], ini).text).toBe('[a]\nx = 1\n[b]\nk = v\n');
    expect(editIniText('', [set('b', 'k', 'v')], ini).text).toBe('\n[b]\nk = v\n');
    // The top of a new file: the empty line Ansible starts from stays after the option.
    expect(editIniText('', [set(null, 'k', 'v')], ini).text).toBe('k = v\n\n');
    // Nothing to do: an empty file stays empty (no change).
    expect(editIniText('', [unset('b', 'k')], ini)).toEqual({ text: '', changes: [] });
    // Options added to existing sections are placed as ini_set places them.
    expect(editIniText('[a]\nx = 1\n\n[c]\n', [set('a', 'y', '2')], ini).text).toBe('[a]\nx = 1\ny = 2\n\n[c]\n');
  });

  it('adds a missing newline only where it appends after the last line', () => {
    expect(editIniText('[a]\nx = 1', [set('a', 'y', '2')]).text).toBe('[a]\nx = 1\ny = 2\n');
    // Editing a value on the last line keeps "no newline at end of file" as it was.
    expect(editIniText('[a]\nx = 1', [set('a', 'x', '2')]).text).toBe('[a]\nx = 2');
  });

  it('keeps CRLF line endings and uses them for new lines', () => {
    const r = editIniText('[a]\r\nx = 1\r\n', [set('a', 'y', '2'), set('c', 'z', '3')]);
    expect(r.text).toBe('[a]\r\nx = 1\r\ny = 2\r\n\r\n[c]\r\nz = 3\r\n');
  });

  it('keeps a byte order mark', () => {
    expect(editIniText('\uFEFF[a]\nx = 1\n', [set('a', 'x', '2')]).text).toBe('\uFEFF[a]\nx = 2\n');
  });

  it('writes key=value with noExtraSpaces', () => {
    expect(editIniText('', [set(null, 'RABBITMQ_NODE_PORT', '5672')], { noExtraSpaces: true }).text).toBe('RABBITMQ_NODE_PORT=5672\n');
  });

  it('section null edits the lines before the first header (rabbitmq-env.conf)', () => {
    const input = '# Local RabbitMQ settings\n\n[ignored]\nRABBITMQ_NODE_PORT=1\n';
    const r = editIniText(input, [set(null, 'RABBITMQ_NODE_IP_ADDRESS', '192.168.1.100'), set(null, 'RABBITMQ_NODE_PORT', '5672')], { noExtraSpaces: true });
    expect(r.text).toBe(
      '# Local RabbitMQ settings\nRABBITMQ_NODE_IP_ADDRESS=192.168.1.100\nRABBITMQ_NODE_PORT=5672\n\n[ignored]\nRABBITMQ_NODE_PORT=1\n',
    );
  });

  it('section null in a file without sections appends after the existing keys', () => {
    const input = 'NODENAME=rabbit@opctl\n# trailing comment\n';
    expect(editIniText(input, [set(null, 'RABBITMQ_NODE_PORT', '5672')], { noExtraSpaces: true }).text).toBe(
      'NODENAME=rabbit@opctl\nRABBITMQ_NODE_PORT=5672\n# trailing comment\n',
    );
  });

  it('exclusive (default) collapses duplicates to the wanted value, in place', () => {
    const r = editIniText('[a]\nk = 1\nx = 0\nk = 2\n', [set('a', 'k', '3')]);
    expect(r.text).toBe('[a]\nk = 3\nx = 0\n');
    expect(r.changes).toEqual(['[a] k: "1" -> "3"', '[a] k: "2" removed']);
  });

  it('exclusive keeps a line that already has the value and drops the others', () => {
    expect(editIniText('[a]\nk = 1\nk = 2\n', [set('a', 'k', '2')]).text).toBe('[a]\nk = 2\n');
  });

  it('non-exclusive adds a value after the existing ones and keeps them', () => {
    const r = editIniText('[a]\nk = 1\nx = 0\n', [set('a', 'k', '2')], { exclusive: false });
    expect(r.text).toBe('[a]\nk = 1\nk = 2\nx = 0\n');
  });

  it('multiple values: present ones kept, missing ones added, others replaced', () => {
    expect(editIniText('[d]\nbev = coke\nbev = tea\n', [set('d', 'bev', 'coke', 'pepsi')]).text).toBe('[d]\nbev = coke\nbev = pepsi\n');
    expect(editIniText('[d]\nbev = coke\n', [set('d', 'bev', 'coke', 'pepsi', 'coke')]).text).toBe('[d]\nbev = coke\nbev = pepsi\n');
  });

  it('allowNoValue writes and keeps a bare key', () => {
    expect(editIniText('[mysqld]\nuser=mysql\n', [set('mysqld', 'skip-name-resolve')], { allowNoValue: true }).text).toBe(
      '[mysqld]\nuser=mysql\nskip-name-resolve\n',
    );
    const already = '[mysqld]\nskip-name-resolve\n';
    expect(editIniText(already, [set('mysqld', 'skip-name-resolve')], { allowNoValue: true }).changes).toEqual([]);
    expect(editIniText('[m]\nk = 1\n', [set('m', 'k')], { allowNoValue: true }).text).toBe('[m]\nk\n');
  });

  it('replacing a multi-line value drops its continuation lines', () => {
    const r = editIniText('[a]\nk = one\n  two\nz = 1\n', [set('a', 'k', 'single')]);
    expect(r.text).toBe('[a]\nk = single\nz = 1\n');
  });

  it('a new key goes after an option continuation, not inside it', () => {
    expect(editIniText('[a]\nk = one\n  two\n', [set('a', 'n', 'v')]).text).toBe('[a]\nk = one\n  two\nn = v\n');
  });

  it('new keys take the indentation of the section (gitconfig style) so neighbours stay options', () => {
    const input = '[user]\n\t#name = x\n\temail = y\n';
    const r = editIniText(input, [set('user', 'name', 'tsplay')]);
    expect(r.text).toBe('[user]\n\t#name = x\n\tname = tsplay\n\temail = y\n');
    expect(getValues(parseIni(r.text), 'user', 'email')).toEqual(['y']);
  });

  it('matches section names exactly and option names case-sensitively', () => {
    const r = editIniText('[DEFAULT]\nDebug = x\n[default]\n', [set('DEFAULT', 'debug', 'true')]);
    expect(r.text).toBe('[DEFAULT]\nDebug = x\ndebug = true\n[default]\n');
  });

  it('a section header with inner spaces and a trailing comment is found', () => {
    expect(editIniText('[ filter:authtoken ] ; paste\nauth_host = a\n', [set('filter:authtoken', 'auth_host', 'b')]).text).toBe(
      '[ filter:authtoken ] ; paste\nauth_host = b\n',
    );
  });

  it('present without option only ensures the section exists', () => {
    expect(editIniText('[a]\n', [{ section: 'a', values: [], state: 'present' }]).changes).toEqual([]);
    expect(editIniText('[a]\n', [{ section: 'b', values: [], state: 'present' }]).text).toBe('[a]\n\n[b]\n');
  });

  it('applies many edits in order with one parse (settings)', () => {
    const input = '[ml2]\n# (ListOpt)\n# tenant_network_types = local\n\n[ml2_type_vxlan]\n# vni_ranges =\n';
    const r = editIniText(input, [
      set('ml2', 'tenant_network_types', 'vxlan'),
      set('ml2', 'mechanism_drivers', 'openvswitch'),
      set('ml2_type_vxlan', 'vni_ranges', '10:100'),
      set('ml2_type_vxlan', 'vxlan_group', '224.0.0.1'),
      set('securitygroup', 'enable_security_group', 'True'),
    ]);
    expect(r.text).toBe(
      '[ml2]\n# (ListOpt)\n# tenant_network_types = local\ntenant_network_types = vxlan\nmechanism_drivers = openvswitch\n\n' +
        '[ml2_type_vxlan]\n# vni_ranges =\nvni_ranges = 10:100\nvxlan_group = 224.0.0.1\n\n[securitygroup]\nenable_security_group = True\n',
    );
    // Idempotent: the same edits on the result change nothing.
    const again = editIniText(r.text, [
      set('ml2', 'tenant_network_types', 'vxlan'),
      set('ml2', 'mechanism_drivers', 'openvswitch'),
      set('ml2_type_vxlan', 'vni_ranges', '10:100'),
      set('ml2_type_vxlan', 'vxlan_group', '224.0.0.1'),
      set('securitygroup', 'enable_security_group', 'True'),
    ]);
    expect(again.changes).toEqual([]);
    expect(again.text).toBe(r.text);
  });

  it('an empty value is a value (k =)', () => {
    expect(editIniText('[a]\nk =\n', [set('a', 'k', '')]).changes).toEqual([]);
    expect(editIniText('[a]\nk = x\n', [set('a', 'k', '')]).text).toBe('[a]\nk = \n');
  });
});

describe('editIniText: absent', () => {
  it('removes every occurrence of an option (exclusive) and nothing else', () => {
    const input = '[a]\n#k = commented\nk = 1\nx = 0\nk = 2\n  cont\n[b]\nk = 3\n';
    const r = editIniText(input, [unset('a', 'k')]);
    expect(r.text).toBe('[a]\n#k = commented\nx = 0\n[b]\nk = 3\n');
    expect(r.changes).toEqual(['[a] k = "2\\ncont" removed', '[a] k = "1" removed']);
  });

  it('non-exclusive removes only the given values', () => {
    expect(editIniText('[d]\nbev = coke\nbev = tea\n', [unset('d', 'bev', 'tea')], { exclusive: false }).text).toBe('[d]\nbev = coke\n');
  });

  it('removes a whole section without option', () => {
    expect(editIniText('[a]\nx=1\n\n[b]\ny=2\n[c]\n', [{ section: 'b', values: [], state: 'absent' }]).text).toBe('[a]\nx=1\n\n[c]\n');
  });

  it('is no change for a missing option or section', () => {
    expect(editIniText('[a]\nx=1\n', [unset('a', 'y'), unset('zz', 'x')]).changes).toEqual([]);
  });

  it('removes a bare option', () => {
    expect(editIniText('[m]\nskip\nk=1\n', [unset('m', 'skip')]).text).toBe('[m]\nk=1\n');
  });
});
