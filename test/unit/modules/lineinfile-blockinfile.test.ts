/** lineinfile and blockinfile: Ansible's algorithms (pure) and the modules on real files. */
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import blockinfileModule from '../../../modules/blockinfile.js';
import lineinfile from '../../../modules/lineinfile.js';
import { blockinfile, lineinfileAbsent, lineinfilePresent, splitLines } from '../../../modules/_lib/line-edit.js';
import { ModuleTester } from '../../../core/testing/index.js';
import { NASTY, NobodyTransport, removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

const LATIN = Buffer.from([0xe9, 0x0a]); // invalid UTF-8 on its own line must survive
const NASTY_LINE = NASTY.replace(/\n/g, ' ');

const present = (text: string, o: Partial<Parameters<typeof lineinfilePresent>[1]> & { line: string }) => {
  const r = lineinfilePresent(splitLines(text), { backrefs: false, firstmatch: false, ...o });
  return { text: r.lines.join(''), msg: r.msg, changed: r.changed };
};

describe('lineinfile algorithm (Ansible semantics)', () => {
  const conf = 'a=1\n# comment\nb=2\nb=3\n';

  it('replaces the LAST regexp match, or the first with firstmatch', () => {
    expect(present(conf, { regexp: '^b=', line: 'b=9' })).toEqual({ text: 'a=1\n# comment\nb=2\nb=9\n', msg: 'line replaced', changed: true });
    expect(present(conf, { regexp: '^b=', line: 'b=9', firstmatch: true }).text).toBe('a=1\n# comment\nb=9\nb=3\n');
  });

  it('is unchanged when the line is already there', () => {
    expect(present(conf, { regexp: '^a=', line: 'a=1' }).changed).toBe(false);
    expect(present(conf, { line: 'b=2' }).changed).toBe(false);
  });

  it('appends at EOF when nothing matches, adding a missing final newline first', () => {
    expect(present('x', { line: 'y' }).text).toBe('x\ny\n');
    expect(present('', { line: 'y' }).text).toBe('y\n');
  });

  it('insertafter/insertbefore use the last match, BOF/EOF work, regexp match wins over them', () => {
    expect(present(conf, { line: 'new', insertafter: '^b=' }).text).toBe('a=1\n# comment\nb=2\nb=3\nnew\n');
    expect(present(conf, { line: 'new', insertafter: '^b=', firstmatch: true }).text).toBe('a=1\n# comment\nb=2\nnew\nb=3\n');
    expect(present(conf, { line: 'new', insertbefore: '^b=' }).text).toBe('a=1\n# comment\nb=2\nnew\nb=3\n');
    expect(present(conf, { line: 'new', insertbefore: 'BOF' }).text).toBe(`new\n${conf}`);
    expect(present(conf, { line: 'new', insertafter: '^nomatch' }).text).toBe(`${conf}new\n`);
    expect(present(conf, { regexp: '^a=', line: 'a=2', insertafter: '^b=' }).text).toBe('a=2\n# comment\nb=2\nb=3\n');
    // Already present right after the anchor: no duplicate.
    expect(present('anchor\nnew\n', { line: 'new', insertafter: '^anchor' }).changed).toBe(false);
  });

  it('iptables: insert before the REJECT rule (seed 004)', () => {
    const rules = '-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n';
    const r = present(rules, { line: '-A INPUT -p tcp --dport 8774 -j ACCEPT', insertbefore: '^-A INPUT -j REJECT' });
    expect(r.text).toBe('-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 8774 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n');
    expect(present(r.text, { line: '-A INPUT -p tcp --dport 8774 -j ACCEPT', insertbefore: '^-A INPUT -j REJECT' }).changed).toBe(false);
  });

  it('backrefs expand Python groups and do nothing without a match', () => {
    expect(present('SELINUX=enforcing\n', { regexp: '^(SELINUX)=(?P<v>\\w+)$', line: '\\1=permissive # was \\g<v>', backrefs: true }).text).toBe(
      'SELINUX=permissive # was enforcing\n',
    );
    expect(present('x\n', { regexp: '^nomatch(.*)', line: '\\1', backrefs: true }).changed).toBe(false);
  });

  it("Python's $ matches before the newline; search_string is literal", () => {
    expect(present('key = old\n', { regexp: '^key = .*$', line: 'key = new' }).text).toBe('key = new\n');
    expect(present('a.b=1\naxb=2\n', { searchString: 'a.b', line: 'a.b=3' }).text).toBe('a.b=3\naxb=2\n');
  });

  it('state absent removes every match', () => {
    const r = lineinfileAbsent(splitLines(conf), { regexp: '^b=' });
    expect(r).toMatchObject({ found: 2, msg: '2 line(s) removed', changed: true });
    expect(r.lines.join('')).toBe('a=1\n# comment\n');
    expect(lineinfileAbsent(splitLines(conf), { line: 'a=1' }).lines.join('')).toBe('# comment\nb=2\nb=3\n');
  });
});

describe('blockinfile algorithm (Ansible semantics)', () => {
  const opts = { marker: '# {mark} ANSIBLE MANAGED BLOCK', markerBegin: 'BEGIN', markerEnd: 'END', present: true, appendNewline: false, prependNewline: false };
  const block = '# BEGIN ANSIBLE MANAGED BLOCK\nx=1\n# END ANSIBLE MANAGED BLOCK\n';

  it('inserts at EOF, replaces in place, removes', () => {
    expect(blockinfile('a\n', { ...opts, block: 'x=1' })).toEqual({ result: `a\n${block}`, msg: 'Block inserted', changed: true });
    expect(blockinfile(`a\n${block}b\n`, { ...opts, block: 'x=2' }).result).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\nx=2\n# END ANSIBLE MANAGED BLOCK\nb\n');
    expect(blockinfile(`a\n${block}`, { ...opts, block: 'x=1' }).changed).toBe(false);
    expect(blockinfile(`a\n${block}b\n`, { ...opts, block: '', present: true })).toMatchObject({ result: 'a\nb\n', msg: 'Block removed' });
    expect(blockinfile(`a\n${block}`, { ...opts, block: 'x=1', present: false }).result).toBe('a\n');
  });

  it('insertafter/insertbefore regexps, BOF, missing final newline, blank lines', () => {
    expect(blockinfile('a\nb\n', { ...opts, block: 'x=1', insertafter: '^a' }).result).toBe(`a\n${block}b\n`);
    expect(blockinfile('a\nb\n', { ...opts, block: 'x=1', insertbefore: '^b' }).result).toBe(`a\n${block}b\n`);
    expect(blockinfile('a\nb\n', { ...opts, block: 'x=1', insertbefore: 'BOF' }).result).toBe(`${block}a\nb\n`);
    expect(blockinfile('a', { ...opts, block: 'x=1' }).result).toBe(`a\n${block}`);
    expect(blockinfile('a\nb\n', { ...opts, block: 'x=1', insertafter: '^a', appendNewline: true, prependNewline: true }).result).toBe(`a\n\n${block}\nb\n`);
    expect(blockinfile('a\nb\n', { ...opts, block: 'x=1', insertafter: '(?m)^a$' }).result).toBe(`a\n${block}b\n`);
  });

  it('custom markers and a missing file', () => {
    const r = blockinfile(null, { ...opts, block: 'y', marker: '<!-- {mark} -->', markerBegin: 'start', markerEnd: 'stop' });
    expect(r).toEqual({ result: '<!-- start -->\ny\n<!-- stop -->\n', msg: 'File created', changed: true });
  });
});

// Every case below is also checked by ModuleTester for: check mode writes nothing and
// predicts the same changed/diff, a second run is unchanged, the result's shape, and the
// docs examples against the schema.
new ModuleTester({ module: lineinfile, framework: { describe, it } }).run('lineinfile module', {
  unchanged: [
    { name: 'the line is already there', args: { path: '{{ root }}/f', line: 'b=2' }, files: { f: 'a=1\nb=2\n' }, result: { msg: '' } },
    { name: 'state absent on a missing file', args: { path: '{{ root }}/missing', line: 'x', state: 'absent' }, result: { msg: 'file not present', found: 0 } },
  ],
  changes: [
    {
      name: 'replaces the matching line; the diff shows the content',
      args: { path: '{{ root }}/sysctl.conf', regexp: '^net.ipv4.ip_forward\\s*=', line: 'net.ipv4.ip_forward = 1' },
      files: { 'sysctl.conf': '# sysctl\nnet.ipv4.ip_forward = 0\n' },
      result: { msg: 'line replaced' },
      diff: [{ before: '# sysctl\nnet.ipv4.ip_forward = 0\n', after: '# sysctl\nnet.ipv4.ip_forward = 1\n', beforeHeader: '{{ root }}/sysctl.conf (content)' }],
      expectFiles: { 'sysctl.conf': '# sysctl\nnet.ipv4.ip_forward = 1\n' },
    },
    {
      name: 'metacharacters round-trip byte for byte; other bytes of the file are untouched',
      args: { path: "{{ root }}/f $x 'y'", line: NASTY_LINE },
      files: { "f $x 'y'": Buffer.concat([Buffer.from('first\n'), LATIN]) },
      assert: ({ root }) => {
        expect(readFileSync(join(root, "f $x 'y'")).equals(Buffer.concat([Buffer.from('first\n'), LATIN, Buffer.from(`${NASTY_LINE}\n`)]))).toBe(true);
      },
    },
    {
      name: 'UTF-8 line inserted after an anchor, next to invalid UTF-8',
      args: { path: '{{ root }}/f', line: 'é ünïcode', insertafter: '^first' },
      files: { f: Buffer.concat([Buffer.from('first\n'), LATIN]) },
      assert: ({ root }) => expect(readFileSync(join(root, 'f'), 'utf8').split('\n')[1]).toBe('é ünïcode'),
    },
    {
      name: 'create with mode and owner (dest alias)',
      args: { dest: '{{ root }}/new/hosts', line: '192.168.1.100 opctl', create: true, mode: '0640', owner: 'nobody' },
      expectFiles: { 'new/hosts': { content: '192.168.1.100 opctl\n', mode: '0640' } },
      assert: ({ root }) => expect(statSync(join(root, 'new/hosts')).uid).toBe(65534),
    },
    {
      name: 'mode alone is a change (name alias)',
      args: { name: '{{ root }}/hosts', line: '192.168.1.100 opctl', mode: '0640' },
      files: { hosts: { content: '192.168.1.100 opctl\n', mode: '0600' } },
      result: { msg: 'ownership, perms or SE linux context changed' },
      expectFiles: { hosts: { mode: '0640' } },
    },
    {
      name: 'backup keeps the old content (regex/value aliases)',
      args: { path: '{{ root }}/hosts', regex: 'opctl', value: '192.168.1.200 opctl', backup: true },
      files: { hosts: '192.168.1.100 opctl\n' },
      assert: ({ first }) => {
        expect(readFileSync(first.backup_file as string, 'utf8')).toBe('192.168.1.100 opctl\n');
        expect(first.backup).toBe(first.backup_file);
      },
    },
    {
      name: 'writes through a symbolic link to the real file',
      args: { path: '{{ root }}/link', line: 'b', mode: '0600' },
      files: { real: 'a\n', link: { link: 'real' } },
      expectFiles: { real: { content: 'a\nb\n', mode: '0600' } },
      assert: ({ root }) => expect(readdirSync(root).sort()).toEqual(['link', 'real']),
    },
    {
      name: 'state absent removes every match and counts them',
      args: { path: '{{ root }}/f', regexp: '^x=', state: 'absent' },
      files: { f: 'x=1\ny=2\nx=3\n' },
      result: { found: 2, msg: '2 line(s) removed' },
      expectFiles: { f: 'y=2\n' },
    },
    {
      name: 'state absent by search_string (backrefs left at its default does not conflict)',
      args: { path: '{{ root }}/f', search_string: 'env_keep += "HOME"', state: 'absent' },
      files: { f: 'a\nDefaults env_keep += "HOME"\n' },
      result: { found: 1, msg: '1 line(s) removed' },
      expectFiles: { f: 'a\n' },
    },
  ],
  invalid: [
    { args: { path: '{{ root }}/f', line: 'x', search_string: 'x', backrefs: true }, files: { f: '' }, error: /mutually exclusive: backrefs, search_string/ },
    { args: { path: '{{ root }}/missing', line: 'x' }, error: 'Destination {{ root }}/missing does not exist !' },
    { args: { path: '{{ root }}/f' }, files: { f: '' }, error: /line is required with state=present/ },
    { args: { path: '{{ root }}/f', line: 'x', backrefs: true }, files: { f: '' }, error: /regexp is required with backrefs/ },
    { args: { path: '{{ root }}/f', line: 'x', regexp: '(' }, files: { f: '' }, error: /regexp: invalid regular expression '\('/ },
    { args: { path: '{{ root }}/f', line: 'x', insertafter: 'a', insertbefore: 'b' }, files: { f: '' }, error: /mutually exclusive/ },
    { args: { path: '{{ root }}/f', line: 'x', state: 'gone' }, files: { f: '' }, error: /must be one of: present, absent/ },
    { args: { path: '{{ root }}', line: 'x' }, error: /is a directory/ },
    { args: { line: 'x' }, error: /missing required argument 'path'/ },
  ],
});

describe('lineinfile module as an unprivileged remote user', () => {
  it('says the file is not readable', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, '');
    chmodSync(dir, 0o755);
    chmodSync(path, 0o600);
    const denied = await run(lineinfile, { path, line: 'y' }, { transport: new NobodyTransport('localhost') });
    expect(denied.failed).toBe(true);
    expect(denied.msg).toContain(`${path} is not readable (permission denied)`);
  });
});

