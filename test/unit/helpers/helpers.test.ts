/**
 * tsplay/helpers: the pure editors keep every byte they do not change, and the host-side
 * helpers (editFile, installFile, ctx.call + mergeResults) keep a module's promises, proved
 * with ModuleTester on modules written the way a module author would write them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineModule } from '../../../core/index.js';
import { editFile, editIniText, ensureBlock, ensureLine, HELPERS_API_VERSION, installFile, mergeResults, removeLines } from '../../../core/helpers/index.js';
import { ModuleTester } from '../../../core/testing/index.js';

describe('line editing keeps the bytes it does not change', () => {
  const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]); // "café\r\n" in Latin-1, CRLF
  it('ensureLine appends, replaces, and leaves other lines byte for byte', () => {
    const r = ensureLine(Buffer.concat([latin, Buffer.from('a=1\r\n')]), { regexp: '^a=', line: 'a=2' });
    expect(r).toMatchObject({ changed: true, msg: 'line replaced' });
    expect(r.content.equals(Buffer.concat([latin, Buffer.from('a=2\n')]))).toBe(true);
    expect(ensureLine(r.content, { regexp: '^a=', line: 'a=2' }).changed).toBe(false);
    expect(ensureLine(null, { line: 'x' }).content.toString()).toBe('x\n');
    expect(ensureLine('x', { line: 'y', insertBefore: 'BOF' }).content.toString()).toBe('y\nx');
  });
  it('removeLines counts what it removed', () => {
    expect(removeLines('a\nb\na\n', { line: 'a' })).toMatchObject({ found: 2, changed: true, msg: '2 line(s) removed' });
  });
  it('ensureBlock inserts with Ansible markers and removes', () => {
    const r = ensureBlock('top\n', { block: 'x=1' });
    expect(r.content.toString()).toBe('top\n# BEGIN ANSIBLE MANAGED BLOCK\nx=1\n# END ANSIBLE MANAGED BLOCK\n');
    expect(ensureBlock(r.content, { block: 'x=1', state: 'absent' }).content.toString()).toBe('top\n');
  });
  it('an invalid pattern throws RegexError naming it', () => {
    expect(() => ensureLine('', { line: 'x', regexp: '(' })).toThrow(/invalid regular expression '\('/);
  });
  it('the INI editor is the one behind ini_set', () => {
    expect(editIniText('[a]\n#k = 0\n', [{ section: 'a', option: 'k', values: ['1'], state: 'present' }])).toEqual({ text: '[a]\n#k = 0\nk = 1\n', changes: [expect.stringContaining('[a] k')] });
    expect(HELPERS_API_VERSION).toBe(1);
  });
});

describe('mergeResults', () => {
  it('changed if any, diffs in order, skipped if any, keys from the first', () => {
    const d1 = { before: 'a', after: 'b' };
    const d2 = { before: 'c', after: 'd' };
    expect(mergeResults({ changed: false, path: '/x' }, { changed: true, diff: [d1], path: '/y' }, { changed: false, diff: d2 })).toEqual({ changed: true, path: '/x', diff: [d1, d2] });
    expect(mergeResults({ changed: false }, { changed: false, skipped: true })).toEqual({ changed: false, skipped: true });
    expect(mergeResults({ changed: false }, { changed: false })).toEqual({ changed: false });
  });
});

/** A module author's `motd`: editFile with a byte-preserving edit, mode and backup. */
const motd = defineModule<{ path: string; message: string; backup: boolean }>({
  name: 'motd_line',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'message'],
    properties: { path: { type: 'string' }, message: { type: 'string' }, backup: { type: 'boolean', default: false } },
  },
  docs: { short: 'A line in the motd', examples: '- motd_line: { path: /etc/motd, message: Welcome }\n' },
  run: (ctx) => editFile(ctx, ctx.args.path, (before) => ensureLine(before, { regexp: '^Welcome', line: ctx.args.message }), { mode: '0644', backup: ctx.args.backup }),
});

new ModuleTester({ module: motd, framework: { describe, it } }).run('editFile in a custom module', {
  unchanged: [{ args: { path: '{{ root }}/motd', message: 'Welcome' }, files: { motd: { content: 'Hi\nWelcome\n', mode: '0644' } } }],
  changes: [
    { args: { path: '{{ root }}/motd', message: 'Welcome home' }, files: { motd: 'Hi\nWelcome\n' }, diff: [{ before: 'Hi\nWelcome\n', after: 'Hi\nWelcome home\n' }], expectFiles: { motd: { content: 'Hi\nWelcome home\n', mode: '0644' } } },
    { name: 'creates the file', args: { path: '{{ root }}/new', message: 'Welcome' }, expectFiles: { new: 'Welcome\n' } },
    { name: 'backup', args: { path: '{{ root }}/motd', message: 'Welcome!', backup: true }, files: { motd: 'x\n' }, assert: ({ first }) => expect(readFileSync(first.backup_file as string, 'utf8')).toBe('x\n') },
  ],
  invalid: [{ args: { path: '{{ root }}', message: 'x' }, error: /is a directory/ }],
});

