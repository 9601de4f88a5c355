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
  it("prints a module's own `results` key like any result when the task does not loop", () => {
    const { p, lines } = print();
    p.hostResult!('h', info(), { changed: true, failed: false, skipped: false, results: ['installed x'] }, {});
    expect(lines.join('')).toBe('changed: [h]\n');
  });
  it('a looping task prints only its item lines, and a summary line when it failed', () => {
    const { p, lines } = print();
    p.hostResult!('h', info({ loop: true }), { changed: true, failed: false, skipped: false, results: [] }, {});
    expect(lines).toEqual([]);
    p.hostResult!('h', info({ loop: true }), { changed: false, failed: true, skipped: false, msg: 'One or more items failed', results: [] }, {});
    expect(lines.join('')).toContain('fatal: [h]: FAILED!');
  });
});
