import { describe, expect, it } from 'vitest';
import { banner, dumpResult, renderDiff } from '../../../core/output/format.js';
import { SecretRegistry, censorResult } from '../../../core/log/redact.js';

describe('output format', () => {
  it('pads banners with stars to 80 columns', () => {
    const b = banner('TASK [x]');
    expect(b.startsWith('TASK [x] ***')).toBe(true);
    expect(b).toHaveLength(80);
    expect(banner('T'.repeat(100)).endsWith(' ***')).toBe(true);
  });
  it('dumps results with sorted keys, without internal keys', () => {
    expect(dumpResult({ msg: 'm', changed: false, skipped: false, diff: [{}], _x: 1, l: [1, 'a'] })).toBe('{"changed": false, "l": [1, "a"], "msg": "m"}');
  });
  it('renders unified diffs with Ansible headers', () => {
    const text = renderDiff([{ before: 'a\nb\n', after: 'a\nc\n', beforeHeader: '/etc/x', afterHeader: '/etc/x' }]);
    expect(text.split('\n').slice(0, 2)).toEqual(['--- before: /etc/x', '+++ after: /etc/x']);
    expect(text).toContain('-b');
    expect(text).toContain('+c');
    expect(renderDiff([{ before: 'same', after: 'same' }])).toBe('');
  });
});

describe('secrets', () => {
  it('masks known secret values anywhere in nested values', () => {
    const s = new SecretRegistry();
    s.add('hunter22');
    expect(s.mask({ a: ['x hunter22 y'], b: 'ok' })).toEqual({ a: ['x ******** y'], b: 'ok' });
  });
  it('censors no_log results but keeps their status', () => {
    expect(censorResult({ changed: true, failed: false, stdout: 'secret' })).toEqual({
      censored: expect.stringContaining('no_log'),
      changed: true,
    });
  });
});

import { terminalPrinter } from '../../../core/output/terminal-printer.js';

describe('terminal printer', () => {
  const info = (over: Record<string, unknown> = {}) => ({ name: 't', loc: { file: 'f', line: 1, column: 1 }, isHandler: false, module: 'yum', noLog: false, ...over });
  const print = () => {
    const lines: string[] = [];
    const p = terminalPrinter({ write: (s) => lines.push(s), colour: false, verbosity: 0, diff: false, secrets: new SecretRegistry() });
    return { p, lines };
  };
  const ok = { changed: false, failed: false, skipped: false };
  it("prints a module's own `results` key like any result when the task does not loop", () => {
    const { p, lines } = print();
    p.taskStart!(info());
    lines.length = 0;
    p.hostResult!('h', info(), { changed: true, failed: false, skipped: false, results: ['installed x'] }, {});
    expect(lines.join('')).toBe('changed: [h]\n');
  });
  it('a looping task prints only its item lines, and a summary line when it failed', () => {
    const { p, lines } = print();
    p.taskStart!(info({ loop: true }));
    lines.length = 0;
    p.hostResult!('h', info({ loop: true }), { changed: true, failed: false, skipped: false, results: [] }, {});
    expect(lines).toEqual([]);
    p.hostResult!('h', info({ loop: true }), { changed: false, failed: true, skipped: false, msg: 'One or more items failed', results: [] }, {});
    expect(lines.join('')).toContain('fatal: [h]: FAILED!');
  });

  // strategy: free - hosts are at different tasks at once (ansible-playbook's default
  // output prints the task banner again when a result belongs to another task).
  const banners = (lines: string[]) => lines.join('').split('\n').filter((l) => l.startsWith('TASK [') || l.startsWith('RUNNING HANDLER [') || /^(ok|changed|fatal|skipping): /.test(l) || l.startsWith('['));
  it("a result that arrives after another task's banner is printed under its own task's banner again", () => {
    const { p, lines } = print();
    const a = info({ name: 'A', loc: { file: 'pb.yml', line: 4, column: 7 } });
    const b = info({ name: 'B', loc: { file: 'pb.yml', line: 6, column: 7 } });
    p.taskStart!(a);
    p.hostResult!('fast', a, ok, {});
    p.taskStart!(b); // the fast host reached B
    p.hostResult!('slow', a, ok, {}); // the slow host finishes A only now
    p.hostResult!('slow2', a, ok, {});
    p.hostResult!('fast', b, { ...ok, changed: true }, {});
    p.hostOutput!('slow', a, 'stdout', 'late line');
    expect(banners(lines).map((l) => l.replace(/ \*+$/, ''))).toEqual([
      'TASK [A]', 'ok: [fast]',
      'TASK [B]',
      'TASK [A]', 'ok: [slow]', 'ok: [slow2]',
      'TASK [B]', 'changed: [fast]',
      'TASK [A]', '[slow] stdout| late line',
    ]);
  });
  it('a task of the same name elsewhere, a handler and a new play get their own banners', () => {
    const { p, lines } = print();
    const a = info({ name: 'same', loc: { file: 'pb.yml', line: 4, column: 7 } });
    const a2 = info({ name: 'same', loc: { file: 'pb.yml', line: 9, column: 7 } });
    const h = info({ name: 'same', loc: { file: 'pb.yml', line: 4, column: 7 }, isHandler: true });
    p.taskStart!(a);
    p.itemResult!('x', a2, ok, 'i1');
    p.itemResult!('x', h, ok, 'i1');
    p.playStart!('next');
    p.hostResult!('x', h, ok, {});
    expect(banners(lines).map((l) => l.replace(/ \*+$/, ''))).toEqual([
      'TASK [same]', 'TASK [same]', 'ok: [x] => (item=i1)', 'RUNNING HANDLER [same]', 'ok: [x] => (item=i1)', 'RUNNING HANDLER [same]', 'ok: [x]',
    ]);
  });
  it('in step, results follow their banner once: no banner is repeated', () => {
    const { p, lines } = print();
    const a = info({ name: 'A' });
    p.taskStart!(a);
    for (const h of ['h1', 'h2', 'h3']) p.hostResult!(h, a, ok, {});
    expect(banners(lines).filter((l) => l.startsWith('TASK ['))).toHaveLength(1);
  });
});
