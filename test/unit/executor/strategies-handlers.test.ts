import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL3, runYaml } from './run-helper.js';

const hostLines = (log: string[], name: string) => log.filter((l) => l.endsWith(` ${name}`) && !l.startsWith('task ') && !l.startsWith('handler '));

describe('strategies', () => {
  const pb = (strategy: string) => `
- hosts: web
  gather_facts: false
  strategy: ${strategy}
  tasks:
    - name: one
      command: sleep {{ '0.3' if inventory_hostname == 'a' else '0' }}
      changed_when: false
    - name: two
      debug: msg=x
`;
  it('linear: every host finishes a task before any host starts the next', async () => {
    const r = await runYaml(pb('linear'), LOCAL3);
    const firstTwo = r.log.findIndex((l) => l.endsWith(' ok two'));
    const lastOne = r.log.map((l, i) => (l.endsWith(' ok one') ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(lastOne).toBeLessThan(firstTwo);
  });
  it('free: a fast host runs ahead of a slow one', async () => {
    const r = await runYaml(pb('free'), LOCAL3);
    const bTwo = r.log.indexOf('b ok two');
    const aOne = r.log.indexOf('a ok one');
    expect(bTwo).toBeGreaterThan(-1);
    expect(bTwo).toBeLessThan(aOne);
  });
  it('serial: batches run the whole play one after another', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  serial: 2
  tasks:
    - { name: t1, debug: msg=x }
    - { name: t2, debug: msg=y }
`, LOCAL3);
    const order = r.log.filter((l) => / ok t\d$/.test(l)).map((l) => l.replace(' ok ', ':'));
    expect(order.slice(0, 4).sort()).toEqual(['a:t1', 'a:t2', 'b:t1', 'b:t2']);
    expect(order.slice(4)).toEqual(['c:t1', 'c:t2']);
  });
});

describe('handlers', () => {
  it('run once at the end, only when notified by a change, in definition order, via listen too', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { name: changes, command: "true", notify: [second, topic] }
    - { name: changes again, command: "true", notify: second }
    - { name: no change, command: "true", changed_when: false, notify: never }
  handlers:
    - { name: first, debug: msg=1, listen: topic }
    - { name: second, debug: msg=2 }
    - { name: never, debug: msg=3 }
`, LOCAL3);
    const handlers = r.log.filter((l) => l.startsWith('handler '));
    expect(handlers).toEqual(['handler first', 'handler second']);
    expect(r.log.indexOf('handler first')).toBeGreaterThan(r.log.indexOf('task no change'));
  });
  it('a listen topic runs every handler that listens to it', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { name: changes, command: "true", notify: restart web }
  handlers:
    - { name: memcached, debug: msg=1, listen: restart web }
    - { name: other, debug: msg=2 }
    - { name: apache, debug: msg=3, listen: restart web }
`, LOCAL3);
    expect(r.log.filter((l) => l.startsWith('handler '))).toEqual(['handler memcached', 'handler apache']);
  });
  it('meta: flush_handlers runs them in the middle of the play', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { name: changes, command: "true", notify: h }
    - meta: flush_handlers
    - { name: after, debug: msg=x }
  handlers:
    - { name: h, debug: msg=h }
`, LOCAL3);
    expect(r.log.indexOf('handler h')).toBeLessThan(r.log.indexOf('task after'));
  });
});