const RABBIT_BLOCK = 'RABBITMQ_NODE_IP_ADDRESS=192.168.0.100\nRABBITMQ_NODE_PORT=5672\n';
const RABBIT_FILE = `# BEGIN ANSIBLE MANAGED BLOCK\n${RABBIT_BLOCK}# END ANSIBLE MANAGED BLOCK\n`;

new ModuleTester({ module: blockinfileModule, framework: { describe, it } }).run('blockinfile module', {
  unchanged: [
    { name: 'the block is already there', args: { path: '{{ root }}/f', block: RABBIT_BLOCK }, files: { f: RABBIT_FILE } },
    { name: 'state absent on a missing file', args: { path: '{{ root }}/missing', state: 'absent' }, result: { msg: 'File {{ root }}/missing not present' } },
  ],
  changes: [
    { name: 'creates the file with the block', args: { path: '{{ root }}/rabbitmq-env.conf', create: true, block: RABBIT_BLOCK }, result: { msg: 'File created' }, expectFiles: { 'rabbitmq-env.conf': RABBIT_FILE } },
    {
      name: 'updates the block in place',
      args: { path: '{{ root }}/f', block: 'RABBITMQ_NODE_PORT=5673' },
      files: { f: RABBIT_FILE },
      result: { msg: 'Block inserted' },
      diff: [{ after: /5673/ }],
      expectFiles: { f: '# BEGIN ANSIBLE MANAGED BLOCK\nRABBITMQ_NODE_PORT=5673\n# END ANSIBLE MANAGED BLOCK\n' },
    },
    { name: 'state absent removes it', args: { path: '{{ root }}/f', state: 'absent' }, files: { f: RABBIT_FILE }, result: { msg: 'Block removed' }, expectFiles: { f: '' } },
    {
      name: 'metacharacters in block and marker; content alias; backup',
      args: { path: '{{ root }}/f', content: NASTY, marker: "## {mark} $x 'y'", backup: true },
      files: { f: 'top\n' },
      expectFiles: { f: `top\n## BEGIN $x 'y'\n${NASTY}## END $x 'y'\n` },
      assert: ({ first }) => expect(readFileSync(first.backup_file as string, 'utf8')).toBe('top\n'),
    },
  ],
  invalid: [
    { args: { path: '{{ root }}/missing', block: 'x' }, error: 'Path {{ root }}/missing does not exist !' },
    { args: { block: 'x' }, error: /missing required argument 'path'/ },
    { args: { path: '{{ root }}', block: 'x', insertafter: '[' }, error: /is a directory/ },
    { args: { path: '{{ root }}/f', block: 'x', insertafter: '[' }, files: { f: '' }, error: /invalid regular expression/ },
  ],
});
