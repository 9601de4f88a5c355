/** lineinfile and blockinfile: Ansible's algorithms (pure) and the modules on real files. */
import { chmodSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import blockinfileModule from '../../../modules/blockinfile.js';
import lineinfile from '../../../modules/lineinfile.js';
import { blockinfile, lineinfileAbsent, lineinfilePresent, splitLines } from '../../../modules/_lib/line-edit.js';
import { expectIdempotent, NASTY, NobodyTransport, removeDir, run, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

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

describe('lineinfile module', () => {
  it('edits, is idempotent, check predicts and changes nothing, diff shows content', async () => {
    const path = join(dir, 'sysctl.conf');
    writeFileSync(path, '# sysctl\nnet.ipv4.ip_forward = 0\n');
    const args = { path, regexp: '^net.ipv4.ip_forward\\s*=', line: 'net.ipv4.ip_forward = 1' };
    const r = await expectIdempotent(lineinfile, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(r.first.msg).toBe('line replaced');
    expect(r.check.diff![0]).toMatchObject({
      before: '# sysctl\nnet.ipv4.ip_forward = 0\n',
      after: '# sysctl\nnet.ipv4.ip_forward = 1\n',
      beforeHeader: `${path} (content)`,
    });
    expect(readFileSync(path, 'utf8')).toBe('# sysctl\nnet.ipv4.ip_forward = 1\n');
  });

  it('metacharacters round-trip byte for byte; other bytes of the file are untouched', async () => {
    const path = join(dir, "f $x 'y'");
    const latin = Buffer.from([0xe9, 0x0a]); // invalid UTF-8 on its own line must survive
    writeFileSync(path, Buffer.concat([Buffer.from('first\n'), latin]));
    const line = NASTY.replace(/\n/g, ' ');
    await run(lineinfile, { path, line });
    expect(readFileSync(path).equals(Buffer.concat([Buffer.from('first\n'), latin, Buffer.from(`${line}\n`)]))).toBe(true);
    expect((await run(lineinfile, { path, line })).changed).toBe(false);
    await run(lineinfile, { path, line: 'é ünïcode', insertafter: '^first' });
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe('é ünïcode');
  });

  it('create, mode and owner, backup, aliases', async () => {
    const path = join(dir, 'new', 'hosts');
    const r = await run(lineinfile, { dest: path, line: '192.168.1.100 opctl', create: true, mode: '0640', owner: 'nobody' });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('192.168.1.100 opctl\n');
    expect((statSync(path).mode & 0o777).toString(8)).toBe('640');
    expect(statSync(path).uid).toBe(65534);
    chmodSync(path, 0o600);
    const attrs = await run(lineinfile, { name: path, line: '192.168.1.100 opctl', mode: '0640' });
    expect(attrs).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
    const b = await run(lineinfile, { path, regex: 'opctl', value: '192.168.1.200 opctl', backup: true });
    expect(readFileSync(b.backup_file as string, 'utf8')).toBe('192.168.1.100 opctl\n');
    expect(b.backup).toBe(b.backup_file);
  });

  it('writes through a symbolic link to the real file', async () => {
    writeFileSync(join(dir, 'real'), 'a\n');
    symlinkSync('real', join(dir, 'link'));
    await run(lineinfile, { path: join(dir, 'link'), line: 'b', mode: '0600' });
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe('a\nb\n');
    expect(readdirSync(dir).sort()).toEqual(['link', 'real']);
    expect((statSync(join(dir, 'real')).mode & 0o777).toString(8)).toBe('600');
    expect((await run(lineinfile, { path: join(dir, 'link'), line: 'b', mode: '0600' })).changed).toBe(false);
  });

  it('state absent and its counts', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'x=1\ny=2\nx=3\n');
    const r = await run(lineinfile, { path, regexp: '^x=', state: 'absent' });
    expect(r).toMatchObject({ changed: true, found: 2, msg: '2 line(s) removed' });
    expect(readFileSync(path, 'utf8')).toBe('y=2\n');
    expect((await run(lineinfile, { path: join(dir, 'missing'), line: 'x', state: 'absent' })).msg).toBe('file not present');
  });

  it('clear messages for bad input', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, '');
    expect((await run(lineinfile, { path: join(dir, 'missing'), line: 'x' })).msg).toBe(`Destination ${join(dir, 'missing')} does not exist !`);
    expect((await run(lineinfile, { path })).msg).toContain('line is required with state=present');
    expect((await run(lineinfile, { path, line: 'x', backrefs: true })).msg).toContain('regexp is required with backrefs');
    expect((await run(lineinfile, { path, line: 'x', regexp: '(' })).msg).toContain("regexp: invalid regular expression '('");
    expect((await run(lineinfile, { path, line: 'x', insertafter: 'a', insertbefore: 'b' })).msg).toContain('mutually exclusive');
    expect((await run(lineinfile, { path, line: 'x', state: 'gone' })).msg).toContain('must be one of: present, absent');
    expect((await run(lineinfile, { path: dir, line: 'x' })).msg).toContain('is a directory');
    expect((await run(lineinfile, { line: 'x' })).msg).toContain("missing required argument 'path'");
    chmodSync(dir, 0o755);
    chmodSync(path, 0o600);
    const denied = await run(lineinfile, { path, line: 'y' }, { transport: new NobodyTransport('localhost') });
    expect(denied.failed).toBe(true);
    expect(denied.msg).toContain(`${path} is not readable (permission denied)`);
  });
});