describe('failures', () => {
  it('a failed host leaves the play; the others go on; exit code 2', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: fail on b, command: /bin/false, when: inventory_hostname == 'b' }
    - { name: next, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'next').sort()).toEqual(['a ok next', 'c ok next']);
    expect(r.exitCode).toBe(2);
    expect(r.stats.hosts.get('b')).toMatchObject({ failed: 1 });
  });
  it('ignore_errors keeps the host and counts ignored', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { name: boom, command: /bin/false, ignore_errors: true }
    - { name: next, debug: msg=x }
`, LOCAL3);
    expect(r.log).toContain('a ok next');
    expect(r.exitCode).toBe(0);
    expect(r.stats.hosts.get('a')).toMatchObject({ ignored: 1, failed: 0 });
  });
  it('ignore_errors may be a template, rendered with the host\'s variables', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: boom, command: /bin/false, ignore_errors: "{{ inventory_hostname == 'a' }}" }
    - { name: next, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'next')).toEqual(['a ok next']);
    expect(r.stats.hosts.get('a')).toMatchObject({ ignored: 1, failed: 0 });
    expect(r.stats.hosts.get('b')).toMatchObject({ failed: 1 });
  });
  it('any_errors_fatal stops every host', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - { name: fail on b, command: /bin/false, when: inventory_hostname == 'b' }
    - { name: next, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'next')).toEqual([]);
    expect(r.log.some((l) => l.startsWith('abort'))).toBe(true);
  });
  it('max_fail_percentage aborts when exceeded', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  max_fail_percentage: 30
  tasks:
    - { name: fail on b, command: /bin/false, when: inventory_hostname == 'b' }
    - { name: next, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'next')).toEqual([]);
  });
  it('failed_when and changed_when see the registered result', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - name: grep
      command: echo hello
      register: out
      changed_when: "'hello' in out.stdout"
      failed_when: out.rc != 0
`, LOCAL3);
    expect(r.log).toContain('a changed grep');
  });
  it('until/retries repeats until the condition holds', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - name: counter
      shell: n=$(cat {{dir}}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > {{dir}}/n; echo $n
      register: c
      until: c.stdout | int >= 3
      retries: 5
      delay: 0
`, LOCAL3, { extraVars: { dir: mkdtempSync(join(tmpdir(), 'tsplay-until-')) } });
    expect(r.results.get('a counter')).toMatchObject({ attempts: 3, failed: false, stdout: '3' });
  });
  it('in check mode until is tried on the skipped command (stdout empty), as Ansible: the retries run out', async () => {
    const yaml = (extra: string) => `
- hosts: a
  gather_facts: false
  tasks:
    - name: wait
      shell: echo ready
      register: c
      until: "'ready' in c.stdout"
      retries: 2
      delay: 0
${extra}`;
    const r = await runYaml(yaml(''), LOCAL3, { check: true });
    expect(r.results.get('a wait')).toMatchObject({ failed: true, skipped: true, attempts: 2, stdout: '' });
    expect(r.exitCode).toBe(2);
    // check_mode: false runs it for real, and it is ready at once.
    const real = await runYaml(yaml('      check_mode: false\n'), LOCAL3, { check: true });
    expect(real.results.get('a wait')).toMatchObject({ failed: false, attempts: 1, stdout: 'ready' });
  });
  it('a failed host does not take part in later plays', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: fail on b, command: /bin/false, when: inventory_hostname == 'b' }
- hosts: web
  gather_facts: false
  tasks:
    - { name: later, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'later').sort()).toEqual(['a ok later', 'c ok later']);
  });
});

describe('run_once, delegate_to, tags, start-at-task', () => {
  it('run_once runs on the first host and registers for all', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: once, command: "echo {{inventory_hostname}}", run_once: true, register: o, changed_when: false }
    - { name: show, debug: "msg={{o.stdout}}" }
`, LOCAL3);
    expect(hostLines(r.log, 'once')).toEqual(['a ok once']);
    expect(r.results.get('c show')).toMatchObject({ msg: 'a' });
  });
  it('tags and skip-tags select tasks; always runs', async () => {
    const pb = `
- hosts: a
  gather_facts: false
  tasks:
    - { name: t-a, debug: msg=1, tags: alpha }
    - { name: t-b, debug: msg=2, tags: [beta] }
    - { name: t-always, debug: msg=3, tags: always }
    - { name: t-never, debug: msg=4, tags: never }
`;
    const only = await runYaml(pb, LOCAL3, { tags: ['alpha'] });
    expect(only.log.filter((l) => l.startsWith('task '))).toEqual(['task t-a', 'task t-always']);
    const skip = await runYaml(pb, LOCAL3, { skipTags: ['alpha'] });
    expect(skip.log.filter((l) => l.startsWith('task '))).toEqual(['task t-b', 'task t-always']);
  });
  it('--start-at-task skips everything before the named task', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - { name: first, debug: msg=1 }
    - { name: second, debug: msg=2 }
    - { name: third, debug: msg=3 }
`, LOCAL3, { startAtTask: 'second' });
    expect(r.log.filter((l) => l.startsWith('task '))).toEqual(['task second', 'task third']);
  });
});

describe('loops, includes and variable precedence', () => {
  it('loop_control label/index_var and per-item when', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - name: items
      debug: msg="{{i}}:{{idx}}"
      loop: [x, y, z]
      when: i != 'y'
      loop_control: { loop_var: i, index_var: idx }
      register: out
    - assert:
        that:
          - out.results | length == 3
          - out.results[1].skipped
          - out.results[2].msg == 'z:2'
`, LOCAL3);
    expect(r.exitCode).toBe(0);
  });
  it('include_tasks runs a file per host, with loops', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - include_tasks: "{{ 'inc-a.yml' if inventory_hostname == 'a' else 'inc-b.yml' }}"
`, LOCAL3, {}, { 'inc-a.yml': '- { name: from a, debug: msg=a }\n', 'inc-b.yml': '- { name: from b, debug: msg=b }\n' });
    expect(hostLines(r.log, 'from a')).toEqual(['a ok from a']);
    expect(hostLines(r.log, 'from b').sort()).toEqual(['b ok from b', 'c ok from b']);
  });
  it('precedence: inventory < play vars < task vars < set_fact < extra vars', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  vars: { v1: play, v2: play, v3: play, v4: play }
  tasks:
    - set_fact: { v3: fact, v4: fact }
    - name: show
      debug: msg="{{v0}} {{v1}} {{v2}} {{v3}} {{v4}}"
      vars: { v2: task, v3: task }
`, '[web]\na ansible_connection=local v0=inv v1=inv\n', { extraVars: { v4: 'extra' } });
    expect(r.results.get('a show')).toMatchObject({ msg: 'inv play task fact extra' });
  });
  it('an undefined variable fails the task naming the variable and the line', async () => {
    const r = await runYaml(`
- hosts: a
  gather_facts: false
  tasks:
    - name: oops
      debug: msg="{{nope}}"
`, LOCAL3);
    expect(String(r.results.get('a oops')?.msg)).toMatch(/'nope' is undefined.*site\.yml:5/s);
  });
});

