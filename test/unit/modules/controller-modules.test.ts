/** debug, assert, fail, set_fact and meta: controller-only modules. */
import { describe, expect, it } from 'vitest';
import assertModule from '../../../modules/assert.js';
import debug from '../../../modules/debug.js';
import fail from '../../../modules/fail.js';
import meta from '../../../modules/meta.js';
import setFact from '../../../modules/set_fact.js';
import warn from '../../../modules/warn.js';
import { pythonTruthy } from '../../../modules/_lib/truthy.js';
import { run } from './general-helpers.js';

const vars = { out: { rc: 0, stdout: 'port = 8080', stdout_lines: ['port = 8080'] }, items: [1, 2, 3], name: 'web', empty: '', ansible_verbosity: 0 };

describe('debug', () => {
  it('msg keeps its type; the default says hello', async () => {
    expect(await run(debug, { msg: 'hi' }, { vars })).toMatchObject({ changed: false, msg: 'hi' });
    expect((await run(debug, { msg: ['a', { b: 1 }] }, { vars })).msg).toEqual(['a', { b: 1 }]);
    expect((await run(debug, {}, { vars })).msg).toBe('Hello world!');
  });

  it('var evaluates an expression and reports undefined ones like Ansible', async () => {
    expect((await run(debug, { var: 'out.stdout_lines' }, { vars }))['out.stdout_lines']).toEqual(['port = 8080']);
    expect((await run(debug, { var: 'items | length' }, { vars }))['items | length']).toBe(3);
    expect((await run(debug, { var: 'nope' }, { vars })).nope).toBe('VARIABLE IS NOT DEFINED!');
  });

  it('verbosity skips below the -v level', async () => {
    expect(await run(debug, { msg: 'x', verbosity: 2 }, { vars })).toMatchObject({ skipped: true, skip_reason: 'Verbosity threshold not met.' });
    expect((await run(debug, { msg: 'x', verbosity: 2 }, { vars: { ...vars, ansible_verbosity: 2 } })).skipped).toBe(false);
  });

  it('bad input', async () => {
    expect((await run(debug, { msg: 'a', var: 'b' }, { vars })).msg).toContain('mutually exclusive');
    expect((await run(debug, { mgs: 'a' }, { vars })).msg).toContain("did you mean 'msg'");
  });

  it('is controller-only', () => expect(debug.controllerOnly).toBe(true));
});

describe('assert', () => {
  it('passes when every condition holds', async () => {
    const r = await run(assertModule, { that: ["'port = 8080' in out.stdout", 'out.rc == 0', 'items | length > 2', 'name is defined'] }, { vars });
    expect(r).toMatchObject({ failed: false, changed: false, msg: 'All assertions passed' });
    expect((await run(assertModule, { that: 'out.rc == 0', success_msg: 'fine' }, { vars })).msg).toBe('fine');
  });

  it('fails on the first false condition, naming it; fail_msg and its alias msg', async () => {
    const r = await run(assertModule, { that: ['out.rc == 0', 'empty', 'items | length > 2'] }, { vars });
    expect(r).toMatchObject({ failed: true, msg: 'Assertion failed', assertion: 'empty', evaluated_to: false });
    expect((await run(assertModule, { that: ['out.rc == 1'], fail_msg: 'rc was not 1' }, { vars })).msg).toBe('rc was not 1');
    expect((await run(assertModule, { that: ['out.rc == 1'], msg: 'alias works' }, { vars })).msg).toBe('alias works');
  });

  it('a string condition with commas stays one condition; booleans are accepted', async () => {
    expect((await run(assertModule, { that: 'items == [1, 2, 3]' }, { vars })).failed).toBe(false);
    expect((await run(assertModule, { that: [true] }, { vars })).failed).toBe(false);
    expect((await run(assertModule, { that: [false] }, { vars })).failed).toBe(true);
  });

  it('an expression error names the condition', async () => {
    const r = await run(assertModule, { that: ['undefined_var == 1'] }, { vars });
    expect(r.failed).toBe(true);
    expect(r.msg).toContain("The conditional check 'undefined_var == 1' failed");
    expect((await run(assertModule, {}, { vars })).msg).toContain("missing required argument 'that'");
  });
});

describe('warn', () => {
  it('returns the message as its one warning, ok and unchanged, in check mode too', async () => {
    for (const check of [false, true]) expect(await run(warn, { msg: 'no /dev/kvm: qemu' }, { vars, check })).toMatchObject({ changed: false, failed: false, msg: 'no /dev/kvm: qemu', warnings: ['no /dev/kvm: qemu'] });
  });
  it('needs a message', async () => {
    expect((await run(warn, {}, { vars })).failed).toBe(true);
    expect((await run(warn, { msg: '' }, { vars })).failed).toBe(true);
  });
  it('is controller-only', () => expect(warn.controllerOnly).toBe(true));
});

describe('fail', () => {
  it('fails with the message', async () => {
    expect(await run(fail, { msg: 'stop here' })).toMatchObject({ failed: true, msg: 'stop here' });
    expect((await run(fail, {})).msg).toBe('Failed as requested from task');
  });
});

describe('set_fact', () => {
  it('returns ansible_facts with native types, without cacheable', async () => {
    const r = await run(setFact, { a: 1, b: [1, 2], c: { d: 'e' }, cacheable: true });
    expect(r).toMatchObject({ changed: false, failed: false, ansible_facts: { a: 1, b: [1, 2], c: { d: 'e' } } });
    expect(r.ansible_facts).not.toHaveProperty('cacheable');
  });

  it('turns the text true/false/yes/no (any case) into booleans, as Ansible\'s set_fact does', async () => {
    const r = await run(setFact, { a: 'true', b: 'No', c: 'YES', d: 'False', e: 'on', f: 'truthy', g: '1' });
    expect(r.ansible_facts).toEqual({ a: true, b: false, c: true, d: false, e: 'on', f: 'truthy', g: '1' });
  });

  it('rejects invalid variable names and empty calls', async () => {
    expect((await run(setFact, { 'bad-name': 1 })).msg).toContain("The variable name 'bad-name' is not valid");
    expect((await run(setFact, {})).msg).toContain('at least one variable');
  });
});

describe('meta', () => {
  it('returns the action for the executor; unknown actions are refused', async () => {
    expect(await run(meta, { action: 'flush_handlers' })).toMatchObject({ changed: false, meta: 'flush_handlers' });
    expect((await run(meta, { action: 'reboot' })).msg).toContain('must be one of: flush_handlers');
    expect((await run(meta, {})).msg).toContain('meta needs an action');
    expect(meta.freeForm).toBe('action');
  });
});

describe('pythonTruthy', () => {
  it('follows Python', () => {
    expect([0, '', [], {}, null, undefined, false].map(pythonTruthy)).toEqual([false, false, false, false, false, false, false]);
    expect([1, 'x', [0], { a: 1 }, true, 'False'].map(pythonTruthy)).toEqual([true, true, true, true, true, true]);
  });
});