/** installFile: content with mode, into a directory when dest ends in '/'. */
const banner = defineModule<{ dest: string; text: string }>({
  name: 'banner',
  schema: { type: 'object', additionalProperties: false, required: ['dest', 'text'], properties: { dest: { type: 'string' }, text: { type: 'string' } } },
  docs: { short: 'Install a banner file', examples: '- banner: { dest: /etc/issue.net, text: "Authorised use only" }\n' },
  run: (ctx) => installFile(ctx, { dest: ctx.args.dest, content: `${ctx.args.text}\n`, basename: 'banner', mode: '0600' }),
});

new ModuleTester({ module: banner, framework: { describe, it } }).run('installFile in a custom module', {
  unchanged: [{ args: { dest: '{{ root }}/issue', text: 'hi' }, files: { issue: { content: 'hi\n', mode: '0600' } } }],
  changes: [
    { args: { dest: '{{ root }}/issue', text: 'hi' }, files: { issue: 'old\n' }, result: { dest: '{{ root }}/issue', mode: '0600' }, diff: [{ before: 'old\n', after: 'hi\n' }, { before: /mode: "0644"/, after: /mode: "0600"/ }], expectFiles: { issue: { content: 'hi\n', mode: '0600' } } },
    { name: 'into a directory', args: { dest: '{{ root }}/etc/', text: 'hi' }, expectFiles: { 'etc/banner': 'hi\n' } },
  ],
  invalid: [{ args: { dest: '{{ root }}/no/such/f', text: 'x' }, error: /Destination directory/ }],
});

/** ctx.call: one module made of two built-ins, in check mode and with diffs carried. */
const novaDebug = defineModule<{ conf: string; hosts: string }>({
  name: 'nova_debug',
  schema: { type: 'object', additionalProperties: false, required: ['conf', 'hosts'], properties: { conf: { type: 'string' }, hosts: { type: 'string' } } },
  docs: { short: 'Turn on nova debug and name the host', examples: '- nova_debug: { conf: /etc/nova/nova.conf, hosts: /etc/hosts }\n' },
  async run(ctx) {
    const ini = await ctx.call('ini_set', { path: ctx.args.conf, section: 'DEFAULT', option: 'debug', value: true });
    const line = await ctx.call('lineinfile', { path: ctx.args.hosts, line: '10.0.0.5 nova', create: true });
    return mergeResults({ changed: false, conf: ctx.args.conf }, ini, line);
  },
});

new ModuleTester({ module: novaDebug, framework: { describe, it } }).run('ctx.call with mergeResults', {
  unchanged: [{ args: { conf: '{{ root }}/nova.conf', hosts: '{{ root }}/hosts' }, files: { 'nova.conf': '[DEFAULT]\ndebug = True\n', hosts: '10.0.0.5 nova\n' } }],
  changes: [
    {
      name: 'both change: two diffs, in order',
      args: { conf: '{{ root }}/nova.conf', hosts: '{{ root }}/hosts' },
      files: { 'nova.conf': '[DEFAULT]\n' },
      result: { conf: '{{ root }}/nova.conf' },
      diff: [{ after: '[DEFAULT]\ndebug = True\n' }, { before: '', after: '10.0.0.5 nova\n' }],
    },
    { name: 'one changes', args: { conf: '{{ root }}/nova.conf', hosts: '{{ root }}/hosts' }, files: { 'nova.conf': '[DEFAULT]\ndebug = True\n' }, diff: [{ after: '10.0.0.5 nova\n' }] },
  ],
  invalid: [{ name: "the called module's failure, named", args: { conf: '{{ root }}', hosts: '{{ root }}/hosts' }, error: 'ini_set: cannot read {{ root }} on localhost: {{ root }} is a directory, not a file' }],
});

describe('ctx.call errors', () => {
  const caller = (name: string, args: Record<string, unknown>) =>
    defineModule({ name: 'caller', schema: { type: 'object' }, docs: { short: 'x', examples: '- caller: {}\n' }, run: (ctx) => ctx.call(name, args) });
  it('an unknown module, and arguments its schema refuses', async () => {
    const tester = (m: ReturnType<typeof caller>) => new ModuleTester({ module: m });
    await tester(caller('no_such_module', {})).runCase('invalid', { args: {}, error: "ctx.call('no_such_module'): there is no module named 'no_such_module'" });
    await tester(caller('lineinfile', { path: '/x', lien: 'a' })).runCase('invalid', { args: {}, error: /^lineinfile: lineinfile: unsupported argument 'lien' - did you mean 'line'\?/ });
  });
  it('modules given to the tester can be called too', async () => {
    const outcome = await new ModuleTester({ module: caller('motd_line', { path: '/', message: 'm' }), modules: [motd] }).runCase('invalid', { args: {}, error: 'motd_line: Path / is a directory !' });
    expect(outcome.first.rc).toBe(256);
  });
});