describe('blockinfile module', () => {
  it('inserts, is idempotent, check predicts; updates and removes', async () => {
    const path = join(dir, 'rabbitmq-env.conf');
    const args = { path, create: true, block: 'RABBITMQ_NODE_IP_ADDRESS=192.168.0.100\nRABBITMQ_NODE_PORT=5672\n' };
    const r = await expectIdempotent(blockinfileModule, args, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect([r.check.changed, r.first.changed, r.second.changed, r.checkAfter.changed]).toEqual([true, true, false, false]);
    expect(r.first.msg).toBe('File created');
    expect(readFileSync(path, 'utf8')).toBe(
      '# BEGIN ANSIBLE MANAGED BLOCK\nRABBITMQ_NODE_IP_ADDRESS=192.168.0.100\nRABBITMQ_NODE_PORT=5672\n# END ANSIBLE MANAGED BLOCK\n',
    );
    const upd = await run(blockinfileModule, { path, block: 'RABBITMQ_NODE_PORT=5673' });
    expect(upd).toMatchObject({ changed: true, msg: 'Block inserted' });
    expect(upd.diff![0]!.after).toContain('5673');
    expect((await run(blockinfileModule, { path, state: 'absent' })).msg).toBe('Block removed');
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('metacharacters in block and marker; content alias; backup', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'top\n');
    const r = await run(blockinfileModule, { path, content: NASTY, marker: "## {mark} $x 'y'", backup: true });
    expect(r.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`top\n## BEGIN $x 'y'\n${NASTY}## END $x 'y'\n`);
    expect(readFileSync(r.backup_file as string, 'utf8')).toBe('top\n');
    expect((await run(blockinfileModule, { path, content: NASTY, marker: "## {mark} $x 'y'" })).changed).toBe(false);
  });

  it('clear messages', async () => {
    expect((await run(blockinfileModule, { path: join(dir, 'missing'), block: 'x' })).msg).toBe(`Path ${join(dir, 'missing')} does not exist !`);
    expect((await run(blockinfileModule, { path: join(dir, 'missing'), state: 'absent' })).changed).toBe(false);
    expect((await run(blockinfileModule, { block: 'x' })).msg).toContain("missing required argument 'path'");
    expect((await run(blockinfileModule, { path: dir, block: 'x', insertafter: '[' })).msg).toContain('is a directory');
    writeFileSync(join(dir, 'f'), '');
    expect((await run(blockinfileModule, { path: join(dir, 'f'), block: 'x', insertafter: '[' })).msg).toContain('invalid regular expression');
  });
});