describe('force_handlers', () => {
  const pb = (keywords: string) => `
- hosts: web
  gather_facts: false
${keywords}
  pre_tasks:
    - { name: pre, command: "true", notify: pre handler }
  tasks:
    - { name: notify, command: "true", notify: restart }
    - { name: a fails, command: "false", when: inventory_hostname == 'a' }
    - { name: later, command: "true", notify: reload }
  post_tasks:
    - { name: post, debug: msg=post }
  handlers:
    - { name: pre handler, debug: msg=pre }
    - { name: restart, debug: msg=restart }
    - { name: reload, debug: msg=reload }
`;
  it('without it, a failed host runs none of its handlers', async () => {
    const r = await runYaml(pb(''), LOCAL3);
    expect(hostLines(r.log, 'restart').sort()).toEqual(['b ok restart', 'c ok restart']);
    expect(r.exitCode).toBe(2);
  });
  it('a host that fails runs the handlers it was notified of at the end of that section, then stops', async () => {
    for (const [keywords, options] of [['  force_handlers: true', {}], ['', { forceHandlers: true }]] as const) {
      const r = await runYaml(pb(keywords), LOCAL3, options);
      expect(hostLines(r.log, 'pre handler').sort()).toEqual(['a ok pre handler', 'b ok pre handler', 'c ok pre handler']);
      // a's restart runs with b's and c's, after the section's last task; reload was never notified on a.
      expect(hostLines(r.log, 'restart').sort()).toEqual(['a ok restart', 'b ok restart', 'c ok restart']);
      expect(r.log.indexOf('handler restart')).toBeGreaterThan(r.log.indexOf('c changed later'));
      expect(hostLines(r.log, 'reload').sort()).toEqual(['b ok reload', 'c ok reload']);
      expect(hostLines(r.log, 'post').sort()).toEqual(['b ok post', 'c ok post']);
      expect(r.stats.hosts.get('a')).toMatchObject({ failed: 1 });
      expect(r.exitCode).toBe(2);
    }
  });
  it("the play's keyword wins over the run's default", async () => {
    const r = await runYaml(pb('  force_handlers: false'), LOCAL3, { forceHandlers: true });
    expect(hostLines(r.log, 'restart').sort()).toEqual(['b ok restart', 'c ok restart']);
  });
  it('any_errors_fatal ends the play at once: no handlers run (as in Ansible)', async () => {
    const r = await runYaml(pb('  force_handlers: true\n  any_errors_fatal: true'), LOCAL3);
    expect(hostLines(r.log, 'restart')).toEqual([]);
    expect(hostLines(r.log, 'later')).toEqual([]);
  });
});

describe('meta: clear_host_errors', () => {
  it('forgives the failures for the next plays and the exit code; the recap still counts them', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: a fails, command: "false", when: inventory_hostname == 'a' }
    - meta: clear_host_errors
- hosts: web
  gather_facts: false
  tasks:
    - { name: again, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'again').sort()).toEqual(['a ok again', 'b ok again', 'c ok again']);
    expect(r.stats.hosts.get('a')).toMatchObject({ failed: 1 });
    expect(r.exitCode).toBe(0);
  });
  it('a false when: clears nothing', async () => {
    const r = await runYaml(`
- hosts: web
  gather_facts: false
  tasks:
    - { name: a fails, command: "false", when: inventory_hostname == 'a' }
    - { meta: clear_host_errors, when: false }
- hosts: web
  gather_facts: false
  tasks:
    - { name: again, debug: msg=x }
`, LOCAL3);
    expect(hostLines(r.log, 'again').sort()).toEqual(['b ok again', 'c ok again']);
    expect(r.exitCode).toBe(2);
  });
});
