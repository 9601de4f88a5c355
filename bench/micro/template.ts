/**
 * Micro-benchmark of templating and conditions: the shape of a 100-host × 1000-task run
 * (every task's arguments rendered and its `when` evaluated once per host).
 * Prints rates; asserts nothing. Run after a build:
 *
 *   npm run build && node dist/bench/micro/template.js [hosts] [tasks]
 */
import { performance } from 'node:perf_hooks';
import { evaluateCondition } from '../../core/template/expression.js';
import { Templar } from '../../core/template/templar.js';

const hosts = Number(process.argv[2] ?? 100);
const tasks = Number(process.argv[3] ?? 1000);

/** Ten task shapes repeated: plain variables, helpers, blocks, Jinja-style pipes. */
const TASK_ARGS: Array<Record<string, unknown>> = [
  { dest: '{{root}}/etc/{{app_name}}.conf', mode: '0644' },
  { name: '{{ item.key }}', value: '{{ item.value }}' },
  { path: '{{ conf_dir }}', state: 'directory' },
  { line: '{{ public_ip }} {{ inventory_hostname }}', regexp: '\\s{{ inventory_hostname }}$' },
  { virt: '{{default nova_virt_type "kvm"}}', count: '{{length app_features}}' },
  { msg: '{{ app_name | upper }} on {{ ansible_facts.distribution }}' },
  { settings: '{{ answer_settings }}' },
  { content: '{{#each app_features}}feature.{{@index}} = {{this}}\n{{/each}}' },
  { host: '{{lookup (lookup hostvars (lookup groups.controller 0)) "public_ip"}}' },
  { opts: '{{ extra_opts | default([]) | join(",") }}' },
];
const CONDITIONS = ['ansible_facts.os_family == "RedHat"', 'app_features | length > 0', 'nova_virt_type is undefined', 'port | int >= 1024 and not skip'];

function hostVars(i: number): Record<string, unknown> {
  return {
    inventory_hostname: `node${i}`,
    root: `/srv/node${i}`,
    conf_dir: `/srv/node${i}/etc`,
    app_name: 'demo',
    public_ip: `198.18.0.${i % 250}`,
    item: { key: `k${i}`, value: `v${i}` },
    app_features: ['a', 'b', 'c'],
    ansible_facts: { distribution: 'CentOS', os_family: 'RedHat' },
    answer_settings: { CONFIG_A: 'y', CONFIG_B: 'n' },
    groups: { controller: ['node0'] },
    hostvars: { node0: { public_ip: '198.18.0.10' } },
    port: '8080',
    skip: false,
  };
}

const templar = new Templar();
let compiles = 0;
const compile = templar.handlebars.compile.bind(templar.handlebars);
templar.handlebars.compile = ((...args: Parameters<typeof compile>) => {
  compiles++;
  return compile(...args);
}) as typeof compile;

const vars = Array.from({ length: hosts }, (_, i) => hostVars(i));
let renders = 0;
let conditions = 0;
const start = performance.now();
for (let t = 0; t < tasks; t++) {
  const args = TASK_ARGS[t % TASK_ARGS.length]!;
  const cond = CONDITIONS[t % CONDITIONS.length]!;
  for (let h = 0; h < hosts; h++) {
    if (evaluateCondition(cond, vars[h]!)) templar.render(args, vars[h]!, `task ${t}`);
    conditions++;
    renders++;
  }
}
const elapsed = performance.now() - start;

console.log(`${hosts} hosts × ${tasks} tasks: ${(elapsed / 1000).toFixed(2)} s`);
console.log(`  task argument renders: ${Math.round((renders / elapsed) * 1000).toLocaleString('en')} /s`);
console.log(`  conditions evaluated:  ${Math.round((conditions / elapsed) * 1000).toLocaleString('en')} /s (same loop)`);
console.log(`  distinct templates prepared: ${templar.cacheSize}, Handlebars compiles: ${compiles}`);

// Per template kind, in isolation.
for (const [label, template] of [
  ['plain variables', '{{root}}/etc/{{app_name}}.conf'],
  ['single native value', '{{ answer_settings }}'],
  ['helper call', '{{default nova_virt_type "kvm"}}'],
  ['#each block', '{{#each app_features}}feature.{{@index}} = {{this}}\n{{/each}}'],
  ['jinja pipe', '{{ app_name | upper }} on {{ ansible_facts.distribution }}'],
] as const) {
  const n = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) templar.render(template, vars[i % hosts]!);
  const ms = performance.now() - t0;
  console.log(`  ${label.padEnd(20)} ${Math.round((n / ms) * 1000).toLocaleString('en').padStart(12)} renders/s`);
}
